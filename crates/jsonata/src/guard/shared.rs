//! Guards of the operations that walk a value path by path: `=` and `!=`
//! (deep equality), `**` (every descendant), the copy a transform
//! (`~> | ... |`) makes, and `$distinct`.
//!
//! Values share structure (`{"l": $x, "r": $x}` holds `$x` once), so a
//! value forty levels deep can be tiny in memory and have 2^40 paths, and
//! jsonata-core walks each path in turn (it compares, collects and copies
//! without ever asking whether two parts are the same). Each check here
//! walks the value as the operation will, but remembers what it found for
//! each shared part (by address), so it costs no more than the distinct
//! parts, and fails before the operation starts when the operation would
//! pass a bound. A walk memoises only after [`MEMO_AFTER`] containers, so
//! a small value costs a plain walk and nothing more.

use std::collections::HashMap;
use std::rc::Rc;

use jsonata_core::value::{with_stack, JValue};

use super::{check_json, too_long, Bounds, MAX_JSON};
use crate::error::JsonataError;

/// Containers a walk visits before it starts remembering what each cost.
const MEMO_AFTER: usize = 4096;

/// Longest text of a JavaScript number, as [`crate::convert::json_excess`]
/// counts it.
const NUMBER: usize = 24;

/// The address of a container, by which a walk remembers it (`None` for
/// other values).
fn address(value: &JValue) -> Option<usize> {
    match value {
        JValue::Array(items) => Some(std::ptr::from_ref::<Vec<JValue>>(items) as usize),
        JValue::Object(map) => Some(Rc::as_ptr(map) as usize),
        _ => None,
    }
}

/// `a = b` (and `a != b`): fail with `D1013` when the comparison would walk
/// more of the two values than a JSON text of [`MAX_JSON`] characters
/// holds. jsonata-core compares arrays item by item and objects key by key
/// down to the first difference, so only values equal (or nearly so) over
/// a large part are costly; the walk below follows the same order, stops
/// where jsonata-core would, and counts the left value's text up to there.
pub(super) fn equal(a: &JValue, b: &JValue) -> Result<(), JsonataError> {
    if address(a).is_none() || address(b).is_none() {
        return Ok(());
    }
    let mut walk = Compare {
        left: MAX_JSON,
        visits: 0,
        memo: None,
    };
    match walk.equal(a, b) {
        Ok(_) => Ok(()),
        Err(Past) => Err(JsonataError::new(
            "D1013",
            format!("The expression compares values larger than {MAX_JSON} characters"),
        )),
    }
}

/// A walk passed its bound.
struct Past;

struct Compare {
    /// Characters still allowed.
    left: usize,
    /// Pairs of containers compared.
    visits: usize,
    /// Whether each pair of containers (by address) is equal, and the
    /// characters it took, once `visits` passes [`MEMO_AFTER`].
    memo: Option<HashMap<(usize, usize), (bool, usize)>>,
}

impl Compare {
    fn take(&mut self, n: usize) -> Result<(), Past> {
        self.left = self.left.checked_sub(n).ok_or(Past)?;
        Ok(())
    }

    /// Whether jsonata-core's `values_equal` finds `a` and `b` equal,
    /// counting what it walks.
    fn equal(&mut self, a: &JValue, b: &JValue) -> Result<bool, Past> {
        match (a, b) {
            (JValue::Array(x), JValue::Array(y)) => {
                self.take(2)?;
                if x.len() != y.len() {
                    return Ok(false);
                }
                self.container(a, b, |walk| {
                    for (v, w) in x.iter().zip(y.iter()) {
                        // The comma.
                        walk.take(1)?;
                        if !walk.equal(v, w)? {
                            return Ok(false);
                        }
                    }
                    Ok(true)
                })
            }
            (JValue::Object(x), JValue::Object(y)) => {
                self.take(2)?;
                if x.len() != y.len() {
                    return Ok(false);
                }
                self.container(a, b, |walk| {
                    for (k, v) in x.iter() {
                        // `"key":` and the comma.
                        walk.take(k.len().saturating_add(4))?;
                        let Some(w) = y.get(k) else {
                            return Ok(false);
                        };
                        if !walk.equal(v, w)? {
                            return Ok(false);
                        }
                    }
                    Ok(true)
                })
            }
            (JValue::String(x), JValue::String(y)) => {
                self.take(x.len().saturating_add(2))?;
                Ok(x == y)
            }
            (JValue::Number(x), JValue::Number(y)) => {
                self.take(NUMBER)?;
                Ok(x == y)
            }
            (JValue::Bool(x), JValue::Bool(y)) => {
                self.take(5)?;
                Ok(x == y)
            }
            (JValue::Null, JValue::Null) => {
                self.take(4)?;
                Ok(true)
            }
            _ => {
                self.take(1)?;
                Ok(false)
            }
        }
    }

    /// Compare the containers `a` and `b` with `f`, or take what they took
    /// when they were compared before.
    fn container(
        &mut self,
        a: &JValue,
        b: &JValue,
        f: impl FnOnce(&mut Self) -> Result<bool, Past>,
    ) -> Result<bool, Past> {
        let key = (address(a).unwrap_or(0), address(b).unwrap_or(0));
        if let Some(&(equal, cost)) = self.memo.as_ref().and_then(|m| m.get(&key)) {
            self.take(cost)?;
            return Ok(equal);
        }
        self.visits += 1;
        if self.visits == MEMO_AFTER {
            self.memo = Some(HashMap::new());
        }
        let before = self.left;
        let equal = with_stack(|| f(self))?;
        if let Some(memo) = &mut self.memo {
            memo.insert(key, (equal, before - self.left));
        }
        Ok(equal)
    }
}

/// How many values a walk that treats shared parts as copies reaches, up
/// to a bound.
struct Count {
    /// Values still allowed.
    left: usize,
    /// Containers visited.
    visits: usize,
    /// What each container (by address) counted, once `visits` passes
    /// [`MEMO_AFTER`].
    memo: Option<HashMap<usize, usize>>,
    /// Whether arrays count as values themselves (the copy of a transform)
    /// or only hold them (`**`, which collects objects and scalars).
    arrays: bool,
}

impl Count {
    fn new(most: usize, arrays: bool) -> Self {
        Count {
            left: most,
            visits: 0,
            memo: None,
            arrays,
        }
    }

    fn take(&mut self, n: usize) -> Result<(), Past> {
        self.left = self.left.checked_sub(n).ok_or(Past)?;
        Ok(())
    }

    fn value(&mut self, value: &JValue) -> Result<(), Past> {
        match value {
            JValue::Undefined => Ok(()),
            JValue::Array(items) => self.container(value, |walk| {
                if walk.arrays {
                    walk.take(1)?;
                }
                items.iter().try_for_each(|v| walk.value(v))
            }),
            JValue::Object(map) => self.container(value, |walk| {
                walk.take(1)?;
                map.values().try_for_each(|v| walk.value(v))
            }),
            _ => self.take(1),
        }
    }

    fn container(
        &mut self,
        value: &JValue,
        f: impl FnOnce(&mut Self) -> Result<(), Past>,
    ) -> Result<(), Past> {
        let key = address(value).unwrap_or(0);
        if let Some(&cost) = self.memo.as_ref().and_then(|m| m.get(&key)) {
            return self.take(cost);
        }
        self.visits += 1;
        if self.visits == MEMO_AFTER {
            self.memo = Some(HashMap::new());
        }
        let before = self.left;
        with_stack(|| f(self))?;
        if let Some(memo) = &mut self.memo {
            memo.insert(key, before - self.left);
        }
        Ok(())
    }
}

/// How many values `value` holds with its shared parts counted as copies
/// (`arrays`: arrays counted too), or `None` past `most`.
fn count(value: &JValue, most: usize, arrays: bool) -> Option<usize> {
    let mut walk = Count::new(most, arrays);
    walk.value(value).ok()?;
    Some(most - walk.left)
}

/// `**` with `value` as its context: fail with the memory limit error when the sequence of
/// descendants jsonata-core collects (every object and scalar at or below
/// `value`; arrays are walked through) would be longer than
/// `max_sequence`, the bound jsonata-core applies to it once it is built.
pub(super) fn descendants(value: &JValue, max_sequence: usize) -> Result<(), JsonataError> {
    match count(value, max_sequence, false) {
        Some(_) => Ok(()),
        None => Err(too_long()),
    }
}

/// The value a transform copies, before its location is evaluated:
/// jsonata-core copies `input` value by value, recursing once per level, so
/// fail with `D1013` when the copy's JSON would be longer than
/// [`MAX_JSON`] or nested deeper than the bound, and with the memory limit error when
/// it would hold more than `max_sequence` values.
pub(super) fn copied(input: &JValue, bounds: Bounds) -> Result<(), JsonataError> {
    if address(input).is_none() {
        // jsonata-core rejects it, or gives undefined.
        return Ok(());
    }
    check_json(input, false, bounds.max_nesting)?;
    match count(input, bounds.max_sequence, true) {
        Some(_) => Ok(()),
        None => Err(too_long()),
    }
}

/// A transform of `input` (already [`copied`]) that will update `targets`
/// (its location's value): jsonata-core compares each value it copies with
/// every target, by deep equality, so fail with `U1001` when values ×
/// targets passes the work the timeout allows ([`Bounds::work`]).
pub(super) fn transform(
    input: &JValue,
    targets: &JValue,
    bounds: Bounds,
) -> Result<(), JsonataError> {
    if address(input).is_none() {
        return Ok(());
    }
    let values = count(input, bounds.max_sequence, true).unwrap_or(bounds.max_sequence);
    let targets = match targets {
        JValue::Undefined | JValue::Null => 0,
        JValue::Array(items) => items.len(),
        _ => 1,
    };
    if values.saturating_mul(targets) > bounds.work {
        return Err(JsonataError::timeout());
    }
    Ok(())
}

/// `$distinct(value)`: jsonata-core compares each item with every distinct
/// item before it, by deep equality, so the work is at most items ×
/// (the values of all items, shared parts counted as copies); fail with
/// `U1001` when that passes [`Bounds::work`].
pub(super) fn distinct(value: &JValue, bounds: Bounds) -> Result<(), JsonataError> {
    let JValue::Array(items) = value else {
        return Ok(());
    };
    if items.len() < 2 {
        return Ok(());
    }
    let mut walk = Count::new(bounds.work / items.len(), true);
    match items.iter().try_for_each(|v| walk.value(v)) {
        Ok(()) => Ok(()),
        Err(Past) => Err(JsonataError::timeout()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The comparison walk finds what jsonata-core's `values_equal` finds.
    #[test]
    fn comparison_walk_agrees_with_values_equal() {
        let values = [
            serde_json::json!([]),
            serde_json::json!({}),
            serde_json::json!([1, "a", null, true]),
            serde_json::json!([1, "a", null, false]),
            serde_json::json!({"a": [1, {"b": 2}], "c": "x"}),
            serde_json::json!({"c": "x", "a": [1, {"b": 2}]}),
            serde_json::json!({"a": [1, {"b": 3}], "c": "x"}),
            serde_json::json!([[1], [1, 2]]),
        ];
        for a in &values {
            for b in &values {
                let (a, b) = (crate::convert::to_jvalue(a), crate::convert::to_jvalue(b));
                let mut walk = Compare {
                    left: MAX_JSON,
                    visits: 0,
                    memo: None,
                };
                let want = jsonata_core::functions::array::values_equal(&a, &b);
                assert!(matches!(walk.equal(&a, &b), Ok(got) if got == want));
            }
        }
    }
}
