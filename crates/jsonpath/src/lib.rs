//! The JSONPath query language of Amazon States Language, as AWS Step Functions runs it.
//!
//! # What is here
//!
//! * [`Path`]: a parsed JSONPath (`$.a.b`, `$$.Execution.Input`, `$myVar.x[0]`, filters,
//!   slices, `..` …) with **Jayway** semantics, because that is the library AWS runs
//!   (not RFC 9535). A *definite* path selects one value or fails with Jayway's message
//!   (`No results for path: $['x']`, `Missing property in path $['a']`); an *indefinite*
//!   path always succeeds with an array of the matches, possibly empty.
//! * [`set_at`]: `ResultPath` semantics (write a value at a reference path); [`set_in`]
//!   does the same for a borrowed document, copying only what is off the path.
//! * [`Template`]: payload templates (`Parameters`, `ResultSelector`, `ItemSelector`,
//!   `Assign`): keys ending in `.$` take a path or an intrinsic call, everything else is
//!   literal. Compiled once, rendered many times.
//! * [`Intrinsic`]: the `States.*` intrinsic functions, parsed once into a small AST and
//!   evaluated against [`Roots`]. Randomness (`States.UUID`, `States.MathRandom`) comes
//!   from an injected [`Entropy`] so the caller can record it.
//!
//! # Design
//!
//! Everything is parsed up front into plain enums (`path::Segment`, `intrinsic::Expr`) so
//! that evaluation never re-parses text and never panics: parse errors are reported once,
//! at definition time, with a message; runtime errors are values ([`SelectError`],
//! [`SetError`], [`RenderError`]) whose `error_name()` is the AWS error name that
//! `Retry`/`Catch` match on and whose `Display` is AWS's cause text without the
//! `An error occurred while executing the state …` prefix (the interpreter adds it).
//!
//! Selection borrows from the documents whenever it can ([`std::borrow::Cow`]), so a
//! definite path such as `InputPath` costs no copy.
//!
//! The crate is pure: no IO, no clock, no randomness of its own, no `async`, and no
//! `unsafe`. Recursion in the parsers is bounded, so arbitrary text cannot overflow the
//! stack (see the fuzz targets in `fuzz/`).
//!
//! # AWS behaviours worth knowing (verified against recorded AWS executions)
//!
//! * Failures inside intrinsic functions surface as `States.Runtime` (not
//!   `States.IntrinsicFailure`), with causes such as
//!   `There was an error while evaluating the intrinsic function: States.MathAdd($.a, 1). Invalid arguments in States.MathAdd`.
//! * `States.MathAdd` rounds its arguments half-up (Java `Math.round`), while
//!   `States.ArrayRange`, `States.ArrayPartition`, `States.ArrayGetItem` and
//!   `States.MathRandom` truncate them.
//! * `States.Format` renders objects and arrays the Java `Map.toString` way:
//!   `{Id=arn:…, Name=x}`, `[1, 2]`; `null` renders as `null`.
//! * `States.StringSplit` splits on *any* of the delimiter characters and drops empty
//!   tokens (Java `StringTokenizer`).
//! * `States.StringToJson('')` and `States.StringToJson(' ')` give `null`.
//! * An indefinite path that finds nothing gives `[]`, even when an intermediate
//!   property is missing.
//! * In a filter, `@` only matches objects: `$.a[?(@ > 1)]` never selects numbers
//!   (AWS "Paths" page), unlike stock Jayway.
//! * Seeded `States.MathRandom(start, end, seed)` is `java.util.Random(seed)
//!   .nextInt(end - start) + start`; unseeded draws come from [`Entropy`].
#![forbid(unsafe_code)]

mod error;
mod filter;
mod functions;
mod intrinsic;
mod path;
mod set;
mod template;

use std::borrow::Cow;

pub use serde_json::Value;

pub use error::{PathError, RenderError, SelectError, SetError, TemplateError};
pub use intrinsic::{Intrinsic, PathOrIntrinsic};
pub use path::{Path, Root};
pub use set::{set_at, set_in};
pub use template::Template;

/// The documents a path can start from: `$` (state input), `$$` (context object) and
/// `$name` (workflow variables).
#[derive(Clone, Copy)]
pub struct Roots<'a> {
    /// What `$` refers to.
    pub input: &'a Value,
    /// What `$$` refers to.
    pub context: &'a Value,
    /// What `$name` refers to.
    pub variables: &'a dyn Variables,
}

impl<'a> Roots<'a> {
    /// Roots with only an input: `$$` is `null` and there are no variables.
    pub fn input_only(input: &'a Value) -> Roots<'a> {
        Roots {
            input,
            context: &Value::Null,
            variables: &NoVariables,
        }
    }
}

impl std::fmt::Debug for Roots<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Roots")
            .field("input", self.input)
            .field("context", self.context)
            .finish_non_exhaustive()
    }
}

/// Workflow variables, looked up by name (without the `$`).
pub trait Variables {
    /// The variable's value, or `None` when it is not defined.
    fn get(&self, name: &str) -> Option<&Value>;
}

impl Variables for serde_json::Map<String, Value> {
    fn get(&self, name: &str) -> Option<&Value> {
        serde_json::Map::get(self, name)
    }
}

impl Variables for std::collections::HashMap<String, Value> {
    fn get(&self, name: &str) -> Option<&Value> {
        std::collections::HashMap::get(self, name)
    }
}

impl Variables for std::collections::BTreeMap<String, Value> {
    fn get(&self, name: &str) -> Option<&Value> {
        std::collections::BTreeMap::get(self, name)
    }
}

/// No variables at all.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoVariables;

impl Variables for NoVariables {
    fn get(&self, _name: &str) -> Option<&Value> {
        None
    }
}

/// A source of randomness for `States.UUID` and `States.MathRandom`, injected so the
/// caller can record what was drawn (and replay it).
pub trait Entropy {
    /// The next 64 random bits.
    fn next_u64(&mut self) -> u64;
}

/// Replays a fixed list of numbers, cycling; yields zeros when the list is empty.
/// Handy in tests and when replaying recorded entropy.
#[derive(Debug, Clone, Default)]
pub struct FixedEntropy {
    values: Vec<u64>,
    next: usize,
}

impl FixedEntropy {
    /// Entropy that yields `values` in order, then starts again.
    pub fn new(values: Vec<u64>) -> FixedEntropy {
        FixedEntropy { values, next: 0 }
    }
}

impl Entropy for FixedEntropy {
    fn next_u64(&mut self) -> u64 {
        if self.values.is_empty() {
            return 0;
        }
        let v = self.values[self.next % self.values.len()];
        self.next = (self.next + 1) % self.values.len();
        v
    }
}

/// Compact JSON text of a value, as AWS prints inputs in its error causes.
pub(crate) fn compact(value: &Value) -> String {
    serde_json::to_string(value).unwrap_or_default()
}

/// Selects a path and converts a missing definite result into the template-field error
/// (`The JSONPath '$.x' specified for the field 'f' could not be found in the input '…'`).
pub(crate) fn select_for_field<'a>(
    path: &Path,
    roots: &Roots<'a>,
) -> Result<Cow<'a, Value>, RenderError> {
    path.select(roots).map_err(|_| RenderError::PathNotFound {
        path: path.text().to_string(),
        field: None,
        input: compact(roots.input),
    })
}
