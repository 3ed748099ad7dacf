//! The details of an error that jsonata-core's message leaves out.
//!
//! jsonata-js words some errors with what it had in hand when it raised
//! them: the values compared (`T2009: The values "5" and 5 either side of
//! operator ">" ...`), the value negated (`D1002: Cannot negate a
//! non-numeric value: true`), the function whose signature failed. And its
//! `and`/`or` operators put their own name in the `token` of any error raised
//! while their right-hand side is evaluated (`true and $uppercase(1)` fails
//! with `Argument 1 of function "and" ...`). jsonata-core's messages carry
//! none of that, and guessing from the expression's text names the wrong
//! function when there are several.
//!
//! So when an evaluation fails with one of those errors, it is run again on
//! the same input, bindings and seed (evaluation is deterministic), on an
//! instrumented copy of the tree: host functions stand in for the arithmetic
//! and comparison operators and unary minus, raising jsonata-js's errors
//! with its details; a marker records each function call as it is made; and
//! the right-hand side of `and`/`or` is bracketed so that the ones still open
//! when the error is raised are known. Only the failing path pays for this.

use std::cell::RefCell;
use std::rc::Rc;

use jsonata_core::ast::{AstNode, BinaryOp, Stage, UnaryOp};
use jsonata_core::evaluator::{Evaluator, EvaluatorError};
use jsonata_core::value::{with_stack, JValue};

use crate::error::{js_string, to_evaluator, JsonataError};
use crate::guard::children_mut;

/// Codes whose message the instrumented run can complete.
pub(crate) const CODES: &[&str] = &[
    "T0410", "T0411", "T0412", "T2001", "T2002", "T2009", "T2010", "D1002",
];

/// The built-ins whose signature lets the context stand for the first
/// argument (a `-` after it), in jsonata-js 2.0.6.
const CONTEXT_FIRST: &[&str] = &[
    "abs",
    "base64decode",
    "base64encode",
    "boolean",
    "ceil",
    "clone",
    "contains",
    "decodeUrl",
    "decodeUrlComponent",
    "each",
    "encodeUrl",
    "encodeUrlComponent",
    "floor",
    "formatBase",
    "formatInteger",
    "formatNumber",
    "fromMillis",
    "keys",
    "length",
    "lookup",
    "lowercase",
    "match",
    "not",
    "number",
    "pad",
    "parseInteger",
    "power",
    "replace",
    "round",
    "sift",
    "split",
    "spread",
    "sqrt",
    "string",
    "substring",
    "substringAfter",
    "substringBefore",
    "toMillis",
    "trim",
    "uppercase",
];

/// Whether the built-in `name` takes the context for its first argument.
pub(crate) fn takes_context(name: &str) -> bool {
    CONTEXT_FIRST.contains(&name)
}

const MARK: &str = "stepwell diagnose call";
const ENTER: &str = "stepwell diagnose enter";
const LEAVE: &str = "stepwell diagnose leave";
const ARITHMETIC: &str = "stepwell diagnose arithmetic";
const COMPARE: &str = "stepwell diagnose compare";
const NEGATE: &str = "stepwell diagnose negate";

/// An instrumented copy of an expression's tree.
pub(crate) struct Instrumented {
    pub ast: AstNode,
    /// The function each call marker stands for, with the number of
    /// arguments written (a chained value counts), by marker number.
    calls: Vec<(String, usize)>,
}

/// What the instrumented run saw: the last call made, and the `and`/`or`
/// operators whose right-hand side is being evaluated, outermost first.
#[derive(Default)]
pub(crate) struct Seen {
    last_call: Option<usize>,
    open: Vec<&'static str>,
}

impl Instrumented {
    pub(crate) fn new(ast: &AstNode) -> Self {
        let mut ast = ast.clone();
        let mut calls = Vec::new();
        instrument(&mut ast, &mut calls, false);
        Instrumented { ast, calls }
    }

    /// The last function called: its name, the name a signature error gives
    /// it (the outermost open `and`/`or` instead, as jsonata-js does), and
    /// the number of arguments the call wrote.
    pub(crate) fn function(&self, seen: &Seen) -> Option<Called<'_>> {
        let (name, argc) = seen.last_call.and_then(|i| self.calls.get(i))?;
        Some(Called {
            name,
            token: seen.open.first().map_or(name.as_str(), |op| *op),
            argc: *argc,
        })
    }
}

/// A call the instrumented run saw (see [`Instrumented::function`]).
pub(crate) struct Called<'a> {
    pub name: &'a str,
    pub token: &'a str,
    pub argc: usize,
}

fn host(name: &str, args: Vec<AstNode>) -> AstNode {
    AstNode::Function {
        name: name.to_string(),
        args,
        is_builtin: true,
    }
}

/// Instrument `node`. A call that heads the right-hand side of `~>`
/// (`chained`: `x ~> $f(a)[0]`) is passed the chained value by
/// jsonata-core: with no argument it is left alone, and its arguments are
/// not known.
fn instrument(node: &mut AstNode, calls: &mut Vec<(String, usize)>, chained: bool) {
    if let AstNode::Binary {
        op: BinaryOp::ChainPipe,
        lhs,
        rhs,
    } = node
    {
        return with_stack(|| chain(lhs, rhs, calls));
    }
    with_stack(|| children_mut(node, &mut |c| instrument(c, calls, false)));
    let taken = std::mem::replace(node, AstNode::Null);
    *node = match taken {
        AstNode::Binary { op, lhs, rhs } => match symbol(op) {
            Some((sym, Kind::Arithmetic)) => host(ARITHMETIC, vec![text(sym), *lhs, *rhs]),
            Some((sym, Kind::Comparison)) => host(COMPARE, vec![text(sym), *lhs, *rhs]),
            Some((sym, Kind::Boolean)) => AstNode::Binary {
                op,
                lhs,
                rhs: Box::new(host(LEAVE, vec![host(ENTER, vec![text(sym)]), *rhs])),
            },
            None => AstNode::Binary { op, lhs, rhs },
        },
        AstNode::Unary {
            op: UnaryOp::Negate,
            operand,
        } => host(NEGATE, vec![*operand]),
        AstNode::Function {
            name,
            mut args,
            is_builtin,
        } if !(name.starts_with("stepwell ") || chained && args.is_empty()) => {
            let id = AstNode::Number(calls.len() as f64);
            calls.push((name.clone(), if chained { usize::MAX } else { args.len() }));
            match args.pop() {
                // A partial application is left alone.
                Some(AstNode::Placeholder) => args.push(AstNode::Placeholder),
                Some(last) => args.push(host(MARK, vec![id, last])),
                None => {
                    let call = AstNode::Function {
                        name,
                        args,
                        is_builtin,
                    };
                    *node = AstNode::Block(vec![host(MARK, vec![id]), call]);
                    return;
                }
            }
            AstNode::Function {
                name,
                args,
                is_builtin,
            }
        }
        other => other,
    };
}

/// `lhs ~> rhs`: jsonata-core passes `lhs` to a function call on the right
/// as its first argument, so that call stays a call (marked through its
/// last argument, or through `lhs` when it has none), and any other node
/// there keeps its kind.
fn chain(lhs: &mut AstNode, rhs: &mut AstNode, calls: &mut Vec<(String, usize)>) {
    instrument(lhs, calls, false);
    match rhs {
        AstNode::Function { name, args, .. } if !name.starts_with("stepwell ") => {
            args.iter_mut().for_each(|a| instrument(a, calls, false));
            let id = AstNode::Number(calls.len() as f64);
            calls.push((name.clone(), args.len() + 1));
            let slot = match args.last_mut() {
                Some(AstNode::Placeholder) => return,
                Some(last) => last,
                None => lhs,
            };
            let inner = std::mem::replace(slot, AstNode::Null);
            *slot = host(MARK, vec![id, inner]);
        }
        AstNode::Path { steps } if steps.len() == 1 => {
            let step = &mut steps[0];
            instrument(&mut step.node, calls, true);
            for stage in &mut step.stages {
                if let Stage::Filter(filter) = stage {
                    instrument(filter, calls, false);
                }
            }
        }
        // Any other node keeps its kind, so that jsonata-core applies its
        // value.
        other => children_mut(other, &mut |c| instrument(c, calls, false)),
    }
}

fn text(s: &str) -> AstNode {
    AstNode::String(s.to_string())
}

enum Kind {
    Arithmetic,
    Comparison,
    Boolean,
}

fn symbol(op: BinaryOp) -> Option<(&'static str, Kind)> {
    Some(match op {
        BinaryOp::Add => ("+", Kind::Arithmetic),
        BinaryOp::Subtract => ("-", Kind::Arithmetic),
        BinaryOp::Multiply => ("*", Kind::Arithmetic),
        BinaryOp::Divide => ("/", Kind::Arithmetic),
        BinaryOp::Modulo => ("%", Kind::Arithmetic),
        BinaryOp::LessThan => ("<", Kind::Comparison),
        BinaryOp::LessThanOrEqual => ("<=", Kind::Comparison),
        BinaryOp::GreaterThan => (">", Kind::Comparison),
        BinaryOp::GreaterThanOrEqual => (">=", Kind::Comparison),
        BinaryOp::And => ("and", Kind::Boolean),
        BinaryOp::Or => ("or", Kind::Boolean),
        _ => return None,
    })
}

/// Register the instrumentation's host functions; `seen` collects what the
/// run does.
pub(crate) fn register(ev: &mut Evaluator, seen: &Rc<RefCell<Seen>>) {
    type Host = Box<dyn Fn(&[JValue]) -> Result<JValue, EvaluatorError>>;
    let s = Rc::clone(seen);
    let mark: Host = Box::new(move |args| {
        if let Some(JValue::Number(id)) = args.first() {
            s.borrow_mut().last_call = Some(*id as usize);
        }
        Ok(args.get(1).cloned().unwrap_or(JValue::Undefined))
    });
    let s = Rc::clone(seen);
    let enter: Host = Box::new(move |args| {
        let op = match args.first() {
            Some(JValue::String(op)) if &**op == "or" => "or",
            _ => "and",
        };
        s.borrow_mut().open.push(op);
        Ok(JValue::Undefined)
    });
    let s = Rc::clone(seen);
    let leave: Host = Box::new(move |args| {
        s.borrow_mut().open.pop();
        Ok(args.get(1).cloned().unwrap_or(JValue::Undefined))
    });
    let s = Rc::clone(seen);
    let arithmetic_host: Host = Box::new(move |args| {
        let (op, l, r) = operands(args);
        arithmetic(&op, l, r, token(&s, &op)).map_err(to_evaluator)
    });
    let s = Rc::clone(seen);
    let compare_host: Host = Box::new(move |args| {
        let (op, l, r) = operands(args);
        compare(&op, l, r, token(&s, &op)).map_err(to_evaluator)
    });
    let negate: Host = Box::new(|args| match args.first() {
        None | Some(JValue::Undefined) => Ok(JValue::Undefined),
        Some(JValue::Number(n)) => Ok(JValue::Number(-n)),
        Some(v) => Err(to_evaluator(JsonataError::templated(
            "D1002",
            &[("value", &stringify(v))],
        ))),
    });
    let hosts = [
        (MARK, mark),
        (ENTER, enter),
        (LEAVE, leave),
        (ARITHMETIC, arithmetic_host),
        (COMPARE, compare_host),
        (NEGATE, negate),
    ];
    for (name, f) in hosts {
        let registered = ev.register_fn(name, f);
        debug_assert!(registered.is_ok(), "registering {name}");
    }
}

fn operands(args: &[JValue]) -> (String, &JValue, &JValue) {
    let op = match args.first() {
        Some(JValue::String(op)) => op.to_string(),
        _ => String::new(),
    };
    let at = |i: usize| args.get(i).unwrap_or(&JValue::Undefined);
    (op, at(1), at(2))
}

/// The operator an error names: the outermost open `and`/`or`, else `op`.
fn token(seen: &Rc<RefCell<Seen>>, op: &str) -> String {
    js_string(seen.borrow().open.first().copied().unwrap_or(op))
}

/// jsonata-js's `evaluateNumericExpression`.
fn arithmetic(op: &str, l: &JValue, r: &JValue, token: String) -> Result<JValue, JsonataError> {
    let number = |v: &JValue| match v {
        JValue::Number(n) => Ok(Some(*n)),
        JValue::Undefined => Ok(None),
        _ => Err(()),
    };
    let l = number(l).map_err(|()| JsonataError::templated("T2001", &[("token", &token)]))?;
    let r = number(r).map_err(|()| JsonataError::templated("T2002", &[("token", &token)]))?;
    let (Some(l), Some(r)) = (l, r) else {
        return Ok(JValue::Undefined);
    };
    Ok(JValue::Number(match op {
        "+" => l + r,
        "-" => l - r,
        "*" => l * r,
        "/" => l / r,
        _ => l % r,
    }))
}

/// jsonata-js's `evaluateComparisonExpression`.
fn compare(op: &str, l: &JValue, r: &JValue, token: String) -> Result<JValue, JsonataError> {
    let comparable =
        |v: &JValue| matches!(v, JValue::Undefined | JValue::String(_) | JValue::Number(_));
    if !comparable(l) || !comparable(r) {
        return Err(JsonataError::templated("T2010", &[("token", &token)]));
    }
    let ordering = match (l, r) {
        (JValue::Undefined, _) | (_, JValue::Undefined) => return Ok(JValue::Undefined),
        (JValue::Number(a), JValue::Number(b)) => a.partial_cmp(b),
        // JavaScript compares strings by UTF-16 code unit.
        (JValue::String(a), JValue::String(b)) => Some(a.encode_utf16().cmp(b.encode_utf16())),
        _ => {
            return Err(JsonataError::templated(
                "T2009",
                &[
                    ("value", &stringify(l)),
                    ("value2", &stringify(r)),
                    ("token", &token),
                ],
            ))
        }
    };
    let holds = ordering.is_some_and(|o| match op {
        "<" => o.is_lt(),
        "<=" => o.is_le(),
        ">" => o.is_gt(),
        _ => o.is_ge(),
    });
    Ok(JValue::Bool(holds))
}

/// `JSON.stringify(value)`, as jsonata-js fills a `{{value}}` insert.
fn stringify(value: &JValue) -> String {
    match value {
        JValue::String(s) => js_string(s),
        other => match jsonata_core::functions::string::string(other, Some(false)) {
            Ok(JValue::String(s)) => s.to_string(),
            _ => "undefined".to_string(),
        },
    }
}
