//! JSONata for Step Functions: the language as AWS runs it.
//!
//! Evaluation is done by the [`jsonata_core`] crate; this crate owns what is
//! specific to AWS Step Functions:
//!
//! - **The version.** AWS runs JSONata 2.0.6. Syntax added later (the `??`
//!   and `?:` operators) is rejected with `S0211`, as 2.0.6 does.
//! - **Functions.** `$partition`, `$range`, `$hash`, `$random(seed?)`,
//!   `$uuid` and `$parse` are added and `$eval` is removed (see
//!   [`functions`](crate#functions)).
//! - **Errors.** A [`JsonataError`] carries the JSONata code and the message
//!   in the reference implementation's wording; [`JsonataError::cause`]
//!   renders `"T1006: Attempted to invoke a non-function"`, the text AWS puts
//!   in a `States.QueryEvaluationError` cause. Where jsonata-js's message
//!   holds what jsonata-core's error leaves out (the values compared, the
//!   function that failed, an enclosing `and`/`or`), a failed evaluation is
//!   run again, instrumented, to find it (the `diagnose` module).
//! - **Bounds.** Evaluation nested deeper than [`Limits::max_depth`] or running
//!   past [`Limits::timeout`] stops with `U1001`, so no expression can hang
//!   or overflow the stack of the engine. An expression whose tree alone
//!   nests evaluation more than 100 levels deep (`1+1+…+1` with 101 terms)
//!   fails as AWS fails it, with its stack-overflow error (the `depth`
//!   module); a recursive function's depth is bounded by `max_depth` only.
//!   AWS's memory limit on one value (6,990,256 bytes: a number counts 8, a
//!   character 1) is kept for strings and arrays: strings longer than
//!   6,990,256 characters fail before they are built (by `&`, `$pad`,
//!   `$join`, `$string`, `$replace`, ...), and query sequences and constructed arrays longer than
//!   [`Limits::max_sequence`] (873,782) fail, with AWS's "Expression
//!   evaluation memory limit exceeded" (`U1001`). Results whose JSON would
//!   be longer than JavaScript's longest string fail with `D1013`, and so
//!   do values nested deeper than [`Limits::max_nesting`]. Operations that
//!   walk a value path by path (`=`, `**`, a transform's copy, `$distinct`,
//!   and arrays nested in arrays) are checked before they run, DAG-safely,
//!   and those whose pairwise comparisons would run far past the timeout
//!   fail at once with `U1001`. So these operations cannot exhaust the
//!   engine's memory or stall it inside one call (the `guard` module lists
//!   what is not guarded yet). AWS writes these `U1001` errors without a
//!   code ([`JsonataError::evaluation_cause`]).
//! - **Speed.** Small expressions (`$states.input.a.b`, `$n + 1`, comparisons)
//!   are evaluated directly on the caller's JSON (see the `fast` module),
//!   giving the same answers as the full evaluator.
//! - **Purity.** No IO. Randomness, the time `$now()` and `$millis()`
//!   answer, and the date `$toMillis` takes for a picture that leaves it out
//!   (`'[H01]:[m01]'`, see the `clock` module) come from an injected
//!   [`Entropy`] source. The clock read left is jsonata-core's check of the
//!   optional timeout (and `$toMillis` when the caller injects no time).
//! - **JSON fidelity.** Key order is kept; numbers print as JavaScript's
//!   `JSON.stringify` would (integral values without a fraction).
//!
//! ```
//! use serde_json::json;
//! use stepwell_jsonata::{Expression, SplitMix64};
//!
//! let expr = Expression::compile("$sum($states.input.items.price) * $rate").unwrap();
//! let vars = json!({"states": {"input": {"items": [{"price": 2}, {"price": 3}]}}, "rate": 10});
//! let vars = vars.as_object().unwrap();
//! let out = expr.evaluate(None, vars, &mut SplitMix64::new(1)).unwrap();
//! assert_eq!(out, Some(json!(50)));
//! assert_eq!(expr.free_variables(), ["rate", "states"]);
//!
//! let err = Expression::compile("$x ?? 1").unwrap_err();
//! assert_eq!(err.cause(), r#"S0211: The symbol "?" cannot be used as a unary operator"#);
//! ```
//!
//! # Functions
//!
//! The AWS functions check their arguments like jsonata-js signatures do; see
//! the table in the `functions` module source. `$random()`, `$uuid()` and
//! `$shuffle()` draw from a pseudo-random generator seeded with one `u64`
//! taken from the caller's [`Entropy`] per evaluation, and `$now()` and
//! `$millis()` answer the time [`Entropy::now_millis`] gives (each asked only
//! when the expression mentions them), so an interpreter that records them,
//! or the result, can replay it.

mod analysis;
mod arity;
mod clock;
mod convert;
mod depth;
mod diagnose;
mod error;
mod fast;
mod functions;
mod guard;
mod precedence;
mod reduce;
mod references;
mod url;

use std::sync::Arc;
use std::time::Duration;

use jsonata_core::ast::AstNode;
use jsonata_core::evaluator::{CancelToken, Context, Evaluator, EvaluatorError, EvaluatorOptions};
use jsonata_core::value::JValue;
use serde_json::Value;

pub use error::JsonataError;
pub use references::UnsupportedReference;

/// Variables visible to an expression: `$states` and workflow variables,
/// looked up by name without the `$`.
///
/// Only the names an expression references are looked up, once per evaluation.
pub trait Bindings {
    /// The value bound to `name`, if any.
    fn get(&self, name: &str) -> Option<&Value>;

    /// `$name.field`: `None` when `$name` is unbound or not an object,
    /// `Some(None)` when it is an object without `field`. Bindings that build
    /// a value on demand (Step Functions' `$states`) answer this without
    /// building it; the fast form reads paths through it.
    fn member(&self, name: &str, field: &str) -> Option<Option<&Value>> {
        match self.get(name)? {
            Value::Object(map) => Some(map.get(field)),
            _ => None,
        }
    }
}

impl Bindings for serde_json::Map<String, Value> {
    fn get(&self, name: &str) -> Option<&Value> {
        serde_json::Map::get(self, name)
    }
}

impl<S: std::hash::BuildHasher> Bindings for std::collections::HashMap<String, Value, S> {
    fn get(&self, name: &str) -> Option<&Value> {
        std::collections::HashMap::get(self, name)
    }
}

impl Bindings for std::collections::BTreeMap<String, Value> {
    fn get(&self, name: &str) -> Option<&Value> {
        std::collections::BTreeMap::get(self, name)
    }
}

/// No bindings at all.
impl Bindings for () {
    fn get(&self, _name: &str) -> Option<&Value> {
        None
    }
}

/// A source of randomness for `$random()` and `$uuid()`.
pub trait Entropy {
    /// 64 random bits.
    fn next_u64(&mut self) -> u64;

    /// The time of the evaluation, in milliseconds since the Unix epoch:
    /// what `$millis()` answers and `$now()` formats, one value for every
    /// call in an evaluation, as in jsonata-js. Asked once per evaluation
    /// that mentions them. `None` (the default) is no clock: both answer
    /// nothing (`undefined`).
    fn now_millis(&mut self) -> Option<i64> {
        None
    }
}

/// The SplitMix64 generator: a small deterministic [`Entropy`] source, for
/// tests and replay, and the generator the AWS functions run on.
#[derive(Clone, Debug)]
pub struct SplitMix64(u64);

impl SplitMix64 {
    /// A generator starting from `seed`.
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    fn step(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
}

impl Entropy for SplitMix64 {
    fn next_u64(&mut self) -> u64 {
        self.step()
    }
}

/// A flag another thread can set to stop an evaluation (with `U1001`).
#[derive(Clone, Debug, Default)]
pub struct Cancel(CancelToken);

impl Cancel {
    /// A flag that is not set.
    pub fn new() -> Self {
        Self::default()
    }

    /// Stop every evaluation holding a clone of this flag.
    pub fn cancel(&self) {
        self.0.cancel();
    }

    /// Whether [`Cancel::cancel`] was called.
    pub fn is_cancelled(&self) -> bool {
        self.0.is_cancelled()
    }
}

/// Runaway guards for one evaluation: depth, time, cancellation and
/// sequences fail with `U1001`, nesting with `D1013`.
#[derive(Clone, Debug)]
pub struct Limits {
    /// Maximum nesting of evaluation (about three levels per non-tail
    /// recursive function call).
    pub max_depth: usize,
    /// Maximum wall-clock time, measured by jsonata-core. `None`: no limit.
    pub timeout: Option<Duration>,
    /// A cancellation flag, for callers that keep their own clock.
    pub cancel: Option<Cancel>,
    /// Longest query-result sequence, and longest array an array
    /// constructor may build (AWS's memory limit error beyond it).
    pub max_sequence: usize,
    /// Deepest nesting of arrays and objects in a value written out as JSON:
    /// the result, and what `$string` and `&` turn into text (`D1013` beyond
    /// it; `[]` is one level). The default, 1000, is the default maximum
    /// nesting depth of Jackson's `StreamReadConstraints`, which is what
    /// AWS's Java service most plausibly enforces on state data (AWS does
    /// not document a figure).
    pub max_nesting: usize,
}

impl Default for Limits {
    /// 10,000 levels (about 3,300 nested calls), 10 seconds, sequences
    /// of 873,782 items (AWS's memory limit: it evaluates `[1..873782]` and
    /// refuses one item more) and values nested 1000 deep.
    fn default() -> Self {
        Self {
            max_depth: 10_000,
            timeout: Some(Duration::from_secs(10)),
            cancel: None,
            max_sequence: guard::MAX_SEQUENCE,
            max_nesting: guard::MAX_NESTING,
        }
    }
}

/// The result of an evaluation, with JSONata's cases kept apart.
#[derive(Clone, Debug, PartialEq)]
pub enum Evaluated {
    /// A JSON value.
    Value(Value),
    /// JSONata `undefined`: no value at all.
    Undefined,
    /// A function (lambda, built-in or regex), which has no JSON form.
    Function,
}

impl Evaluated {
    /// The value, with `undefined` and functions as `None`.
    pub fn into_value(self) -> Option<Value> {
        match self {
            Evaluated::Value(v) => Some(v),
            Evaluated::Undefined | Evaluated::Function => None,
        }
    }
}

/// A compiled JSONata expression: compile once, evaluate many times, from
/// any thread.
///
/// Cloning is cheap (the compiled form is shared).
#[derive(Clone, Debug)]
pub struct Expression {
    ast: Arc<AstNode>,
    analysis: Arc<analysis::Analysis>,
    /// The direct form, for expressions in [`fast`]'s subset.
    fast: Option<Arc<fast::Node>>,
    /// The size guards `ast` calls (see [`mod@guard`]).
    guards: guard::Needs,
    /// Whether the tree alone nests evaluation deeper than AWS allows (see
    /// [`mod@depth`]): every evaluation fails.
    too_deep: bool,
}

impl Expression {
    /// Parse `text` as JSONata 2.0.6.
    pub fn compile(text: &str) -> Result<Expression, JsonataError> {
        let mut ast =
            guard(|| jsonata_core::parser::parse(text))?.map_err(|e| error::from_parser(&e))?;
        analysis::check_v2_0_6(&ast)?;
        let too_deep = depth::too_deep(&ast);
        guard::rename_reserved(&mut ast);
        let too_many_arguments = arity::prepare(&mut ast);
        precedence::prepare(&mut ast);
        let unsupported = references::unsupported_references(&ast);
        let keep_builtin = url::prepare(&mut ast);
        reduce::prepare(&mut ast);
        let mut analysis = analysis::analyse(&ast);
        analysis.aws.retain(|f| !keep_builtin.contains(f));
        analysis.unsupported = unsupported;
        // An expression too deep for AWS fails in the full evaluator.
        let fast = fast::compile(&ast).filter(|_| !too_deep).map(Arc::new);
        let guards = guard(|| guard::rewrite(&mut ast))?;
        if clock::prepare(&mut ast) {
            analysis.aws.push(clock::DATED);
        }
        if too_many_arguments {
            analysis.aws.push(arity::ARITY);
        }
        Ok(Expression {
            ast: Arc::new(ast),
            analysis: Arc::new(analysis),
            fast,
            guards,
            too_deep,
        })
    }

    /// Evaluate with the default [`Limits`]. `input: None` means no input at
    /// all (JavaScript `undefined`), which differs from `Some(&Value::Null)`.
    /// The result is `None` for JSONata `undefined`, and for a function value
    /// (use [`Expression::evaluate_full`] to tell the two apart).
    pub fn evaluate(
        &self,
        input: Option<&Value>,
        bindings: &dyn Bindings,
        entropy: &mut dyn Entropy,
    ) -> Result<Option<Value>, JsonataError> {
        self.evaluate_full(input, bindings, entropy, &Limits::default())
            .map(Evaluated::into_value)
    }

    /// Evaluate under explicit `limits`, keeping undefined and function
    /// results apart.
    pub fn evaluate_full(
        &self,
        input: Option<&Value>,
        bindings: &dyn Bindings,
        entropy: &mut dyn Entropy,
        limits: &Limits,
    ) -> Result<Evaluated, JsonataError> {
        if let (None, Some(fast)) = (input, &self.fast) {
            if let Ok(value) = fast.evaluate(bindings) {
                return Ok(value.map_or(Evaluated::Undefined, Evaluated::Value));
            }
        }
        self.evaluate_in_full(input, bindings, entropy, limits)
    }

    /// Evaluate with jsonata-core, even when the expression has a fast form.
    /// For differential tests of the fast form; not part of the stable API.
    #[doc(hidden)]
    pub fn evaluate_in_full(
        &self,
        input: Option<&Value>,
        bindings: &dyn Bindings,
        entropy: &mut dyn Entropy,
        limits: &Limits,
    ) -> Result<Evaluated, JsonataError> {
        if self.too_deep {
            return Err(JsonataError::stack_overflow());
        }
        let uses = |names: &[&str]| self.analysis.aws.iter().any(|f| names.contains(f));
        let drawn = functions::Drawn {
            seed: if uses(&["random", "uuid", "shuffle"]) {
                entropy.next_u64()
            } else {
                0
            },
            now: if uses(&["now", "millis", clock::DATED]) {
                entropy.now_millis()
            } else {
                None
            },
        };
        let data = input.map_or(JValue::Undefined, convert::to_jvalue);
        let result = self
            .run(&self.ast, &data, bindings, drawn, limits, |_| {})
            .map_err(|e| match &limits.cancel {
                Some(c) if c.is_cancelled() => JsonataError::timeout(),
                _ => {
                    let err = error::from_evaluator(&e, &self.analysis.hints);
                    if diagnose::CODES.contains(&err.code.as_str()) {
                        self.diagnose(&data, bindings, drawn, limits, &err)
                            .unwrap_or(err)
                    } else {
                        err
                    }
                }
            })?;
        if convert::is_function(&result) {
            return Ok(Evaluated::Function);
        }
        guard::check_result(&result, limits.max_nesting)?;
        Ok(match convert::from_jvalue(&result) {
            Some(v) => Evaluated::Value(v),
            None => Evaluated::Undefined,
        })
    }

    /// Evaluate `ast` (this expression's tree, or an instrumented copy) with
    /// the bindings, guards and AWS functions it needs; `setup` adds to the
    /// evaluator. `drawn` is what the AWS functions and the replaced
    /// built-ins take from the caller's [`Entropy`].
    fn run(
        &self,
        ast: &AstNode,
        data: &JValue,
        bindings: &dyn Bindings,
        drawn: functions::Drawn,
        limits: &Limits,
        setup: impl FnOnce(&mut Evaluator),
    ) -> Result<JValue, EvaluatorError> {
        let mut context = Context::new();
        for name in &self.analysis.referenced {
            if let Some(value) = bindings.get(name) {
                context.bind(name.clone(), convert::to_jvalue(value));
            }
        }
        let options = EvaluatorOptions {
            timeout_ms: limits
                .timeout
                .map(|t| u64::try_from(t.as_millis()).unwrap_or(u64::MAX)),
            cancel: limits.cancel.as_ref().map(|c| c.0.clone()),
            max_stack_depth: Some(limits.max_depth),
            max_sequence_length: Some(limits.max_sequence),
        };
        let mut evaluator = Evaluator::with_options(context, options);
        if self.guards.any() {
            let bounds = guard::Bounds {
                max_nesting: limits.max_nesting,
                max_sequence: limits.max_sequence,
                work: limits.timeout.map_or(usize::MAX, |t| {
                    // Saturating.
                    (t.as_secs_f64() * guard::WORK_PER_SECOND) as usize
                }),
            };
            guard::register(&mut evaluator, self.guards, bounds);
        }
        if !self.analysis.aws.is_empty() {
            functions::register(&mut evaluator, &self.analysis.aws, drawn);
        }
        setup(&mut evaluator);
        match guard(|| evaluator.evaluate(ast, data)) {
            Ok(result) => result,
            Err(e) => Err(error::to_evaluator(e)),
        }
    }

    /// `err` (one of [`diagnose::CODES`]) with the details jsonata-js puts
    /// in its message, from an instrumented run on the same input, bindings
    /// and seed; `None` when that run does not fail the same way.
    fn diagnose(
        &self,
        data: &JValue,
        bindings: &dyn Bindings,
        drawn: functions::Drawn,
        limits: &Limits,
        err: &JsonataError,
    ) -> Option<JsonataError> {
        let instrumented = diagnose::Instrumented::new(&self.ast);
        let seen = std::rc::Rc::default();
        let e = self
            .run(&instrumented.ast, data, bindings, drawn, limits, |ev| {
                diagnose::register(ev, &seen)
            })
            .err()?;
        let mut hints = error::Hints::default();
        let seen = seen.borrow();
        let called = instrumented.function(&seen);
        if let Some(called) = &called {
            hints.calls.push((called.token.to_string(), 0));
        }
        let found = error::from_evaluator(&e, &hints);
        // A signature error whose call went unseen keeps the first guess.
        let unseen = called.is_none() && found.code.starts_with("T04");
        if found.code != err.code || unseen {
            return None;
        }
        // A first argument the call did not write is the context, where
        // the signature takes it: jsonata-js words that `T0411` (naming an
        // open `and`/`or` all the same).
        match (&called, found.context_argument()) {
            (Some(called), Some(1))
                if called.argc == 0
                    && found.code == "T0410"
                    && diagnose::takes_context(called.name) =>
            {
                Some(JsonataError::templated(
                    "T0411",
                    &[("index", "1"), ("token", &error::js_string(called.token))],
                ))
            }
            _ => Some(found),
        }
    }

    /// Names of the `$variables` the expression reads from its environment
    /// (without the `$`, sorted): those not bound inside the expression by
    /// `:=`, a function parameter or a `@`/`#` path binding, and not names of
    /// built-in or AWS functions. `$states` appears as `"states"`.
    pub fn free_variables(&self) -> Vec<String> {
        self.analysis.free.clone()
    }

    /// What the expression reads that a Step Functions expression has
    /// nothing for (no context item, no `$$`, `$states.errorOutput` only in
    /// a catcher), distinct and in the order written. AWS refuses the state
    /// machine for them; plain JSONata (`stepwell jsonata`) reads them as
    /// usual, so this is only a report.
    ///
    /// ```
    /// use stepwell_jsonata::{Expression, UnsupportedReference::*};
    ///
    /// let e = Expression::compile("phone + $states.input.items[price > 5].n + $$").unwrap();
    /// assert_eq!(e.unsupported_references(), [TopLevel("phone".into()), Root]);
    /// ```
    pub fn unsupported_references(&self) -> &[UnsupportedReference] {
        &self.analysis.unsupported
    }

    /// Whether the expression has a fast form (see the `fast` module): it is
    /// then evaluated without input straight off the bindings' JSON.
    #[doc(hidden)]
    pub fn has_fast_form(&self) -> bool {
        self.fast.is_some()
    }
}

/// Run `f`, turning a panic inside jsonata-core into an error (`U1000`), so
/// that a library bug cannot take down the engine's thread.
fn guard<T>(f: impl FnOnce() -> T) -> Result<T, JsonataError> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f))
        .map_err(|_| JsonataError::new("U1000", "Internal error in the JSONata evaluator"))
}

/// The expression inside a Step Functions `{% ... %}` field value, if the
/// whole string is one: it must start with `{%` and end with `%}`, with
/// nothing outside them. The expression is returned untrimmed.
pub fn parse_template(s: &str) -> Option<&str> {
    s.strip_prefix("{%")?.strip_suffix("%}")
}

#[cfg(test)]
mod tests;
