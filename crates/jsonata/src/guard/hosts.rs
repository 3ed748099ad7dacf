//! The host functions the rewritten tree calls: each checks the values it
//! is given (or, for a closing guard, the call's arguments gathered from
//! [`ARG`]'s stack) and passes its first argument on.

use std::cell::RefCell;
use std::rc::Rc;

use jsonata_core::evaluator::{Evaluator, EvaluatorError};
use jsonata_core::value::{with_stack, JValue};

use super::*;
use crate::error::to_evaluator;

/// Arguments pushed by [`ARG`], each with its call's site number.
type Pending = Rc<RefCell<Vec<(f64, JValue)>>>;

/// Pop the `count` values [`ARG`] pushed for call `site`. `None` if the
/// values on top are not that call's, which the rewrite never lets happen
/// (each argument is evaluated once, in order, or the evaluation fails).
fn pop(pending: &Pending, site: f64, count: usize) -> Option<Vec<JValue>> {
    let mut stack = pending.try_borrow_mut().ok()?;
    let from = stack.len().checked_sub(count)?;
    let popped = stack.split_off(from);
    if popped.iter().any(|(s, _)| *s != site) {
        debug_assert!(false, "guard arguments out of order");
        stack.clear();
        return None;
    }
    Some(popped.into_iter().map(|(_, v)| v).collect())
}

/// The arguments of one guarded call in order, and `$` if given, from its
/// closing guard's own arguments `(last, site, mask, $?, literals...)` (see
/// `Rewriter::sequence` in `rewrite`): bit `i` of `mask` is set when
/// argument `i` was evaluated (and pushed, or is `last`), clear when it is
/// the next literal.
pub(super) fn gather(pending: &Pending, args: &[JValue]) -> Option<(Vec<JValue>, Option<JValue>)> {
    let [last, JValue::Number(site), JValue::Number(mask), rest @ ..] = args else {
        return None;
    };
    let mask = *mask as u32;
    let (context, literals) = match rest {
        [context, literals @ ..] if mask & CONTEXT != 0 => (Some(context.clone()), literals),
        _ => (None, rest),
    };
    let evaluated = (mask & !CONTEXT).count_ones() as usize;
    let mut pushed = pop(pending, *site, evaluated.checked_sub(1)?)?.into_iter();
    let mut literals = literals.iter();
    let mut values = Vec::with_capacity(evaluated + literals.len());
    for i in 0..evaluated + literals.len() {
        let value = if mask & (1 << i) == 0 {
            literals.next().cloned()
        } else {
            // The pushed values, then the last one evaluated.
            pushed.next().or_else(|| Some(last.clone()))
        };
        values.push(value.unwrap_or(JValue::Undefined));
    }
    Some((values, context))
}

/// Register the host functions `needs` names.
pub(crate) fn register(ev: &mut Evaluator, needs: Needs, bounds: Bounds) {
    type Host = Box<dyn Fn(&[JValue]) -> Result<JValue, EvaluatorError>>;
    type Check = fn(&[JValue], Option<&JValue>, Bounds) -> Result<(), JsonataError>;
    let pending: Pending = Rc::default();
    let running: Rc<replace::Running> = Rc::default();
    // A guard of one value, passed on once `check` accepts it.
    let one = |check: fn(&JValue, Bounds) -> Result<(), JsonataError>| -> Host {
        Box::new(move |args: &[JValue]| {
            let value = args.first().cloned().unwrap_or(JValue::Undefined);
            check(&value, bounds).map_err(to_evaluator)?;
            Ok(value)
        })
    };
    // A closing guard: passes its first argument on once `check` accepts
    // the call's arguments (and `$`).
    let close = |check: Check| -> Host {
        let pending = Rc::clone(&pending);
        Box::new(move |args: &[JValue]| {
            if let Some((values, context)) = gather(&pending, args) {
                check(&values, context.as_ref(), bounds).map_err(to_evaluator)?;
            }
            Ok(args.first().cloned().unwrap_or(JValue::Undefined))
        })
    };
    // A callback guard: checks each item (or each value) of its first
    // argument as the built-in its second argument may be.
    let each = |values: bool| -> Host {
        Box::new(move |args: &[JValue]| {
            let xs = args.first().cloned().unwrap_or(JValue::Undefined);
            if let Some(JValue::Builtin { name }) = args.get(1) {
                let checked = match &xs {
                    JValue::Array(items) => items
                        .iter()
                        .try_for_each(|x| check_as(name, x, false, bounds)),
                    JValue::Object(map) if values => map
                        .values()
                        .try_for_each(|x| check_as(name, x, false, bounds)),
                    x => check_as(name, x, false, bounds),
                };
                checked.map_err(to_evaluator)?;
            }
            Ok(xs)
        })
    };
    let hosts: [(&str, &dyn Fn() -> Host); 35] = [
        (SIZE, &|| {
            one(|value, _| match value {
                JValue::String(s) if utf16_len(s) > MAX_STRING => Err(too_large()),
                _ => Ok(()),
            })
        }),
        (WIDTH, &|| {
            one(|value, _| match value {
                JValue::Number(n) if n.abs() > MAX_STRING as f64 => Err(too_large()),
                _ => Ok(()),
            })
        }),
        (TEXT, &|| one(|value, b| check_container(value, false, b))),
        (CONTEXT_OF, &|| {
            Box::new(move |args: &[JValue]| {
                let checked = match args {
                    [value, JValue::String(name)] => match &**name {
                        "string" => check_container(value, false, bounds),
                        "encodeUrl" => calls::url(value, false),
                        "encodeUrlComponent" => calls::url(value, true),
                        "uppercase" => calls::case(value, true),
                        "lowercase" => calls::case(value, false),
                        _ => Ok(()),
                    },
                    _ => Ok(()),
                };
                checked.map_err(to_evaluator)?;
                Ok(JValue::Bool(true))
            })
        }),
        (ARG, &|| {
            Box::new({
                let pending = Rc::clone(&pending);
                move |args: &[JValue]| {
                    let value = args.first().cloned().unwrap_or(JValue::Undefined);
                    if let (Some(JValue::Number(site)), Ok(mut stack)) =
                        (args.get(1), pending.try_borrow_mut())
                    {
                        stack.push((*site, value.clone()));
                    }
                    Ok(value)
                }
            })
        }),
        (JOIN, &|| close(|values, _, _| check_join(values))),
        (STRING, &|| {
            close(|values, _, b| match values {
                [x] | [x, JValue::Undefined] => check_container(x, false, b),
                [x, JValue::Bool(pretty)] => check_container(x, *pretty, b),
                // jsonata-core rejects anything else (`T0410`).
                _ => Ok(()),
            })
        }),
        (REPLACE, &|| {
            let pending = Rc::clone(&pending);
            let running = Rc::clone(&running);
            Box::new(move |args: &[JValue]| {
                if let Some((values, context)) = gather(&pending, args) {
                    replace::check(&values, context.as_ref()).map_err(to_evaluator)?;
                    running.enter(&values, context.as_ref());
                }
                Ok(args.first().cloned().unwrap_or(JValue::Undefined))
            })
        }),
        (REPLACER, &|| {
            Box::new({
                let pending = Rc::clone(&pending);
                move |args: &[JValue]| {
                    let value = args.first().cloned().unwrap_or(JValue::Undefined);
                    let function = matches!(value, JValue::Lambda(_) | JValue::Builtin { .. });
                    if let (Some(JValue::Number(site)), Ok(mut stack)) =
                        (args.get(1), pending.try_borrow_mut())
                    {
                        stack.push((*site, value));
                    }
                    Ok(JValue::Bool(function))
                }
            })
        }),
        (TAKE, &|| {
            Box::new({
                let pending = Rc::clone(&pending);
                move |args: &[JValue]| {
                    let taken = match args.first() {
                        Some(JValue::Number(site)) => pop(&pending, *site, 1),
                        _ => None,
                    };
                    Ok(taken
                        .and_then(|v| v.into_iter().next())
                        .unwrap_or(JValue::Undefined))
                }
            })
        }),
        (REPLACED, &|| {
            Box::new({
                let running = Rc::clone(&running);
                move |args: &[JValue]| {
                    let value = args.first().cloned().unwrap_or(JValue::Undefined);
                    let found = args.get(1).unwrap_or(&JValue::Undefined);
                    let function = args.get(2).unwrap_or(&JValue::Undefined);
                    running
                        .count(&value, found, function)
                        .map_err(to_evaluator)?;
                    Ok(value)
                }
            })
        }),
        (SPLIT, &|| {
            close(|values, context, b| calls::split(values, context, b.max_sequence))
        }),
        (ROMAN, &|| {
            close(|values, context, b| calls::roman(values, context, b.work))
        }),
        (URL, &|| one(|value, _| calls::url(value, false))),
        (URL_COMPONENT, &|| one(|value, _| calls::url(value, true))),
        (PICTURE, &|| {
            Box::new(move |args: &[JValue]| {
                let value = args.first().cloned().unwrap_or(JValue::Undefined);
                calls::picture(&value, bounds.work).map_err(to_evaluator)?;
                Ok(match &value {
                    JValue::String(p) => calls::picture_fixed(p).map_or(value, JValue::string),
                    JValue::Number(n) => JValue::Number(calls::whole_millis(*n)),
                    _ => value,
                })
            })
        }),
        (TO_MILLIS, &|| {
            close(|values, _, _| calls::to_millis(values))
        }),
        (POSITION, &|| {
            Box::new(move |args: &[JValue]| {
                Ok(match args.first() {
                    Some(JValue::Number(n)) => JValue::Number(overflow::position(*n)),
                    Some(other) => other.clone(),
                    None => JValue::Undefined,
                })
            })
        }),
        (RANGE, &|| close(|values, _, _| overflow::range(values))),
        (PARSE_INTEGER, &|| {
            close(|values, context, _| overflow::parse_integer(values, context))
        }),
        (NUMBER_PICTURE, &|| {
            one(|value, b| calls::number_picture(value, b.work))
        }),
        (UPPERCASE, &|| one(|value, _| calls::case(value, true))),
        (VIA, &|| {
            Box::new(move |args: &[JValue]| {
                let value = args.first().cloned().unwrap_or(JValue::Undefined);
                if let Some(JValue::Builtin { name }) = args.get(1) {
                    check_as(name, &value, true, bounds).map_err(to_evaluator)?;
                }
                Ok(value)
            })
        }),
        (EQUAL, &|| {
            close(|values, _, _| match values {
                [a, b] => shared::equal(a, b),
                _ => Ok(()),
            })
        }),
        (DESCENDANTS, &|| {
            Box::new(move |args: &[JValue]| {
                let value = args.first().unwrap_or(&JValue::Undefined);
                shared::descendants(value, bounds.max_sequence).map_err(to_evaluator)?;
                Ok(JValue::Bool(true))
            })
        }),
        (COPIED, &|| {
            Box::new(move |args: &[JValue]| {
                let value = args.first().unwrap_or(&JValue::Undefined);
                shared::copied(value, bounds).map_err(to_evaluator)?;
                Ok(JValue::Bool(true))
            })
        }),
        (TRANSFORM, &|| {
            Box::new(move |args: &[JValue]| {
                let targets = args.first().cloned().unwrap_or(JValue::Undefined);
                if let Some(input) = args.get(1) {
                    shared::transform(input, &targets, bounds).map_err(to_evaluator)?;
                }
                Ok(targets)
            })
        }),
        (DISTINCT, &|| one(shared::distinct)),
        (NESTED, &|| {
            Box::new(move |args: &[JValue]| {
                nesting::check(args, bounds).map_err(to_evaluator)?;
                Ok(args.first().cloned().unwrap_or(JValue::Undefined))
            })
        }),
        (NESTED_VIA, &|| {
            Box::new(move |args: &[JValue]| {
                nesting::check_via(args, bounds).map_err(to_evaluator)?;
                Ok(args.first().cloned().unwrap_or(JValue::Undefined))
            })
        }),
        (SUBJECT, &|| {
            Box::new(|args: &[JValue]| {
                let value = args.first().cloned().unwrap_or(JValue::Undefined);
                Ok(match args.get(1) {
                    Some(JValue::Regex { .. }) => finite_subject(value),
                    _ => value,
                })
            })
        }),
        (EACH, &|| each(false)),
        (EACH_VALUE, &|| each(true)),
        (LOWERCASE, &|| one(|value, _| calls::case(value, false))),
        (ARRAY, &|| {
            Box::new({
                let pending = Rc::clone(&pending);
                move |args: &[JValue]| {
                    check_array(&pending, args, bounds).map_err(to_evaluator)?;
                    Ok(args.first().cloned().unwrap_or(JValue::Undefined))
                }
            })
        }),
    ];
    // Only the host functions the expression calls are made.
    for (name, make) in hosts {
        if needs.has(name) {
            let registered = ev.register_fn(name, make());
            debug_assert!(registered.is_ok(), "registering {name}");
        }
    }
}

/// `value` as the guarded built-in `name` would take it as its only
/// argument (`call`: in a call of one argument; otherwise as a callback,
/// which built-ins that take more than one argument are not given alone).
fn check_as(name: &str, value: &JValue, call: bool, bounds: Bounds) -> Result<(), JsonataError> {
    match name {
        "string" => check_container(value, false, bounds),
        "encodeUrl" => calls::url(value, false),
        "encodeUrlComponent" => calls::url(value, true),
        "uppercase" => calls::case(value, true),
        "lowercase" => calls::case(value, false),
        "join" if call => check_join(std::slice::from_ref(value)),
        _ => Ok(()),
    }
}

/// `value` as `$string` (or `&`) would write it, if it is an array or an
/// object (other values are written without growing).
fn check_container(value: &JValue, pretty: bool, bounds: Bounds) -> Result<(), JsonataError> {
    match value {
        JValue::Array(_) | JValue::Object(_) => check_json(value, pretty, bounds.max_nesting),
        _ => Ok(()),
    }
}

/// An array constructor's closing guard, given `(last, site, count,
/// others)`: the length of the array it is about to build.
fn check_array(pending: &Pending, args: &[JValue], bounds: Bounds) -> Result<(), JsonataError> {
    let [last, JValue::Number(site), JValue::Number(count), JValue::Number(others)] = args else {
        return Ok(());
    };
    let Some(pushed) = (*count as usize)
        .checked_sub(1)
        .and_then(|n| pop(pending, *site, n))
    else {
        return Ok(());
    };
    let len = pushed
        .iter()
        .chain(std::iter::once(last))
        .fold(*others as usize, |len, v| {
            len.saturating_add(match v {
                JValue::Undefined => 0,
                JValue::Array(items) => items.len(),
                _ => 1,
            })
        });
    if len > bounds.max_sequence {
        return Err(too_long());
    }
    Ok(())
}

/// `$join(values[0], values[1])`: the strings' lengths and the separators.
/// Anything but an array of strings is left to `$join` (a single string is
/// its own result, other values fail).
fn check_join(values: &[JValue]) -> Result<(), JsonataError> {
    let Some(JValue::Array(items)) = values.first() else {
        return Ok(());
    };
    let separator = match values.get(1) {
        None | Some(JValue::Undefined) => 0,
        Some(JValue::String(s)) => s.len(),
        Some(_) => return Ok(()),
    };
    let mut len = separator.saturating_mul(items.len().saturating_sub(1));
    for item in items.iter() {
        match item {
            JValue::String(s) => len = len.saturating_add(s.len()),
            _ => return Ok(()),
        }
    }
    if len > MAX_STRING {
        return Err(too_large());
    }
    Ok(())
}

/// Length in UTF-16 code units, as JavaScript counts it (never less than
/// the number of bytes divided by three).
fn utf16_len(s: &str) -> usize {
    if s.len() <= MAX_STRING {
        // Every UTF-16 unit takes at least one UTF-8 byte.
        return s.len();
    }
    s.encode_utf16().count()
}

/// `value` with each non-finite number (also in arrays, which a regex
/// matches as their items joined by commas) given as JavaScript's
/// `String()` writes it.
fn finite_subject(value: JValue) -> JValue {
    match value {
        JValue::Number(n) if !n.is_finite() => JValue::string(if n.is_nan() {
            "NaN"
        } else if n > 0.0 {
            "Infinity"
        } else {
            "-Infinity"
        }),
        JValue::Array(items) if items.iter().any(has_non_finite) => {
            let fixed = items.iter().cloned().map(finite_subject).collect();
            JValue::Array(items.with_items(fixed))
        }
        other => other,
    }
}

/// Whether `value` is, or is an array holding, a non-finite number.
fn has_non_finite(value: &JValue) -> bool {
    match value {
        JValue::Number(n) => !n.is_finite(),
        JValue::Array(items) => with_stack(|| items.iter().any(has_non_finite)),
        _ => false,
    }
}
