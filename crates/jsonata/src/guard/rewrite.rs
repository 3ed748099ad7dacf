//! The rewrite of the compiled tree: which calls and operators get a guard,
//! and how their arguments are routed to the host functions (see
//! [`super`] for what each guard checks).

use std::collections::BTreeSet;

use jsonata_core::ast::{AstNode, BinaryOp, PathStep, Stage};
use jsonata_core::value::{with_stack, JValue};

use super::*;

/// Rename every call of a host function's name that `node` writes (with
/// backquotes: `` `stepwell size`(x) ``), so that an expression cannot call
/// the hosts itself. Runs before any rewrite puts a host call in.
pub(crate) fn rename_reserved(node: &mut AstNode) {
    if let AstNode::Function { name, .. } = node {
        if name.starts_with(PREFIX) {
            *name = RENAMED.to_string();
        }
    }
    with_stack(|| children_mut(node, &mut rename_reserved));
}

/// Insert the guards into `node`; the host functions they call.
pub(crate) fn rewrite(node: &mut AstNode) -> Needs {
    let mut rewriter = Rewriter {
        holders: crate::analysis::function_holders(node),
        bound: bound_names(node),
        ..Rewriter::default()
    };
    rewriter.visit(node);
    super::nesting::rewrite(
        node,
        &rewriter.holders,
        &rewriter.bound,
        &mut rewriter.needs,
    );
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
    /// Variables the expression binds anywhere (`:=`, parameters, `@`,
    /// `#`): the others hold the caller's JSON, a tree.
    bound: BTreeSet<String>,
}

impl Rewriter {
    fn visit(&mut self, node: &mut AstNode) {
        with_stack(|| {
            self.partial(node);
            if let AstNode::Binary {
                op: BinaryOp::ChainPipe,
                lhs,
                rhs,
            } = node
            {
                self.visit(lhs);
                self.partial(rhs);
                self.chained(lhs, rhs);
                return;
            }
            children_mut(node, &mut |c| self.visit(c));
            self.guard(node);
        })
    }

    /// A partial application of a guarded built-in (`$join(?, ', ')`),
    /// which jsonata-core turns into a function value that no guard can
    /// see into, is made a lambda that calls the built-in, as jsonata-js
    /// makes it: `($b := ', '; function($p){ $join($p, $b) })`, with the
    /// arguments given evaluated once, in order, when it is made (literals
    /// are written in place). The call inside is then guarded as any
    /// other. A built-in whose name the expression binds is left alone.
    fn partial(&mut self, node: &mut AstNode) {
        let AstNode::Function {
            name,
            args,
            is_builtin: true,
        } = node
        else {
            return;
        };
        if !args.iter().any(|a| matches!(a, AstNode::Placeholder))
            || !PARTIAL.contains(&name.as_str())
            || self.holders.contains(name.as_str())
        {
            return;
        }
        let site = self.sites;
        self.sites = self.sites.wrapping_add(1);
        let mut binds = Vec::new();
        let mut params = Vec::new();
        let mut call = Vec::with_capacity(args.len());
        for (i, arg) in std::mem::take(args).into_iter().enumerate() {
            if matches!(arg, AstNode::Placeholder) {
                let param = format!("{PREFIX}p{site}.{i}");
                call.push(AstNode::Variable(param.clone()));
                params.push(param);
            } else if is_literal(&arg) {
                call.push(arg);
            } else {
                let bound = format!("{PREFIX}b{site}.{i}");
                call.push(AstNode::Variable(bound.clone()));
                binds.push(AstNode::Binary {
                    op: BinaryOp::ColonEqual,
                    lhs: Box::new(AstNode::Variable(bound)),
                    rhs: Box::new(arg),
                });
            }
        }
        let lambda = AstNode::Lambda {
            params,
            body: Box::new(AstNode::Function {
                name: std::mem::take(name),
                args: call,
                is_builtin: true,
            }),
            signature: None,
            thunk: false,
        };
        *node = if binds.is_empty() {
            lambda
        } else {
            binds.push(lambda);
            AstNode::Block(binds)
        };
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
            if matches!(rhs, AstNode::Function { name, .. } if name.starts_with(PREFIX)) {
                // A guard made the right side a call of a host (`x ~>
                // $f() & y`), to which jsonata-core would pass `lhs` as a
                // first argument. It stays a value to apply, as in jsonata-js.
                let guarded = std::mem::replace(rhs, AstNode::Null);
                *rhs = AstNode::Block(vec![guarded]);
            }
            if let AstNode::Variable(f) = &*rhs {
                if self.may_be_guarded(f) {
                    let f = AstNode::Variable(f.clone());
                    self.wrap(lhs, VIA, vec![f]);
                }
                if self.holders.contains(f) {
                    // A regex, perhaps.
                    let f = AstNode::Variable(f.clone());
                    self.wrap(lhs, SUBJECT, vec![f]);
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
            AstNode::Binary {
                op: BinaryOp::Range,
                lhs,
                rhs,
            } => {
                // Literal bounds are checked here, once.
                let size = match (&**lhs, &**rhs) {
                    (AstNode::Number(a), AstNode::Number(b)) => Some(b - a + 1.0),
                    _ => None,
                };
                let force = size.is_none_or(|s| s > super::overflow::MAX_RANGE);
                self.sequence(vec![&mut **lhs, &mut **rhs], RANGE, false, force);
            }
            // A call of a value that may be a regex: `/a/(x)`, `$r(x)`.
            AstNode::Call { procedure, args } => {
                if let (Some(first), AstNode::Regex { .. } | AstNode::Variable(_)) =
                    (args.first_mut(), &**procedure)
                {
                    let callee = (**procedure).clone();
                    self.wrap(first, SUBJECT, vec![callee]);
                }
            }
            // Deep equality, unless one side cannot be an array or object.
            AstNode::Binary {
                op: BinaryOp::Equal | BinaryOp::NotEqual,
                lhs,
                rhs,
            } if !is_text(lhs) && !is_text(rhs) && !self.is_data(lhs) && !self.is_data(rhs) => {
                self.sequence(vec![&mut **lhs, &mut **rhs], EQUAL, false, false);
            }
            // `**` right after steps that read the caller's JSON walks a
            // tree: the guard put on it below (children come first) is
            // taken off again.
            AstNode::Path { steps } => {
                let data = data_prefix(steps, &self.bound);
                for step in steps.iter_mut().take(data + 1).skip(1) {
                    if let AstNode::Conditional {
                        condition,
                        then_branch,
                        else_branch: None,
                    } = &step.node
                    {
                        let ours = matches!(&**condition, AstNode::Function { name, .. } if name == DESCENDANTS);
                        if ours && matches!(**then_branch, AstNode::Descendant) {
                            step.node = AstNode::Descendant;
                        }
                    }
                }
            }
            // `**` reads the context: check it first, as for `$string()`.
            AstNode::Descendant => {
                *node = AstNode::Conditional {
                    condition: Box::new(host(DESCENDANTS, vec![context()])),
                    then_branch: Box::new(AstNode::Descendant),
                    else_branch: None,
                };
                self.needs.add(DESCENDANTS);
            }
            // The location is evaluated with `$` bound to the value copied,
            // which is checked first (a location can walk it too).
            AstNode::Transform { location, .. } => {
                self.wrap(location, TRANSFORM, vec![context()]);
                let checked = std::mem::replace(&mut **location, AstNode::Null);
                **location = AstNode::Conditional {
                    condition: Box::new(host(COPIED, vec![context()])),
                    then_branch: Box::new(checked),
                    else_branch: None,
                };
                self.needs.add(COPIED);
            }
            _ => {}
        }
    }

    /// A call of built-in `name` with arguments `slots` (the left side of a
    /// `~>` first).
    fn call(&mut self, name: &str, mut slots: Vec<&mut AstNode>) {
        let n = slots.len();
        // A variable that may hold a regex, whose subject is its first
        // argument.
        if let Some(first) = slots.first_mut() {
            if self.holders.contains(name) && !matches!(first, AstNode::Placeholder) {
                let f = AstNode::Variable(name.to_string());
                self.wrap(first, SUBJECT, vec![f]);
            }
        }
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
            "distinct" if n == 1 && !is_text(slots[0]) => {
                self.wrap(slots[0], DISTINCT, Vec::new());
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
                    let failing =
                        values.len() == n && calls::roman(&values, None, usize::MAX).is_err();
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
                        // A fraction is truncated, as JavaScript's `Date`
                        // takes it.
                        match &mut *slot {
                            AstNode::Number(n) => *n = calls::whole_millis(*n),
                            other if !is_literal(other) => self.wrap(slot, PICTURE, Vec::new()),
                            _ => {}
                        }
                        continue;
                    }
                    if let AstNode::String(p) = &mut *slot {
                        if let Some(fixed) = calls::picture_fixed(p) {
                            *p = fixed;
                        }
                    }
                    let checked = match &*slot {
                        // Checked here when it asks for little work (a few
                        // thousand grouped digits), else at run time.
                        AstNode::String(p) => {
                            calls::picture_text(p, 1 << 20).is_ok() && overflow::zone(p).is_ok()
                        }
                        other => is_literal(other),
                    };
                    if !checked {
                        self.wrap(slot, PICTURE, Vec::new());
                    }
                }
            }
            // Positions and lengths past 2^53 (see `overflow::position`).
            "substring" => {
                for slot in slots {
                    match &mut *slot {
                        AstNode::Number(n) => *n = overflow::position(*n),
                        other if !is_literal(other) && !matches!(other, AstNode::Placeholder) => {
                            self.wrap(slot, POSITION, Vec::new())
                        }
                        _ => {}
                    }
                }
            }
            // The timestamp, then the picture `$toMillis` parses by. A
            // literal picture with no time zone marker needs only its own
            // check, done here.
            "toMillis" if n >= 2 => {
                let fine = matches!(&*slots[1], AstNode::String(p)
                    if !overflow::reads_checked_numbers(p)
                        && calls::parse_picture(&JValue::string(p.as_str())).is_ok());
                if !fine {
                    let values: Vec<JValue> =
                        slots.iter().filter_map(|s| literal_value(s)).collect();
                    let failing = values.len() == n && calls::to_millis(&values).is_err();
                    self.sequence(slots, TO_MILLIS, false, failing);
                }
            }
            // The string, or the context when it is left out, then the
            // picture: only letters and decimal pictures whose digits are
            // not ASCII or that read an ordinal can be out of range.
            "parseInteger" if (1..=2).contains(&n) => {
                let safe = matches!(slots.last().map(|s| &**s), Some(AstNode::String(p))
                    if !overflow::may_overflow(p));
                if !safe {
                    let values: Vec<JValue> =
                        slots.iter().filter_map(|s| literal_value(s)).collect();
                    let failing =
                        values.len() == n && overflow::parse_integer(&values, None).is_err();
                    self.sequence(slots, PARSE_INTEGER, n < 2, failing);
                }
            }
            // The picture: second, or first when the number is the context
            // (a number there is passed over).
            "formatNumber" => {
                // With a literal picture second, the first is the number.
                let number_first = matches!(slots.get(1), Some(AstNode::String(_)));
                for (i, slot) in slots.into_iter().take(2).enumerate() {
                    let number = i == 0 && (number_first || is_number(slot));
                    let checked = match &*slot {
                        AstNode::String(p) => calls::fraction_digits(p).is_ok(),
                        other => is_literal(other) || matches!(other, AstNode::Placeholder),
                    };
                    if !number && !checked {
                        self.wrap(slot, NUMBER_PICTURE, Vec::new());
                    }
                }
            }
            "replace" if (2..=4).contains(&n) && !shrinks(&slots) => {
                // With two arguments, or three of which the last may be a
                // limit, the string may be the context.
                let context = n == 2 || (n == 3 && !matches!(slots[2], AstNode::String(_)));
                // The replacement: third, or second when the string is the
                // context (two arguments, or three ending in a number).
                let at = if n == 2 || (n == 3 && matches!(slots[2], AstNode::Number(_))) {
                    1
                } else {
                    2
                };
                let partial = slots.iter().any(|s| matches!(s, AstNode::Placeholder));
                if !partial && !is_literal(slots[at]) {
                    self.replacer(slots[at]);
                }
                self.sequence(slots, REPLACE, context, false)
            }
            _ => {}
        }
    }

    /// Route the values of `slots`, one call's arguments in evaluation
    /// order, to the closing guard `closer`: the last argument that is not a
    /// literal passes through it, those before it through [`ARG`], and
    /// literals are given to `closer` as they are (see [`super::hosts::gather`]). With
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

    /// The replacement `r` of a `$replace` call, which may be a function:
    /// made `replacer(r) ? ($f := take(); function($m){ replaced($m ~> $f,
    /// $m, $f) }) : take()` (with [`REPLACER`], [`TAKE`], [`REPLACED`]), so
    /// that a function is given wrapped, and each string it returns is
    /// counted (see [`super::replace::Running`]). `r` is evaluated once, in
    /// the caller's scope; `$m ~> $f` applies `$f` as jsonata-core applies
    /// a replacement function (as a callback, with a null input).
    fn replacer(&mut self, slot: &mut AstNode) {
        let site = self.site();
        let r = std::mem::replace(slot, AstNode::Null);
        let f = || AstNode::Variable(WRAPPED_FUNCTION.to_string());
        let m = || AstNode::Variable(WRAPPED_MATCH.to_string());
        let applied = AstNode::Binary {
            op: BinaryOp::ChainPipe,
            lhs: Box::new(m()),
            rhs: Box::new(f()),
        };
        let wrapper = AstNode::Lambda {
            params: vec![WRAPPED_MATCH.to_string()],
            body: Box::new(host(REPLACED, vec![applied, m(), f()])),
            signature: None,
            thunk: false,
        };
        let bind = AstNode::Binary {
            op: BinaryOp::ColonEqual,
            lhs: Box::new(f()),
            rhs: Box::new(host(TAKE, vec![site.clone()])),
        };
        *slot = AstNode::Conditional {
            condition: Box::new(host(REPLACER, vec![r, site.clone()])),
            then_branch: Box::new(AstNode::Block(vec![bind, wrapper])),
            else_branch: Some(Box::new(host(TAKE, vec![site]))),
        };
        for name in [REPLACER, TAKE, REPLACED] {
            self.needs.add(name);
        }
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

    /// Whether `node` reads the caller's JSON, a tree, whose comparison
    /// costs no more than its size: a variable the expression never binds,
    /// or a path of field names (and filters) from one
    /// (`$states.input.items[0].id`). `=` with such a side is not guarded.
    fn is_data(&self, node: &AstNode) -> bool {
        match node {
            AstNode::Path { steps } => {
                !steps.is_empty() && data_prefix(steps, &self.bound) == steps.len()
            }
            AstNode::Variable(name) => !name.is_empty() && !self.bound.contains(name),
            _ => false,
        }
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

pub(crate) fn host(name: &str, args: Vec<AstNode>) -> AstNode {
    AstNode::Function {
        name: name.to_string(),
        args,
        is_builtin: true,
    }
}

pub(super) fn number(n: f64) -> AstNode {
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
pub(super) fn is_array_constructor(node: &AstNode) -> bool {
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
pub(super) fn is_scalar(node: &AstNode) -> bool {
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

/// How many leading steps of a path read the caller's JSON: a variable the
/// expression never binds (`bound` holds those it binds), then field names
/// (with filters): their values are trees, nested at most as deep as the
/// data is. 0 when the path starts anywhere else.
pub(super) fn data_prefix(steps: &[PathStep], bound: &BTreeSet<String>) -> usize {
    let plain = |s: &PathStep| {
        s.focus.is_none()
            && s.index_var.is_none()
            && s.stages
                .iter()
                .all(|t| matches!(t, Stage::Filter(_) | Stage::KeepArray))
    };
    match steps.first() {
        Some(first)
            if plain(first)
                && matches!(&first.node, AstNode::Variable(n) if !n.is_empty() && !bound.contains(n)) =>
        {
            1 + steps[1..]
                .iter()
                .take_while(|s| plain(s) && matches!(s.node, AstNode::Name(_)))
                .count()
        }
        _ => 0,
    }
}

/// The names of every variable `node` binds: by `:=`, as a parameter, or
/// by `@`/`#` in a path.
pub(crate) fn bound_names(node: &AstNode) -> BTreeSet<String> {
    fn walk(node: &AstNode, out: &mut BTreeSet<String>) {
        match node {
            AstNode::Binary {
                op: BinaryOp::ColonEqual,
                lhs,
                ..
            } => {
                if let AstNode::Variable(name) = &**lhs {
                    out.insert(name.clone());
                }
            }
            AstNode::Lambda { params, .. } => out.extend(params.iter().cloned()),
            AstNode::Path { steps } => {
                for step in steps {
                    out.extend(step.focus.iter().cloned());
                    out.extend(step.index_var.iter().cloned());
                }
            }
            _ => {}
        }
        with_stack(|| crate::analysis::each_child!(node, &mut |c: &AstNode| walk(c, out), iter));
    }
    let mut out = BTreeSet::new();
    walk(node, &mut out);
    out
}

/// Call `f` on each direct child of `node`, mutably.
pub(crate) fn children_mut(node: &mut AstNode, f: &mut dyn FnMut(&mut AstNode)) {
    crate::analysis::each_child!(node, f, iter_mut, mut)
}
