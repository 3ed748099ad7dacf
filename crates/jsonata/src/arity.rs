//! Built-ins called with more arguments than they take.
//!
//! jsonata-js checks a call's arguments against the function's signature as
//! a whole: each argument becomes a type symbol (`s` string, `n` number,
//! `b` boolean, `l` null, `a` array, `o` object, `f` function, `m` missing),
//! and each parameter a regular expression over them (`<n-n?:n>` is
//! `[nm]?[nm]?`). When the arguments do not fit, the error names the
//! argument after the longest prefix of them that the parameters, added one
//! at a time, still match (`throwValidationError`): `$round(1.5, 0, 1)`
//! fails on argument 3 and `$now(1, 2, 3)` on argument 1. jsonata-java, which
//! AWS runs, ports that check. jsonata-core counts the arguments first and
//! names another one.
//!
//! A call written with more arguments than its built-in has parameters
//! never fits (no built-in but `$zip` repeats a parameter), so [`prepare`]
//! rewrites it to `` `stepwell arity`(name, args...) ``: the arguments are
//! evaluated, in order, as for the call, and the host fails with jsonata-js's
//! `T0410`; a call a value is chained into (`x ~> $round(1, 2)`) takes that
//! value as its first argument. Partial applications and built-ins the
//! expression rebinds are left alone.

use std::collections::BTreeSet;

use jsonata_core::ast::{AstNode, BinaryOp};
use jsonata_core::value::{with_stack, JValue};

use crate::error::{js_string, JsonataError};
use crate::guard::host;

/// The host the rewritten calls go to, and the mark in the analysis that an
/// expression has one.
pub(crate) const ARITY: &str = "stepwell arity";

/// jsonata-js 2.0.6's signatures of the built-ins with a fixed number of
/// parameters (`$zip` repeats one; AWS removes `$eval` and gives `$random`
/// a seed, which its own check covers).
const SIGNATURES: &[(&str, &str)] = &[
    ("abs", "<n-:n>"),
    ("append", "<xx:a>"),
    ("assert", "<bs?:x>"),
    ("average", "<a<n>:n>"),
    ("base64decode", "<s-:s>"),
    ("base64encode", "<s-:s>"),
    ("boolean", "<x-:b>"),
    ("ceil", "<n-:n>"),
    ("clone", "<(oa)-:o>"),
    ("contains", "<s-(sf):b>"),
    ("count", "<a:n>"),
    ("decodeUrl", "<s-:s>"),
    ("decodeUrlComponent", "<s-:s>"),
    ("distinct", "<x:x>"),
    ("each", "<o-f:a>"),
    ("encodeUrl", "<s-:s>"),
    ("encodeUrlComponent", "<s-:s>"),
    ("error", "<s?:x>"),
    ("exists", "<x:b>"),
    ("filter", "<af>"),
    ("floor", "<n-:n>"),
    ("formatBase", "<n-n?:s>"),
    ("formatInteger", "<n-s:s>"),
    ("formatNumber", "<n-so?:s>"),
    ("fromMillis", "<n-s?s?:s>"),
    ("join", "<a<s>s?:s>"),
    ("keys", "<x-:a<s>>"),
    ("length", "<s-:n>"),
    ("lookup", "<x-s:x>"),
    ("lowercase", "<s-:s>"),
    ("map", "<af>"),
    ("match", "<s-f<s:o>n?:a<o>>"),
    ("max", "<a<n>:n>"),
    ("merge", "<a<o>:o>"),
    ("millis", "<:n>"),
    ("min", "<a<n>:n>"),
    ("not", "<x-:b>"),
    ("now", "<s?s?:s>"),
    ("number", "<(nsb)-:n>"),
    ("pad", "<s-ns?:s>"),
    ("parseInteger", "<s-s:n>"),
    ("power", "<n-n:n>"),
    ("reduce", "<afj?:j>"),
    ("replace", "<s-(sf)(sf)n?:s>"),
    ("reverse", "<a:a>"),
    ("round", "<n-n?:n>"),
    ("shuffle", "<a:a>"),
    ("sift", "<o-f?:o>"),
    ("single", "<af?>"),
    ("sort", "<af?:a>"),
    ("split", "<s-(sf)n?:a<s>>"),
    ("spread", "<x-:a<o>>"),
    ("sqrt", "<n-:n>"),
    ("string", "<x-b?:s>"),
    ("substring", "<s-nn?:s>"),
    ("substringAfter", "<s-s:s>"),
    ("substringBefore", "<s-s:s>"),
    ("sum", "<a<n>:n>"),
    ("toMillis", "<s-s?:n>"),
    ("trim", "<s-:s>"),
    ("type", "<x:s>"),
    ("uppercase", "<s-:s>"),
];

fn signature(name: &str) -> Option<&'static str> {
    SIGNATURES
        .binary_search_by(|(n, _)| n.cmp(&name))
        .ok()
        .map(|i| SIGNATURES[i].1)
}

/// Rewrites every call of `node` with too many arguments (see the module
/// documentation); `true` when there was one. Runs on the tree as parsed,
/// after [`crate::guard::rename_reserved`] and before the other rewrites.
pub(crate) fn prepare(node: &mut AstNode) -> bool {
    let bound = crate::guard::bound_names(node);
    let mut found = false;
    rewrite(node, &bound, &mut found);
    found
}

fn rewrite(node: &mut AstNode, bound: &BTreeSet<String>, found: &mut bool) {
    if let AstNode::Binary {
        op: BinaryOp::ChainPipe,
        lhs,
        rhs,
    } = node
    {
        // A call on the right is given the value chained in first.
        with_stack(|| rewrite(lhs, bound, found));
        if let AstNode::Function { args, .. } = rhs.as_mut() {
            args.iter_mut().for_each(|a| rewrite(a, bound, found));
            if let Some(name) = too_many(rhs, 1, bound) {
                let AstNode::Function { args, .. } = rhs.as_mut() else {
                    return;
                };
                let mut given = vec![
                    AstNode::String(name),
                    std::mem::replace(lhs.as_mut(), AstNode::Null),
                ];
                given.append(args);
                *node = host(ARITY, given);
                *found = true;
            }
        } else {
            rewrite(rhs, bound, found);
        }
        return;
    }
    with_stack(|| crate::guard::children_mut(node, &mut |child| rewrite(child, bound, found)));
    if let Some(name) = too_many(node, 0, bound) {
        let AstNode::Function { args, .. } = node else {
            return;
        };
        let mut given = vec![AstNode::String(name)];
        given.append(args);
        *node = host(ARITY, given);
        *found = true;
    }
}

/// The name of the built-in `node` calls, when it is given more arguments
/// (`chained` more than it writes) than it has parameters.
fn too_many(node: &AstNode, chained: usize, bound: &BTreeSet<String>) -> Option<String> {
    let AstNode::Function {
        name,
        args,
        is_builtin: true,
    } = node
    else {
        return None;
    };
    let fits = args.len() + chained <= parameters(signature(name)?).len();
    let partial = args.iter().any(|a| matches!(a, AstNode::Placeholder));
    (!fits && !partial && !bound.contains(name.as_str())).then(|| name.clone())
}

/// The regular expression of each parameter of `signature`, as jsonata-js's
/// `parseSignature` writes it.
fn parameters(signature: &str) -> Vec<String> {
    let mut params: Vec<String> = Vec::new();
    let mut chars = signature.strip_prefix('<').unwrap_or(signature).chars();
    while let Some(c) = chars.next() {
        match c {
            // The return type, or the end.
            ':' | '>' => break,
            's' | 'n' | 'b' | 'l' | 'o' => params.push(format!("[{c}m]")),
            'a' | 'x' => params.push("[asnblfom]".into()),
            'j' => params.push("[asnblom]".into()),
            'f' => params.push("f".into()),
            '(' => {
                let choice: String = chars.by_ref().take_while(|&c| c != ')').collect();
                params.push(format!("[{choice}m]"));
            }
            // A subtype (`a<s>`, `f<s:o>`) adds nothing to the pattern.
            '<' => {
                let mut depth = 1;
                for c in chars.by_ref() {
                    match c {
                        '<' => depth += 1,
                        '>' => depth -= 1,
                        _ => {}
                    }
                    if depth == 0 {
                        break;
                    }
                }
            }
            '?' | '+' | '-' => {
                if let Some(last) = params.last_mut() {
                    last.push(if c == '+' { '+' } else { '?' });
                }
            }
            _ => {}
        }
    }
    params
}

/// jsonata-js's type symbol of a value.
fn symbol(value: &JValue) -> char {
    match value {
        JValue::Undefined => 'm',
        JValue::Null => 'l',
        JValue::Bool(_) => 'b',
        JValue::Number(_) => 'n',
        JValue::String(_) => 's',
        JValue::Array(_) => 'a',
        JValue::Object(_) => 'o',
        _ => 'f',
    }
}

/// The argument jsonata-js names when `symbols` do not fit `signature`: the
/// one after the longest prefix the parameters, added one at a time, match.
fn failing_argument(signature: &str, symbols: &str) -> usize {
    let mut pattern = String::from("^");
    let mut good_to = 0;
    for param in parameters(signature) {
        pattern.push_str(&param);
        match regex_lite::Regex::new(&pattern)
            .ok()
            .and_then(|re| re.find(symbols))
        {
            Some(m) => good_to = m.end(),
            None => break,
        }
    }
    good_to + 1
}

/// `arity(name, args...)`: the call's `T0410`.
pub(crate) fn arity(args: &[JValue]) -> Result<JValue, JsonataError> {
    let name = match args.first() {
        Some(JValue::String(name)) => name.to_string(),
        _ => String::new(),
    };
    let symbols: String = args.iter().skip(1).map(symbol).collect();
    let index = signature(&name).map_or(1, |sig| failing_argument(sig, &symbols));
    Err(JsonataError::templated(
        "T0410",
        &[("index", &index.to_string()), ("token", &js_string(&name))],
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_is_sorted_and_parses() {
        assert!(SIGNATURES.windows(2).all(|w| w[0].0 < w[1].0));
        assert_eq!(parameters("<n-n?:n>"), ["[nm]?", "[nm]?"]);
        assert_eq!(
            parameters("<s-(sf)(sf)n?:s>"),
            ["[sm]?", "[sfm]", "[sfm]", "[nm]?"]
        );
        assert_eq!(parameters("<s-f<s:o>n?:a<o>>"), ["[sm]?", "f", "[nm]?"]);
        assert_eq!(parameters("<a<s>s?:s>"), ["[asnblfom]", "[sm]?"]);
        assert_eq!(parameters("<af>"), ["[asnblfom]", "f"]);
        assert_eq!(parameters("<:n>"), Vec::<String>::new());
    }

    /// jsonata-js 2.0.6's answers.
    #[test]
    fn names_the_argument_jsonata_js_names() {
        for (sig, symbols, index) in [
            ("<n-n?:n>", "nnn", 3),
            ("<s?s?:s>", "nnn", 1),
            ("<x-b?:s>", "nbn", 3),
            ("<x-:a<s>>", "on", 2),
            ("<s-ns?:s>", "nsm", 3),
            ("<s-nn?:s>", "nnm", 3),
            ("<:n>", "n", 1),
        ] {
            assert_eq!(failing_argument(sig, symbols), index, "{sig} {symbols}");
        }
    }
}
