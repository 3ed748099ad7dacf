//! jsonata-js 2.0.6's binding powers for the sort (`^(...)`) and group-by
//! (`{...}`) postfixes.
//!
//! jsonata-js gives `^` a binding power of 40, the comparisons' level, and
//! `{` 70, unary minus's level. jsonata-core binds both at 80, tighter than
//! any operator. So jsonata-core reads `$x = items^(>d)[0].id` as
//! `$x = (items^(>d)[0].id)`, where jsonata-js, and so AWS, reads
//! `($x = items)^(>d)[0].id`: it sorts the comparison's boolean and answers
//! nothing. Likewise `-d.f{k: v}` is `(-d.f){k: v}` in jsonata-js: it
//! negates `d.f` and groups the number.
//!
//! [`prepare`] rebuilds jsonata-js's tree from jsonata-core's: bottom up, an
//! operator whose right operand jsonata-js parses at binding power 40 or
//! more (`= != < <= > >= in ~> & + - * / %`, and unary minus) moves inside
//! the innermost sort at the start of that operand (for unary minus, the
//! innermost sort or group-by), as if the text had the parentheses
//! `(lhs op operand-before-the-sort)^(...)`. What follows the sort (`.h`,
//! `[0]`, `{...}`) stays applied to the sort's result, as in jsonata-js.

use jsonata_core::ast::{AstNode, BinaryOp, UnaryOp};
use jsonata_core::value::with_stack;

/// Rewrites every operator of `node` to jsonata-js's reading.
pub(crate) fn prepare(node: &mut AstNode) {
    with_stack(|| crate::guard::children_mut(node, &mut prepare));
    let lifted = match node {
        AstNode::Binary { op, rhs, .. } if sorts_after(*op) => has_split(rhs, Postfix::Sort),
        AstNode::Unary {
            op: UnaryOp::Negate,
            operand,
        } => has_split(operand, Postfix::SortOrGroup),
        _ => false,
    };
    if !lifted {
        return;
    }
    let taken = std::mem::replace(node, AstNode::Undefined);
    *node = match taken {
        AstNode::Binary { op, lhs, mut rhs } => {
            if let Some(slot) = split_point(&mut rhs, Postfix::Sort) {
                let inner = std::mem::replace(slot, AstNode::Undefined);
                *slot = AstNode::Block(vec![AstNode::Binary {
                    op,
                    lhs,
                    rhs: Box::new(inner),
                }]);
            }
            *rhs
        }
        AstNode::Unary { op, mut operand } => {
            if let Some(slot) = split_point(&mut operand, Postfix::SortOrGroup) {
                let inner = std::mem::replace(slot, AstNode::Undefined);
                *slot = AstNode::Block(vec![AstNode::Unary {
                    op,
                    operand: Box::new(inner),
                }]);
            }
            *operand
        }
        other => other,
    };
}

/// The binary operators whose right operand jsonata-js parses at a binding
/// power of 40 or more, so that a following `^(...)` is not part of it.
fn sorts_after(op: BinaryOp) -> bool {
    use BinaryOp::*;
    matches!(
        op,
        Add | Subtract
            | Multiply
            | Divide
            | Modulo
            | Equal
            | NotEqual
            | LessThan
            | LessThanOrEqual
            | GreaterThan
            | GreaterThanOrEqual
            | Concatenate
            | In
            | ChainPipe
    )
}

/// Which postfixes an operator lets out of its operand.
#[derive(Clone, Copy, PartialEq)]
enum Postfix {
    /// `^(...)` only (the binary operators).
    Sort,
    /// `^(...)` and `{...}` (unary minus).
    SortOrGroup,
}

/// Whether the left spine of `node` (what a postfix applies to, down to the
/// first operand) holds a postfix that `which` lets out.
fn has_split(node: &AstNode, which: Postfix) -> bool {
    match node {
        AstNode::Path { steps } => steps.first().is_some_and(|s| has_split(&s.node, which)),
        AstNode::Sort { .. } => true,
        AstNode::ObjectTransform { input, .. } => {
            which == Postfix::SortOrGroup || has_split(input, which)
        }
        AstNode::Call { procedure, .. } => has_split(procedure, which),
        _ => false,
    }
}

/// The input of the innermost such postfix on the left spine of `node`:
/// where the operator's own operand ends in jsonata-js.
fn split_point(node: &mut AstNode, which: Postfix) -> Option<&mut AstNode> {
    match node {
        AstNode::Path { steps } => split_point(&mut steps.first_mut()?.node, which),
        AstNode::Sort { input, .. } => {
            if has_split(input, which) {
                split_point(input, which)
            } else {
                Some(input)
            }
        }
        AstNode::ObjectTransform { input, .. } => {
            if has_split(input, which) {
                split_point(input, which)
            } else if which == Postfix::SortOrGroup {
                Some(input)
            } else {
                None
            }
        }
        AstNode::Call { procedure, .. } => split_point(procedure, which),
        _ => None,
    }
}
