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

/// The size of `v` as compact JSON (`serde_json::to_string(v).len()`),
/// counted without building the string.
pub fn json_size(v: &Value) -> usize {
    size_upto(v, usize::MAX)
}

/// `Err(size)` when `v` is over the payload limit.
///
/// Every state input and output goes through this, so it must be cheap: the
/// count walks the value without formatting it (only floats are formatted)
/// and stops as soon as it passes the limit.
pub fn check_size(v: &Value) -> Result<(), usize> {
    let size = size_upto(v, MAX_PAYLOAD_BYTES);
    if size > MAX_PAYLOAD_BYTES {
        Err(json_size(v))
    } else {
        Ok(())
    }
}

/// The compact JSON size of `v`, or some number over `limit` once the count
/// passes it.
fn size_upto(v: &Value, limit: usize) -> usize {
    match v {
        Value::Null => 4,
        Value::Bool(true) => 4,
        Value::Bool(false) => 5,
        Value::Number(n) => number_size(n),
        Value::String(s) => string_size(s),
        Value::Array(items) => {
            // `[` `]` and the commas.
            let mut size = 2 + items.len().saturating_sub(1);
            for item in items {
                size += size_upto(item, limit);
                if size > limit {
                    return size;
                }
            }
            size
        }
        Value::Object(map) => {
            // `{` `}`, the commas, and a colon per entry.
            let mut size = 2 + map.len().saturating_sub(1) + map.len();
            for (k, item) in map {
                size += string_size(k) + size_upto(item, limit);
                if size > limit {
                    return size;
                }
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

    #[test]
    fn check_size_reports_the_exact_size_over_the_limit() {
        let under = json!({ "s": "x".repeat(MAX_PAYLOAD_BYTES - 8) });
        assert_eq!(json_size(&under), MAX_PAYLOAD_BYTES);
        assert_eq!(check_size(&under), Ok(()));
        let over = json!({ "s": "x".repeat(MAX_PAYLOAD_BYTES - 7) });
        assert_eq!(check_size(&over), Err(MAX_PAYLOAD_BYTES + 1));
        let many = Value::Array(vec![json!("\u{1}"); MAX_PAYLOAD_BYTES]);
        assert_eq!(
            check_size(&many),
            Err(serde_json::to_string(&many)
                .map(|s| s.len())
                .unwrap_or_default())
        );
    }
}
