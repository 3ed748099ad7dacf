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

use std::convert::Infallible;

use jsonata_core::functions::string::{
    build_regex, substitute_capture_groups, RegexMatch, RegexMatches,
};
use jsonata_core::value::JValue;

use super::{too_large, MAX_STRING};
use crate::error::JsonataError;

/// Check `$replace` called with `values` (and `context`, the string when the
/// call leaves it out): fail when the output would be longer than
/// [`MAX_STRING`]. Arguments jsonata-core rejects, and replacement
/// functions, are left to it.
pub(super) fn check(values: &[JValue], context: Option<&JValue>) -> Result<(), JsonataError> {
    // Which argument is which, as the signature `<s-(sf)(sf)n?:s>` takes them.
    let (s, pattern, replacement, limit) = match (values, context) {
        ([s, p, r, l], _) => (s, p, r, Some(l)),
        ([p, r, l @ JValue::Number(_)], Some(s)) => (s, p, r, Some(l)),
        ([s, p, r], _) => (s, p, r, None),
        ([p, r], Some(s)) => (s, p, r, None),
        _ => return Ok(()),
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
