//! The guard of arrays nested directly in arrays, a pass over the tree after
//! the others.
//!
//! jsonata-core flattens arrays nested in arrays path by path, recursing
//! once per level without growing the stack: in a path step (`x.name`,
//! `x.*`), `$lookup`, and the truthiness of a condition. So an array nested
//! thirty thousand levels deep (`[[$a]]` in a `$reduce`) overflowed the
//! stack and aborted the process, and `[[$a], [$a]]` forty deep (2^40
//! paths, a few arrays in memory) hung it. Guarding every step would cost
//! every path, so the guard is put where such nesting is made instead: an
//! array constructor with an array constructor inside it (`[[$a]]`), an
//! array constructor as a path step after the first (`x.[$]`, which wraps
//! each item), and `$map`, `$zip`, `$each` and `$partition`, which put what
//! they are given (or what their function returns) into a new array. Each
//! of those checks the arrays it puts in: nested (with the levels around
//! them) at most [`MAX_NESTING`] deep, and at most `max_sequence` values
//! visited when flattened (shared parts counted as copies).

use std::collections::{BTreeSet, HashMap};

use jsonata_core::ast::{AstNode, BinaryOp, Stage};
use jsonata_core::value::{with_stack, JValue};

use super::rewrite::{children_mut, data_prefix, host, is_array_constructor, is_scalar, number};
use super::{too_deep, too_long, Bounds, Needs, MAX_NESTING, NESTED, NESTED_VIA, PREFIX};
use crate::error::JsonataError;

/// The built-ins that return a new array holding values they are given or
/// their function returns.
const WRAPPING: [&str; 4] = ["map", "zip", "each", "partition"];

/// Where a node sits, as far as this pass cares.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Role {
    /// A member of an array constructor.
    Member,
    /// Step `i` of a path.
    Step(usize),
    /// The right side of `~>` (or the first step of a path there): a call
    /// there takes the left side as its first argument, so it is not
    /// wrapped itself.
    Chained,
    Other,
}

/// Insert the nesting guards into `node`, adding what they call to
/// `needs`; `holders` are the variables that may hold a built-in (see
/// [`crate::analysis::function_holders`]).
pub(super) fn rewrite(
    node: &mut AstNode,
    holders: &BTreeSet<String>,
    bound: &BTreeSet<String>,
    needs: &mut Needs,
) {
    let mut pass = Pass {
        holders,
        bound,
        needs,
    };
    pass.node(node, Role::Other);
}

struct Pass<'a> {
    holders: &'a BTreeSet<String>,
    /// The variables the expression binds (see [`data_prefix`]).
    bound: &'a BTreeSet<String>,
    needs: &'a mut Needs,
}

impl Pass<'_> {
    fn node(&mut self, node: &mut AstNode, role: Role) {
        with_stack(|| {
            self.children(node, role);
            self.guard(node, role);
        })
    }

    fn children(&mut self, node: &mut AstNode, role: Role) {
        match node {
            AstNode::Array(items) | AstNode::ArrayGroup(items) => {
                items.iter_mut().for_each(|i| self.node(i, Role::Member));
            }
            AstNode::Path { steps } => {
                let data = data_prefix(steps, self.bound);
                for (i, step) in steps.iter_mut().enumerate() {
                    let step_role = if i == 0 && role == Role::Chained {
                        Role::Chained
                    } else if i > 0 && i <= data && item_relative(&step.node) {
                        // Each item is a tree, and so is what is taken from it.
                        Role::Other
                    } else {
                        Role::Step(i)
                    };
                    self.node(&mut step.node, step_role);
                    for stage in &mut step.stages {
                        if let Stage::Filter(filter) = stage {
                            self.node(filter, Role::Other);
                        }
                    }
                }
            }
            AstNode::Binary {
                op: BinaryOp::ChainPipe,
                lhs,
                rhs,
            } => {
                self.node(lhs, Role::Other);
                self.node(rhs, Role::Chained);
            }
            other => children_mut(other, &mut |c| self.node(c, Role::Other)),
        }
    }

    /// Guard `node`, whose children are already guarded.
    fn guard(&mut self, node: &mut AstNode, role: Role) {
        match &*node {
            AstNode::Array(items) | AstNode::ArrayGroup(items) => {
                let base = match role {
                    Role::Member => return,
                    // Each item's array is put in the step's sequence.
                    Role::Step(i) if i > 0 => 1,
                    _ => 0,
                };
                let nests = items
                    .iter()
                    .any(|i| matches!(i, AstNode::Array(_) | AstNode::ArrayGroup(_)));
                if base > 0 || nests {
                    self.tree(node, base);
                }
                return;
            }
            AstNode::Function {
                name,
                is_builtin: true,
                ..
            } if role != Role::Chained && WRAPPING.contains(&name.as_str()) => {
                return self.wrap(node, 1, 1);
            }
            AstNode::Binary {
                op: BinaryOp::ChainPipe,
                rhs,
                ..
            } if wraps(rhs) => return self.wrap(node, 1, 1),
            _ => {}
        }
        if role == Role::Chained {
            return;
        }
        if let Some(f) = self.via(node) {
            let inner = std::mem::replace(node, AstNode::Null);
            *node = host(NESTED_VIA, vec![inner, AstNode::Variable(f)]);
            self.needs.add(NESTED_VIA);
        }
    }

    /// Guard each member of the array constructor `node` (and of the
    /// constructors inside it) that may be an array, with its depth: the
    /// constructors around it, plus `base`.
    fn tree(&mut self, node: &mut AstNode, base: usize) {
        let mut found = Vec::new();
        leaves(node, base + 1, &mut found);
        let count = found.len();
        for (leaf, depth) in found {
            self.wrap(leaf, depth, count);
        }
    }

    /// Replace `node` with `NESTED(node, depth, count)`.
    fn wrap(&mut self, node: &mut AstNode, depth: usize, count: usize) {
        let inner = std::mem::replace(node, AstNode::Null);
        *node = host(
            NESTED,
            vec![inner, number(depth as f64), number(count as f64)],
        );
        self.needs.add(NESTED);
    }

    /// The variable through which a call (or `~>`) may run one of
    /// [`WRAPPING`] as a function value: a variable that may hold a
    /// built-in, called or chained into, or the callback of `$reduce`.
    fn via(&self, node: &AstNode) -> Option<String> {
        let held = |n: &AstNode| match n {
            AstNode::Variable(f) if self.holders.contains(f) || WRAPPING.contains(&f.as_str()) => {
                Some(f.clone())
            }
            _ => None,
        };
        match node {
            AstNode::Function {
                name,
                args,
                is_builtin: true,
            } => {
                if self.holders.contains(name) {
                    Some(name.clone())
                } else if name == "reduce" {
                    args.get(1).and_then(held)
                } else {
                    None
                }
            }
            AstNode::Binary {
                op: BinaryOp::ChainPipe,
                rhs,
                ..
            } => match &**rhs {
                AstNode::Variable(_) => held(rhs),
                AstNode::Function { .. } => self.via(rhs),
                _ => None,
            },
            _ => None,
        }
    }
}

/// Whether `node`, a constructor as a path step, only takes parts of the
/// item it is evaluated on: its members are field names, paths of them,
/// `$`, or scalars.
fn item_relative(node: &AstNode) -> bool {
    fn part(m: &AstNode) -> bool {
        match m {
            // Another guard around a member passes it on as it is.
            AstNode::Function { name, args, .. } if name.starts_with(PREFIX) => {
                args.first().is_some_and(part)
            }
            AstNode::Name(_) => true,
            AstNode::Variable(name) => name.is_empty(),
            AstNode::Path { steps } => steps.iter().all(|s| {
                s.focus.is_none()
                    && s.index_var.is_none()
                    && s.stages.is_empty()
                    && matches!(&s.node, AstNode::Name(_))
            }),
            other => is_scalar(other) && !matches!(other, AstNode::Object(_)),
        }
    }
    match node {
        AstNode::Array(items) | AstNode::ArrayGroup(items) => items.iter().all(part),
        _ => false,
    }
}

/// Whether `node`, the right side of `~>`, calls one of [`WRAPPING`].
fn wraps(node: &AstNode) -> bool {
    let call = match node {
        AstNode::Path { steps } => match steps.first() {
            Some(step) => &step.node,
            None => return false,
        },
        other => other,
    };
    matches!(call, AstNode::Function { name, is_builtin: true, .. } if WRAPPING.contains(&name.as_str()))
}

/// The members of the constructor `node` and of the constructors inside it
/// that may be arrays, each with the number of constructors around it
/// (`depth` for `node`'s own). A constructor with filters or an index
/// (`[...][0]`) is kept whole by jsonata-core, and a host call around it
/// would change that, so it is not looked into.
fn leaves<'a>(node: &'a mut AstNode, depth: usize, out: &mut Vec<(&'a mut AstNode, usize)>) {
    let (AstNode::Array(items) | AstNode::ArrayGroup(items)) = node else {
        return;
    };
    for item in items.iter_mut() {
        if matches!(item, AstNode::Array(_) | AstNode::ArrayGroup(_)) {
            leaves(item, depth + 1, out);
        } else if !is_array_constructor(item) && !is_scalar(item) {
            out.push((item, depth));
        }
    }
}

/// `NESTED_VIA(result, f)`: [`check`] `result` as a new array when `f` is
/// one of [`WRAPPING`] as a function value.
pub(super) fn check_via(args: &[JValue], bounds: Bounds) -> Result<(), JsonataError> {
    match args {
        [result, JValue::Builtin { name }] if WRAPPING.contains(&&**name) => check(
            &[result.clone(), JValue::Number(1.0), JValue::Number(1.0)],
            bounds,
        ),
        _ => Ok(()),
    }
}

/// A value put in an array inside `depth - 1` others (spliced into the
/// innermost when it is an array itself), as one of `count` such values:
/// fail with `D1013` when its arrays nest past [`MAX_NESTING`] there, and
/// with the memory limit error when flattening it would visit more than `max_sequence /
/// count` values.
pub(super) fn check(args: &[JValue], bounds: Bounds) -> Result<(), JsonataError> {
    let [value @ JValue::Array(_), JValue::Number(depth), JValue::Number(count)] = args else {
        return Ok(());
    };
    let around = (*depth as usize).saturating_sub(1);
    let mut walk = Walk {
        left: bounds.max_sequence / (*count as usize).max(1),
        most: MAX_NESTING.saturating_sub(around),
        visits: 0,
        memo: None,
    };
    match walk.array(value, 0) {
        Ok(_) => Ok(()),
        Err(Past::Deep) => Err(too_deep(MAX_NESTING)),
        Err(Past::Long) => Err(too_long()),
    }
}

/// Containers a walk visits before it starts remembering what each cost.
const MEMO_AFTER: usize = 4096;

enum Past {
    Deep,
    Long,
}

struct Walk {
    /// Values a flattening may still visit.
    left: usize,
    /// Deepest nesting allowed.
    most: usize,
    visits: usize,
    /// The height and values of each array (by address), once `visits`
    /// passes [`MEMO_AFTER`].
    memo: Option<HashMap<usize, (usize, usize)>>,
}

impl Walk {
    fn take(&mut self, n: usize) -> Result<(), Past> {
        self.left = self.left.checked_sub(n).ok_or(Past::Long)?;
        Ok(())
    }

    /// The height of `value` (arrays in arrays; 0 for anything else),
    /// inside `depth` arrays.
    fn array(&mut self, value: &JValue, depth: usize) -> Result<usize, Past> {
        let JValue::Array(items) = value else {
            return Ok(0);
        };
        if depth >= self.most {
            return Err(Past::Deep);
        }
        let address = std::ptr::from_ref::<Vec<JValue>>(items) as usize;
        if let Some(&(height, values)) = self.memo.as_ref().and_then(|m| m.get(&address)) {
            if depth + height > self.most {
                return Err(Past::Deep);
            }
            self.take(values)?;
            return Ok(height);
        }
        self.visits += 1;
        if self.visits == MEMO_AFTER {
            self.memo = Some(HashMap::new());
        }
        let before = self.left;
        let height = with_stack(|| {
            let mut height = 1;
            for item in items.iter() {
                // Every item is visited, arrays too (so that arrays of
                // empty arrays count).
                self.take(1)?;
                if let JValue::Array(_) = item {
                    height = height.max(1 + self.array(item, depth + 1)?);
                }
            }
            Ok(height)
        })?;
        if let Some(memo) = &mut self.memo {
            memo.insert(address, (height, before - self.left));
        }
        Ok(height)
    }
}
