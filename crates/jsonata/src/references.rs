//! What a Step Functions expression reads that Step Functions does not
//! provide, which AWS refuses when the state machine is created
//! (`UNSUPPORTED_JSONATA_EXPRESSION`).
//!
//! A Step Functions expression is evaluated with no context item: the input
//! is `$states.input`, variables are `$name`. So a path whose *first* step is
//! a field name (`phone`, `phone.number`) reads a context item that does not
//! exist, and so does `$` itself. Every later step, every predicate, sort
//! term and grouping expression is evaluated against the value the step
//! before it produced, so a name there is fine and the walk never looks into
//! one. Everything else that is evaluated in the expression's own context is
//! walked: operands, conditions, blocks, function arguments and the function
//! called, array items, object constructor keys and values, the right side
//! of `:=`, and lambda bodies (a lambda keeps the context of the expression
//! that defines it). Literals, regexes, `*`, `**` and transforms are not.
//!
//! `$$` and `$states.errorOutput` are reported apart: `$$` wherever the walk
//! above reaches it, `$states.errorOutput` anywhere in the expression (the
//! caller allows it in a catcher's `Output` and `Assign`).
//!
//! Measured against AWS (`validate-state-machine-definition`) by the floci
//! project (`JsonataTopLevelReferencesTest`); the cases are the unit tests
//! in `tests.rs`.

use jsonata_core::ast::{AstNode, BinaryOp, Stage};
use jsonata_core::value::with_stack;

use crate::analysis::children;

/// A read an expression makes that Step Functions has nothing for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum UnsupportedReference {
    /// A read from the context item at the top level, with the name AWS
    /// prints: the field's (`phone` in `phone.number`), or `$` for the
    /// context item itself.
    TopLevel(String),
    /// `$$`, the root of the input.
    Root,
    /// `$states.errorOutput`, which exists only in a catcher's `Output` and
    /// `Assign`.
    StatesErrorOutput,
}

/// The [`UnsupportedReference`]s of `node`, distinct, in the order they are
/// written.
pub(crate) fn unsupported_references(node: &AstNode) -> Vec<UnsupportedReference> {
    let mut out = Vec::new();
    top(node, &mut out);
    out
}

fn add(out: &mut Vec<UnsupportedReference>, r: UnsupportedReference) {
    if !out.contains(&r) {
        out.push(r);
    }
}

/// `node` is evaluated in the expression's own (missing) context.
fn top(node: &AstNode, out: &mut Vec<UnsupportedReference>) {
    with_stack(|| top_inner(node, out));
}

fn top_inner(node: &AstNode, out: &mut Vec<UnsupportedReference>) {
    match node {
        AstNode::Path { steps } => {
            if is_states_error_output(node) {
                add(out, UnsupportedReference::StatesErrorOutput);
            }
            // Only the first step reads the context; its predicates, and
            // every later step, run against a value the expression produced.
            for (i, step) in steps.iter().enumerate() {
                if i == 0 {
                    top(&step.node, out);
                } else {
                    inner(&step.node, out);
                }
                for stage in &step.stages {
                    if let Stage::Filter(f) = stage {
                        inner(f, out);
                    }
                }
            }
        }
        AstNode::Name(name) => add(out, UnsupportedReference::TopLevel(name.clone())),
        AstNode::Variable(name) if name.is_empty() => {
            add(out, UnsupportedReference::TopLevel("$".into()));
        }
        AstNode::ParentVariable(_) => add(out, UnsupportedReference::Root),
        // `phone(1)` calls the field `phone` of the context item.
        AstNode::Function {
            name,
            args,
            is_builtin,
        } => {
            if !*is_builtin {
                add(out, UnsupportedReference::TopLevel(name.clone()));
            }
            args.iter().for_each(|a| top(a, out));
        }
        AstNode::Binary {
            op: BinaryOp::ColonEqual,
            lhs,
            rhs,
        } => {
            inner(lhs, out);
            top(rhs, out);
        }
        // The grouping and the sort terms run against `input`'s value.
        AstNode::ObjectTransform { input, pattern } => {
            top(input, out);
            for (k, v) in pattern {
                inner(k, out);
                inner(v, out);
            }
        }
        AstNode::Sort { input, terms } => {
            top(input, out);
            terms.iter().for_each(|(t, _)| inner(t, out));
        }
        // Evaluated against values of their own, or not names at all.
        AstNode::Transform { .. } | AstNode::FunctionApplication(_) | AstNode::Regex { .. } => {
            inner(node, out)
        }
        other => children(other, &mut |c| top(c, out)),
    }
}

/// `node` is evaluated against some value the expression produced: only
/// `$states.errorOutput` matters here.
fn inner(node: &AstNode, out: &mut Vec<UnsupportedReference>) {
    if out.contains(&UnsupportedReference::StatesErrorOutput) {
        return;
    }
    if is_states_error_output(node) {
        add(out, UnsupportedReference::StatesErrorOutput);
        return;
    }
    with_stack(|| children(node, &mut |c| inner(c, out)));
}

/// `$states.errorOutput...`: a path whose first step is `$states` and whose
/// second is `errorOutput`.
fn is_states_error_output(node: &AstNode) -> bool {
    let AstNode::Path { steps } = node else {
        return false;
    };
    matches!(
        (steps.first().map(|s| &s.node), steps.get(1).map(|s| &s.node)),
        (Some(AstNode::Variable(v)), Some(AstNode::Name(n))) if v == "states" && n == "errorOutput"
    )
}
