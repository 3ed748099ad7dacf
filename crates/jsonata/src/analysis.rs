//! Static checks over a parsed expression: the JSONata 2.0.6 syntax gate and
//! the variables an expression reads from its environment.

use std::collections::BTreeSet;

use jsonata_core::ast::{AstNode, BinaryOp, Stage};
use jsonata_core::value::with_stack;

use crate::error::{js_string, Hints, JsonataError};

/// Built-in functions of JSONata 2.0.6 (AWS removes `eval`, handled elsewhere).
const BUILTINS: &[&str] = &[
    "abs",
    "append",
    "assert",
    "average",
    "base64decode",
    "base64encode",
    "boolean",
    "ceil",
    "clone",
    "contains",
    "count",
    "decodeUrl",
    "decodeUrlComponent",
    "distinct",
    "each",
    "encodeUrl",
    "encodeUrlComponent",
    "error",
    "eval",
    "exists",
    "filter",
    "floor",
    "formatBase",
    "formatInteger",
    "formatNumber",
    "fromMillis",
    "join",
    "keys",
    "length",
    "lookup",
    "lowercase",
    "map",
    "match",
    "max",
    "merge",
    "millis",
    "min",
    "not",
    "now",
    "number",
    "pad",
    "parseInteger",
    "power",
    "random",
    "reduce",
    "replace",
    "reverse",
    "round",
    "shuffle",
    "sift",
    "single",
    "sort",
    "split",
    "spread",
    "sqrt",
    "string",
    "substring",
    "substringAfter",
    "substringBefore",
    "sum",
    "toMillis",
    "trim",
    "type",
    "uppercase",
    "zip",
];

/// Functions Step Functions adds.
const AWS_FUNCTIONS: &[&str] = &["hash", "parse", "partition", "random", "range", "uuid"];

/// Built-ins replaced by ours: AWS removes `eval`; jsonata-core's URL
/// functions differ from jsonata-js's (see `url`); `now`, `millis` and
/// `shuffle` take the time and randomness from the caller (see
/// `functions`).
const OVERRIDDEN: [&str; 8] = [
    "eval",
    "encodeUrl",
    "encodeUrlComponent",
    "decodeUrl",
    "decodeUrlComponent",
    "now",
    "millis",
    "shuffle",
];

/// What a compiled expression needs from its environment.
#[derive(Debug, Default)]
pub(crate) struct Analysis {
    /// `$name`s read as values and not bound inside the expression, excluding
    /// built-in and AWS function names.
    pub free: Vec<String>,
    /// Every name referenced as `$name` or called as `$name(...)`, to bind
    /// from the caller's bindings (a binding shadows a built-in, as in jsonata-js).
    pub referenced: Vec<String>,
    /// AWS functions and overridden built-ins the expression mentions.
    pub aws: Vec<&'static str>,
    /// Facts for error messages.
    pub hints: Hints,
    /// See [`crate::Expression::unsupported_references`].
    pub unsupported: Vec<crate::UnsupportedReference>,
}

/// Function calls in evaluation order (arguments before the call) and
/// comparison operators in source order.
fn hints(node: &AstNode) -> Hints {
    fn go(node: &AstNode, h: &mut Hints) {
        with_stack(|| children(node, &mut |c| go(c, h)));
        match node {
            AstNode::Function {
                name,
                args,
                is_builtin: true,
            } if BUILTINS.contains(&name.as_str()) || AWS_FUNCTIONS.contains(&name.as_str()) => {
                h.calls.push((name.clone(), args.len()));
            }
            AstNode::Binary { op, .. } => {
                let sym = match op {
                    BinaryOp::LessThan => "<",
                    BinaryOp::LessThanOrEqual => "<=",
                    BinaryOp::GreaterThan => ">",
                    BinaryOp::GreaterThanOrEqual => ">=",
                    _ => return,
                };
                h.comparisons.push(sym);
            }
            _ => {}
        }
    }
    let mut h = Hints::default();
    go(node, &mut h);
    h
}

/// Reject syntax JSONata 2.0.6 does not have: the `??` and `?:` operators
/// (added in 2.1). 2.0.6 reads `a ?? b` as a condition whose `then` branch
/// starts with `?`, and `a ?: b` as one starting with `:`; both fail with S0211.
/// And the range operator anywhere but between the items of an array
/// constructor (see [`misplaced_range`]).
pub(crate) fn check_v2_0_6(node: &AstNode) -> Result<(), JsonataError> {
    match misplaced_range(node, None) {
        None => {}
        // The parser expected the end of the expression.
        Some(None) => {
            return Err(JsonataError::templated("S0201", &[("token", "\"..\"")]));
        }
        Some(Some(closing)) => {
            return Err(JsonataError::templated(
                "S0202",
                &[("value", &js_string(closing)), ("token", "\"..\"")],
            ));
        }
    }
    let mut found = None;
    walk(node, &mut |n| {
        if found.is_none() {
            if let AstNode::Binary { op, .. } = n {
                match op {
                    BinaryOp::Coalesce => found = Some("?"),
                    BinaryOp::Default => found = Some(":"),
                    _ => {}
                }
            }
        }
    });
    match found {
        Some(token) => Err(JsonataError::templated(
            "S0211",
            &[("token", &js_string(token))],
        )),
        None => Ok(()),
    }
}

/// A range `a..b` jsonata-js 2.0.6 would not parse, with the token its
/// parser expected instead of `..` there (`None`: the end of the
/// expression). jsonata-js reads `..` only between the items of an array
/// constructor (`[1..3]`, `[0, 2..4]`); anywhere else the enclosing
/// construct meets a token it does not expect: `c[0..1]` fails with
/// `Expected "]", got ".."`, `(1..2)` with `")"`, `1..2` with S0201.
/// jsonata-core accepts `..` everywhere, so this is checked here.
/// `closing` is what the innermost bracketed construct around `node` ends
/// with.
fn misplaced_range(node: &AstNode, closing: Option<&'static str>) -> Option<Option<&'static str>> {
    with_stack(|| match node {
        AstNode::Binary {
            op: BinaryOp::Range,
            ..
        } => Some(closing),
        AstNode::Array(items) | AstNode::ArrayGroup(items) => {
            items.iter().find_map(|item| match item {
                AstNode::Binary {
                    op: BinaryOp::Range,
                    lhs,
                    rhs,
                } => within([&**lhs, &**rhs], Some("]")),
                other => misplaced_range(other, Some("]")),
            })
        }
        AstNode::Block(items) => within(items.iter(), Some(")")),
        AstNode::Function { args, .. } => within(args.iter(), Some(")")),
        AstNode::Call { procedure, args } => {
            misplaced_range(procedure, closing).or_else(|| within(args.iter(), Some(")")))
        }
        AstNode::Lambda { body, .. } => match &**body {
            AstNode::Block(items) => within(items.iter(), Some("}")),
            other => misplaced_range(other, Some("}")),
        },
        AstNode::Object(pairs) => within(pairs.iter().flat_map(|(k, v)| [k, v]), Some("}")),
        AstNode::ObjectTransform { input, pattern } => misplaced_range(input, closing)
            .or_else(|| within(pattern.iter().flat_map(|(k, v)| [k, v]), Some("}"))),
        AstNode::Path { steps } => steps.iter().find_map(|step| {
            misplaced_range(&step.node, closing).or_else(|| {
                step.stages.iter().find_map(|stage| match stage {
                    Stage::Filter(e) => misplaced_range(e, Some("]")),
                    _ => None,
                })
            })
        }),
        AstNode::Sort { input, terms } => misplaced_range(input, closing)
            .or_else(|| within(terms.iter().map(|(t, _)| t), Some(")"))),
        AstNode::Transform {
            location,
            update,
            delete,
        } => within(
            [Some(&**location), Some(&**update), delete.as_deref()]
                .into_iter()
                .flatten(),
            Some("|"),
        ),
        other => {
            let mut found = None;
            children(other, &mut |c| {
                if found.is_none() {
                    found = misplaced_range(c, closing);
                }
            });
            found
        }
    })
}

/// The first of `nodes` with a [`misplaced_range`] inside `closing`.
fn within<'a>(
    nodes: impl IntoIterator<Item = &'a AstNode>,
    closing: Option<&'static str>,
) -> Option<Option<&'static str>> {
    nodes.into_iter().find_map(|n| misplaced_range(n, closing))
}

/// Compute the [`Analysis`] of an expression.
pub(crate) fn analyse(node: &AstNode) -> Analysis {
    let mut free = BTreeSet::new();
    let mut referenced = BTreeSet::new();
    let mut scopes: Vec<BTreeSet<String>> = vec![binders(std::slice::from_ref(node))];
    refs(node, &mut scopes, &mut free, &mut referenced);
    let aws = AWS_FUNCTIONS
        .iter()
        .chain(&OVERRIDDEN)
        .copied()
        .filter(|f| referenced.contains(*f))
        .collect();
    free.retain(|n: &String| {
        !BUILTINS.contains(&n.as_str()) && !AWS_FUNCTIONS.contains(&n.as_str())
    });
    Analysis {
        free: free.into_iter().collect(),
        referenced: referenced.into_iter().collect(),
        aws,
        hints: hints(node),
        unsupported: Vec::new(),
    }
}

/// Names bound directly in a scope whose top-level expressions are `nodes`:
/// `$x := ...` and `@$x`/`#$x` path bindings, not looking into nested blocks
/// or lambdas (which have scopes of their own).
fn binders(nodes: &[AstNode]) -> BTreeSet<String> {
    fn go(node: &AstNode, out: &mut BTreeSet<String>) {
        match node {
            AstNode::Block(_) | AstNode::Lambda { .. } => {}
            AstNode::Binary {
                op: BinaryOp::ColonEqual,
                lhs,
                rhs,
            } => {
                if let AstNode::Variable(name) = lhs.as_ref() {
                    out.insert(name.clone());
                }
                go(rhs, out);
            }
            AstNode::Path { steps } => {
                for step in steps {
                    out.extend(step.focus.iter().cloned());
                    out.extend(step.index_var.iter().cloned());
                    go(&step.node, out);
                    for stage in &step.stages {
                        match stage {
                            Stage::Filter(f) => go(f, out),
                            Stage::Index(name) => {
                                out.insert(name.clone());
                            }
                            Stage::KeepArray => {}
                        }
                    }
                }
            }
            other => with_stack(|| children(other, &mut |c| go(c, out))),
        }
    }
    let mut out = BTreeSet::new();
    for n in nodes {
        go(n, &mut out);
    }
    out
}

fn bound(scopes: &[BTreeSet<String>], name: &str) -> bool {
    scopes.iter().any(|s| s.contains(name))
}

fn refs(
    node: &AstNode,
    scopes: &mut Vec<BTreeSet<String>>,
    free: &mut BTreeSet<String>,
    referenced: &mut BTreeSet<String>,
) {
    with_stack(|| refs_inner(node, scopes, free, referenced));
}

fn refs_inner(
    node: &AstNode,
    scopes: &mut Vec<BTreeSet<String>>,
    free: &mut BTreeSet<String>,
    referenced: &mut BTreeSet<String>,
) {
    match node {
        AstNode::Variable(name) if !name.is_empty() => {
            referenced.insert(name.clone());
            if !bound(scopes, name) {
                free.insert(name.clone());
            }
        }
        AstNode::Function {
            name,
            args,
            is_builtin,
        } => {
            if *is_builtin {
                referenced.insert(name.clone());
            }
            for a in args {
                refs(a, scopes, free, referenced);
            }
        }
        AstNode::Block(items) => {
            scopes.push(binders(items));
            for i in items {
                refs(i, scopes, free, referenced);
            }
            scopes.pop();
        }
        AstNode::Lambda { params, body, .. } => {
            let mut scope: BTreeSet<String> = params.iter().cloned().collect();
            scope.extend(binders(std::slice::from_ref(body.as_ref())));
            scopes.push(scope);
            refs(body, scopes, free, referenced);
            scopes.pop();
        }
        other => children(other, &mut |c| refs(c, scopes, free, referenced)),
    }
}

/// Names that may hold a function other than a lambda written in place:
/// those bound by `:=` to anything but a lambda, parameters, and `@`
/// bindings (anywhere in `node`, whatever their scope).
pub(crate) fn function_holders(node: &AstNode) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    walk(node, &mut |n| match n {
        AstNode::Binary {
            op: BinaryOp::ColonEqual,
            lhs,
            rhs,
        } => {
            if let (AstNode::Variable(name), false) =
                (lhs.as_ref(), matches!(rhs.as_ref(), AstNode::Lambda { .. }))
            {
                out.insert(name.clone());
            }
        }
        AstNode::Lambda { params, .. } => out.extend(params.iter().cloned()),
        AstNode::Path { steps } => {
            for step in steps {
                out.extend(step.focus.iter().cloned());
            }
        }
        _ => {}
    });
    out
}

/// Visit every node, depth first.
pub(crate) fn walk(node: &AstNode, f: &mut dyn FnMut(&AstNode)) {
    f(node);
    with_stack(|| children(node, &mut |c| walk(c, f)));
}

/// Call `$f` on each direct child of `$node`, written once for shared
/// (`iter`) and mutable (`iter_mut, mut`) borrows.
macro_rules! each_child {
    ($node:expr, $f:expr, $iter:ident $(, $m:tt)?) => {{
        let f = $f;
            match $node {
            AstNode::Path { steps } => {
                    for step in steps {
                        f(& $($m)? step.node);
                        for stage in & $($m)? step.stages {
                            if let Stage::Filter(e) = stage {
                                f(e);
                            }
                        }
                    }
                },
            AstNode::Binary { lhs, rhs, .. } => {
                f(lhs);
                f(rhs);
            }
            AstNode::Unary { operand, .. } => f(operand),
            AstNode::Function { args, .. } => args.$iter().for_each(f),
            AstNode::Call { procedure, args } => {
                f(procedure);
                args.$iter().for_each(f);
            }
            AstNode::Lambda { body, .. } => f(body),
            AstNode::Array(items) | AstNode::Block(items) | AstNode::ArrayGroup(items) => {
                items.$iter().for_each(f)
            }
            AstNode::Object(pairs) => pairs.$iter().for_each(|(k, v)| {
                f(k);
                f(v);
            }),
            AstNode::ObjectTransform { input, pattern } => {
                f(input);
                pattern.$iter().for_each(|(k, v)| {
                    f(k);
                    f(v);
                });
            }
            AstNode::Conditional {
                condition,
                then_branch,
                else_branch,
            } => {
                f(condition);
                f(then_branch);
                if let Some(e) = else_branch {
                    f(e);
                }
            }
            AstNode::FunctionApplication(inner) => f(inner),
            AstNode::Sort { input, terms } => {
                f(input);
                terms.$iter().for_each(|(t, _)| f(t));
            }
            AstNode::Transform {
                location,
                update,
                delete,
            } => {
                f(location);
                f(update);
                if let Some(d) = delete {
                    f(d);
                }
            }
            AstNode::String(_)
            | AstNode::Name(_)
            | AstNode::Number(_)
            | AstNode::Boolean(_)
            | AstNode::Null
            | AstNode::Undefined
            | AstNode::Placeholder
            | AstNode::Regex { .. }
            | AstNode::Variable(_)
            | AstNode::ParentVariable(_)
            | AstNode::Wildcard
            | AstNode::Descendant
            | AstNode::Parent(_) => {}
        }
    }};
}
pub(crate) use each_child;

/// Call `f` on each direct child of `node`.
pub(crate) fn children(node: &AstNode, f: &mut dyn FnMut(&AstNode)) {
    each_child!(node, f, iter)
}
