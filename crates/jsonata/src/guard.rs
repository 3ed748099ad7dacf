//! Size guards: bounds on the values an evaluation may build, so that an
//! expression cannot exhaust the engine's memory or stall it inside one call.
//!
//! Time and evaluation depth are bounded by jsonata-core at its checkpoints
//! (function calls, path steps), but one built-in call can take as long and
//! as much memory as its output is large, and some operations grow a value
//! faster than any checkpoint can catch: `&` doubles a string in each pass of
//! a `$reduce` (2^40 bytes in forty cheap steps), `$pad` builds a string as
//! wide as its argument, and values share structure, so that
//! `{"a": $x, "b": $x}` nested forty deep is small in memory and 2^40 bytes
//! as JSON. The compiled tree is therefore rewritten so that host functions
//! check what each amplifying operation is about to build, before it builds
//! it:
//!
//! | operation | guard | error |
//! |---|---|---|
//! | `a & b` | each operand that is not obviously a string is checked as `$string` would write it; the result's length | `D1013` |
//! | `$pad(s, w)` | the width | `D1013` |
//! | `$join(a)`, `$join(a, sep)` | the sum of the strings' lengths and the separators | `D1013` |
//! | `$string(x)`, `$string(x, true)`, `$string()` | the length (indentation included) and nesting of `x`'s JSON | `D1013` |
//! | `$replace(s, p, r, limit?)` with a string replacement | the output's length: a cheap bound first, then by counting the matches (with jsonata-core's own regex matching) when the bound is too loose | `D1013` |
//! | `$split(s, sep, limit?)` with a string or regex separator | the number of pieces, counted (a cheap bound first) without the limit, since jsonata-core splits the whole string before applying it | `D2015` |
//! | `$encodeUrl(s)`, `$encodeUrlComponent(s)` | the encoded length: 3 characters per byte encoded, 1 per byte kept | `D1013` |
//! | `$uppercase(s)`, `$lowercase(s)` | the mapped length, counted when `s` is longer than a third of the bound (`ΐ` is three characters in upper case) | `D1013` |
//! | `$formatInteger(n, 'I')` (or `'i'`) | the Roman numeral's `M`s, one per thousand | `D1013` |
//! | `$fromMillis(ms, picture, tz?)` | the digits the width modifiers ask for (`[M,1000000000]`); a year wider than 18 digits, which jsonata-core cannot reduce in `i64` (it overflowed or panicked) | `D1013`; `D3137` |
//! | `$f(x)`, `x ~> $f` where `$f` may hold one of `$string`, `$encodeUrl`, `$encodeUrlComponent`, `$uppercase`, `$lowercase`, `$join` | `x` as that built-in takes it, when `$f`'s value is the built-in | as the built-in |
//! | `$map(xs, $f)`, `$filter`, `$single`, `$each`, `$sift` with such a `$f` | each item (each value of an object, for `$each`/`$sift`) as the built-in takes it | as the built-in |
//! | `[a, b, ...]`, `x.[a, b, ...]` | the length of the flattened array, when two or more members may be arrays | `D2015` |
//! | the result | the length and nesting of its JSON ([`crate::convert::json_excess`]) | `D1013` |
//!
//! Lengths are bounded by [`MAX_STRING`], nesting by
//! [`crate::Limits::max_nesting`], arrays by [`crate::Limits::max_sequence`]
//! (which jsonata-core also applies to the sequences that queries build).
//!
//! The other built-ins write at most a few characters per character of
//! their arguments (`$base64encode` four per three bytes), or as many as their picture (`$formatNumber`,
//! `$formatInteger` with a decimal picture) or their number's digits
//! (`$formatBase`, words, letters) ask for.
//!
//! A function value is a built-in only at run time, so those guards are
//! given the value (`$f`) and check nothing when it is a lambda. They are
//! put where the callee is `$string` or the like by name, or a variable
//! that may hold a built-in: a parameter, an `@` binding, or a variable
//! bound by `:=` to anything but a lambda written in place (so a call of
//! `$f := function(...){...}` costs nothing more). Callbacks are given one
//! argument when the built-in takes one (jsonata-core's arity table), so
//! the built-ins that take more (`$join`, `$pad`, `$split`, `$replace`)
//! receive an index as their second argument and fail on it before
//! building anything.
//!
//! Not guarded yet: a partial application (`$join(?, s)`, `$string(?)`:
//! jsonata-core keeps what it applies out of reach, and turning it into a
//! lambda would change how the context and arity reach the built-in), a
//! function value called with no argument (`$f()`, which takes the context)
//! or two (`$g := $join; $g(xs, s)`), a function value reached through
//! anything but a variable (`$fs[0](x)`, `$obj.f(x)`), replacement
//! functions of `$replace`, matcher functions of `$split`, the time
//! jsonata-core takes to insert grouping separators
//! (one at a time, so quadratic in the digits: `[M#,##0,1000000]` takes
//! seconds), and the operations that walk a value with shared structure
//! path by path: `=`, `**`, and the copy a transform (`~> | ... |`) makes.
//!
//! A check that needs several arguments (`$join`'s array and separator) sees
//! them through a stack: each argument but the last passes through [`ARG`],
//! which pushes its value, and the last through the call's closing guard,
//! which pops the others and checks them together (a literal argument is
//! handed to the closing guard as it is, and a call whose arguments are all
//! literals is not guarded unless it may take the context, as
//! `s.$replace('a', 'b')` does, or fails as it stands). The call itself is left
//! as it was, so arguments are evaluated once each, in order, in the
//! caller's scope (`$join([$x := 'a'])` still binds `$x` outside the call),
//! and jsonata-core still validates them and reports its own errors. The
//! host functions' names hold a space, which a `$name` cannot, and a call
//! written with backquotes (`` `stepwell size`(x) ``) is renamed before the
//! rewrite, so an expression cannot call them itself.
//!
//! The bound is the longest string the reference implementation's JavaScript
//! engine (V8) can hold, 2^29 - 24 UTF-16 code units; jsonata-js fails beyond
//! it too (with a JavaScript `RangeError`, which has no JSONata code).

mod calls;
mod replace;

use std::cell::RefCell;
use std::collections::BTreeSet;
use std::rc::Rc;

use jsonata_core::ast::{AstNode, BinaryOp, Stage};
use jsonata_core::evaluator::{Evaluator, EvaluatorError};
use jsonata_core::value::{with_stack, JValue};

use crate::convert::{json_excess, Excess, JsonBounds};
use crate::error::{to_evaluator, JsonataError};

/// Longest string (and largest JSON text of a result) an evaluation may build.
pub(crate) const MAX_STRING: usize = (1 << 29) - 24;

/// Longest query-result sequence, the bound jsonata-js puts on `[a..b]`.
pub(crate) const MAX_SEQUENCE: usize = 10_000_000;

/// Deepest nesting of a value written as JSON (see [`crate::Limits::max_nesting`]).
pub(crate) const MAX_NESTING: usize = 1000;

/// What every host function name starts with.
const PREFIX: &str = "stepwell ";
/// The name a call written as one of ours is given instead (never registered).
const RENAMED: &str = "stepwell reserved";

/// `x`: checks the length of a string result (of `&`).
const SIZE: &str = "stepwell size";
/// `x`: checks a `$pad` width.
const WIDTH: &str = "stepwell width";
/// `x`: checks an operand of `&` as `$string` would write it.
const TEXT: &str = "stepwell text";
/// `($, name)`: checks the context that the call of built-in `name` with
/// no arguments (`$string()`, `$encodeUrl()`) takes; gives `true`.
const CONTEXT_OF: &str = "stepwell context";
/// `(x, site)`: pushes an argument for the closing guard of call `site`.
const ARG: &str = "stepwell arg";
/// `(x, site, mask, literals...)`: the last evaluated argument of `$join`
/// (see [`gather`] for the others).
const JOIN: &str = "stepwell join";
/// `(x, site, mask, literals...)`: the last evaluated argument of `$string`.
const STRING: &str = "stepwell string";
/// `(x, site, mask, $?, literals...)`: the last evaluated argument of
/// `$replace`, with the context when the call may leave the string to it.
const REPLACE: &str = "stepwell replace";
/// `(x, site, mask, $?, literals...)`: the last evaluated argument of
/// `$split`, with the context when the call may leave the string to it.
const SPLIT: &str = "stepwell split";
/// `(x, site, mask, $?, literals...)`: the last evaluated argument of
/// `$formatInteger`, with the context when the call may leave the number to
/// it.
const ROMAN: &str = "stepwell roman";
/// `x`: checks the string `$encodeUrl` encodes.
const URL: &str = "stepwell url";
/// `x`: checks the string `$encodeUrlComponent` encodes.
const URL_COMPONENT: &str = "stepwell url component";
/// `x`: checks an argument of `$fromMillis` as a picture.
const PICTURE: &str = "stepwell picture";
/// `x`: checks the string `$uppercase` maps.
const UPPERCASE: &str = "stepwell uppercase";
/// `x`: checks the string `$lowercase` maps.
const LOWERCASE: &str = "stepwell lowercase";
/// `(x, f)`: checks `x` as the built-in `f` (a function value, when it is
/// one of the guarded built-ins) would take it as its only argument.
const VIA: &str = "stepwell via";
/// `(xs, f)`: checks each item of `xs` (each value, for `$each` and
/// `$sift`) as the built-in `f` would take it, as the callback of a
/// higher-order function.
const EACH: &str = "stepwell each";
/// `(xs, f)`: [`EACH`] for an object's values.
const EACH_VALUE: &str = "stepwell each value";
/// The built-ins [`VIA`] and [`EACH`] check.
const VALUE_CHECKED: [&str; 6] = [
    "string",
    "encodeUrl",
    "encodeUrlComponent",
    "uppercase",
    "lowercase",
    "join",
];
/// `(x, site, count, others)`: the last member of an array constructor that
/// may be an array, with the number of `others` (members that add one item
/// at most).
const ARRAY: &str = "stepwell array";

/// The bit of a closing guard's mask saying `$` follows (see [`gather`]).
const CONTEXT: u32 = 1 << 8;
/// Most arguments a guarded call may have (`$replace` has four).
const MAX_SLOTS: usize = 4;

/// The host functions, each with its bit in [`Needs`].
const HOSTS: [&str; 19] = [
    SIZE,
    WIDTH,
    TEXT,
    CONTEXT_OF,
    ARG,
    JOIN,
    STRING,
    REPLACE,
    ARRAY,
    SPLIT,
    ROMAN,
    URL,
    URL_COMPONENT,
    PICTURE,
    UPPERCASE,
    LOWERCASE,
    VIA,
    EACH,
    EACH_VALUE,
];

/// The host functions a rewritten expression calls.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Needs(u32);

impl Needs {
    fn add(&mut self, host: &str) {
        if let Some(i) = HOSTS.iter().position(|h| *h == host) {
            self.0 |= 1 << i;
        }
    }

    fn has(self, host: &str) -> bool {
        HOSTS
            .iter()
            .position(|h| *h == host)
            .is_some_and(|i| self.0 & (1 << i) != 0)
    }

    /// Whether any guard was inserted.
    pub(crate) fn any(self) -> bool {
        self.0 != 0
    }
}

/// The bounds the guards enforce in one evaluation.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Bounds {
    pub max_nesting: usize,
    pub max_sequence: usize,
}

/// The error for a value past the length bound.
pub(crate) fn too_large() -> JsonataError {
    JsonataError::new(
        "D1013",
        format!("The expression builds a value larger than {MAX_STRING} characters"),
    )
}

/// The error for a value nested past the bound.
pub(crate) fn too_deep(max_nesting: usize) -> JsonataError {
    JsonataError::new(
        "D1013",
        format!("The expression builds a value nested deeper than {max_nesting} levels"),
    )
}

/// jsonata-core's error for a sequence past the bound, in its words.
fn too_long(max_sequence: usize) -> JsonataError {
    JsonataError::new(
        "D2015",
        format!("The maximum sequence length of {max_sequence} was exceeded."),
    )
}

/// Whether `value` written as JSON (indented when `pretty`) stays within the
/// bounds: the check of `$string`, of `&`'s operands and of a result.
pub(crate) fn check_json(
    value: &JValue,
    pretty: bool,
    max_nesting: usize,
) -> Result<(), JsonataError> {
    let bounds = JsonBounds {
        max_len: MAX_STRING,
        max_nesting,
        pretty,
    };
    match json_excess(value, bounds) {
        None => Ok(()),
        Some(Excess::Size) => Err(too_large()),
        Some(Excess::Depth) => Err(too_deep(max_nesting)),
    }
}

/// Insert the guards into `node`; the host functions they call.
pub(crate) fn rewrite(node: &mut AstNode) -> Needs {
    let mut rewriter = Rewriter {
        holders: crate::analysis::function_holders(node),
        ..Rewriter::default()
    };
    rewriter.visit(node);
    rewriter.needs
}

#[derive(Default)]
struct Rewriter {
    needs: Needs,
    /// Calls given a site number so far.
    sites: u32,
    /// Variables that may hold a built-in as a function value (see
    /// [`crate::analysis::function_holders`]).
    holders: BTreeSet<String>,
}

impl Rewriter {
    fn visit(&mut self, node: &mut AstNode) {
        with_stack(|| {
            if let AstNode::Function { name, .. } = node {
                if name.starts_with(PREFIX) {
                    *name = RENAMED.to_string();
                }
            }
            if let AstNode::Binary {
                op: BinaryOp::ChainPipe,
                lhs,
                rhs,
            } = node
            {
                self.visit(lhs);
                self.chained(lhs, rhs);
                return;
            }
            children_mut(node, &mut |c| self.visit(c));
            self.guard(node);
        })
    }

    /// `lhs ~> rhs`: a call on the right (possibly heading a one-step path,
    /// `x ~> $f()[0]`) takes `lhs` as its first argument, as jsonata-core's
    /// `evaluate_apply_expression` has it. `lhs` is already rewritten.
    fn chained(&mut self, lhs: &mut AstNode, rhs: &mut AstNode) {
        let is_call = |n: &AstNode| matches!(n, AstNode::Function { .. });
        let headed =
            matches!(rhs, AstNode::Path { steps } if steps.len() == 1 && is_call(&steps[0].node));
        if !headed && !is_call(rhs) {
            // A function value, applied to `lhs`.
            self.visit(rhs);
            if let AstNode::Variable(f) = &*rhs {
                if self.may_be_guarded(f) {
                    let f = AstNode::Variable(f.clone());
                    self.wrap(lhs, VIA, vec![f]);
                }
            }
            return;
        }
        let (call, stages) = match rhs {
            AstNode::Path { steps } => match steps.first_mut() {
                Some(step) => (&mut step.node, Some(&mut step.stages)),
                None => return,
            },
            other => (other, None),
        };
        let AstNode::Function {
            name,
            args,
            is_builtin,
        } = call
        else {
            return;
        };
        if name.starts_with(PREFIX) {
            *name = RENAMED.to_string();
        }
        for arg in args.iter_mut() {
            self.visit(arg);
        }
        for stage in stages.into_iter().flatten() {
            if let Stage::Filter(filter) = stage {
                self.visit(filter);
            }
        }
        if !*is_builtin {
            return;
        }
        if args.iter().any(|a| matches!(a, AstNode::Placeholder)) {
            // A partial application, made first and then applied to `lhs`.
            self.call(name, args.iter_mut().collect());
        } else {
            let slots = std::iter::once(lhs).chain(args.iter_mut()).collect();
            self.call(name, slots);
        }
    }

    /// Guard `node`, whose children are already rewritten.
    fn guard(&mut self, node: &mut AstNode) {
        match node {
            AstNode::Binary {
                op: BinaryOp::Concatenate,
                lhs,
                rhs,
            } => {
                for side in [lhs, rhs] {
                    if !is_text(side) {
                        self.wrap(side, TEXT, Vec::new());
                    }
                }
                self.wrap(node, SIZE, Vec::new());
            }
            AstNode::Function {
                name,
                args,
                is_builtin: true,
            } => {
                if args.is_empty()
                    && matches!(
                        name.as_str(),
                        "string" | "encodeUrl" | "encodeUrlComponent" | "uppercase" | "lowercase"
                    )
                {
                    // The call takes the context: check `$` first, and
                    // leave the call as it is (its arity decides how
                    // jsonata-core takes the context).
                    let name = AstNode::String(name.clone());
                    let call = std::mem::replace(node, AstNode::Null);
                    *node = AstNode::Conditional {
                        condition: Box::new(host(CONTEXT_OF, vec![context(), name])),
                        then_branch: Box::new(call),
                        else_branch: None,
                    };
                    self.needs.add(CONTEXT_OF);
                    return;
                }
                self.call(name, args.iter_mut().collect());
            }
            AstNode::Array(items) | AstNode::ArrayGroup(items) => self.array(items),
            _ => {}
        }
    }

    /// A call of built-in `name` with arguments `slots` (the left side of a
    /// `~>` first).
    fn call(&mut self, name: &str, mut slots: Vec<&mut AstNode>) {
        let n = slots.len();
        match name {
            "pad" => {
                if let Some(width) = slots.get_mut(1) {
                    if !matches!(width, AstNode::Placeholder) {
                        self.wrap(width, WIDTH, Vec::new());
                    }
                }
            }
            // A string or number argument is its own result (or an error),
            // not something to write out.
            "join" if (1..=2).contains(&n) && !is_text(slots[0]) => {
                self.sequence(slots, JOIN, false, false)
            }
            "string" if (1..=2).contains(&n) && !is_text(slots[0]) => {
                self.sequence(slots, STRING, false, false)
            }
            // With fewer than three arguments the string may be the context.
            // The string may be the context (with a separator alone, or a
            // separator and a limit); a literal one is as short as the
            // expression.
            "split" if (1..=3).contains(&n) => {
                let context = n == 1 || (n == 2 && !is_pattern(slots[1]));
                if context || !is_literal(slots[0]) {
                    self.sequence(slots, SPLIT, context, false);
                }
            }
            "encodeUrl" | "encodeUrlComponent" if n == 1 && !is_literal(slots[0]) => {
                let guard = if name == "encodeUrl" {
                    URL
                } else {
                    URL_COMPONENT
                };
                self.wrap(slots[0], guard, Vec::new());
            }
            // A callback that may be a guarded built-in, as a function value.
            "map" | "filter" | "single" | "each" | "sift" if n == 2 => {
                if let AstNode::Variable(f) = &*slots[1] {
                    if self.may_be_guarded(f) {
                        let f = AstNode::Variable(f.clone());
                        let guard = if matches!(name, "each" | "sift") {
                            EACH_VALUE
                        } else {
                            EACH
                        };
                        self.wrap(slots[0], guard, vec![f]);
                    }
                }
            }
            // A variable that may hold a guarded built-in (`$f := $string`).
            _ if n == 1
                && self.holders.contains(name)
                && !matches!(slots[0], AstNode::Placeholder) =>
            {
                let f = AstNode::Variable(name.to_string());
                self.wrap(slots[0], VIA, vec![f]);
            }
            "uppercase" | "lowercase" if n == 1 && !is_literal(slots[0]) => {
                let guard = if name == "uppercase" {
                    UPPERCASE
                } else {
                    LOWERCASE
                };
                self.wrap(slots[0], guard, Vec::new());
            }
            // Only a Roman numeral outgrows the number's digits. A literal
            // string is the picture (the number cannot be one), and literal
            // arguments alone are checked when they would fail.
            "formatInteger" if (1..=2).contains(&n) => {
                let literal = |s: &AstNode| match s {
                    AstNode::String(p) => Some(calls::is_roman(p)),
                    _ => None,
                };
                if slots.iter().all(|s| literal(s) != Some(false)) {
                    let values: Vec<JValue> =
                        slots.iter().filter_map(|s| literal_value(s)).collect();
                    let failing = values.len() == n && calls::roman(&values, None).is_err();
                    self.sequence(slots, ROMAN, n < 2, failing);
                }
            }
            // The picture may come first when the number is the context
            // (then there are at most two arguments), so any string may be
            // it; a literal one is checked here.
            "fromMillis" => {
                let number_first = n == 3 || slots.first().is_some_and(|s| is_number(s));
                for (i, slot) in slots.into_iter().enumerate() {
                    if i == 0 && number_first {
                        continue;
                    }
                    let checked = match &*slot {
                        AstNode::String(p) => calls::picture_text(p).is_ok(),
                        other => is_literal(other),
                    };
                    if !checked {
                        self.wrap(slot, PICTURE, Vec::new());
                    }
                }
            }
            // A replacement (or matcher) written as a function is left alone:
            // jsonata-core calls it for each match, with no output to bound,
            // and treats a lambda argument specially.
            "replace"
                if (2..=4).contains(&n)
                    && !slots.iter().any(|s| matches!(s, AstNode::Lambda { .. }))
                    && !shrinks(&slots) =>
            {
                // With two arguments, or three of which the last may be a
                // limit, the string may be the context.
                let context = n == 2 || (n == 3 && !matches!(slots[2], AstNode::String(_)));
                self.sequence(slots, REPLACE, context, false)
            }
            _ => {}
        }
    }

    /// Route the values of `slots`, one call's arguments in evaluation
    /// order, to the closing guard `closer`: the last argument that is not a
    /// literal passes through it, those before it through [`ARG`], and
    /// literals are given to `closer` as they are (see [`gather`]). With
    /// `context`, `closer` is given `$` too. A call with only literals is
    /// left alone unless `force`d or given the context (its last argument
    /// then passes through `closer`).
    fn sequence(&mut self, mut slots: Vec<&mut AstNode>, closer: &str, context: bool, force: bool) {
        // `?` arguments make a partial application, evaluated elsewhere.
        if slots.iter().any(|s| matches!(s, AstNode::Placeholder)) || slots.len() > MAX_SLOTS {
            return;
        }
        let mut dynamic: Vec<usize> = (0..slots.len())
            .filter(|i| !is_literal(slots[*i]))
            .collect();
        // With the context, the call has a value that is not a literal.
        if dynamic.is_empty() && (force || context) {
            dynamic.extend(slots.len().checked_sub(1));
        }
        let Some((&last, before)) = dynamic.split_last() else {
            // Only literals: nothing that can grow.
            return;
        };
        let mut mask = dynamic.iter().fold(0u32, |m, i| m | 1 << i);
        if context {
            mask |= CONTEXT;
        }
        let site = self.site();
        let mut args = vec![site.clone(), number(f64::from(mask))];
        if context {
            args.push(self::context());
        }
        for (i, slot) in slots.iter().enumerate() {
            if mask & (1 << i) == 0 {
                args.push((**slot).clone());
            }
        }
        for &i in before {
            self.wrap(slots[i], ARG, vec![site.clone()]);
        }
        self.wrap(slots[last], closer, args);
    }

    /// An array constructor: members that evaluate to an array are spliced
    /// in (`[$a, $a]` is twice as long as `$a`), except array constructors,
    /// which are kept whole. Only two or more members that may be arrays can
    /// make it outgrow its parts, so only those are routed to [`ARRAY`].
    fn array(&mut self, items: &mut [AstNode]) {
        let spliced = items
            .iter()
            .filter(|i| !is_array_constructor(i) && !is_scalar(i))
            .count();
        if spliced < 2 {
            return;
        }
        let others = items.len() - spliced;
        let mut slots: Vec<&mut AstNode> = items
            .iter_mut()
            .filter(|i| !is_array_constructor(i) && !is_scalar(i))
            .collect();
        let count = slots.len();
        let site = self.site();
        for (i, slot) in slots.iter_mut().enumerate() {
            if i + 1 < count {
                self.wrap(slot, ARG, vec![site.clone()]);
            } else {
                let args = vec![site.clone(), number(count as f64), number(others as f64)];
                self.wrap(slot, ARRAY, args);
            }
        }
    }

    /// Whether `$name`, a function value, may be a built-in that [`VIA`]
    /// and [`EACH`] check: one of them by name, or a variable that may
    /// hold one.
    fn may_be_guarded(&self, name: &str) -> bool {
        VALUE_CHECKED.contains(&name) || self.holders.contains(name)
    }

    /// A new site number, naming one guarded call.
    fn site(&mut self) -> AstNode {
        let site = number(f64::from(self.sites));
        self.sites = self.sites.wrapping_add(1);
        site
    }

    /// Replace `node` with `host(node, args...)`.
    fn wrap(&mut self, node: &mut AstNode, name: &str, args: Vec<AstNode>) {
        let inner = std::mem::replace(node, AstNode::Null);
        let mut all = Vec::with_capacity(args.len() + 1);
        all.push(inner);
        all.extend(args);
        *node = host(name, all);
        self.needs.add(name);
    }
}

fn host(name: &str, args: Vec<AstNode>) -> AstNode {
    AstNode::Function {
        name: name.to_string(),
        args,
        is_builtin: true,
    }
}

fn number(n: f64) -> AstNode {
    AstNode::Number(n)
}

/// `$`, the context.
fn context() -> AstNode {
    AstNode::Variable(String::new())
}

/// Whether `node` is a literal, which evaluates to the same small value
/// every time: it need not pass through a guard, and is given to the
/// closing guard as it is.
fn is_literal(node: &AstNode) -> bool {
    matches!(
        node,
        AstNode::String(_)
            | AstNode::Number(_)
            | AstNode::Boolean(_)
            | AstNode::Null
            | AstNode::Regex { .. }
    )
}

/// Whether `node` is a literal string or regex: a pattern (of `$split`),
/// never a limit.
fn is_pattern(node: &AstNode) -> bool {
    matches!(node, AstNode::String(_) | AstNode::Regex { .. })
}

/// Whether `node` evaluates to a number (or fails): a number literal or
/// arithmetic.
fn is_number(node: &AstNode) -> bool {
    match node {
        AstNode::Number(_) | AstNode::Unary { .. } => true,
        AstNode::Binary { op, .. } => matches!(
            op,
            BinaryOp::Add
                | BinaryOp::Subtract
                | BinaryOp::Multiply
                | BinaryOp::Divide
                | BinaryOp::Modulo
        ),
        _ => false,
    }
}

/// The value of a literal string or number.
fn literal_value(node: &AstNode) -> Option<JValue> {
    match node {
        AstNode::String(s) => Some(JValue::string(s.clone())),
        AstNode::Number(n) => Some(JValue::Number(*n)),
        _ => None,
    }
}

/// Whether `$replace` with arguments `slots` cannot make its string longer:
/// a literal substring replaced by a literal no longer than it, or a regex
/// by nothing.
fn shrinks(slots: &[&mut AstNode]) -> bool {
    // The pattern and the replacement; a number third is a limit, after
    // the string the call leaves to the context.
    let (pattern, replacement) = match slots {
        [_, p, r, _] | [_, p, r] | [p, r] => (&**p, &**r),
        _ => return false,
    };
    let (pattern, replacement) = match slots {
        [p, r, AstNode::Number(_)] => (&**p, &**r),
        _ => (pattern, replacement),
    };
    match (pattern, replacement) {
        (AstNode::String(p), AstNode::String(r)) => !p.is_empty() && r.len() <= p.len(),
        (AstNode::Regex { .. }, AstNode::String(r)) => r.is_empty(),
        _ => false,
    }
}

/// Whether `node` is an array constructor as jsonata-core's
/// `construct_array` tells them (kept whole inside another): `[...]`, also
/// with filters or `[]` after it, but not with a `#$i` binding.
fn is_array_constructor(node: &AstNode) -> bool {
    match node {
        AstNode::Array(_) => true,
        AstNode::Path { steps } => match steps.as_slice() {
            [step] => {
                matches!(step.node, AstNode::Array(_))
                    && step.index_var.is_none()
                    && !step.stages.iter().any(|s| matches!(s, Stage::Index(_)))
            }
            _ => false,
        },
        _ => false,
    }
}

/// Whether `node` cannot evaluate to an array (literals, objects,
/// functions, arithmetic, comparisons, and guarded `&`).
fn is_scalar(node: &AstNode) -> bool {
    match node {
        AstNode::String(_)
        | AstNode::Number(_)
        | AstNode::Boolean(_)
        | AstNode::Null
        | AstNode::Undefined
        | AstNode::Regex { .. }
        | AstNode::Object(_)
        | AstNode::Lambda { .. } => true,
        AstNode::Unary { .. } => true,
        AstNode::Binary { op, .. } => matches!(
            op,
            BinaryOp::Add
                | BinaryOp::Subtract
                | BinaryOp::Multiply
                | BinaryOp::Divide
                | BinaryOp::Modulo
                | BinaryOp::Equal
                | BinaryOp::NotEqual
                | BinaryOp::LessThan
                | BinaryOp::LessThanOrEqual
                | BinaryOp::GreaterThan
                | BinaryOp::GreaterThanOrEqual
                | BinaryOp::And
                | BinaryOp::Or
                | BinaryOp::In
                | BinaryOp::Concatenate
        ),
        AstNode::Function { name, .. } => name == SIZE,
        _ => false,
    }
}

/// Whether `node`, an operand of `&`, cannot evaluate to an array or an
/// object, so `&` has nothing to write out as JSON.
fn is_text(node: &AstNode) -> bool {
    !matches!(node, AstNode::Object(_)) && is_scalar(node)
}

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
/// [`Rewriter::sequence`]): bit `i` of `mask` is set when argument `i` was
/// evaluated (and pushed, or is `last`), clear when it is the next literal.
fn gather(pending: &Pending, args: &[JValue]) -> Option<(Vec<JValue>, Option<JValue>)> {
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
    let hosts: [(&str, Host); 19] = [
        (
            SIZE,
            one(|value, _| match value {
                JValue::String(s) if utf16_len(s) > MAX_STRING => Err(too_large()),
                _ => Ok(()),
            }),
        ),
        (
            WIDTH,
            one(|value, _| match value {
                JValue::Number(n) if n.abs() > MAX_STRING as f64 => Err(too_large()),
                _ => Ok(()),
            }),
        ),
        (TEXT, one(|value, b| check_container(value, false, b))),
        (
            CONTEXT_OF,
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
            }),
        ),
        (
            ARG,
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
            }),
        ),
        (JOIN, close(|values, _, _| check_join(values))),
        (
            STRING,
            close(|values, _, b| match values {
                [x] | [x, JValue::Undefined] => check_container(x, false, b),
                [x, JValue::Bool(pretty)] => check_container(x, *pretty, b),
                // jsonata-core rejects anything else (`T0410`).
                _ => Ok(()),
            }),
        ),
        (
            REPLACE,
            close(|values, context, _| replace::check(values, context)),
        ),
        (
            SPLIT,
            close(|values, context, b| calls::split(values, context, b.max_sequence)),
        ),
        (
            ROMAN,
            close(|values, context, _| calls::roman(values, context)),
        ),
        (URL, one(|value, _| calls::url(value, false))),
        (URL_COMPONENT, one(|value, _| calls::url(value, true))),
        (PICTURE, one(|value, _| calls::picture(value))),
        (UPPERCASE, one(|value, _| calls::case(value, true))),
        (
            VIA,
            Box::new(move |args: &[JValue]| {
                let value = args.first().cloned().unwrap_or(JValue::Undefined);
                if let Some(JValue::Builtin { name }) = args.get(1) {
                    check_as(name, &value, true, bounds).map_err(to_evaluator)?;
                }
                Ok(value)
            }),
        ),
        (EACH, each(false)),
        (EACH_VALUE, each(true)),
        (LOWERCASE, one(|value, _| calls::case(value, false))),
        (
            ARRAY,
            Box::new({
                let pending = Rc::clone(&pending);
                move |args: &[JValue]| {
                    check_array(&pending, args, bounds).map_err(to_evaluator)?;
                    Ok(args.first().cloned().unwrap_or(JValue::Undefined))
                }
            }),
        ),
    ];
    for (name, f) in hosts {
        if needs.has(name) {
            let registered = ev.register_fn(name, f);
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
        return Err(too_long(bounds.max_sequence));
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

/// Call `f` on each direct child of `node`, mutably.
fn children_mut(node: &mut AstNode, f: &mut dyn FnMut(&mut AstNode)) {
    crate::analysis::each_child!(node, f, iter_mut, mut)
}
