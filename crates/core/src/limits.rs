//! Step Functions service limits.

use std::io;

use serde_json::{Number, Value};

/// The largest state input, output or task result: 256 KiB.
pub const MAX_PAYLOAD_BYTES: usize = 256 * 1024;

// Workflow variables. AWS, "Passing data between states with variables",
// Limits. Sizes are compact JSON bytes of the values, as for payloads; names
// are not counted (AWS's example "you could assign X and Y to 128KiB" only
// holds if they are not).

/// "The maximum size of a single variable is 256Kib, for both Standard and
/// Express workflows."
pub const MAX_VARIABLE_BYTES: usize = 256 * 1024;

/// "The maximum combined size for all variables in a single `Assign` field is
/// also 256Kib."
pub const MAX_ASSIGN_BYTES: usize = 256 * 1024;

/// "The total size of all stored variables cannot exceed 10MiB per
/// execution." AWS does not say whether variables that went out of scope
/// (those of finished Parallel branches and Map iterations) still count; we
/// count only the ones still held, since those are the ones stored (see
/// `Execution::vars_bytes`): a Map over many items must not fail because
/// earlier iterations each assigned something.
pub const MAX_TOTAL_VARIABLE_BYTES: usize = 10 * 1024 * 1024;

/// The deepest nesting of arrays and objects a state's data may have: 1,000
/// levels (`[[1]]` is nested 2 deep). AWS documents no such limit; 1,000 is
/// the default maximum nesting depth of Jackson (`StreamReadConstraints`),
/// the JSON library of AWS's Java services. Stepwell needs a bound of its
/// own: data is walked, copied, written and dropped recursively, so a value
/// nested 100,000 levels deep (256 KiB of `[`) would overflow the stack.
pub const MAX_NESTING: usize = 1000;

/// The most events a STANDARD execution's history may hold (AWS's hard
/// quota, "Maximum execution history size": "If the execution history
/// reaches this quota, the execution will fail"). A Map Run's STANDARD
/// child execution has a quota of its own.
pub const MAX_HISTORY_EVENTS: u64 = 25_000;

/// The most events an EXPRESS execution (or a Map Run's EXPRESS child
/// execution) may record before it is timed out: AWS sets them no history
/// quota but stops them after 5 minutes ([`EXPRESS_MAX_SECONDS`], a timer
/// that fires only between decisions); far more than any execution
/// finishing within 5 minutes would need here, few enough that a loop that
/// never waits ends in seconds.
pub const EXPRESS_MAX_EVENTS: u64 = 10_000_000;

/// AWS's maximum duration of an EXPRESS execution: five minutes (its
/// execution timer, whatever the definition's `TimeoutSeconds`).
pub const EXPRESS_MAX_SECONDS: u64 = 300;

/// How a value is over a limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exceeded {
    /// Its compact JSON has this many bytes, more than allowed.
    Size(usize),
    /// It is nested deeper than [`MAX_NESTING`].
    Nesting,
}

/// What [`size_upto`] returns for a value nested too deeply.
const TOO_DEEP: usize = usize::MAX;

/// The size of `v` as compact JSON (`serde_json::to_string(v).len()`),
/// counted without building the string. `usize::MAX` for a value nested
/// deeper than [`MAX_NESTING`] (see `measure`).
pub fn json_size(v: &Value) -> usize {
    size_upto(v, usize::MAX - 1, 0)
}

/// The size of `v` as compact JSON, or `Err(Exceeded::Nesting)`.
pub fn measure(v: &Value) -> Result<usize, Exceeded> {
    match json_size(v) {
        TOO_DEEP => Err(Exceeded::Nesting),
        size => Ok(size),
    }
}

/// Whether `v` is over the payload limit or nested too deeply.
///
/// Every state input and output goes through this, so it must be cheap: the
/// count walks the value without formatting it (only floats are formatted)
/// and stops as soon as it passes the limit.
pub fn check_size(v: &Value) -> Result<(), Exceeded> {
    match size_upto(v, MAX_PAYLOAD_BYTES, 0) {
        TOO_DEEP => Err(Exceeded::Nesting),
        size if size > MAX_PAYLOAD_BYTES => measure(v).and_then(|s| Err(Exceeded::Size(s))),
        _ => Ok(()),
    }
}

/// What kind of JSON value `v` is, as messages name it ("a string",
/// "an object", ...).
pub fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Parse JSON text nested at most [`MAX_NESTING`] levels deep.
///
/// `serde_json` alone refuses text nested deeper than 128 levels, less than
/// a state may produce; this checks the nesting with a scan of the bytes
/// first, so the recursive parse that follows stays shallow.
pub fn parse_json(text: &str) -> serde_json::Result<Value> {
    if nesting_exceeds(text.as_bytes(), MAX_NESTING) {
        return Err(serde::de::Error::custom(format_args!(
            "JSON nested deeper than {MAX_NESTING} levels"
        )));
    }
    from_slice_unbounded(text.as_bytes())
}

/// Decode JSON with no bound on its nesting. Only for text whose nesting is
/// known to be bounded: data Stepwell wrote itself (a stored history), or
/// text [`parse_json`] scanned.
pub fn from_slice_unbounded<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> serde_json::Result<T> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    de.disable_recursion_limit();
    let value = T::deserialize(&mut de)?;
    de.end()?;
    Ok(value)
}

/// Whether the arrays and objects of JSON text `bytes` nest deeper than
/// `max` (brackets inside strings do not count). Malformed text is left to
/// the parser.
fn nesting_exceeds(bytes: &[u8], max: usize) -> bool {
    let (mut level, mut in_string, mut escaped) = (0usize, false, false);
    for &b in bytes {
        if in_string {
            match b {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'[' | b'{' => {
                level += 1;
                if level > max {
                    return true;
                }
            }
            b']' | b'}' => level = level.saturating_sub(1),
            _ => {}
        }
    }
    false
}

/// The compact JSON size of `v`, or some number over `limit` once the count
/// passes it; [`TOO_DEEP`] when `v` (inside `level` arrays and objects) has
/// more than [`MAX_NESTING`] levels. `limit` is below `TOO_DEEP`, and so is
/// any count returned for a value that is not too deep.
fn size_upto(v: &Value, limit: usize, level: usize) -> usize {
    let nested = |size: usize| {
        if level >= MAX_NESTING {
            TOO_DEEP
        } else {
            size
        }
    };
    match v {
        Value::Null => 4,
        Value::Bool(true) => 4,
        Value::Bool(false) => 5,
        Value::Number(n) => number_size(n),
        Value::String(s) => string_size(s),
        Value::Array(items) => {
            // `[` `]` and the commas.
            let mut size = nested(2 + items.len().saturating_sub(1));
            for item in items {
                if size > limit {
                    return size;
                }
                size = size.saturating_add(size_upto(item, limit, level + 1));
            }
            size
        }
        Value::Object(map) => {
            // `{` `}`, the commas, and a colon per entry.
            let mut size = nested(2 + map.len().saturating_sub(1) + map.len());
            for (k, item) in map {
                if size > limit {
                    return size;
                }
                size = size
                    .saturating_add(string_size(k))
                    .saturating_add(size_upto(item, limit, level + 1));
            }
            size
        }
    }
}

/// A string with its quotes and serde_json's escapes.
fn string_size(s: &str) -> usize {
    let escapes: usize = s
        .bytes()
        .map(|b| match b {
            b'"' | b'\\' | 0x08 | 0x09 | 0x0a | 0x0c | 0x0d => 1,
            0..=0x1f => 5,
            _ => 0,
        })
        .sum();
    s.len() + 2 + escapes
}

fn number_size(n: &Number) -> usize {
    if let Some(u) = n.as_u64() {
        digits(u)
    } else if let Some(i) = n.as_i64() {
        1 + digits(i.unsigned_abs())
    } else {
        // Floats are rare in payloads; count what serde_json writes.
        struct Count(usize);
        impl io::Write for Count {
            fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
                self.0 += buf.len();
                Ok(buf.len())
            }
            fn flush(&mut self) -> io::Result<()> {
                Ok(())
            }
        }
        let mut c = Count(0);
        let _ = serde_json::to_writer(&mut c, n);
        c.0
    }
}

fn digits(u: u64) -> usize {
    match u.checked_ilog10() {
        Some(l) => l as usize + 1,
        None => 1,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn size_is_the_compact_json_length() {
        let cases = [
            json!(null),
            json!(true),
            json!(false),
            json!(0),
            json!(9),
            json!(10),
            json!(-1),
            json!(-10),
            json!(u64::MAX),
            json!(i64::MIN),
            json!(1.5),
            json!(-0.0),
            json!(1e300),
            json!(1.7976931348623157e308),
            json!(5e-324),
            json!(""),
            json!("plain"),
            json!("quote \" backslash \\ slash /"),
            json!("\u{0}\u{1}\u{8}\t\n\u{b}\u{c}\r\u{1f}\u{7f}"),
            json!("héllo ✓ 😀"),
            json!([]),
            json!({}),
            json!([1, "a", null, [true, {}], {"k": [1.25, -3]}]),
            json!({"a\"b": {"c": [1, 2, {"d": "e\n"}]}, "": ""}),
        ];
        for v in cases {
            let expected = serde_json::to_string(&v)
                .map(|s| s.len())
                .unwrap_or_default();
            assert_eq!(json_size(&v), expected, "{v}");
        }
    }

    fn nested(levels: usize) -> Value {
        let mut v = json!(1);
        for i in 0..levels {
            v = if i % 2 == 0 {
                json!([v])
            } else {
                json!({ "a": v })
            };
        }
        v
    }

    #[test]
    fn nesting_is_bounded_at_max_nesting() {
        assert_eq!(check_size(&json!(1)), Ok(()));
        assert_eq!(check_size(&nested(MAX_NESTING)), Ok(()));
        assert_eq!(check_size(&nested(MAX_NESTING + 1)), Err(Exceeded::Nesting));
        assert_eq!(measure(&nested(MAX_NESTING + 1)), Err(Exceeded::Nesting));
        let deep = nested(MAX_NESTING);
        let text = serde_json::to_string(&deep).unwrap_or_default();
        assert_eq!(measure(&deep), Ok(text.len()));
        // Deep inside a big value: the size walk stops early, the second
        // walk still finds the nesting.
        let big = json!(["x".repeat(MAX_PAYLOAD_BYTES), nested(MAX_NESTING + 1)]);
        assert_eq!(check_size(&big), Err(Exceeded::Nesting));
        let big = json!(["x".repeat(MAX_PAYLOAD_BYTES), nested(MAX_NESTING - 1)]);
        assert!(matches!(check_size(&big), Err(Exceeded::Size(_))));
    }

    /// Run `f` on a thread with the stack a release build gets from tokio
    /// (2 MiB), halved to leave room for the frames above; debug builds use
    /// several times the stack per level, so they get more.
    fn on_small_stack<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> Option<T> {
        let size = if cfg!(debug_assertions) {
            16 << 20
        } else {
            1 << 20
        };
        let thread = std::thread::Builder::new().stack_size(size).spawn(f).ok()?;
        thread.join().ok()
    }

    #[test]
    fn parse_json_accepts_max_nesting_and_no_more() {
        assert_eq!(on_small_stack(parse_json_cases), Some(()));
    }

    fn parse_json_cases() {
        let ok = format!("{}1{}", "[".repeat(MAX_NESTING), "]".repeat(MAX_NESTING));
        assert_eq!(parse_json(&ok).ok().map(|v| json_size(&v)), Some(ok.len()));
        let over = format!(
            "{}1{}",
            "[".repeat(MAX_NESTING + 1),
            "]".repeat(MAX_NESTING + 1)
        );
        let err = parse_json(&over)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(err.contains("nested deeper than 1000 levels"), "{err}");
        // Brackets in strings, escaped quotes included, do not count.
        let strings = format!(
            r#"{{"k\"[": "{}\"{}"}}"#,
            "[".repeat(2000),
            "{".repeat(2000)
        );
        assert!(parse_json(&strings).is_ok(), "{strings}");
        assert!(parse_json("[1,").is_err());
        assert!(parse_json("[1] 2").is_err());
    }

    /// Everything Stepwell does with data recurses: a little past the bound
    /// (a template around deep data) it must still fit the stack.
    #[test]
    fn data_at_the_bound_fits_a_small_stack() {
        let run = on_small_stack(|| {
            let deep = json!({ "params": nested(MAX_NESTING + 200) });
            let copy = deep.clone();
            let text = serde_json::to_string(&copy).unwrap_or_default();
            let back: Value = from_slice_unbounded(text.as_bytes()).unwrap_or_default();
            let pretty = serde_json::to_string_pretty(&back).unwrap_or_default();
            (back == deep, measure(&deep), pretty.len() > text.len())
        });
        assert_eq!(run, Some((true, Err(Exceeded::Nesting), true)));
    }

    #[test]
    fn check_size_reports_the_exact_size_over_the_limit() {
        let under = json!({ "s": "x".repeat(MAX_PAYLOAD_BYTES - 8) });
        assert_eq!(json_size(&under), MAX_PAYLOAD_BYTES);
        assert_eq!(check_size(&under), Ok(()));
        let over = json!({ "s": "x".repeat(MAX_PAYLOAD_BYTES - 7) });
        assert_eq!(
            check_size(&over),
            Err(Exceeded::Size(MAX_PAYLOAD_BYTES + 1))
        );
        let many = Value::Array(vec![json!("\u{1}"); MAX_PAYLOAD_BYTES]);
        assert_eq!(
            check_size(&many),
            Err(Exceeded::Size(
                serde_json::to_string(&many)
                    .map(|s| s.len())
                    .unwrap_or_default()
            ))
        );
    }
}
