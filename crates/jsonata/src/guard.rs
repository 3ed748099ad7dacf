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
//! | `a & b` | each operand that is not obviously a string is checked as `$string` would write it; the result's length | memory |
//! | `$pad(s, w)` | the width | memory |
//! | `$join(a)`, `$join(a, sep)` | the sum of the strings' lengths and the separators | memory |
//! | `$string(x)`, `$string(x, true)`, `$string()` | the length (indentation included) and nesting of `x`'s JSON | memory; `D1013` (nesting) |
//! | `$replace(s, p, r, limit?)` with a string replacement | the output's length: a cheap bound first, then by counting the matches (with jsonata-core's own regex matching) when the bound is too loose | memory |
//! | `$replace(s, p, f, limit?)` with a replacement function `f` (a lambda, a built-in, a partial application; written in place or any expression's value) | each string `f` returns, as it is returned: the call's running total (with a regex, the string less the matches replaced so far plus what replaced them; with a matcher function, what replaced them) | memory |
//! | `$split(s, sep, limit?)` with a string or regex separator | the number of pieces, counted (a cheap bound first) without the limit, since jsonata-core splits the whole string before applying it | memory |
//! | `$encodeUrl(s)`, `$encodeUrlComponent(s)` | the encoded length: 3 characters per byte encoded, 1 per byte kept | memory |
//! | `$uppercase(s)`, `$lowercase(s)` | the mapped length, counted when `s` is longer than a third of the bound (`ΐ` is three characters in upper case) | memory |
//! | `$formatInteger(n, 'I')` (or `'i'`) | the Roman numeral's `M`s, one per thousand | memory |
//! | `$fromMillis(ms, picture, tz?)` | the digits the width modifiers ask for (`[M,1000000000]`); a year wider than 18 digits, which jsonata-core cannot reduce in `i64` (it overflowed or panicked); digits with grouping separators, which jsonata-core inserts one at a time (`[M#,##0,1000000]` took 12 s): digits² moves within the timeout's budget | memory; `D3137`; `U1001` |
//! | `a..b` | the size, in doubles, before jsonata-core computes it in `i64` (past ±2^63 it overflowed, and `[-1e19..1e19]` wrapped to 0 and built numbers until the memory ran out; see `overflow`) | `D2014`, jsonata-js's message |
//! | `$parseInteger(s, picture)` with letters, or with decimal digits that are not ASCII or read an ordinal; `$toMillis(s, picture)` with a time zone, day-of-year or 12-hour marker, letters, or digits that are not ASCII; `$fromMillis`'s time and time zone; `$substring`'s start and length | what jsonata-core computes in `i64`, `chrono` durations, or converts unchecked: the letters' sum, each character's digit, the ordinal suffix's cut, the offset's milliseconds, the day of the year and the hour (see `overflow`); a time far outside any date, and a position or length past 2^53, are brought nearer | `U1000` with what was out of range; `D3136` for a date out of range |
//! | `$formatNumber(n, picture)`, `$formatInteger(n, picture)` with grouping separators | the picture's length² (jsonata-core pads and groups one character at a time, at the front: a picture of 300,000 zeros took 0.7 to 2 s, and the time grows with the square), within the timeout's budget; `$formatNumber`'s fraction digits, at most 100 (jsonata-js's `toFixed` refuses more; jsonata-core wrote wrong digits) | `U1001`; `U1000` |
//! | `$f(x)`, `x ~> $f` where `$f` may hold one of `$string`, `$encodeUrl`, `$encodeUrlComponent`, `$uppercase`, `$lowercase`, `$join` | `x` as that built-in takes it, when `$f`'s value is the built-in | as the built-in |
//! | `$map(xs, $f)`, `$filter`, `$single`, `$each`, `$sift` with such a `$f` | each item (each value of an object, for `$each`/`$sift`) as the built-in takes it | as the built-in |
//! | `[a, b, ...]`, `x.[a, b, ...]` | the length of the flattened array, when two or more members may be arrays | memory |
//! | `a = b`, `a != b` (neither side a literal, arithmetic, a comparison or `&`, nor the caller's JSON: a variable the expression never binds, or a path of field names from one, a tree whose comparison costs no more than its size) | the part of the two values the comparison walks (down to their first difference), counted as JSON text | `D1013` |
//! | `**` (unless right after steps that read the caller's JSON, `$states.input.**`, a tree) | the number of values it collects from its context, counted before collecting | memory |
//! | `x ~> \| location \| update \|` | the value copied (`x`), before the location is evaluated: its JSON's length and nesting, and its number of values; then values × targets (the location's values, each compared with every value copied) | memory; `D1013` (nesting); `U1001` |
//! | `$distinct(a)` | items × the values of all the items (each item is compared with the distinct ones before it) | `U1001` |
//! | `[[a], b]` (a constructor inside a constructor), `x.[a]` (a constructor as a later path step, unless it takes only fields of the caller's JSON, `$states.input.items.[id, name]`), `$map`, `$zip`, `$each`, `$partition` (by name, as a function value called or chained into, or as `$reduce`'s callback) | each array put into the new array: how deep arrays nest directly in arrays there, and how many values flattening it visits (see `nesting`) | `D1013` (nesting); memory |
//! | `$join(?, s)`, `$string(?)`, `$pad(s, ?)`, ... (a partial application of any built-in above) | made a lambda that calls the built-in, as jsonata-js makes it (`($b := s; function($p){ $join($p, $b) })`: the arguments given are evaluated once, when it is made), so the call inside is guarded as any other | as the built-in |
//! | `/re/(x)`, `$r(x)`, `x ~> $r` where `$r` may hold a regex | non-finite numbers in `x` are given as JavaScript's `String()` writes them (jsonata-core asserted they were finite: a panic in a debug build) | — |
//! | the result | the length and nesting of its JSON ([`crate::convert::json_excess`]) | `D1013` |
//!
//! *memory* is AWS's error for a value past its memory limit
//! ([`JsonataError::memory_limit`]: "Expression evaluation memory limit
//! exceeded", `U1001`). Lengths are bounded by [`MAX_STRING`] (a result's
//! JSON, and the part of two values a comparison walks, by [`MAX_JSON`]),
//! nesting by [`crate::Limits::max_nesting`], arrays by
//! [`crate::Limits::max_sequence`] (which jsonata-core also applies to the
//! sequences that queries build),
//! and comparisons by the timeout ([`Bounds::work`]: [`WORK_PER_SECOND`]
//! per second of [`crate::Limits::timeout`], none without one), so that a
//! transform or `$distinct` that would run far past the timeout inside one
//! call fails at once with the timeout's error.
//!
//! Values share structure, and jsonata-core walks them path by path: `=`
//! compares, `**` collects and a transform copies every path of
//! `$reduce([1..40], function($a){ {"l": $a, "r": $a} }, {})`, 2^40 of them
//! (`$d = $e` ran for hours, `$d.**` exhausted the memory). Those checks
//! (in `shared`) walk the value as the operation will but remember each
//! shared part by address once a few thousand have been visited, so they
//! cost what a walk of an ordinary value costs and fail before the
//! operation starts.
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
//! Not guarded yet:
//! - A function value called with no argument (`$f()`, which takes the
//!   context) or two (`$g := $join; $g(xs, s)`), or reached through
//!   anything but a variable (`$fs[0](x)`, `$obj.f(x)`), or a higher-order
//!   built-in not listed above (`$reduce(xs, $join)`); `$distinct` as a
//!   function value; and a regex as the callback of a higher-order
//!   built-in (`$map([1/0], /I/)` still reaches jsonata-core's assertion,
//!   caught as `U1000` in a debug build).
//! - The text a matcher function makes `$replace` copy: jsonata-core
//!   copies the string between one match's `start` and the next, which a
//!   matcher can make any part of the string (its `start` can go back), so
//!   each match may copy the whole string again (with a replacement
//!   string too). Only what replacement functions return is counted
//!   there; each match is a call of the matcher's `next` (a checkpoint),
//!   so the timeout bounds it, as it bounds `$match` with a matcher
//!   function, whose result grows by one small object per match.
//!   (`$split` and `$contains` never call a function: jsonata-core fails
//!   with `T1010` and `D1000` on one.)
//! - A replacement function given to `$replace(p, f, n)` where the string
//!   is the context and the limit `n` is not a number literal: the
//!   rewrite takes the third argument for the replacement, so `f` is not
//!   wrapped. With a regex, a total that passes the bound and then comes
//!   back under it (matches replaced by less than they replace, in a
//!   string of more than 2^28 characters) fails, where jsonata-js, which
//!   only fails on the string it builds, would not.
//! - Arrays nested in arrays made by other means than those the nesting
//!   guard knows (a function value reached through anything but a
//!   variable, or passed to a higher-order built-in other than `$reduce`),
//!   and the flattening cost of sequences that hold many
//!   shared nested arrays (`[1..1000].($a)` holds `$a`'s items a thousand
//!   times): jsonata-core flattens such arrays in every path step
//!   (`x.name`, `x.*`), in `$lookup` and in the truthiness of a condition,
//!   recursing once per level without growing the stack; guarding those
//!   would put a host call in front of every path step, costing every path
//!   and losing jsonata-core's fast paths for `$var.field`, so the guard
//!   is where nesting is made, and what it misses is left to the timeout.
//! - The quadratic cost of a transform's and `$distinct`'s comparisons is
//!   estimated (each comparison counted once), not measured: a comparison
//!   of two large values that are equal over most of their extent costs
//!   more than one.
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
mod hosts;
mod nesting;
mod overflow;
mod replace;
mod rewrite;
mod shared;

use jsonata_core::value::JValue;

use crate::convert::{json_excess, Excess, JsonBounds};
use crate::error::JsonataError;

pub(crate) use calls::markers as date_markers;
pub(crate) use hosts::register;
pub(crate) use rewrite::{bound_names, children_mut, host, rename_reserved, rewrite};

/// Longest string an evaluation may build: AWS's memory limit on one value
/// (6,990,256 bytes), with a character counted as one byte. AWS accepts a
/// string of 2^22 characters and refuses one of 2^23 with
/// [`JsonataError::memory_limit`].
pub(crate) const MAX_STRING: usize = MAX_SEQUENCE * 8;

/// Largest JSON text of a result, and the most of two values a comparison
/// may walk: JavaScript's longest string (2^29 - 24).
pub(crate) const MAX_JSON: usize = (1 << 29) - 24;

/// Longest query-result sequence or constructed array. AWS evaluates
/// `[1..873782]` and refuses `[1..873783]` with
/// [`JsonataError::memory_limit`]: one number counts as eight bytes of its
/// 6,990,256.
pub(crate) const MAX_SEQUENCE: usize = 873_782;

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
/// (see [`hosts::gather`] for the others).
const JOIN: &str = "stepwell join";
/// `(x, site, mask, literals...)`: the last evaluated argument of `$string`.
const STRING: &str = "stepwell string";
/// `(x, site, mask, $?, literals...)`: the last evaluated argument of
/// `$replace`, with the context when the call may leave the string to it.
const REPLACE: &str = "stepwell replace";
/// `(r, site)`: an argument of `$replace` that may be a replacement
/// function: pushes `r` for [`TAKE`] and gives whether it is a function (a
/// lambda or a built-in), which the call is then given wrapped (see
/// `Rewriter::replacer` in `rewrite`).
const REPLACER: &str = "stepwell replacer";
/// `site`: the value [`REPLACER`] pushed for call `site`.
const TAKE: &str = "stepwell take";
/// `(x, m)`: what a wrapped replacement function returned for the match
/// `m`, counted into the output of the `$replace` call applying it.
const REPLACED: &str = "stepwell replaced";
/// The parameter of the wrapper a replacement function is given in (which
/// tells the wrapper apart: the name holds a space).
const WRAPPED_MATCH: &str = "stepwell match";
/// The variable holding the function a wrapper applies.
const WRAPPED_FUNCTION: &str = "stepwell replacement";
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
/// `x`: checks an argument of `$fromMillis` as a picture, or gives a
/// number with a fraction truncated toward zero, as JavaScript's `Date`
/// takes it (jsonata-core refused it: "fromMillis() requires an integer").
const PICTURE: &str = "stepwell picture";
/// `(x, site, mask, literals...)`: the last evaluated argument of
/// `$toMillis`; checks the picture it parses by (a marker with no component,
/// `[,2]`, fails with jsonata-js's `D3133`: jsonata-core panicked on it) and
/// the time zone offset it would read (see [`overflow`]).
const TO_MILLIS: &str = "stepwell to millis";
/// `x`: an argument of `$substring`, a number brought within 2^53 (see
/// [`overflow`]).
const POSITION: &str = "stepwell position";
/// Checks the size of a range `a..b` (see `overflow::range`).
const RANGE: &str = "stepwell range";
/// `(x, site, mask, $?, literals...)`: the last evaluated argument of
/// `$parseInteger`, with the context when the call may leave the string to
/// it (see [`overflow`]).
const PARSE_INTEGER: &str = "stepwell parse integer";
/// `(x, f)`: the first argument of a call of the function value `f`; when
/// `f` is a regex, the non-finite numbers in `x` are given as the text
/// JavaScript's `String()` writes for them, which jsonata-core cannot
/// write (it asserts the number is finite, a panic in a debug build).
const SUBJECT: &str = "stepwell subject";
/// `x`: checks a `$formatNumber` picture.
const NUMBER_PICTURE: &str = "stepwell number picture";
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

/// `(x, site)`: the right side of `=` or `!=`, checked with the left one
/// ([`ARG`]) as jsonata-core will compare them.
const EQUAL: &str = "stepwell equal";
/// `$`: checks what `**` would collect from the context; gives `true`.
const DESCENDANTS: &str = "stepwell descendants";
/// `$`: checks the value a transform copies, before its location is
/// evaluated; gives `true`.
const COPIED: &str = "stepwell copied";
/// `(targets, $)`: a transform's location, with the value it copies.
const TRANSFORM: &str = "stepwell transform";
/// `x`: checks the array `$distinct` compares item by item.
const DISTINCT: &str = "stepwell distinct";

/// `(x, depth, count)`: an array put in a new array, one of `count` (see
/// [`nesting`]).
const NESTED: &str = "stepwell nested";
/// `(x, f)`: the result of a call of the function value `f` (or of
/// `$reduce` with it), checked as [`NESTED`] when `f` is `$map`, `$zip`,
/// `$each` or `$partition`.
const NESTED_VIA: &str = "stepwell nested via";

/// The built-ins whose partial applications are made lambdas, so that the
/// call inside is guarded (see `Rewriter::partial` in `rewrite`).
const PARTIAL: [&str; 19] = [
    "string",
    "formatNumber",
    "join",
    "pad",
    "replace",
    "split",
    "encodeUrl",
    "encodeUrlComponent",
    "uppercase",
    "lowercase",
    "formatInteger",
    "fromMillis",
    "toMillis",
    "parseInteger",
    "distinct",
    "map",
    "zip",
    "each",
    "partition",
];

/// The bit of a closing guard's mask saying `$` follows (see [`hosts::gather`]).
const CONTEXT: u32 = 1 << 8;
/// Most arguments a guarded call may have (`$replace` has four).
const MAX_SLOTS: usize = 4;

/// The host functions, each with its bit in [`Needs`].
const HOSTS: [&str; 35] = [
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
    TO_MILLIS,
    PARSE_INTEGER,
    POSITION,
    RANGE,
    UPPERCASE,
    LOWERCASE,
    VIA,
    EACH,
    EACH_VALUE,
    EQUAL,
    DESCENDANTS,
    COPIED,
    TRANSFORM,
    DISTINCT,
    NESTED,
    NESTED_VIA,
    NUMBER_PICTURE,
    SUBJECT,
    REPLACER,
    TAKE,
    REPLACED,
];

/// The host functions a rewritten expression calls.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Needs(u64);

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
    /// Elementary comparisons an operation that compares values pairwise
    /// (a transform, `$distinct`) may make: [`WORK_PER_SECOND`] times the
    /// timeout, unbounded without one.
    pub work: usize,
}

/// Comparisons jsonata-core makes in a second, about (a transform of
/// 30,000 objects located by `$` makes 1.8 x 10^9 in 6 s in a release
/// build; `$distinct` of as many, in 6.6 s): the guards that bound time
/// turn the timeout into this many comparisons per second, so that what
/// would run past it inside one call fails at once instead.
pub(crate) const WORK_PER_SECOND: f64 = 3e8;

/// The error for a string past the length bound.
pub(crate) fn too_large() -> JsonataError {
    JsonataError::memory_limit()
}

/// The error for a result whose JSON is past JavaScript's longest string.
fn too_large_json() -> JsonataError {
    JsonataError::new(
        "D1013",
        format!("The expression builds a value larger than {MAX_JSON} characters"),
    )
}

/// The error for a value nested past the bound.
pub(crate) fn too_deep(max_nesting: usize) -> JsonataError {
    JsonataError::new(
        "D1013",
        format!("The expression builds a value nested deeper than {max_nesting} levels"),
    )
}

/// The error for a sequence past the bound, as jsonata-core's (`D2015`) is
/// given.
fn too_long() -> JsonataError {
    JsonataError::memory_limit()
}

/// Whether `value` written as JSON (indented when `pretty`) stays within the
/// bounds: the check of `$string`, of `&`'s operands and of a transform's
/// copy ([`MAX_STRING`]).
pub(crate) fn check_json(
    value: &JValue,
    pretty: bool,
    max_nesting: usize,
) -> Result<(), JsonataError> {
    check_json_within(value, pretty, max_nesting, MAX_STRING)
        .map_err(|e| e.unwrap_or_else(too_large))
}

/// Whether a result's JSON stays within [`MAX_JSON`] and the nesting bound.
pub(crate) fn check_result(value: &JValue, max_nesting: usize) -> Result<(), JsonataError> {
    check_json_within(value, false, max_nesting, MAX_JSON)
        .map_err(|e| e.unwrap_or_else(too_large_json))
}

/// `Err(None)` when `value`'s JSON is longer than `max_len`, `Err(Some(_))`
/// when it is nested too deep.
fn check_json_within(
    value: &JValue,
    pretty: bool,
    max_nesting: usize,
    max_len: usize,
) -> Result<(), Option<JsonataError>> {
    let bounds = JsonBounds {
        max_len,
        max_nesting,
        pretty,
    };
    match json_excess(value, bounds) {
        None => Ok(()),
        Some(Excess::Size) => Err(None),
        Some(Excess::Depth) => Err(Some(too_deep(max_nesting))),
    }
}
