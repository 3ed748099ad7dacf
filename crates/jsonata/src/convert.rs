//! Conversions between `serde_json::Value` and jsonata-core's `JValue`.
//!
//! Results follow `JSON.stringify`, which is how the reference implementation
//! (and AWS) turn a JSONata value into JSON: functions and `undefined` are
//! dropped from objects and become `null` in arrays, integral numbers print
//! without a fraction, and `-0` prints as `0`.

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
        JValue::Number(n) => Some(number(*n).map_or(Value::Null, Value::Number)),
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

/// Whether `value` written as JSON would take more than `limit` bytes,
/// roughly (strings by their length, other values by a few bytes). Values
/// share structure, so this walks the value as JSON would, stopping as soon
/// as the count passes `limit`.
pub(crate) fn json_size_exceeds(value: &JValue, limit: usize) -> bool {
    fn go(value: &JValue, left: &mut usize) -> bool {
        let own = match value {
            JValue::String(s) => s.len() + 2,
            JValue::Array(_) | JValue::Object(_) => 2,
            _ => 8,
        };
        if own > *left {
            return true;
        }
        *left -= own;
        match value {
            JValue::Array(items) => with_stack(|| items.iter().any(|v| go(v, left))),
            JValue::Object(map) => with_stack(|| {
                map.iter().any(|(k, v)| {
                    let key = k.len() + 3;
                    if key > *left {
                        return true;
                    }
                    *left -= key;
                    go(v, left)
                })
            }),
            _ => false,
        }
    }
    let mut left = limit;
    go(value, &mut left)
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
