//! AWS's bound on evaluation depth, where the expression's tree alone
//! decides it.
//!
//! AWS evaluates JSONata with jsonata-java, whose `Timebox` counts the calls
//! of `evaluate` that are under way and fails the expression when more than
//! 100 are ("Stack overflow error: … Depth=101 max=100"). floci measured the
//! boundary on AWS: `1+1+…+1` with 100 terms evaluates and with 101 terms
//! fails. jsonata-core counts its levels differently (a literal costs it
//! nothing, a `~>` stage two, our own guards add some), and a recursive
//! function's depth is only known by running it, so that bound is not
//! jsonata-core's.
//!
//! What this module decides is the depth the tree forces: the levels that
//! evaluating the root surely reaches, whatever the input, counted as
//! jsonata-java counts them. Each node whose evaluation calls `evaluate` on
//! its children adds a level above the deepest child it surely evaluates; a
//! leaf is one level:
//!
//! | node | its children surely evaluated |
//! |---|---|
//! | `+ - * / % = != < <= > >= & in ..` | both operands |
//! | `and`, `or` | the left operand (the right one may be skipped) |
//! | `$x := e` | `e` |
//! | `a ~> $f(b)` | `a`, and `$f` and `b` (`a ~> g`: `a` and `g`) |
//! | `( ; )`, `[ ]` | every item |
//! | `$f(a, b)`, `e(a)` | the function and every argument (not a `?`) |
//! | `c ? a : b` | the condition |
//! | `-e` | `e` (`-1` is a number literal once parsed) |
//!
//! Everything else counts one level and is not looked into: a path's steps
//! and an object constructor's pairs (which run once per item of their
//! input, maybe never), lambdas, sorts, transforms and the like.
//!
//! jsonata-java stops counting in a frame while its `isParallelCall` flag is
//! set, which an array constructor sets before its second item, and an
//! object constructor before its second group's value; nothing resets it,
//! so the count then drifts either way. An expression with such a
//! constructor anywhere is therefore not decided here (the count could be
//! lower than the tree's). For the rest the count is exact up to the levels
//! it does not look into, so it is never above AWS's, and an expression
//! refused here is refused by AWS too. One difference is left: AWS reports
//! an error that an operand evaluated before the deep one raises first.

use jsonata_core::ast::{AstNode, BinaryOp, UnaryOp};

use crate::analysis;

/// jsonata-java's default `maxDepth`, which AWS keeps: 100 levels evaluate,
/// the 101st fails.
pub(crate) const AWS_MAX_DEPTH: usize = 100;

/// Whether evaluating `root` surely goes deeper than AWS allows.
pub(crate) fn too_deep(root: &AstNode) -> bool {
    reaches(root, AWS_MAX_DEPTH + 1) && !stops_counting(root)
}

/// Whether `root` holds a constructor that can set jsonata-java's
/// `isParallelCall`: an array of two or more items, an object of more than
/// one group (two pairs, a key that is not a string literal, a group-by).
fn stops_counting(root: &AstNode) -> bool {
    let mut found = false;
    analysis::walk(root, &mut |node| {
        found |= match node {
            AstNode::Array(items) | AstNode::ArrayGroup(items) => items.len() > 1,
            AstNode::Object(pairs) => !matches!(pairs.as_slice(), [(AstNode::String(_), _)]),
            AstNode::ObjectTransform { .. } => true,
            _ => false,
        }
    });
    found
}

/// Whether evaluating `node` surely nests at least `levels` levels of
/// `evaluate`. The recursion goes no deeper than `levels`.
fn reaches(node: &AstNode, levels: usize) -> bool {
    if levels <= 1 {
        return true;
    }
    let below = |child: &AstNode| reaches(child, levels - 1);
    match node {
        AstNode::Binary { op, lhs, rhs } => match op {
            BinaryOp::And | BinaryOp::Or => below(lhs),
            BinaryOp::ColonEqual => below(rhs),
            BinaryOp::ChainPipe => {
                below(lhs)
                    || match rhs.as_ref() {
                        // The call is made in the `~>`'s own level.
                        AstNode::Function { args, .. } => levels == 2 || args.iter().any(below),
                        other => below(other),
                    }
            }
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
            | BinaryOp::Concatenate
            | BinaryOp::Range
            | BinaryOp::In => below(lhs) || below(rhs),
            BinaryOp::FocusBind | BinaryOp::IndexBind | BinaryOp::Coalesce | BinaryOp::Default => {
                false
            }
        },
        AstNode::Unary {
            op: UnaryOp::Negate,
            operand,
        } => !folds_to_number(operand) && below(operand),
        AstNode::Block(items) | AstNode::Array(items) => items.iter().any(below),
        // The function itself is looked up one level down (a `$name`).
        AstNode::Function { args, .. } => levels == 2 || args.iter().any(below),
        AstNode::Call { procedure, args } => below(procedure) || args.iter().any(below),
        AstNode::Conditional { condition, .. } => below(condition),
        _ => false,
    }
}

/// Whether the parser turns `node` into a number literal: jsonata-java, like
/// jsonata-js, folds a minus before a number literal (`-1`, `--1`).
fn folds_to_number(node: &AstNode) -> bool {
    match node {
        AstNode::Number(_) => true,
        AstNode::Unary {
            op: UnaryOp::Negate,
            operand,
        } => folds_to_number(operand),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The levels jsonata-js 2.0.6 counts with its `__evaluate_entry` hook
    /// (evaluating with no input), which the tree forces here in full.
    #[test]
    fn counts_the_levels_jsonata_counts() {
        let cases: &[(&str, usize)] = &[
            ("1", 1),
            ("-1", 1),
            ("-(-1)", 3),
            ("--1", 1),
            ("-(--1)", 3),
            ("1+1", 2),
            ("1+1+1", 3),
            ("(1)", 2),
            ("((1))", 3),
            ("[1]", 2),
            ("[[1]]", 3),
            ("$string(1)", 2),
            ("$string($string(1))", 3),
            ("$string()", 2),
            ("1 ~> $string()", 2),
            ("1 ~> $string() ~> $string()", 3),
            ("true and true", 2),
            ("true ? 1 : 2", 2),
            ("$x := 1", 2),
            ("($x := 1; $x)", 3),
            ("\"a\" & \"b\"", 2),
            ("$f := function($x){$x}", 2),
            ("($f := function($x){$x}; $f(1))", 3),
        ];
        for (text, levels) in cases {
            let ast = jsonata_core::parser::parse(text).unwrap();
            assert!(reaches(&ast, *levels), "{text} reaches {levels}");
            assert!(!reaches(&ast, levels + 1), "{text} stops at {levels}");
        }
    }

    /// AWS's boundaries (floci's measurements): 100 terms, 99 parentheses,
    /// 99 brackets and 99 `~>` stages evaluate; 101 terms fail.
    #[test]
    fn aws_boundaries() {
        let terms = |n: usize| vec!["1"; n].join("+");
        let nest =
            |open: &str, close: &str, n: usize| format!("{}1{}", open.repeat(n), close.repeat(n));
        let stages = |n: usize| format!("1{}", " ~> $string()".repeat(n));
        for (text, refused) in [
            (terms(100), false),
            (terms(101), true),
            (terms(200), true),
            (nest("(", ")", 99), false),
            (nest("(", ")", 100), true),
            (nest("[", "]", 99), false),
            (nest("[", "]", 100), true),
            (stages(99), false),
            (stages(100), true),
        ] {
            let ast = jsonata_core::parser::parse(&text).unwrap();
            assert_eq!(too_deep(&ast), refused, "{text}");
        }
    }
}
