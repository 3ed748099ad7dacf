//! `$reduce` over an empty array without an initial value.
//!
//! jsonata-js 2.0.6 answers nothing (`undefined`) there: `{"a":
//! $reduce([], $f)}` is `{}`. jsonata-core answers `null`, which a state
//! would write out. So each such call is rewritten, before anything else
//! sees the tree, to
//! `($r := array; $r != [] ? $reduce($r, $f))`, with a variable
//! name no expression can write (it has a space).

use jsonata_core::ast::{AstNode, BinaryOp};
use jsonata_core::value::with_stack;

/// The variable holding the array.
const ARRAY: &str = "stepwell reduced";

pub(crate) fn prepare(node: &mut AstNode) {
    with_stack(|| crate::guard::children_mut(node, &mut prepare));
    let taken = std::mem::replace(node, AstNode::Null);
    *node = match taken {
        AstNode::Function {
            name,
            mut args,
            is_builtin: true,
        } if name == "reduce" && args.len() == 2 && !partial(&args) => {
            let f = args.pop().unwrap_or(AstNode::Undefined);
            let array = args.pop().unwrap_or(AstNode::Undefined);
            guarded(array, f)
        }
        // `array ~> $reduce($f)`.
        AstNode::Binary {
            op: BinaryOp::ChainPipe,
            lhs,
            rhs,
        } => match *rhs {
            AstNode::Function {
                name,
                mut args,
                is_builtin: true,
            } if name == "reduce" && args.len() == 1 && !partial(&args) => {
                let f = args.pop().unwrap_or(AstNode::Undefined);
                guarded(*lhs, f)
            }
            rhs => AstNode::Binary {
                op: BinaryOp::ChainPipe,
                lhs,
                rhs: Box::new(rhs),
            },
        },
        other => other,
    };
}

/// A partial application (`$reduce(?, $f)`) is left as it is.
fn partial(args: &[AstNode]) -> bool {
    args.iter().any(|a| matches!(a, AstNode::Placeholder))
}

fn guarded(array: AstNode, f: AstNode) -> AstNode {
    let var = || AstNode::Variable(ARRAY.to_string());
    let call = AstNode::Function {
        name: "reduce".to_string(),
        args: vec![var(), f],
        is_builtin: true,
    };
    AstNode::Block(vec![
        AstNode::Binary {
            op: BinaryOp::ColonEqual,
            lhs: Box::new(var()),
            rhs: Box::new(array),
        },
        AstNode::Conditional {
            condition: Box::new(AstNode::Binary {
                op: BinaryOp::NotEqual,
                lhs: Box::new(var()),
                rhs: Box::new(AstNode::Array(Vec::new())),
            }),
            then_branch: Box::new(call),
            else_branch: None,
        },
    ])
}
