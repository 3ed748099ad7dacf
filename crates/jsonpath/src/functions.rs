//! The `States.*` intrinsic functions: a registry table and one function each.
//!
//! Each returns `Err(detail)` on bad arguments; the caller turns it into a
//! `States.Runtime` error naming the call.

use base64::Engine as _;
use serde_json::{Map, Value};

use crate::intrinsic::{Arg, Piece};
use crate::Entropy;

/// Largest string accepted by `States.Base64Encode`, `States.Base64Decode`, `States.Hash`.
const MAX_STRING_CHARS: usize = 10_000;
/// Largest array `States.ArrayRange` may build.
const MAX_RANGE_ITEMS: i128 = 1000;

macro_rules! functions {
    ($($variant:ident => $name:literal,)*) => {
        /// The intrinsic functions AWS defines.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub(crate) enum Function { $($variant,)* }

        impl Function {
            pub(crate) fn from_name(name: &str) -> Option<Function> {
                match name { $($name => Some(Function::$variant),)* _ => None }
            }

            pub(crate) fn name(self) -> &'static str {
                match self { $(Function::$variant => $name,)* }
            }
        }
    };
}

functions! {
    Format => "States.Format",
    StringToJson => "States.StringToJson",
    JsonToString => "States.JsonToString",
    Array => "States.Array",
    ArrayPartition => "States.ArrayPartition",
    ArrayContains => "States.ArrayContains",
    ArrayRange => "States.ArrayRange",
    ArrayGetItem => "States.ArrayGetItem",
    ArrayLength => "States.ArrayLength",
    ArrayUnique => "States.ArrayUnique",
    Base64Encode => "States.Base64Encode",
    Base64Decode => "States.Base64Decode",
    Hash => "States.Hash",
    JsonMerge => "States.JsonMerge",
    MathRandom => "States.MathRandom",
    MathAdd => "States.MathAdd",
    StringSplit => "States.StringSplit",
    Uuid => "States.UUID",
}

/// Runs `function` on evaluated arguments.
pub(crate) fn call(
    function: Function,
    args: &[Arg<'_>],
    entropy: &mut dyn Entropy,
) -> Result<Value, String> {
    let invalid = || format!("Invalid arguments in {}", function.name());
    let arity = |n: usize| {
        if args.len() == n {
            Ok(())
        } else {
            Err(invalid())
        }
    };
    let v = |i: usize| -> &Value { args[i].value.as_ref() };
    match function {
        Function::Format => format(args).map(Value::String),
        Function::StringToJson => {
            arity(1)?;
            let s = v(0).as_str().ok_or_else(invalid)?;
            let s = s.trim();
            if s.is_empty() {
                return Ok(Value::Null);
            }
            let mut parsed: Value = serde_json::from_str(s).map_err(|_| invalid())?;
            normalize_negative_zero(&mut parsed);
            Ok(parsed)
        }
        Function::JsonToString => {
            arity(1)?;
            Ok(Value::String(crate::compact(v(0))))
        }
        Function::Array => Ok(Value::Array(
            args.iter().map(|a| a.value.as_ref().clone()).collect(),
        )),
        Function::ArrayPartition => {
            arity(2)?;
            let items = v(0).as_array().ok_or_else(invalid)?;
            let size = truncate(v(1)).filter(|n| *n >= 1).ok_or_else(invalid)?;
            let size = usize::try_from(size).unwrap_or(usize::MAX);
            Ok(Value::Array(
                items
                    .chunks(size)
                    .map(|c| Value::Array(c.to_vec()))
                    .collect(),
            ))
        }
        Function::ArrayContains => {
            arity(2)?;
            let items = v(0).as_array().ok_or_else(invalid)?;
            Ok(Value::Bool(items.iter().any(|x| loose_eq(x, v(1)))))
        }
        Function::ArrayRange => {
            arity(3)?;
            let (start, end, step) = match (truncate(v(0)), truncate(v(1)), truncate(v(2))) {
                (Some(a), Some(b), Some(c)) if c != 0 => {
                    (i128::from(a), i128::from(b), i128::from(c))
                }
                _ => return Err(invalid()),
            };
            let count = if (step > 0 && start > end) || (step < 0 && start < end) {
                0
            } else {
                (end - start) / step + 1
            };
            if count > MAX_RANGE_ITEMS {
                return Err(invalid());
            }
            Ok(Value::Array(
                (0..count).map(|k| number_i128(start + k * step)).collect(),
            ))
        }
        Function::ArrayGetItem => {
            arity(2)?;
            let items = v(0).as_array().ok_or_else(invalid)?;
            let index = truncate(v(1)).ok_or_else(invalid)?;
            if items.is_empty() {
                // AWS answers null here rather than failing.
                return Ok(Value::Null);
            }
            usize::try_from(index)
                .ok()
                .and_then(|i| items.get(i))
                .cloned()
                .ok_or_else(invalid)
        }
        Function::ArrayLength => {
            arity(1)?;
            Ok(Value::from(v(0).as_array().ok_or_else(invalid)?.len()))
        }
        Function::ArrayUnique => {
            arity(1)?;
            let items = v(0).as_array().ok_or_else(invalid)?;
            let mut out: Vec<Value> = Vec::with_capacity(items.len());
            for x in items {
                if !out.contains(x) {
                    out.push(x.clone());
                }
            }
            Ok(Value::Array(out))
        }
        Function::Base64Encode => {
            arity(1)?;
            let s = v(0)
                .as_str()
                .filter(|s| java_len(s) <= MAX_STRING_CHARS)
                .ok_or_else(invalid)?;
            Ok(Value::String(
                base64::engine::general_purpose::STANDARD.encode(s.as_bytes()),
            ))
        }
        Function::Base64Decode => {
            arity(1)?;
            let s = v(0)
                .as_str()
                .filter(|s| java_len(s) <= MAX_STRING_CHARS)
                .ok_or_else(invalid)?;
            let bytes = lenient_base64(s).ok_or_else(invalid)?;
            Ok(Value::String(String::from_utf8_lossy(&bytes).into_owned()))
        }
        Function::Hash => {
            arity(2)?;
            // AWS hashes non-string data by its JSON text.
            let data = match v(0) {
                Value::String(s) => s.clone(),
                other => crate::compact(other),
            };
            if java_len(&data) > MAX_STRING_CHARS {
                return Err(invalid());
            }
            let algorithm = v(1).as_str().ok_or_else(invalid)?;
            hash(algorithm, data.as_bytes())
                .map(Value::String)
                .ok_or_else(invalid)
        }
        Function::JsonMerge => {
            arity(3)?;
            let (Value::Object(a), Value::Object(b), Value::Bool(false)) = (v(0), v(1), v(2))
            else {
                return Err(invalid());
            };
            let mut merged: Map<String, Value> = a.clone();
            for (k, x) in b {
                merged.insert(k.clone(), x.clone());
            }
            // AWS merges into a map whose order is neither argument's
            // (`json_manipulation__json_merge`: `{a,b,d}` and `{a,c,d}`
            // give `{a,b,c,d}`): a Java `HashMap`'s, as its templates'.
            let order = stepwell_java::hash_map_order(merged.keys().map(String::as_str));
            let mut entries: Vec<Option<(String, Value)>> = merged.into_iter().map(Some).collect();
            let merged: Map<String, Value> = order
                .into_iter()
                .filter_map(|i| entries.get_mut(i).and_then(Option::take))
                .collect();
            Ok(Value::Object(merged))
        }
        Function::MathRandom => {
            if !(2..=3).contains(&args.len()) {
                return Err(invalid());
            }
            let (start, end) = match (truncate(v(0)), truncate(v(1))) {
                (Some(a), Some(b)) if a < b => (a, b),
                _ => return Err(invalid()),
            };
            let range =
                u64::try_from(i128::from(end) - i128::from(start)).map_err(|_| invalid())?;
            let offset = if args.len() == 3 {
                let seed = truncate(v(2)).ok_or_else(invalid)?;
                stepwell_java::Random::new(seed).next_below(range)
            } else {
                entropy.next_u64() % range
            };
            Ok(number_i128(i128::from(start) + i128::from(offset)))
        }
        Function::MathAdd => {
            arity(2)?;
            let a = round_half_up(v(0))
                .filter(|x| i32::try_from(*x).is_ok())
                .ok_or_else(invalid)?;
            let b = round_half_up(v(1))
                .filter(|x| i32::try_from(*x).is_ok())
                .ok_or_else(invalid)?;
            Ok(Value::from(a + b))
        }
        Function::StringSplit => {
            arity(2)?;
            let (Some(s), Some(delims)) = (v(0).as_str(), v(1).as_str()) else {
                return Err(invalid());
            };
            // Java StringTokenizer: any delimiter character splits; empty tokens vanish.
            let parts = s
                .split(|c: char| delims.contains(c))
                .filter(|t| !t.is_empty())
                .map(|t| Value::String(t.to_string()))
                .collect();
            Ok(Value::Array(parts))
        }
        Function::Uuid => {
            arity(0)?;
            Ok(Value::String(uuid_v4(
                entropy.next_u64(),
                entropy.next_u64(),
            )))
        }
    }
}

/// Jackson reads `-0` as the integer `0`; serde_json reads it as the float `-0.0`.
fn normalize_negative_zero(v: &mut Value) {
    match v {
        Value::Number(n) if n.as_f64().is_some_and(|f| f == 0.0 && f.is_sign_negative()) => {
            *v = Value::from(0);
        }
        Value::Array(items) => items.iter_mut().for_each(normalize_negative_zero),
        Value::Object(map) => map.values_mut().for_each(normalize_negative_zero),
        _ => {}
    }
}

/// Length in UTF-16 code units, as Java counts "characters".
fn java_len(s: &str) -> usize {
    s.encode_utf16().count()
}

fn number_i128(n: i128) -> Value {
    match i64::try_from(n) {
        Ok(i) => Value::from(i),
        Err(_) => Value::from(n as f64),
    }
}

/// A number truncated toward zero, as AWS does for ranges, partitions and indexes.
fn truncate(v: &Value) -> Option<i64> {
    let Value::Number(n) = v else { return None };
    if let Some(i) = n.as_i64() {
        return Some(i);
    }
    let f = n.as_f64()?.trunc();
    if f.is_finite() && f >= i64::MIN as f64 && f < i64::MAX as f64 {
        Some(f as i64)
    } else {
        None
    }
}

/// Java `Math.round`: half rounds up (`-1.5` → `-1`, `2.5` → `3`).
fn round_half_up(v: &Value) -> Option<i64> {
    let Value::Number(n) = v else { return None };
    if let Some(i) = n.as_i64() {
        return Some(i);
    }
    let f = (n.as_f64()? + 0.5).floor();
    if f.is_finite() && f >= i64::MIN as f64 && f < i64::MAX as f64 {
        Some(f as i64)
    } else {
        None
    }
}

/// Equality as AWS's `States.ArrayContains` behaves: scalars compare by their text
/// (so `true` matches `"true"`), containers by their JSON text (key order matters).
fn loose_eq(a: &Value, b: &Value) -> bool {
    fn text(v: &Value) -> Option<String> {
        match v {
            Value::String(s) => Some(s.clone()),
            Value::Array(_) | Value::Object(_) => None,
            other => Some(crate::compact(other)),
        }
    }
    match (text(a), text(b)) {
        (Some(x), Some(y)) => x == y,
        (None, None) => crate::compact(a) == crate::compact(b),
        _ => false,
    }
}

/// Base64 decoding that skips characters outside the alphabet and tolerates missing
/// or misplaced padding (AWS accepts such input).
fn lenient_base64(s: &str) -> Option<Vec<u8>> {
    let mut clean: String = s
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '+' || *c == '/')
        .collect();
    if clean.len() % 4 == 1 {
        clean.pop();
    }
    let engine = base64::engine::GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        base64::engine::GeneralPurposeConfig::new()
            .with_decode_padding_mode(base64::engine::DecodePaddingMode::Indifferent)
            .with_decode_allow_trailing_bits(true),
    );
    engine.decode(clean.as_bytes()).ok()
}

fn hash(algorithm: &str, data: &[u8]) -> Option<String> {
    use sha2::Digest as _;
    let digest: Vec<u8> = match algorithm {
        "MD5" => md5::Md5::digest(data).to_vec(),
        "SHA-1" => sha1::Sha1::digest(data).to_vec(),
        "SHA-256" => sha2::Sha256::digest(data).to_vec(),
        "SHA-384" => sha2::Sha384::digest(data).to_vec(),
        "SHA-512" => sha2::Sha512::digest(data).to_vec(),
        _ => return None,
    };
    Some(hex(&digest))
}

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(char::from(DIGITS[usize::from(b >> 4)]));
        s.push(char::from(DIGITS[usize::from(b & 0xf)]));
    }
    s
}

fn uuid_v4(hi: u64, lo: u64) -> String {
    let bits = (u128::from(hi) << 64) | u128::from(lo);
    uuid::Builder::from_random_bytes(bits.to_be_bytes())
        .into_uuid()
        .to_string()
}

/// `States.Format`: `{}` placeholders filled in order; escaped braces are literal.
fn format(args: &[Arg<'_>]) -> Result<String, String> {
    let invalid = || "Invalid arguments in States.Format".to_string();
    let Some((first, rest)) = args.split_first() else {
        return Err(invalid());
    };
    let Value::String(template) = first.value.as_ref() else {
        return Err(invalid());
    };
    let owned: Vec<Piece>;
    let pieces: &[Piece] = match first.pieces {
        Some(p) => p,
        None => {
            owned = template
                .chars()
                .map(|c| match c {
                    '{' => Piece::Open,
                    '}' => Piece::Close,
                    c => Piece::Char(c),
                })
                .collect();
            &owned
        }
    };
    // Validate the template first, then the argument count, then fill.
    let mut holes = 0usize;
    let mut i = 0usize;
    while i < pieces.len() {
        match pieces[i] {
            Piece::Char(_) => {}
            Piece::Open if pieces.get(i + 1) == Some(&Piece::Close) => {
                holes += 1;
                i += 1;
            }
            Piece::Open => {
                return Err(
                    "Invalid template in States.Format: matching '}' not found for '{'.".into(),
                );
            }
            Piece::Close => {
                return Err("Invalid template in States.Format: single '}' encountered.".into());
            }
        }
        i += 1;
    }
    if holes != rest.len() {
        return Err("Invalid arguments in States.Format: number of arguments do not match the occurrences of {}.".into());
    }
    let mut out = String::new();
    let mut next = rest.iter();
    let mut i = 0usize;
    while i < pieces.len() {
        match pieces[i] {
            Piece::Char(c) => out.push(c),
            Piece::Open => {
                if let Some(arg) = next.next() {
                    format_value(arg.value.as_ref(), &mut out);
                }
                i += 1;
            }
            Piece::Close => {}
        }
        i += 1;
    }
    Ok(out)
}

/// How `States.Format` prints a value: strings raw, containers like Java's
/// `Map.toString`/`List.toString` (`{a=1, b=[x, y]}`).
fn format_value(v: &Value, out: &mut String) {
    match v {
        Value::String(s) => out.push_str(s),
        Value::Array(items) => {
            out.push('[');
            for (i, x) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                format_value(x, out);
            }
            out.push(']');
        }
        Value::Object(map) => {
            out.push('{');
            for (i, (k, x)) in map.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                out.push_str(k);
                out.push('=');
                format_value(x, out);
            }
            out.push('}');
        }
        other => out.push_str(&crate::compact(other)),
    }
}
