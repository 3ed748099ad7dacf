//! The functions Step Functions adds to JSONata, and the one it removes.
//!
//! AWS documents `$partition`, `$range`, `$hash`, `$random`, `$uuid` and
//! `$parse`, and says `$eval` is not available. Argument checking follows
//! jsonata-js function signatures (AWS reports `T0410: Argument 1 of function
//! "range" does not match function signature` for a bad argument type):
//!
//! | function | signature | notes |
//! |---|---|---|
//! | `$partition(array, size)` | `<an:a>` | a non-array is a one-item array; `size` truncated to an integer, undefined when 0, an error when negative |
//! | `$range(start, end, step)` | `<nnn:a>` | inclusive; arguments truncated to integers; `step` non-zero; at most 873,782 items (AWS's memory limit) |
//! | `$hash(value, algorithm?)` | `<ss?:s>` | MD5, SHA-1, SHA-256 (default), SHA-384, SHA-512; lower-case hex |
//! | `$random(seed?)` | `<n?:n>` | `0 <= n < 1`; the same seed always gives the same number |
//! | `$uuid()` | `<:s>` | a version 4 UUID |
//! | `$parse(json)` | `<s:x>` | JSON text to a value |
//!
//! An undefined argument makes the function return undefined, as built-in
//! JSONata functions do. Value errors (bad sizes, unknown algorithms, invalid
//! JSON) are `D3137` errors whose message says what was wrong; AWS's own
//! wording for those is not documented.
//!
//! Three built-ins are replaced so that they read nothing but what the
//! caller injects ([`Entropy`]): `$millis()` answers the evaluation's time
//! ([`Entropy::now_millis`], the same for every call, as in jsonata-js),
//! `$now(picture?, timezone?)` formats it as `$fromMillis` does (which is
//! what jsonata-js's `$now` is), and `$shuffle(array)` draws from the
//! evaluation's generator. jsonata-core's read the system clock and its own
//! generator, and its `$now` took no picture.

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::OnceLock;

use jsonata_core::evaluator::{Evaluator, EvaluatorError};
use jsonata_core::value::JValue;
use md5::Md5;
use sha1::Sha1;
use sha2::{Digest, Sha256, Sha384, Sha512};

use crate::convert::{from_jvalue, to_jvalue};
use crate::error::{to_evaluator, JsonataError};
use crate::{Entropy, Evaluated, Expression, Limits, SplitMix64};

type HostResult = Result<JValue, EvaluatorError>;

/// Largest array `$range` builds: AWS's memory limit, as for the `..`
/// operator (`guard::MAX_SEQUENCE`).
const MAX_RANGE: f64 = crate::guard::MAX_SEQUENCE as f64;

/// One parameter of a function signature.
#[derive(Clone, Copy)]
enum Param {
    Number,
    String,
    /// Any value; a non-array is wrapped into a one-item array.
    Array,
}

/// Check `args` against `params` (`optional` counts trailing optional ones)
/// the way jsonata-js validates a signature. Returns `Ok(false)` when an
/// argument is undefined, meaning the function returns undefined.
fn check(
    name: &str,
    args: &[JValue],
    params: &[Param],
    optional: usize,
) -> Result<bool, JsonataError> {
    if args.len() > params.len() {
        return Err(JsonataError::signature(params.len() + 1, name));
    }
    for (i, param) in params.iter().enumerate() {
        let Some(arg) = args.get(i) else {
            if i < params.len() - optional {
                return Err(JsonataError::signature(i + 1, name));
            }
            break;
        };
        let ok = matches!(
            (param, arg),
            (_, JValue::Undefined)
                | (Param::Number, JValue::Number(_))
                | (Param::String, JValue::String(_))
                | (Param::Array, _)
        );
        if !ok {
            return Err(JsonataError::signature(i + 1, name));
        }
    }
    Ok(!args.iter().any(JValue::is_undefined))
}

fn value_error(message: impl Into<String>) -> EvaluatorError {
    to_evaluator(JsonataError::templated(
        "D3137",
        &[("message", &message.into())],
    ))
}

fn host(f: impl Fn(&[JValue]) -> Result<JValue, JsonataError>) -> impl Fn(&[JValue]) -> HostResult {
    move |args| f(args).map_err(to_evaluator)
}

/// `$partition(array, size)`.
fn partition(args: &[JValue]) -> HostResult {
    if !check("partition", args, &[Param::Array, Param::Number], 0).map_err(to_evaluator)? {
        return Ok(JValue::Undefined);
    }
    let items: Vec<JValue> = match &args[0] {
        JValue::Array(a) => a.iter().cloned().collect(),
        other => vec![other.clone()],
    };
    // AWS, "Transforming data with JSONata": integer parameters "round down
    // any non-integer numbers"; measured, they go towards zero
    // (floci-io/floci pull request 2676: `$partition([1,2,3,4,5], 2.9)` is
    // `[[1,2],[3,4],[5]]`). A size of 0 (`0`, `-0.5`) gives undefined; a
    // negative one is an error.
    let given = args[1].as_f64().unwrap_or(0.0);
    let size = given.trunc();
    if size == 0.0 {
        return Ok(JValue::Undefined);
    }
    if size.is_nan() || size < 0.0 {
        return Err(value_error(format!(
            "The chunk size argument of function \"partition\" must not be negative, got {}",
            crate::convert::number(given).map_or("null".to_string(), |n| n.to_string())
        )));
    }
    let size = if size > items.len() as f64 {
        items.len().max(1)
    } else {
        size as usize
    };
    Ok(JValue::array(
        items
            .chunks(size)
            .map(|c| JValue::array(c.to_vec()))
            .collect(),
    ))
}

/// `$range(start, end, step)`.
fn range(args: &[JValue]) -> HostResult {
    let params = [Param::Number, Param::Number, Param::Number];
    if !check("range", args, &params, 0).map_err(to_evaluator)? {
        return Ok(JValue::Undefined);
    }
    let [start, end, step] = [0, 1, 2].map(|i| args[i].as_f64().unwrap_or(0.0).trunc());
    if step == 0.0 {
        return Err(value_error(
            "The step argument of function \"range\" must not be zero",
        ));
    }
    let count = ((end - start) / step).floor() + 1.0;
    if count > MAX_RANGE {
        return Err(to_evaluator(JsonataError::memory_limit()));
    }
    let count = if count > 0.0 { count as usize } else { 0 };
    // AWS returns a JSONata sequence: a single number comes back bare
    // (`$range(1, 9, 9)` is `1`, as AWS recorded).
    if count == 1 {
        return Ok(JValue::Number(start));
    }
    Ok(JValue::array(
        (0..count)
            .map(|i| JValue::Number(start + step * i as f64))
            .collect(),
    ))
}

/// `$hash(value, algorithm?)`.
fn hash(args: &[JValue]) -> Result<JValue, JsonataError> {
    if !check("hash", args, &[Param::String, Param::String], 1)? {
        return Ok(JValue::Undefined);
    }
    let data = args[0].as_str().unwrap_or_default().as_bytes();
    let algorithm = args.get(1).and_then(JValue::as_str).unwrap_or("SHA-256");
    let digest: Vec<u8> = match algorithm {
        "MD5" => Md5::digest(data).to_vec(),
        "SHA-1" => Sha1::digest(data).to_vec(),
        "SHA-256" => Sha256::digest(data).to_vec(),
        "SHA-384" => Sha384::digest(data).to_vec(),
        "SHA-512" => Sha512::digest(data).to_vec(),
        other => {
            return Err(JsonataError::templated(
                "D3137",
                &[(
                    "message",
                    &format!(
                        "Unsupported hash algorithm {}: the algorithm of function \"hash\" must be one of MD5, SHA-1, SHA-256, SHA-384, SHA-512",
                        crate::error::js_string(other)
                    ),
                )],
            ))
        }
    };
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    Ok(JValue::string(hex))
}

/// `$parse(json)`.
fn parse(args: &[JValue]) -> Result<JValue, JsonataError> {
    if !check("parse", args, &[Param::String], 0)? {
        return Ok(JValue::Undefined);
    }
    let text = args[0].as_str().unwrap_or_default();
    match serde_json::from_str::<serde_json::Value>(text) {
        Ok(v) => Ok(to_jvalue(&v)),
        Err(e) => Err(JsonataError::templated(
            "D3137",
            &[(
                "message",
                &format!("The argument of function \"parse\" is not valid JSON: {e}"),
            )],
        )),
    }
}

/// `$encodeUrl(s)` and its three siblings (signature `<s-:s>`).
/// Direct calls have one argument (see `url::prepare`); a higher-order
/// built-in calling back may pass more, of which the first is the value.
fn url_function(name: &str, args: &[JValue]) -> Result<JValue, JsonataError> {
    if !check(name, args.get(..1).unwrap_or(args), &[Param::String], 0)? {
        return Ok(JValue::Undefined);
    }
    let s = args[0].as_str().unwrap_or_default();
    let out = match name {
        "encodeUrl" => crate::url::encode(s, crate::url::uri_keeps),
        "encodeUrlComponent" => crate::url::encode(s, crate::url::component_keeps),
        "decodeUrl" => crate::url::decode(s, true, name)?,
        _ => crate::url::decode(s, false, name)?,
    };
    Ok(JValue::string(out))
}

/// What one evaluation takes from the caller's [`Entropy`], drawn once
/// before it starts (and reused by a diagnosing second run).
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Drawn {
    /// Seeds the generator of `$random()`, `$uuid()` and `$shuffle()`.
    pub seed: u64,
    /// [`Entropy::now_millis`], for `$now()` and `$millis()`.
    pub now: Option<i64>,
}

/// `$millis()`: the evaluation's time (undefined without a clock).
fn millis(args: &[JValue], now: Option<i64>) -> Result<JValue, JsonataError> {
    check("millis", args, &[], 0)?;
    Ok(now.map_or(JValue::Undefined, |ms| JValue::Number(ms as f64)))
}

/// `$now(picture?, timezone?)`: the evaluation's time, formatted as
/// `$fromMillis(millis, picture, timezone)` formats it (jsonata-js's `$now`
/// calls its `fromMillis`).
fn now(args: &[JValue], now: Option<i64>) -> Result<JValue, JsonataError> {
    check("now", args, &[Param::String, Param::String], 2)?;
    let Some(ms) = now else {
        return Ok(JValue::Undefined);
    };
    from_millis(ms, args)
}

/// `$fromMillis(ms, picture?, timezone?)` (the optional ones from `args`),
/// by a nested evaluation of that call, with its guards.
fn from_millis(ms: i64, args: &[JValue]) -> Result<JValue, JsonataError> {
    static FORMAT: OnceLock<Result<Expression, JsonataError>> = OnceLock::new();
    let format = FORMAT
        .get_or_init(|| Expression::compile("$fromMillis($ms, $picture, $timezone)"))
        .as_ref()
        .map_err(Clone::clone)?;
    let mut bindings = serde_json::Map::new();
    bindings.insert("ms".into(), ms.into());
    for (name, arg) in ["picture", "timezone"].into_iter().zip(args) {
        if let Some(v) = from_jvalue(arg) {
            bindings.insert(name.into(), v);
        }
    }
    let formatted =
        format.evaluate_full(None, &bindings, &mut SplitMix64::new(0), &Limits::default())?;
    Ok(match formatted {
        Evaluated::Value(v) => to_jvalue(&v),
        Evaluated::Undefined | Evaluated::Function => JValue::Undefined,
    })
}

/// The time `ms` written by the date/time `picture` (in UTC).
pub(crate) fn format_time(ms: i64, picture: &str) -> Result<String, JsonataError> {
    match from_millis(ms, &[JValue::string(picture)])? {
        JValue::String(s) => Ok(s.to_string()),
        _ => Ok(String::new()),
    }
}

/// `$shuffle(array)`, as jsonata-js shuffles (an inside-out Fisher-Yates
/// shuffle), drawing from `rng`.
fn shuffle(args: &[JValue], rng: &RefCell<SplitMix64>) -> Result<JValue, JsonataError> {
    if !check("shuffle", args, &[Param::Array], 0)? {
        return Ok(JValue::Undefined);
    }
    let items: Vec<JValue> = match &args[0] {
        JValue::Array(a) => a.iter().cloned().collect(),
        other => vec![other.clone()],
    };
    let mut out: Vec<JValue> = Vec::with_capacity(items.len());
    let mut rng = rng.borrow_mut();
    for (i, item) in items.into_iter().enumerate() {
        // 0 <= j <= i.
        let j = ((unit(rng.next_u64()) * (i + 1) as f64) as usize).min(i);
        if j == i {
            out.push(item);
        } else {
            let moved = std::mem::replace(&mut out[j], item);
            out.push(moved);
        }
    }
    Ok(JValue::array(out))
}

/// A number in `[0, 1)` from 53 random bits.
fn unit(bits: u64) -> f64 {
    (bits >> 11) as f64 / (1u64 << 53) as f64
}

/// `$random(seed?)`, drawing from `rng` without a seed.
fn random(args: &[JValue], rng: &RefCell<SplitMix64>) -> Result<JValue, JsonataError> {
    check("random", args, &[Param::Number], 1)?;
    match args.first().and_then(JValue::as_f64) {
        // `new java.util.Random(seed).nextDouble()`, the seed cut to an
        // integer towards zero as AWS cuts its functions' integer
        // arguments (floci measured both on AWS: `$random(42)` =
        // 0.7275636800328681, issue 2662; `$range(-1.7, 2, 1)`, PR 2676).
        Some(seed) => Ok(JValue::Number(
            stepwell_java::Random::new(seed as i64).next_double(),
        )),
        None => Ok(JValue::Number(unit(rng.borrow_mut().next_u64()))),
    }
}

/// `$uuid()`.
fn uuid(args: &[JValue], rng: &RefCell<SplitMix64>) -> Result<JValue, JsonataError> {
    check("uuid", args, &[], 0)?;
    let mut rng = rng.borrow_mut();
    let bits = (u128::from(rng.next_u64()) << 64) | u128::from(rng.next_u64());
    let id = uuid::Builder::from_random_bytes(bits.to_be_bytes()).into_uuid();
    Ok(JValue::string(id.to_string()))
}

/// Install the AWS functions and replaced built-ins `names` (as found by
/// analysis) in `ev`, with what `drawn` took from the caller.
pub(crate) fn register(ev: &mut Evaluator, names: &[&'static str], drawn: Drawn) {
    let rng = Rc::new(RefCell::new(SplitMix64::new(drawn.seed)));
    for &name in names {
        let result = match name {
            "now" => ev.register_fn_override(name, host(move |a| now(a, drawn.now))),
            "millis" => ev.register_fn_override(name, host(move |a| millis(a, drawn.now))),
            "shuffle" => {
                let rng = Rc::clone(&rng);
                ev.register_fn_override(name, host(move |a| shuffle(a, &rng)))
            }
            "partition" => ev.register_fn(name, partition),
            "range" => ev.register_fn(name, range),
            "hash" => ev.register_fn(name, host(hash)),
            "parse" => ev.register_fn(name, host(parse)),
            "uuid" => {
                let rng = Rc::clone(&rng);
                ev.register_fn(name, host(move |a| uuid(a, &rng)))
            }
            "random" => {
                let rng = Rc::clone(&rng);
                ev.register_fn_override(name, host(move |a| random(a, &rng)))
            }
            // jsonata-js's URL functions, in place of jsonata-core's (see `url`).
            "encodeUrl" | "encodeUrlComponent" | "decodeUrl" | "decodeUrlComponent" => {
                ev.register_fn_override(name, host(move |a| url_function(name, a)))
            }
            // `$toMillis`'s missing leading components (see `clock`).
            crate::clock::DATED => {
                crate::clock::register(ev, drawn.now);
                Ok(())
            }
            // Built-ins called with too many arguments (see `arity`).
            crate::arity::ARITY => ev.register_fn(name, host(crate::arity::arity)),
            // AWS removes `$eval`: calling it is calling an unbound variable.
            "eval" => ev.register_fn_override(name, |_: &[JValue]| -> HostResult {
                Err(to_evaluator(JsonataError::templated("T1006", &[])))
            }),
            _ => Ok(()),
        };
        debug_assert!(result.is_ok(), "registering ${name}: {result:?}");
    }
}
