//! Size guards: bounds on the values an evaluation may build, so that no
//! expression can exhaust the engine's memory.
//!
//! Time and depth are bounded by jsonata-core at its checkpoints, but a few
//! operations grow a value faster than any clock check can catch: `&` doubles
//! a string in each pass of a `$reduce` (2^40 bytes in forty cheap steps),
//! and `$pad` builds a string as wide as its argument in one call. The
//! compiled tree is rewritten so that each `&` result passes through the host
//! function [`SIZE`], and each `$pad` width through [`WIDTH`], which fail with
//! `D1013` beyond [`MAX_STRING`] characters. Arrays built by queries are
//! capped by jsonata-core's sequence limit, and [`crate::convert`] stops when
//! a result would expand past the limit when written out as JSON (values
//! share structure, so `{"a": $x, "b": $x}` nested forty deep is small in
//! memory and enormous as JSON).
//!
//! The bound is the longest string the reference implementation's JavaScript
//! engine (V8) can hold, 2^29 - 24 UTF-16 code units; jsonata-js fails beyond
//! it too (with a JavaScript `RangeError`, which has no JSONata code).

use jsonata_core::ast::{AstNode, BinaryOp, Stage};
use jsonata_core::evaluator::{Evaluator, EvaluatorError};
use jsonata_core::value::{with_stack, JValue};

use crate::error::{to_evaluator, JsonataError};

/// Longest string (and largest JSON text of a result) an evaluation may build.
pub(crate) const MAX_STRING: usize = (1 << 29) - 24;

/// Longest query-result sequence, the bound jsonata-js puts on `[a..b]`.
pub(crate) const MAX_SEQUENCE: usize = 10_000_000;

/// Host function checking the length of a string result.
const SIZE: &str = "__stepwell_size";
/// Host function checking a `$pad` width.
const WIDTH: &str = "__stepwell_width";

/// The error for a value past the bound.
pub(crate) fn too_large() -> JsonataError {
    JsonataError::new(
        "D1013",
        format!("The expression builds a value larger than {MAX_STRING} characters"),
    )
}

/// Insert the guards into `node`; whether any was needed.
pub(crate) fn rewrite(node: &mut AstNode) -> bool {
    let mut any = false;
    visit(node, false, &mut any);
    any
}

fn call(name: &str, arg: AstNode) -> AstNode {
    AstNode::Function {
        name: name.to_string(),
        args: vec![arg],
        is_builtin: true,
    }
}

/// `chained`: `node` is the right-hand side of `~>`, whose left-hand side
/// becomes the first argument, so written arguments shift by one.
fn visit(node: &mut AstNode, chained: bool, any: &mut bool) {
    with_stack(|| {
        if let AstNode::Binary {
            op: BinaryOp::ChainPipe,
            lhs,
            rhs,
        } = node
        {
            visit(lhs, false, any);
            visit(rhs, true, any);
            return;
        }
        children_mut(node, &mut |c| visit(c, false, any));
        match node {
            AstNode::Binary {
                op: BinaryOp::Concatenate,
                ..
            } => {
                let inner = std::mem::replace(node, AstNode::Null);
                *node = call(SIZE, inner);
                *any = true;
            }
            AstNode::Function {
                name,
                args,
                is_builtin: true,
            } if name == "pad" => {
                let at = if chained { 0 } else { 1 };
                if let Some(width) = args.get_mut(at) {
                    let inner = std::mem::replace(width, AstNode::Null);
                    *width = call(WIDTH, inner);
                    *any = true;
                }
            }
            _ => {}
        }
    })
}

/// Register the guard functions.
pub(crate) fn register(ev: &mut Evaluator) {
    let size = ev.register_fn(SIZE, |args: &[JValue]| -> Result<JValue, EvaluatorError> {
        let value = args.first().cloned().unwrap_or(JValue::Undefined);
        match &value {
            JValue::String(s) if utf16_len(s) > MAX_STRING => Err(to_evaluator(too_large())),
            _ => Ok(value),
        }
    });
    let width = ev.register_fn(WIDTH, |args: &[JValue]| -> Result<JValue, EvaluatorError> {
        let value = args.first().cloned().unwrap_or(JValue::Undefined);
        match &value {
            JValue::Number(n) if n.abs() > MAX_STRING as f64 => Err(to_evaluator(too_large())),
            _ => Ok(value),
        }
    });
    debug_assert!(size.is_ok() && width.is_ok(), "registering the guards");
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
