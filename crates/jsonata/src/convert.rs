//! Conversions between `serde_json::Value` and jsonata-core's `JValue`.
//!
//! Results follow `JSON.stringify`, which is how the reference implementation
//! (and AWS) turn a JSONata value into JSON: functions and `undefined` are
//! dropped from objects and become `null` in arrays, integral numbers print
//! without a fraction, and `-0` prints as `0`. A non-finite number, which
//! `JSON.stringify` makes `null`, AWS writes as a string (`"Infinity"`).

use std::collections::HashMap;
use std::rc::Rc;

use indexmap::IndexMap;
use jsonata_core::value::{with_stack, JArray, JValue};
use serde_json::{Map, Number, Value};

/// A JSON value as a JSONata value.
pub(crate) fn to_jvalue(value: &Value) -> JValue {
    match value {
        Value::Null => JValue::Null,
        Value::Bool(b) => JValue::Bool(*b),
        Value::Number(n) => JValue::Number(n.as_f64().unwrap_or(f64::NAN)),
        Value::String(s) => JValue::string(s.as_str()),
        Value::Array(items) => with_stack(|| {
            let flat = !items.iter().any(Value::is_array);
            JValue::Array(JArray::new_flat(
                items.iter().map(to_jvalue).collect(),
                flat,
            ))
        }),
        Value::Object(map) => with_stack(|| {
            let mut out = IndexMap::with_capacity(map.len());
            for (k, v) in map {
                out.insert(k.clone(), to_jvalue(v));
            }
            JValue::object(out)
        }),
    }
}

/// A finite JSONata number as a JSON number, integral values as integers.
pub(crate) fn number(n: f64) -> Option<Number> {
    if !n.is_finite() {
        return None;
    }
    // 2^63: every integral f64 below it converts to i64 exactly.
    if n.fract() == 0.0 && n.abs() < 9_223_372_036_854_775_808.0 {
        return Some(Number::from(n as i64));
    }
    Number::from_f64(n)
}

/// A number JSON cannot hold, as AWS writes it: the string JavaScript names
/// it by (`"Infinity"`, `"-Infinity"`, `"NaN"`), as a Java `ObjectMapper`
/// quotes non-finite doubles (floci's account of AWS: `1/0` is
/// `"Infinity"`, `[1/0]` is `["Infinity"]`, `0/0` is `"NaN"`).
fn non_finite(n: f64) -> Value {
    let name = if n.is_nan() {
        "NaN"
    } else if n > 0.0 {
        "Infinity"
    } else {
        "-Infinity"
    };
    Value::String(name.to_string())
}

/// A copy of `value` as the full evaluator would return it: numbers pass
/// through JavaScript doubles (integral ones print without a fraction).
pub(crate) fn normalise(value: &Value) -> Value {
    match value {
        Value::Number(n) => match n.as_f64().and_then(number) {
            Some(n) => Value::Number(n),
            None => Value::Null,
        },
        Value::Array(items) => with_stack(|| Value::Array(items.iter().map(normalise).collect())),
        Value::Object(map) => with_stack(|| {
            let mut out = Map::with_capacity(map.len());
            for (k, v) in map {
                out.insert(k.clone(), normalise(v));
            }
            Value::Object(out)
        }),
        other => other.clone(),
    }
}

/// Whether `value` has no JSON form of its own (`JSON.stringify` gives undefined).
fn is_unrepresentable(value: &JValue) -> bool {
    matches!(
        value,
        JValue::Undefined | JValue::Lambda(_) | JValue::Builtin { .. } | JValue::Regex { .. }
    )
}

/// A JSONata value as JSON; `None` for a value with no JSON form.
pub(crate) fn from_jvalue(value: &JValue) -> Option<Value> {
    match value {
        JValue::Null => Some(Value::Null),
        JValue::Bool(b) => Some(Value::Bool(*b)),
        JValue::Number(n) => Some(number(*n).map_or_else(|| non_finite(*n), Value::Number)),
        JValue::String(s) => Some(Value::String(s.to_string())),
        JValue::Array(items) => with_stack(|| {
            Some(Value::Array(
                items
                    .iter()
                    .map(|item| from_jvalue(item).unwrap_or(Value::Null))
                    .collect(),
            ))
        }),
        JValue::Object(map) => with_stack(|| {
            let mut out = Map::with_capacity(map.len());
            for (k, v) in map.iter() {
                if let Some(v) = from_jvalue(v) {
                    out.insert(k.clone(), v);
                }
            }
            Some(Value::Object(out))
        }),
        other if is_unrepresentable(other) => None,
        // Any future variant: treat as having no JSON form.
        _ => None,
    }
}

/// Why a value cannot be written out as JSON within [`JsonBounds`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Excess {
    /// The text would be longer than [`JsonBounds::max_len`].
    Size,
    /// Arrays and objects nest deeper than [`JsonBounds::max_nesting`].
    Depth,
}

/// Bounds on the JSON text of a value.
#[derive(Clone, Copy, Debug)]
pub(crate) struct JsonBounds {
    /// Longest text, in UTF-8 bytes (never fewer than JavaScript's UTF-16
    /// units, so the bound is never looser than jsonata-js's).
    pub max_len: usize,
    /// Deepest nesting of arrays and objects: `[]` is one level, `[[]]` two.
    pub max_nesting: usize,
    /// Indented two spaces a level, as `$string(x, true)` writes it.
    pub pretty: bool,
}

/// Longest text of a JavaScript number (`-1.7976931348623157e+308`).
const NUMBER: usize = 24;

/// Containers a walk visits before it starts remembering what each cost.
const MEMO_AFTER: usize = 4096;

/// Whether `value` written as JSON would break `bounds`, and which bound
/// it breaks first. Values share structure (`{"a": $x, "b": $x}` holds `$x`
/// once), so the text can be exponentially larger than the value: the walk
/// stops as soon as the count passes a bound, and once it has visited a
/// few thousand containers it remembers what each container it finished
/// cost at its depth, so that a shared one is walked once. Sizes are exact
/// for strings (escapes included) and upper bounds for numbers; a function
/// or `undefined` counts as `null`.
pub(crate) fn json_excess(value: &JValue, bounds: JsonBounds) -> Option<Excess> {
    let mut walk = Walk {
        left: bounds.max_len,
        bounds,
        visits: 0,
        memo: None,
    };
    walk.value(value, 0).err()
}

struct Walk {
    /// Bytes still allowed.
    left: usize,
    bounds: JsonBounds,
    /// Containers visited.
    visits: usize,
    /// The bytes each container (by address and depth) took, once
    /// `visits` passes [`MEMO_AFTER`].
    memo: Option<HashMap<(usize, usize), usize>>,
}

impl Walk {
    fn take(&mut self, n: usize) -> Result<(), Excess> {
        self.left = self.left.checked_sub(n).ok_or(Excess::Size)?;
        Ok(())
    }

    /// `value` inside `depth` arrays and objects.
    fn value(&mut self, value: &JValue, depth: usize) -> Result<(), Excess> {
        match value {
            JValue::String(s) => self.take(quoted_len(s)),
            JValue::Number(_) => self.take(NUMBER),
            JValue::Bool(b) => self.take(if *b { 4 } else { 5 }),
            JValue::Array(items) => {
                let address = std::ptr::from_ref::<Vec<JValue>>(items) as usize;
                self.container(address, depth, |walk| {
                    walk.open(depth, items.len())?;
                    items.iter().try_for_each(|v| walk.value(v, depth + 1))
                })
            }
            JValue::Object(map) => {
                let address = Rc::as_ptr(map) as usize;
                self.container(address, depth, |walk| {
                    walk.open(depth, map.len())?;
                    // `"key":` and, indented, a space after the colon.
                    let colon = 1 + usize::from(walk.bounds.pretty);
                    map.iter().try_for_each(|(k, v)| {
                        walk.take(quoted_len(k).saturating_add(colon))?;
                        walk.value(v, depth + 1)
                    })
                })
            }
            _ => self.take(4),
        }
    }

    /// Walk the container at `address` with `f`, or take what it took
    /// when it was walked before at this depth.
    fn container(
        &mut self,
        address: usize,
        depth: usize,
        f: impl FnOnce(&mut Self) -> Result<(), Excess>,
    ) -> Result<(), Excess> {
        if let Some(&cost) = self.memo.as_ref().and_then(|m| m.get(&(address, depth))) {
            return self.take(cost);
        }
        self.visits += 1;
        if self.visits == MEMO_AFTER {
            self.memo = Some(HashMap::new());
        }
        let before = self.left;
        with_stack(|| f(self))?;
        if let Some(memo) = &mut self.memo {
            memo.insert((address, depth), before - self.left);
        }
        Ok(())
    }

    /// The brackets, commas and indentation of a container of `len` items
    /// inside `depth` others.
    fn open(&mut self, depth: usize, len: usize) -> Result<(), Excess> {
        if depth >= self.bounds.max_nesting {
            return Err(Excess::Depth);
        }
        // Brackets and commas.
        let mut own = len.max(1).saturating_add(1);
        if self.bounds.pretty && len > 0 {
            // Each item on a line of its own, indented one level deeper
            // than the closing bracket's line.
            let item = depth.saturating_add(1).saturating_mul(2).saturating_add(1);
            own = own
                .saturating_add(len.saturating_mul(item))
                .saturating_add(depth.saturating_mul(2).saturating_add(1));
        }
        self.take(own)
    }
}

/// Length of `s` as a JSON string literal: quotes, and escapes as
/// `JSON.stringify` (and serde_json) write them.
fn quoted_len(s: &str) -> usize {
    let escapes: usize = s
        .bytes()
        .map(|b| match b {
            b'"' | b'\\' | b'\n' | b'\r' | b'\t' | 0x08 | 0x0c => 1,
            0..=0x1f => 5,
            _ => 0,
        })
        .sum();
    s.len().saturating_add(2).saturating_add(escapes)
}

/// Whether a result is a function value.
pub(crate) fn is_function(value: &JValue) -> bool {
    matches!(
        value,
        JValue::Lambda(_) | JValue::Builtin { .. } | JValue::Regex { .. }
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// Without numbers (counted at their longest), the size is the length
    /// of the text `$string` writes, indented or not; nesting counts levels.
    #[test]
    fn json_size_is_the_length_of_the_text() {
        let values = [
            json!([]),
            json!({}),
            json!(["a\"b\\c\n\r\t\u{8}\u{c}\u{1}\u{1f}é\u{7f}/"]),
            json!([true, null, "x", [[]], {"k\t": {"": []}}]),
            json!({"a": [{"b": false}, "é"], "c": {}, "d": [[[null]]]}),
        ];
        for value in &values {
            let value = to_jvalue(value);
            for pretty in [false, true] {
                let text = jsonata_core::functions::string::string(&value, Some(pretty));
                let Ok(JValue::String(text)) = text else {
                    panic!("{value:?} as text");
                };
                let at = |max_len| {
                    let bounds = JsonBounds {
                        max_len,
                        max_nesting: 1000,
                        pretty,
                    };
                    json_excess(&value, bounds)
                };
                assert_eq!(at(text.len()), None, "{text}");
                assert_eq!(at(text.len() - 1), Some(Excess::Size), "{text}");
            }
        }
        let nested = to_jvalue(&json!({"a": [[]], "b": [1]}));
        let at = |max_nesting| {
            let bounds = JsonBounds {
                max_len: 1000,
                max_nesting,
                pretty: false,
            };
            json_excess(&nested, bounds)
        };
        assert_eq!(at(3), None);
        assert_eq!(at(2), Some(Excess::Depth));
    }

    #[test]
    fn round_trip_keeps_order_and_numbers() {
        let v = json!({"z": 1, "a": [1.5, -0.0, 1e300, 90.57000000000001], "m": {"y": null, "b": true}});
        let back = from_jvalue(&to_jvalue(&v)).unwrap();
        assert_eq!(
            serde_json::to_string(&back).unwrap(),
            r#"{"z":1,"a":[1.5,0,1e+300,90.57000000000001],"m":{"y":null,"b":true}}"#
        );
    }
}
