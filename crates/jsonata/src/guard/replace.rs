//! The `$replace` guard: how long the output of a replacement by a string
//! can be, found without building it.
//!
//! The output is the string with each match (up to the limit) replaced, so
//! it is at most `len(s) + matches × len(replacement)` long, and with a
//! regex each `$0`/`$n` in the replacement adds the text of the match or a
//! group. A cheap bound on that usually settles it; only when it does not
//! are the matches counted, with jsonata-core's own regex matching and its
//! reading of `$n`, so that a replacement fails only when its real output
//! would pass [`MAX_STRING`].
//!
//! A replacement function's output cannot be known in advance, so it is
//! counted as it is returned: the function is given to jsonata-core
//! wrapped (see `Rewriter::replacer` in `rewrite`), so that each string it
//! returns passes through [`REPLACED`](super::REPLACED), which adds it to
//! the running total of the `$replace` call applying it ([`Running`]).

use std::cell::RefCell;
use std::convert::Infallible;
use std::rc::{Rc, Weak};

use jsonata_core::evaluator::StoredLambda;
use jsonata_core::functions::string::{
    build_regex, substitute_capture_groups, RegexMatch, RegexMatches,
};
use jsonata_core::value::JValue;

use super::{too_large, MAX_STRING, WRAPPED_FUNCTION, WRAPPED_MATCH};
use crate::error::JsonataError;

/// Which argument of `$replace` is which, as the signature
/// `<s-(sf)(sf)n?:s>` takes them: the string, the pattern, the
/// replacement and the limit.
type Roles<'a> = (&'a JValue, &'a JValue, &'a JValue, Option<&'a JValue>);

fn roles<'a>(values: &'a [JValue], context: Option<&'a JValue>) -> Option<Roles<'a>> {
    Some(match (values, context) {
        ([s, p, r, l], _) => (s, p, r, Some(l)),
        ([p, r, l @ JValue::Number(_)], Some(s)) => (s, p, r, Some(l)),
        ([s, p, r], _) => (s, p, r, None),
        ([p, r], Some(s)) => (s, p, r, None),
        _ => return None,
    })
}

/// Check `$replace` called with `values` (and `context`, the string when the
/// call leaves it out): fail when the output would be longer than
/// [`MAX_STRING`]. Arguments jsonata-core rejects, and replacement
/// functions, are left to it.
pub(super) fn check(values: &[JValue], context: Option<&JValue>) -> Result<(), JsonataError> {
    let Some((s, pattern, replacement, limit)) = roles(values, context) else {
        return Ok(());
    };
    let (JValue::String(s), JValue::String(replacement)) = (s, replacement) else {
        return Ok(());
    };
    let limit = match limit {
        None | Some(JValue::Undefined) => usize::MAX,
        // Saturating: a limit past any count is no limit.
        Some(JValue::Number(n)) if *n >= 0.0 => n.ceil() as usize,
        Some(_) => return Ok(()),
    };
    let len = match pattern {
        JValue::String(p) if !p.is_empty() => literal(s, p, replacement, limit),
        JValue::Regex { pattern, flags } => regex(s, pattern, flags, replacement, limit),
        _ => None,
    };
    match len {
        Some(len) if len > MAX_STRING => Err(too_large()),
        _ => Ok(()),
    }
}

/// The `$replace` calls applying a wrapped replacement function, innermost
/// last: each call's running total of its output's length.
///
/// A call is entered by its closing guard ([`Running::enter`]), once its
/// arguments are evaluated and before jsonata-core applies the function;
/// it has ended when the wrapper it was given is dropped (jsonata-core
/// holds its arguments until it returns, and nothing else holds the
/// wrapper). Calls nest, so when a wrapper returns a string the innermost
/// call still running is the one applying it.
#[derive(Default)]
pub(super) struct Running(RefCell<Vec<Call>>);

struct Call {
    /// The wrapper the call was given, alive while the call runs.
    wrapper: Weak<StoredLambda>,
    /// The function the wrapper applies, which the string counted must
    /// come from.
    function: JValue,
    /// Whether the pattern is a regex, whose matches are cut out of the
    /// string in order and without overlapping (otherwise it is a matcher
    /// function, whose matches can be anywhere).
    regex: bool,
    /// With a regex, the string's length less the matches replaced so far
    /// plus what replaced them: the output's length if nothing more were
    /// replaced, and no less than what jsonata-core has built so far. With
    /// a matcher function, the length of what replaced the matches.
    total: usize,
}

impl Running {
    /// The closing guard of `$replace` called with `values` (and `context`):
    /// when its replacement is a wrapped function, start counting.
    pub(super) fn enter(&self, values: &[JValue], context: Option<&JValue>) {
        let Some((JValue::String(s), pattern, JValue::Lambda(wrapper), _)) = roles(values, context)
        else {
            return;
        };
        if wrapper.params.first().map(String::as_str) != Some(WRAPPED_MATCH) {
            return;
        }
        let Some(function) = wrapper.captured_env.get(WRAPPED_FUNCTION) else {
            return;
        };
        let (regex, total) = match pattern {
            JValue::Regex { .. } => (true, utf16_len(s)),
            JValue::Lambda(_) | JValue::Builtin { .. } => (false, 0),
            // jsonata-core rejects a substring pattern with a function.
            _ => return,
        };
        let Ok(mut calls) = self.0.try_borrow_mut() else {
            return;
        };
        ended(&mut calls);
        calls.push(Call {
            wrapper: Rc::downgrade(wrapper),
            function: function.clone(),
            regex,
            total,
        });
    }

    /// `replaced`, what the wrapped replacement `function` returned for
    /// `found` (its match object): fail when it takes the output of the
    /// call applying it past [`MAX_STRING`]. Anything but a string is left
    /// to jsonata-core (`D3012`).
    pub(super) fn count(
        &self,
        replaced: &JValue,
        found: &JValue,
        function: &JValue,
    ) -> Result<(), JsonataError> {
        let JValue::String(replaced) = replaced else {
            return Ok(());
        };
        let Ok(mut calls) = self.0.try_borrow_mut() else {
            return Ok(());
        };
        ended(&mut calls);
        // The innermost call still running applies `function` (a wrapper
        // whose call was never entered is not counted).
        let Some(call) = calls.last_mut().filter(|c| same(&c.function, function)) else {
            return Ok(());
        };
        if call.regex {
            let matched = match found {
                JValue::Object(found) => match found.get("match") {
                    Some(JValue::String(m)) => utf16_len(m),
                    _ => 0,
                },
                _ => 0,
            };
            // The match is part of the text not replaced yet.
            call.total = call.total.saturating_sub(matched);
        }
        call.total = call.total.saturating_add(utf16_len(replaced));
        if call.total > MAX_STRING {
            return Err(too_large());
        }
        Ok(())
    }
}

/// Whether `a` and `b` are the same function value.
fn same(a: &JValue, b: &JValue) -> bool {
    match (a, b) {
        (JValue::Lambda(a), JValue::Lambda(b)) => Rc::ptr_eq(a, b),
        (JValue::Builtin { name: a }, JValue::Builtin { name: b }) => a == b,
        _ => false,
    }
}

/// Drop the calls that have returned (or failed) from the top of `calls`.
fn ended(calls: &mut Vec<Call>) {
    while calls.last().is_some_and(|c| c.wrapper.strong_count() == 0) {
        calls.pop();
    }
}

/// Length in UTF-16 code units, as JavaScript counts it.
fn utf16_len(s: &str) -> usize {
    if s.is_ascii() {
        return s.len();
    }
    s.chars().map(char::len_utf16).sum()
}

/// The output's length (or a bound within [`MAX_STRING`]) for a substring
/// pattern, whose replacement is taken as it is.
fn literal(s: &str, p: &str, r: &str, limit: usize) -> Option<usize> {
    // Matches do not overlap, so there are at most `len(s) / len(p)`.
    let most = (s.len() / p.len()).min(limit);
    let bound = s.len().saturating_add(most.saturating_mul(r.len()));
    if bound <= MAX_STRING {
        return Some(bound);
    }
    let matches = s.matches(p).take(limit).count();
    Some(
        s.len()
            .saturating_sub(matches.saturating_mul(p.len()))
            .saturating_add(matches.saturating_mul(r.len())),
    )
}

/// The output's length (or a bound within [`MAX_STRING`]) for a regex
/// pattern; `None` when jsonata-core will reject the regex.
fn regex(s: &str, pattern: &str, flags: &str, r: &str, limit: usize) -> Option<usize> {
    let re = build_regex(pattern, flags).ok()?;
    let template = Template::new(r, re.captures_len().saturating_sub(1));
    // At most one match per byte and one at the end (a zero-length match
    // other than the first is an error); the matches and so the groups they
    // refer to do not overlap.
    let most = s.len().saturating_add(1).min(limit);
    let bound = s
        .len()
        .saturating_add(most.saturating_mul(template.text))
        .saturating_add(template.references().saturating_mul(s.len()));
    if bound <= MAX_STRING {
        return Some(bound);
    }
    Some(counted(RegexMatches::new(&re, s), s, &template, limit))
}

/// The output's length for `matches` of a regex in `s`, or past
/// [`MAX_STRING`] the length of the part jsonata-core will have built when
/// it passes it (which only grows).
fn counted(mut matches: RegexMatches<'_, '_>, s: &str, template: &Template, limit: usize) -> usize {
    let mut built = 0usize;
    let mut position = 0;
    let mut count = 0;
    while count < limit {
        // An error (a zero-length match) is jsonata-core's to report, after
        // building what was counted so far.
        let Ok(Some(found)) = matches.next_match() else {
            break;
        };
        let gap = found.byte_start.saturating_sub(position);
        built = built
            .saturating_add(gap)
            .saturating_add(template.len(&found));
        if built > MAX_STRING {
            return built;
        }
        position = found.byte_end;
        count += 1;
    }
    built.saturating_add(s.len().saturating_sub(position))
}

/// What a replacement string makes of one match: `text` bytes of its own,
/// plus `whole` copies of the match and `groups[i]` copies of group `i + 1`.
struct Template {
    text: usize,
    whole: usize,
    groups: Vec<usize>,
}

impl Template {
    /// Read `replacement` for a regex with `group_count` groups, by having
    /// jsonata-core substitute into it (as it will for each match) an empty
    /// match and empty groups, counting which groups it asks for, and then a
    /// one-byte match.
    fn new(replacement: &str, group_count: usize) -> Template {
        let mut groups = vec![0usize; group_count];
        let mut out = String::new();
        let _ =
            substitute_capture_groups::<Infallible>(&mut out, replacement, "", group_count, |i| {
                if let Some(g) = groups.get_mut(i) {
                    *g += 1;
                }
                Ok(None)
            });
        let text = out.len();
        out.clear();
        let _ = substitute_capture_groups::<Infallible>(
            &mut out,
            replacement,
            "#",
            group_count,
            |_| Ok(None),
        );
        Template {
            text,
            whole: out.len().saturating_sub(text),
            groups,
        }
    }

    /// How many times the match or a group is copied in.
    fn references(&self) -> usize {
        self.groups
            .iter()
            .fold(self.whole, |n, g| n.saturating_add(*g))
    }

    /// The length of the replacement for `found`.
    fn len(&self, found: &RegexMatch<'_>) -> usize {
        let mut len = self
            .text
            .saturating_add(self.whole.saturating_mul(found.text.len()));
        for (copies, group) in self.groups.iter().zip(&found.groups) {
            len = len.saturating_add(copies.saturating_mul(group.map_or(0, str::len)));
        }
        len
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The counted length is the length of jsonata-core's output, for
    /// replacements using every form of `$` (jsonata-js reads `$n` with as
    /// many digits as the group count has, and keeps a `$` before anything
    /// else) and for limits.
    #[test]
    fn counted_length_is_the_output_length() {
        let patterns = [
            ("b", ""),
            ("(b)(c)?", ""),
            ("(a)(b)(c)(d)(e)(f)(g)(h)(i)(j)(k)(l)", ""),
            ("B+", "i"),
            ("x*", ""),
            ("é(.)", ""),
        ];
        let replacements = [
            "",
            "-",
            "$0",
            "$1",
            "$2",
            "$3",
            "$$",
            "$",
            "$x",
            "$12",
            "$13",
            "$01",
            "$1$0$$1",
            "[$0|$1|$2]",
            "$ 1",
            "$-1",
            "$+1",
            "€$1€",
        ];
        let subjects = ["abcabbcbd", "", "bbbb", "abcdefghijklabcdefghijkl", "éaébé"];
        let mut compared = 0;
        for (pattern, flags) in patterns {
            let re = build_regex(pattern, flags).unwrap();
            for r in replacements {
                let template = Template::new(r, re.captures_len() - 1);
                for s in subjects {
                    for limit in [None, Some(0), Some(1), Some(2)] {
                        let want = jsonata_core::functions::string::replace(
                            s,
                            &JValue::regex(pattern, flags),
                            r,
                            limit,
                        );
                        let Ok(JValue::String(want)) = want else {
                            continue;
                        };
                        let matches = RegexMatches::new(&re, s);
                        let got = counted(matches, s, &template, limit.unwrap_or(usize::MAX));
                        assert_eq!(got, want.len(), "{s:?} /{pattern}/{flags} {r:?} {limit:?}");
                        compared += 1;
                    }
                }
            }
        }
        assert!(compared > 1500, "only {compared} replacements compared");
    }
}
