//! `ResultPath`: write a value into a document at a reference path.

use serde_json::{Map, Value};

use crate::error::SetError;
use crate::path::{effective_index, Path, Root, Segment};

/// Returns `target` with `value` written at the reference path `path` (root must be `$`).
///
/// `$` replaces the whole document. Missing intermediate objects are created. Writing
/// through something that is not an object (a string, a number, an array by name) or to
/// an array index that does not exist fails with `States.ResultPathMatchFailure`.
pub fn set_at(path: &Path, target: Value, value: Value) -> Result<Value, SetError> {
    if path.root() != &Root::Input || !path.is_reference() {
        return Err(SetError::NotReference {
            path: path.text().to_string(),
        });
    }
    let segments = path.segments();
    if segments.is_empty() {
        return Ok(value);
    }
    let mismatch = |target: &Value| SetError::Mismatch {
        path: path.text().to_string(),
        input: crate::compact(target),
    };
    // Check first, so that the error can show the untouched input.
    if !writable(&target, segments) {
        return Err(mismatch(&target));
    }
    let mut target = target;
    write(&mut target, segments, value);
    Ok(target)
}

/// [`set_at`] for a `target` that is borrowed: returns the new document, copying only
/// what is off the path (the subtree being replaced is never copied).
///
/// The result, order of keys included, is the one `set_at(path, target.clone(), value)`
/// gives; a state's raw input is shared with its history, so this is the usual case.
pub fn set_in(path: &Path, target: &Value, value: Value) -> Result<Value, SetError> {
    if path.root() != &Root::Input || !path.is_reference() {
        return Err(SetError::NotReference {
            path: path.text().to_string(),
        });
    }
    let segments = path.segments();
    if segments.is_empty() {
        return Ok(value);
    }
    if !writable(target, segments) {
        return Err(SetError::Mismatch {
            path: path.text().to_string(),
            input: crate::compact(target),
        });
    }
    Ok(write_copy(target, segments, value))
}

/// `node` with `value` written at `segments`, which `writable` accepted.
fn write_copy(node: &Value, segments: &[Segment], value: Value) -> Value {
    let Some((seg, rest)) = segments.split_first() else {
        return value;
    };
    match (seg, node) {
        (Segment::Name(name), Value::Object(map)) => {
            let mut value = Some(value);
            let mut out = Map::with_capacity(map.len() + 1);
            for (k, v) in map {
                let v = match value.take_if(|_| k == name) {
                    Some(value) => write_copy(v, rest, value),
                    None => v.clone(),
                };
                out.insert(k.clone(), v);
            }
            if let Some(value) = value {
                let mut child = Value::Object(Map::new());
                write(&mut child, rest, value);
                out.insert(name.clone(), child);
            }
            Value::Object(out)
        }
        (Segment::Index(i), Value::Array(items)) => {
            let k = effective_index(*i, items.len());
            let mut value = Some(value);
            let out = items
                .iter()
                .enumerate()
                .map(|(j, v)| match value.take_if(|_| Some(j) == k) {
                    Some(value) => write_copy(v, rest, value),
                    None => v.clone(),
                })
                .collect();
            Value::Array(out)
        }
        // `writable` ruled these out.
        _ => node.clone(),
    }
}

/// Can `segments` be written into `node` (creating missing objects on the way)?
fn writable(node: &Value, segments: &[Segment]) -> bool {
    let Some((seg, rest)) = segments.split_first() else {
        return true;
    };
    match (seg, node) {
        (Segment::Name(name), Value::Object(map)) => match map.get(name) {
            Some(child) => writable(child, rest),
            // Missing: objects get created for the rest, which are all names, or fail
            // at the first index.
            None => rest.iter().all(|s| matches!(s, Segment::Name(_))),
        },
        (Segment::Index(i), Value::Array(items)) => match effective_index(*i, items.len()) {
            Some(k) => writable(&items[k], rest),
            None => false,
        },
        _ => false,
    }
}

fn write(node: &mut Value, segments: &[Segment], value: Value) {
    let Some((seg, rest)) = segments.split_first() else {
        *node = value;
        return;
    };
    match (seg, node) {
        (Segment::Name(name), Value::Object(map)) => {
            let child = map
                .entry(name.clone())
                .or_insert_with(|| Value::Object(Map::new()));
            write(child, rest, value);
        }
        (Segment::Index(i), Value::Array(items)) => {
            if let Some(k) = effective_index(*i, items.len()) {
                write(&mut items[k], rest, value);
            }
        }
        // `writable` ruled these out.
        _ => {}
    }
}
