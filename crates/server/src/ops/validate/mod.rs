//! AWS's request validation: every member constraint of the Step Functions
//! API model (required members, string lengths, numeric ranges, enum
//! values, patterns, list lengths, the members of nested structures and
//! lists), for all operations, as one table, checked by [`check`] before an
//! operation runs, so a request that breaks a constraint never reaches a
//! lookup.
//!
//! The table follows AWS's published API model, member for member and in
//! its order; `constraints_match_the_aws_model` (below) reads the model from
//! `../shared/reference` beside the repository when it is there and fails
//! on any difference.
//!
//! The message is AWS's ("Coral") wording: `N validation error(s)
//! detected: ` then, joined by `; `, one `Value 'V' at 'FIELD' failed to
//! satisfy constraint: Member must ...` per failure, in the model's member
//! order. A sensitive member (`input`, `definition`, `taskToken`, …) shows
//! no value (`Value at 'input' …`), not even when it is missing (AWS,
//! recorded: SendTaskSuccess without `output` is `Value at 'output' failed
//! to satisfy constraint: Member must not be null`); any other missing
//! required one reads `Value null at …`. The payload members (the model's
//! `SensitiveData`: `input`, `output`, `mock.result`, …) are measured in
//! UTF-8 bytes: `Member must have size less than or equal to 262144 bytes
//! in UTF-8 encoding`. A structure's member is `parent.child`, a list element's
//! member `list.1.member.child` (1-based), as AWS writes
//! `routingConfiguration.1.member.weight`. A list of strings is checked as
//! a whole: `Value '[a, b]' at 'tagKeys' failed to satisfy constraint:
//! Member must satisfy constraint: [every constraint of its elements]`.
//!
//! A member of the wrong JSON type is a `SerializationException`, as the
//! handlers' own accessors answer; what AWS checks after this layer (name
//! characters: `InvalidName`, ARNs: `InvalidArn`, payload bytes, JSON
//! text) stays with the handlers.

use std::fmt;

use serde_json::{Map, Value};

use crate::protocol::{ApiError, Req};

/// A member's type and constraints: one shape of the model.
#[derive(Debug)]
pub enum Shape {
    /// A string of `min..=max` characters (UTF-8 bytes when `bytes`: the
    /// payload quota's members); `sensitive` keeps its value out of
    /// messages.
    Str {
        min: usize,
        max: Option<usize>,
        pattern: Option<Pattern>,
        sensitive: bool,
        bytes: bool,
    },
    /// A string from a fixed set, in the order AWS prints it.
    Enum(&'static [&'static str]),
    /// An integer or a long.
    Int {
        min: Option<i64>,
        max: Option<i64>,
    },
    /// A float.
    Float {
        min: f64,
        max: f64,
    },
    Bool,
    /// A list of `min..=max` items.
    List {
        min: usize,
        max: Option<usize>,
        item: &'static Shape,
    },
    /// A structure; `name` is the model's, which a list's value shows.
    Struct {
        name: &'static str,
        members: &'static [Member],
    },
}

/// One member of an operation's input or of a structure.
#[derive(Debug)]
pub struct Member {
    pub name: &'static str,
    pub required: bool,
    pub shape: &'static Shape,
}

/// The model's few patterns (Java regular expressions), as functions: the
/// `regex` crates have no lookahead, which one of them needs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Pattern {
    /// `\p{ASCII}*` (TraceHeader).
    Ascii,
    /// `[!-~]+`: printable ASCII, no space (ClientToken).
    Printable,
    /// `^(?=.*[a-zA-Z_\-\.])[a-zA-Z0-9_\-\.]+$`: letters, digits, `_-.`,
    /// not digits only (an alias name).
    CharacterRestrictedName,
}

impl Pattern {
    /// The model's text of the pattern, which AWS's message quotes.
    pub fn regex(self) -> &'static str {
        match self {
            Pattern::Ascii => r"\p{ASCII}*",
            Pattern::Printable => "[!-~]+",
            Pattern::CharacterRestrictedName => r"^(?=.*[a-zA-Z_\-\.])[a-zA-Z0-9_\-\.]+$",
        }
    }

    /// Whether the whole of `s` matches (Java's `String.matches`).
    pub fn matches(self, s: &str) -> bool {
        match self {
            Pattern::Ascii => s.is_ascii(),
            Pattern::Printable => !s.is_empty() && s.bytes().all(|b| (b'!'..=b'~').contains(&b)),
            Pattern::CharacterRestrictedName => {
                let allowed = |b: u8| b.is_ascii_alphanumeric() || b"_-.".contains(&b);
                s.bytes().all(allowed) && s.bytes().any(|b| allowed(b) && !b.is_ascii_digit())
            }
        }
    }
}

mod table;
#[cfg(test)]
mod tests;

use table::OPERATIONS;

/// Check a request of `op` against the table: `Ok` when every constraint
/// holds (an operation not in the table has none), else AWS's
/// `ValidationException` naming every failure, or a
/// `SerializationException` for a member of the wrong type. Allocates
/// nothing unless it fails.
pub fn check(op: &str, req: &Req) -> Result<(), ApiError> {
    let Some((_, members)) = OPERATIONS.iter().find(|(name, _)| *name == op) else {
        return Ok(());
    };
    let mut failures = Vec::new();
    check_members(members, &req.0, Path::Root, &mut failures)?;
    match failures.len() {
        0 => Ok(()),
        1 => Err(ApiError::new(
            "ValidationException",
            format!("1 validation error detected: {}", failures.join("; ")),
        )),
        n => Err(ApiError::new(
            "ValidationException",
            format!("{n} validation errors detected: {}", failures.join("; ")),
        )),
    }
}

/// Where a member sits in the request, written out only for a message.
#[derive(Clone, Copy)]
enum Path<'a> {
    Root,
    Member(&'a Path<'a>, &'static str),
    /// A list's item, 0-based here, 1-based in messages.
    Item(&'a Path<'a>, usize),
}

impl fmt::Display for Path<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Path::Root => Ok(()),
            Path::Member(Path::Root, name) => f.write_str(name),
            Path::Member(parent, name) => write!(f, "{parent}.{name}"),
            Path::Item(parent, i) => write!(f, "{parent}.{}.member", i + 1),
        }
    }
}

fn check_members(
    members: &[Member],
    object: &Map<String, Value>,
    path: Path<'_>,
    failures: &mut Vec<String>,
) -> Result<(), ApiError> {
    for m in members {
        let here = Path::Member(&path, m.name);
        match object.get(m.name) {
            None | Some(Value::Null) if m.required => failures.push(if m.shape.is_sensitive() {
                format!("Value at '{here}' failed to satisfy constraint: Member must not be null")
            } else {
                format!(
                    "Value null at '{here}' failed to satisfy constraint: Member must not be null"
                )
            }),
            None | Some(Value::Null) => {}
            Some(v) => check_value(m.shape, v, here, failures)?,
        }
    }
    Ok(())
}

impl Shape {
    /// A sensitive string: its value never shows in a message.
    fn is_sensitive(&self) -> bool {
        matches!(
            self,
            Shape::Str {
                sensitive: true,
                ..
            }
        )
    }
}

/// One failure in AWS's words; `value` is None for a sensitive member.
fn failure(value: Option<&str>, path: Path<'_>, constraint: impl fmt::Display) -> String {
    match value {
        Some(v) => format!("Value '{v}' at '{path}' failed to satisfy constraint: {constraint}"),
        None => format!("Value at '{path}' failed to satisfy constraint: {constraint}"),
    }
}

fn wrong_type(path: Path<'_>, what: &str) -> ApiError {
    Req::wrong_type(&path.to_string(), what)
}

/// One constraint of a string, written as AWS writes it.
#[derive(Clone, Copy)]
enum Rule {
    MaxLength(usize),
    /// At most this many bytes in UTF-8 (the payload quota).
    MaxBytes(usize),
    MinLength(usize),
    Matches(Pattern),
}

impl Rule {
    /// A string shape's constraints, in the order AWS lists them in its
    /// "Member must satisfy constraint: [...]" answers.
    // AWS is silent on the order of several failures of one value (its
    // answers of other services show both orders); this is the same order.
    fn of(
        min: usize,
        max: Option<usize>,
        pattern: Option<Pattern>,
        bytes: bool,
    ) -> impl Iterator<Item = Rule> {
        let min = (min > 0).then_some(Rule::MinLength(min));
        let max = max.map(|n| {
            if bytes {
                Rule::MaxBytes(n)
            } else {
                Rule::MaxLength(n)
            }
        });
        max.into_iter().chain(min).chain(pattern.map(Rule::Matches))
    }

    fn holds(self, s: &str) -> bool {
        // A string has at most as many characters as bytes and at least a
        // quarter as many, so most strings need no count.
        // AWS is silent on whether it counts code points or UTF-16 units;
        // these are code points.
        match self {
            Rule::MaxLength(max) => s.len() <= max || s.chars().count() <= max,
            Rule::MaxBytes(max) => s.len() <= max,
            Rule::MinLength(min) => s.len() / 4 >= min || s.chars().count() >= min,
            Rule::Matches(p) => p.matches(s),
        }
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Rule::MaxLength(n) => write!(f, "Member must have length less than or equal to {n}"),
            Rule::MaxBytes(n) => write!(
                f,
                "Member must have size less than or equal to {n} bytes in UTF-8 encoding"
            ),
            Rule::MinLength(n) => write!(f, "Member must have length greater than or equal to {n}"),
            Rule::Matches(p) => write!(
                f,
                "Member must satisfy regular expression pattern: {}",
                p.regex()
            ),
        }
    }
}

fn check_value(
    shape: &Shape,
    v: &Value,
    path: Path<'_>,
    failures: &mut Vec<String>,
) -> Result<(), ApiError> {
    match shape {
        Shape::Str {
            min,
            max,
            pattern,
            sensitive,
            bytes,
        } => {
            let s = v.as_str().ok_or_else(|| wrong_type(path, "a string"))?;
            let shown = (!sensitive).then_some(s);
            for rule in Rule::of(*min, *max, *pattern, *bytes).filter(|r| !r.holds(s)) {
                failures.push(failure(shown, path, rule));
            }
        }
        Shape::Enum(values) => {
            let s = v.as_str().ok_or_else(|| wrong_type(path, "a string"))?;
            if !values.contains(&s) {
                let set = values.join(", ");
                let c = format!("Member must satisfy enum value set: [{set}]");
                failures.push(failure(Some(s), path, c));
            }
        }
        Shape::Int { min, max } => {
            let n = v.as_i64().ok_or_else(|| wrong_type(path, "an integer"))?;
            if let Some(max) = max.filter(|&max| n > max) {
                let c = format!("Member must have value less than or equal to {max}");
                failures.push(failure(Some(&n.to_string()), path, c));
            }
            if let Some(min) = min.filter(|&min| n < min) {
                let c = format!("Member must have value greater than or equal to {min}");
                failures.push(failure(Some(&n.to_string()), path, c));
            }
        }
        Shape::Float { min, max } => {
            let x = v.as_f64().ok_or_else(|| wrong_type(path, "a number"))?;
            if x > *max {
                let c = format!("Member must have value less than or equal to {max}");
                failures.push(failure(Some(&java_float(x)), path, c));
            }
            if x < *min {
                let c = format!("Member must have value greater than or equal to {min}");
                failures.push(failure(Some(&java_float(x)), path, c));
            }
        }
        Shape::Bool => {
            if !v.is_boolean() {
                return Err(wrong_type(path, "a boolean"));
            }
        }
        Shape::List { min, max, item } => {
            let items = v.as_array().ok_or_else(|| wrong_type(path, "a list"))?;
            if let Some(max) = max.filter(|&max| items.len() > max) {
                let c = format!("Member must have length less than or equal to {max}");
                failures.push(failure(Some(&java_text(v, shape)), path, c));
            }
            if items.len() < *min {
                let c = format!("Member must have length greater than or equal to {min}");
                failures.push(failure(Some(&java_text(v, shape)), path, c));
            }
            check_items(items, item, v, shape, path, failures)?;
        }
        Shape::Struct { members, .. } => {
            let object = v
                .as_object()
                .ok_or_else(|| wrong_type(path, "a structure"))?;
            check_members(members, object, path, failures)?;
        }
    }
    Ok(())
}

/// A list's items: a structure's members each under `list.N.member`; a
/// list of strings as a whole, naming all the constraints of its items.
fn check_items(
    items: &[Value],
    item: &Shape,
    list: &Value,
    list_shape: &Shape,
    path: Path<'_>,
    failures: &mut Vec<String>,
) -> Result<(), ApiError> {
    let Shape::Str {
        min,
        max,
        pattern,
        sensitive,
        bytes,
    } = item
    else {
        for (i, v) in items.iter().enumerate() {
            let here = Path::Item(&path, i);
            match v {
                // AWS is silent on a null item of a list of structures.
                Value::Null => failures.push(format!(
                    "Value null at '{here}' failed to satisfy constraint: Member must not be null"
                )),
                v => check_value(item, v, here, failures)?,
            }
        }
        return Ok(());
    };
    let mut broken = false;
    for (i, v) in items.iter().enumerate() {
        match v {
            Value::Null => broken = true,
            v => {
                let s = v
                    .as_str()
                    .ok_or_else(|| wrong_type(Path::Item(&path, i), "a string"))?;
                broken |= Rule::of(*min, *max, *pattern, *bytes).any(|r| !r.holds(s));
            }
        }
    }
    if broken {
        // AWS is silent on whether one message covers every bad item (as
        // here) or each has its own.
        let all: Vec<String> = Rule::of(*min, *max, *pattern, *bytes)
            .map(|r| r.to_string())
            .chain(["Member must not be null".to_string()])
            .collect();
        let c = format!("Member must satisfy constraint: [{}]", all.join(", "));
        let text = java_text(list, list_shape);
        failures.push(failure((!sensitive).then_some(&text), path, c));
    }
    Ok(())
}

/// A value as AWS's messages show it: Java's `toString` of the request
/// object (`[a, b]` for a list, `Name(member=value, …)` for a structure).
fn java_text(v: &Value, shape: &Shape) -> String {
    match (v, shape) {
        (Value::String(s), _) => s.clone(),
        (Value::Number(n), Shape::Float { .. }) => java_float(n.as_f64().unwrap_or_default()),
        (Value::Array(items), Shape::List { item, .. }) => {
            let items: Vec<String> = items.iter().map(|v| java_text(v, item)).collect();
            format!("[{}]", items.join(", "))
        }
        (Value::Object(o), Shape::Struct { name, members }) => {
            let fields: Vec<String> = members
                .iter()
                .map(|m| {
                    let text = o
                        .get(m.name)
                        .map_or("null".into(), |v| java_text(v, m.shape));
                    format!("{}={text}", m.name)
                })
                .collect();
            format!("{name}({})", fields.join(", "))
        }
        (v, _) => v.to_string(),
    }
}

/// A float as Java prints it: `150.0`, `100.5`.
// AWS is silent here (no message with a float is on record); Java's
// `Float.toString` always shows a decimal point.
fn java_float(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e7 {
        format!("{x:.1}")
    } else {
        x.to_string()
    }
}
