//! A direct evaluator for the small expressions most state machines write.
//!
//! `$states.input.order.id`, `$count + 1`, `$states.result.Payload.items[0]`,
//! `$x.status = "DONE" and $x.n > 3`: expressions like these are most of
//! what Step Functions definitions contain. Running them through the full
//! evaluator costs a conversion of every referenced variable into
//! jsonata-core's values and an evaluator set-up per evaluation. Here they
//! are read straight off the caller's `serde_json` values instead.
//!
//! The fast form covers a subset of the language, and inside it only the
//! cases whose outcome is plain: field lookups through objects, numeric
//! indexes into arrays of non-arrays, arithmetic and comparisons of numbers
//! (and of strings), string concatenation, `and`/`or` and conditionals over
//! booleans. Anything else — an array where a path step would map over it,
//! an operand of the wrong type, a non-finite result, an unbound variable
//! (which may name a function) — gives up with [`Fallback`], and the caller
//! runs the full evaluator, which then produces the result or the error with
//! its exact code and message. So the fast form never decides an outcome the
//! full evaluator would decide differently; a differential test over the
//! shared suite and the fuzz target check exactly that.

use std::borrow::Cow;
use std::cmp::Ordering;

use jsonata_core::ast::{AstNode, BinaryOp, PathStep, Stage, UnaryOp};
use serde_json::Value;

use crate::convert::{normalise, number};
use crate::Bindings;

/// The full evaluator has to decide this one.
#[derive(Debug)]
pub(crate) struct Fallback;

type Fast<T> = Result<T, Fallback>;

/// Expressions nested deeper than this are left to the full evaluator, so
/// evaluation here needs no stack guard.
const MAX_DEPTH: usize = 32;

/// An expression in the fast subset.
#[derive(Debug)]
pub(crate) enum Node {
    Literal(Value),
    /// `$name.a.b[0].c`: a bound variable, then field names, each optionally
    /// followed by one constant index.
    Path(String, Vec<Step>),
    Arith(Arith, Box<Node>, Box<Node>),
    Negate(Box<Node>),
    Compare(BinaryOp, Box<Node>, Box<Node>),
    And(Box<Node>, Box<Node>),
    Or(Box<Node>, Box<Node>),
    Concat(Box<Node>, Box<Node>),
    Conditional(Box<Node>, Box<Node>, Option<Box<Node>>),
}

#[derive(Debug)]
pub(crate) struct Step {
    field: String,
    index: Option<f64>,
}

#[derive(Debug, Clone, Copy)]
pub(crate) enum Arith {
    Add,
    Subtract,
    Multiply,
    Divide,
    Modulo,
}

/// The fast form of `node`, if it has one.
pub(crate) fn compile(node: &AstNode) -> Option<Node> {
    compile_at(node, 0)
}

fn compile_at(node: &AstNode, depth: usize) -> Option<Node> {
    if depth > MAX_DEPTH {
        return None;
    }
    let sub = |n: &AstNode| compile_at(n, depth + 1).map(Box::new);
    Some(match node {
        AstNode::String(s) => Node::Literal(Value::String(s.clone())),
        AstNode::Number(n) => Node::Literal(Value::Number(number(*n)?)),
        AstNode::Boolean(b) => Node::Literal(Value::Bool(*b)),
        AstNode::Null => Node::Literal(Value::Null),
        AstNode::Variable(name) if !name.is_empty() => Node::Path(name.clone(), Vec::new()),
        AstNode::Path { steps } => path(steps)?,
        AstNode::Unary {
            op: UnaryOp::Negate,
            operand,
        } => Node::Negate(sub(operand)?),
        AstNode::Binary { op, lhs, rhs } => {
            let (l, r) = (sub(lhs)?, sub(rhs)?);
            match op {
                BinaryOp::Add => Node::Arith(Arith::Add, l, r),
                BinaryOp::Subtract => Node::Arith(Arith::Subtract, l, r),
                BinaryOp::Multiply => Node::Arith(Arith::Multiply, l, r),
                BinaryOp::Divide => Node::Arith(Arith::Divide, l, r),
                BinaryOp::Modulo => Node::Arith(Arith::Modulo, l, r),
                BinaryOp::Equal
                | BinaryOp::NotEqual
                | BinaryOp::LessThan
                | BinaryOp::LessThanOrEqual
                | BinaryOp::GreaterThan
                | BinaryOp::GreaterThanOrEqual => Node::Compare(*op, l, r),
                BinaryOp::And => Node::And(l, r),
                BinaryOp::Or => Node::Or(l, r),
                BinaryOp::Concatenate => Node::Concat(l, r),
                _ => return None,
            }
        }
        AstNode::Conditional {
            condition,
            then_branch,
            else_branch,
        } => Node::Conditional(
            sub(condition)?,
            sub(then_branch)?,
            match else_branch {
                Some(e) => Some(sub(e)?),
                None => None,
            },
        ),
        _ => return None,
    })
}

/// A plain step: no focus, index or ancestor binding, no tuple stream.
fn plain(step: &PathStep) -> bool {
    step.focus.is_none()
        && step.index_var.is_none()
        && step.ancestor_label.is_none()
        && !step.is_tuple
        && !step.inner_tuple
}

fn path(steps: &[PathStep]) -> Option<Node> {
    let (first, rest) = steps.split_first()?;
    let AstNode::Variable(name) = &first.node else {
        return None;
    };
    if name.is_empty() || !plain(first) || !first.stages.is_empty() {
        return None;
    }
    let mut out = Vec::with_capacity(rest.len());
    for step in rest {
        let AstNode::Name(field) = &step.node else {
            return None;
        };
        if !plain(step) {
            return None;
        }
        let index = match step.stages.as_slice() {
            [] => None,
            [Stage::Filter(f)] => match f.as_ref() {
                AstNode::Number(n) if n.is_finite() => Some(*n),
                _ => return None,
            },
            _ => return None,
        };
        out.push(Step {
            field: field.clone(),
            index,
        });
    }
    Some(Node::Path(name.clone(), out))
}

/// An intermediate value.
enum V<'a> {
    Undefined,
    Json(&'a Value),
    Number(f64),
    String(Cow<'a, str>),
    Bool(bool),
}

impl<'a> V<'a> {
    fn number(&self) -> Fast<Option<f64>> {
        match self {
            V::Undefined => Ok(None),
            V::Number(n) => Ok(Some(*n)),
            V::Json(Value::Number(n)) => Ok(n.as_f64()),
            _ => Err(Fallback),
        }
    }

    /// Booleans and undefined (false); other values need JSONata's casting.
    fn truth(&self) -> Fast<bool> {
        match self {
            V::Undefined => Ok(false),
            V::Bool(b) | V::Json(Value::Bool(b)) => Ok(*b),
            _ => Err(Fallback),
        }
    }

    fn string(&self) -> Option<&str> {
        match self {
            V::String(s) => Some(s),
            V::Json(Value::String(s)) => Some(s),
            _ => None,
        }
    }
}

impl Node {
    /// Evaluate, with no input document. `Ok(None)` is JSONata `undefined`.
    pub(crate) fn evaluate(&self, bindings: &dyn Bindings) -> Fast<Option<Value>> {
        Ok(match self.eval(bindings)? {
            V::Undefined => None,
            V::Json(v) => Some(normalise(v)),
            V::Number(n) => Some(Value::Number(number(n).ok_or(Fallback)?)),
            V::String(s) => Some(Value::String(s.into_owned())),
            V::Bool(b) => Some(Value::Bool(b)),
        })
    }

    fn eval<'a>(&'a self, bindings: &'a dyn Bindings) -> Fast<V<'a>> {
        match self {
            Node::Literal(v) => Ok(V::Json(v)),
            Node::Path(name, steps) => match steps.split_first() {
                None => Ok(V::Json(bindings.get(name).ok_or(Fallback)?)),
                Some((first, rest)) => {
                    let member = bindings.member(name, &first.field).ok_or(Fallback)?;
                    match index(member, first)? {
                        Some(value) => walk(value, rest),
                        None => Ok(V::Undefined),
                    }
                }
            },
            Node::Negate(operand) => match operand.eval(bindings)?.number()? {
                None => Ok(V::Undefined),
                Some(n) => Ok(V::Number(-n)),
            },
            Node::Arith(op, l, r) => {
                let (l, r) = (l.eval(bindings)?.number()?, r.eval(bindings)?.number()?);
                let (Some(l), Some(r)) = (l, r) else {
                    return Ok(V::Undefined);
                };
                let n = match op {
                    Arith::Add => l + r,
                    Arith::Subtract => l - r,
                    Arith::Multiply => l * r,
                    Arith::Divide => l / r,
                    Arith::Modulo => l % r,
                };
                // Infinite or NaN: the full evaluator raises D1001.
                if n.is_finite() {
                    Ok(V::Number(n))
                } else {
                    Err(Fallback)
                }
            }
            Node::Compare(op, l, r) => compare(*op, &l.eval(bindings)?, &r.eval(bindings)?),
            Node::And(l, r) => {
                let (l, r) = (l.eval(bindings)?.truth()?, r.eval(bindings)?.truth()?);
                Ok(V::Bool(l && r))
            }
            Node::Or(l, r) => {
                let (l, r) = (l.eval(bindings)?.truth()?, r.eval(bindings)?.truth()?);
                Ok(V::Bool(l || r))
            }
            Node::Concat(l, r) => {
                let (l, r) = (l.eval(bindings)?, r.eval(bindings)?);
                let text = |v: &V<'_>| -> Fast<String> {
                    match v {
                        V::Undefined => Ok(String::new()),
                        other => other.string().map(str::to_owned).ok_or(Fallback),
                    }
                };
                let joined = text(&l)? + &text(&r)?;
                // Past the size guard's bound: the full evaluator reports it.
                if joined.len() > crate::guard::MAX_STRING {
                    return Err(Fallback);
                }
                Ok(V::String(Cow::Owned(joined)))
            }
            Node::Conditional(c, then, otherwise) => {
                if c.eval(bindings)?.truth()? {
                    then.eval(bindings)
                } else {
                    match otherwise {
                        Some(e) => e.eval(bindings),
                        None => Ok(V::Undefined),
                    }
                }
            }
        }
    }
}

/// Follow `steps` from a variable's value: through objects only; a numeric
/// index selects from an array whose chosen item is not itself an array.
/// An array met before the last step (which the path would map over) falls
/// back; an array the last step ends on is the result as it is (jsonata-js's
/// `evaluateStep` returns a lone array result of the last step unflattened).
fn walk<'a>(mut value: &'a Value, steps: &[Step]) -> Fast<V<'a>> {
    for step in steps {
        // A scalar has no fields (undefined), but leave that to the full evaluator.
        let Value::Object(map) = value else {
            return Err(Fallback);
        };
        match index(map.get(&step.field), step)? {
            Some(next) => value = next,
            None => return Ok(V::Undefined),
        }
    }
    Ok(V::Json(value))
}

/// The value a step reaches from its field's value (`None`: undefined).
fn index<'a>(field: Option<&'a Value>, step: &Step) -> Fast<Option<&'a Value>> {
    let Some(next) = field else {
        return Ok(None);
    };
    let Some(i) = step.index else {
        return Ok(Some(next));
    };
    let Value::Array(items) = next else {
        return Err(Fallback);
    };
    let i = i.floor();
    let i = if i < 0.0 { i + items.len() as f64 } else { i };
    let item = if i >= 0.0 && i < items.len() as f64 {
        items.get(i as usize)
    } else {
        None
    };
    match item {
        Some(Value::Array(_)) => Err(Fallback),
        item => Ok(item),
    }
}

fn compare<'a>(op: BinaryOp, l: &V<'_>, r: &V<'_>) -> Fast<V<'a>> {
    let ordering = |l: &V<'_>, r: &V<'_>| -> Fast<Option<Ordering>> {
        if let (Some(a), Some(b)) = (l.string(), r.string()) {
            // JavaScript compares strings by UTF-16 code units.
            return Ok(Some(a.encode_utf16().cmp(b.encode_utf16())));
        }
        match (l.number()?, r.number()?) {
            (Some(a), Some(b)) => Ok(a.partial_cmp(&b)),
            _ => Err(Fallback),
        }
    };
    let scalar = |v: &V<'_>| {
        matches!(
            v,
            V::Number(_)
                | V::String(_)
                | V::Bool(_)
                | V::Json(Value::Null | Value::Bool(_) | Value::Number(_) | Value::String(_))
        )
    };
    match op {
        BinaryOp::Equal | BinaryOp::NotEqual => {
            if matches!(l, V::Undefined) || matches!(r, V::Undefined) {
                return Ok(V::Bool(false));
            }
            if !scalar(l) || !scalar(r) {
                return Err(Fallback);
            }
            let same = match (l.string(), r.string()) {
                (Some(a), Some(b)) => a == b,
                (Some(_), None) | (None, Some(_)) => false,
                (None, None) => match (l.number(), r.number()) {
                    (Ok(Some(a)), Ok(Some(b))) => a == b,
                    (Ok(Some(_)), _) | (_, Ok(Some(_))) => false,
                    _ => json_scalar(l) == json_scalar(r),
                },
            };
            Ok(V::Bool(same == matches!(op, BinaryOp::Equal)))
        }
        _ => {
            if matches!(l, V::Undefined) || matches!(r, V::Undefined) {
                // Undefined compares to undefined; a wrong-typed other side errors.
                return Err(Fallback);
            }
            let Some(ord) = ordering(l, r)? else {
                return Err(Fallback);
            };
            Ok(V::Bool(match op {
                BinaryOp::LessThan => ord.is_lt(),
                BinaryOp::LessThanOrEqual => ord.is_le(),
                BinaryOp::GreaterThan => ord.is_gt(),
                _ => ord.is_ge(),
            }))
        }
    }
}

/// A boolean or null, for equality.
fn json_scalar(v: &V<'_>) -> Option<Option<bool>> {
    match v {
        V::Bool(b) | V::Json(Value::Bool(b)) => Some(Some(*b)),
        V::Json(Value::Null) => Some(None),
        _ => None,
    }
}
