//! Choice rules (JSONPath flavour): comparisons, `...Path` operands, And/Or/Not.

use std::cmp::Ordering;

use serde_json::Value;
use stepwell_asl::{parse_rfc3339, Comparison, Operand, Rule};
use stepwell_java::compare_utf16;
use stepwell_jsonpath::{Path, Roots};

use crate::dataflow::At;
use crate::errors::StateError;

/// Evaluate a JSONPath rule against the Choice state's effective input.
/// JSONata `Condition` rules are evaluated by the caller.
pub(crate) fn evaluate(rule: &Rule, roots: &Roots<'_>, at: At<'_>) -> Result<bool, StateError> {
    match rule {
        Rule::And(rules) => {
            for r in rules {
                if !evaluate(r, roots, at)? {
                    return Ok(false);
                }
            }
            Ok(true)
        }
        Rule::Or(rules) => {
            for r in rules {
                if evaluate(r, roots, at)? {
                    return Ok(true);
                }
            }
            Ok(false)
        }
        Rule::Not(r) => Ok(!evaluate(r, roots, at)?),
        Rule::Compare { variable, op } => compare(variable, op, roots, at),
        Rule::Condition(_) => Ok(false),
    }
}

fn compare(
    variable: &Path,
    op: &Comparison,
    roots: &Roots<'_>,
    at: At<'_>,
) -> Result<bool, StateError> {
    use Comparison as C;
    let found = variable.select(roots);
    if let C::IsPresent(want) = op {
        let present = match &found {
            Ok(v) => variable.is_definite() || v.as_array().is_some_and(|a| !a.is_empty()),
            Err(_) => false,
        };
        return Ok(present == *want);
    }
    let value = found.map_err(|e| at.err(e))?;
    let v: &Value = &value;
    Ok(match op {
        C::StringEquals(o) => string_cmp(v, o, roots, at)? == Some(Ordering::Equal),
        C::StringLessThan(o) => string_cmp(v, o, roots, at)? == Some(Ordering::Less),
        C::StringGreaterThan(o) => string_cmp(v, o, roots, at)? == Some(Ordering::Greater),
        C::StringLessThanEquals(o) => matches!(
            string_cmp(v, o, roots, at)?,
            Some(Ordering::Less | Ordering::Equal)
        ),
        C::StringGreaterThanEquals(o) => matches!(
            string_cmp(v, o, roots, at)?,
            Some(Ordering::Greater | Ordering::Equal)
        ),
        C::StringMatches(pattern) => v.as_str().is_some_and(|s| string_matches(s, pattern)),
        C::NumericEquals(o) => num_cmp(v, o, roots, at)? == Some(Ordering::Equal),
        C::NumericLessThan(o) => num_cmp(v, o, roots, at)? == Some(Ordering::Less),
        C::NumericGreaterThan(o) => num_cmp(v, o, roots, at)? == Some(Ordering::Greater),
        C::NumericLessThanEquals(o) => matches!(
            num_cmp(v, o, roots, at)?,
            Some(Ordering::Less | Ordering::Equal)
        ),
        C::NumericGreaterThanEquals(o) => matches!(
            num_cmp(v, o, roots, at)?,
            Some(Ordering::Greater | Ordering::Equal)
        ),
        C::BooleanEquals(o) => {
            let rhs = match o {
                Operand::Value(b) => Some(*b),
                Operand::Path(p) => operand(p, roots, at)?.as_bool(),
            };
            matches!((v.as_bool(), rhs), (Some(a), Some(b)) if a == b)
        }
        C::TimestampEquals(o) => time_cmp(v, o, roots, at)? == Some(Ordering::Equal),
        C::TimestampLessThan(o) => time_cmp(v, o, roots, at)? == Some(Ordering::Less),
        C::TimestampGreaterThan(o) => time_cmp(v, o, roots, at)? == Some(Ordering::Greater),
        C::TimestampLessThanEquals(o) => matches!(
            time_cmp(v, o, roots, at)?,
            Some(Ordering::Less | Ordering::Equal)
        ),
        C::TimestampGreaterThanEquals(o) => matches!(
            time_cmp(v, o, roots, at)?,
            Some(Ordering::Greater | Ordering::Equal)
        ),
        C::IsNull(want) => v.is_null() == *want,
        C::IsNumeric(want) => v.is_number() == *want,
        C::IsString(want) => v.is_string() == *want,
        C::IsBoolean(want) => v.is_boolean() == *want,
        C::IsTimestamp(want) => v.as_str().is_some_and(|s| parse_rfc3339(s).is_some()) == *want,
        C::IsPresent(_) => false,
    })
}

fn operand(p: &Path, roots: &Roots<'_>, at: At<'_>) -> Result<Value, StateError> {
    p.select(roots)
        .map(|v| v.into_owned())
        .map_err(|e| at.err(e))
}

fn string_cmp(
    v: &Value,
    o: &Operand<String>,
    roots: &Roots<'_>,
    at: At<'_>,
) -> Result<Option<Ordering>, StateError> {
    let Some(lhs) = v.as_str() else {
        return Ok(None);
    };
    Ok(match o {
        Operand::Value(s) => Some(compare_utf16(lhs, s)),
        Operand::Path(p) => operand(p, roots, at)?
            .as_str()
            .map(|s| compare_utf16(lhs, s)),
    })
}

fn num_cmp(
    v: &Value,
    o: &Operand<f64>,
    roots: &Roots<'_>,
    at: At<'_>,
) -> Result<Option<Ordering>, StateError> {
    let Some(lhs) = v.as_f64() else {
        return Ok(None);
    };
    let rhs = match o {
        Operand::Value(n) => Some(*n),
        Operand::Path(p) => operand(p, roots, at)?.as_f64(),
    };
    Ok(rhs.and_then(|r| lhs.partial_cmp(&r)))
}

fn time_cmp(
    v: &Value,
    o: &Operand<String>,
    roots: &Roots<'_>,
    at: At<'_>,
) -> Result<Option<Ordering>, StateError> {
    let Some(lhs) = v.as_str().and_then(parse_rfc3339) else {
        return Ok(None);
    };
    let rhs = match o {
        Operand::Value(s) => parse_rfc3339(s),
        Operand::Path(p) => operand(p, roots, at)?.as_str().and_then(parse_rfc3339),
    };
    Ok(rhs.map(|r| lhs.cmp(&r)))
}

/// `StringMatches`: `*` matches any run of characters; `\*` and `\\` are literal.
pub(crate) fn string_matches(s: &str, pattern: &str) -> bool {
    #[derive(PartialEq)]
    enum Tok {
        Star,
        Char(char),
    }
    let mut toks = Vec::new();
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some(n) => toks.push(Tok::Char(n)),
                None => toks.push(Tok::Char('\\')),
            },
            '*' => toks.push(Tok::Star),
            c => toks.push(Tok::Char(c)),
        }
    }
    let text: Vec<char> = s.chars().collect();
    // Classic wildcard matching with backtracking to the last star.
    let (mut t, mut p) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        match toks.get(p) {
            Some(Tok::Char(c)) if *c == text[t] => {
                t += 1;
                p += 1;
            }
            Some(Tok::Star) => {
                star = Some((p, t));
                p += 1;
            }
            _ => match star {
                Some((sp, st)) => {
                    p = sp + 1;
                    t = st + 1;
                    star = Some((sp, st + 1));
                }
                None => return false,
            },
        }
    }
    toks[p..].iter().all(|t| *t == Tok::Star)
}

#[cfg(test)]
mod tests {
    use super::string_matches;

    #[test]
    fn wildcards() {
        let cases = [
            ("log.txt", "*.txt", true),
            ("log.txt", "*.log", false),
            ("a*b", "a\\*b", true),
            ("axb", "a\\*b", false),
            ("", "*", true),
            ("abc", "a*c", true),
            ("abc", "a*b*c", true),
            ("a\\b", "a\\\\b", true),
            ("test.log.txt", "*.log", false),
        ];
        for (s, p, want) in cases {
            assert_eq!(string_matches(s, p), want, "{s} ~ {p}");
        }
    }
}
