//! The date `$toMillis` takes from the evaluation's time.
//!
//! `$toMillis(timestamp, picture)` with a picture that leaves out the
//! leading components of a date and time (`'[H01]:[m01]'` has no year,
//! month or day) takes them from the current time, in jsonata-js and in
//! jsonata-core alike: `$toMillis('10:30', '[H01]:[m01]')` is today at
//! 10:30 UTC. jsonata-core reads the system clock for them, which would make
//! a state's result depend on when it is evaluated rather than on the time
//! the interpreter is given ([`crate::Entropy::now_millis`]).
//!
//! [`prepare`] rewrites each two-argument call so that those components come
//! from the evaluation's time: `$toMillis(t, p)` becomes
//! `$toMillis(dated(t, p), dated_picture())`, where `dated` writes the
//! missing leading components of the evaluation's time before `t`, and the
//! markers that read them before `p` (handed to `dated_picture` on a
//! stack), each followed by a separator no timestamp holds. jsonata-core then
//! finds every leading component given and reads no clock. Without a time
//! (an evaluation whose caller injects none) both pass their values on.
//!
//! Which components are leading and missing follows jsonata-js: in the order
//! year, month, day, then hour (24-hour), minute, second, fraction (or
//! am/pm, 12-hour hour, minute, second, fraction when the picture reads a
//! 12-hour time), those before the first the picture reads. Pictures that
//! jsonata-core refuses or reads otherwise (a day of the year, ISO weeks)
//! are left as they are.

use std::cell::RefCell;
use std::collections::BTreeSet;
use std::rc::Rc;

use jsonata_core::ast::AstNode;
use jsonata_core::evaluator::EvaluatorError;
use jsonata_core::value::{with_stack, JValue};

use crate::error::to_evaluator;
use crate::guard::host;

/// The name the rewritten calls' timestamps are passed through, and the mark
/// in the analysis that an expression needs the time for it.
pub(crate) const DATED: &str = "stepwell dated";
/// The name the rewritten calls' pictures are taken from.
const DATED_PICTURE: &str = "stepwell dated picture";

/// Between the components written from the evaluation's time and the
/// caller's timestamp (and their markers and the picture): a character
/// of the Private Use Area, which no date/time picture reads.
const SEPARATOR: char = '\u{E000}';

/// Rewrites every two-argument `$toMillis` call of `node` (see the module
/// documentation); `true` when there was one.
pub(crate) fn prepare(node: &mut AstNode) -> bool {
    // An expression that binds `$toMillis` itself calls its own function.
    if crate::guard::bound_names(node).contains("toMillis") {
        return false;
    }
    let mut found = false;
    rewrite(node, &mut found);
    found
}

fn rewrite(node: &mut AstNode, found: &mut bool) {
    with_stack(|| crate::guard::children_mut(node, &mut |child| rewrite(child, found)));
    let AstNode::Function {
        name,
        args,
        is_builtin: true,
    } = node
    else {
        return;
    };
    if name != "toMillis"
        || args.len() != 2
        || args.iter().any(|a| matches!(a, AstNode::Placeholder))
    {
        return;
    }
    let given = std::mem::take(args);
    *args = vec![host(DATED, given), host(DATED_PICTURE, Vec::new())];
    *found = true;
}

/// The markers a picture needs before it so that no leading component is
/// missing, each followed by [`SEPARATOR`]; `None` when it needs none, or is
/// a picture this rewrite leaves alone.
fn leading_markers(picture: &str) -> Option<String> {
    let mut components = BTreeSet::new();
    for marker in crate::guard::date_markers(picture) {
        components.insert(marker?.chars().next()?);
    }
    // No component: jsonata-core answers undefined. A day of the year or
    // an ISO week: it reads the date otherwise, or refuses it.
    if components.is_empty() || components.iter().any(|c| "dXxWw".contains(*c)) {
        return None;
    }
    let has = |set: &str| set.chars().any(|c| components.contains(&c));
    let all_in = |set: &str| {
        components
            .iter()
            .filter(|c| "PHhmsf".contains(**c))
            .all(|c| set.contains(*c))
    };
    // jsonata-js reads a 12-hour time when the time components are among
    // am/pm, the 12-hour hour, minutes, seconds and fraction, and are not
    // all among the 24-hour hour, minutes, seconds and fraction.
    let twelve = has("PHhmsf") && all_in("Phmsf") && !all_in("Hmsf");
    let order = if twelve { "YMDPhmsf" } else { "YMDHmsf" };
    let mut prefix = String::new();
    for component in order.chars().take_while(|c| !components.contains(c)) {
        prefix.push_str(match component {
            'Y' => "[Y0001]",
            'M' => "[M01]",
            'D' => "[D01]",
            'P' => "[P]",
            'h' => "[h01]",
            'H' => "[H01]",
            'm' => "[m01]",
            's' => "[s01]",
            _ => "[f001]",
        });
        prefix.push(SEPARATOR);
    }
    (!prefix.is_empty()).then_some(prefix)
}

/// `dated(timestamp, picture)`: the timestamp and picture `$toMillis` is
/// given, with the missing leading components taken from `now`; the
/// picture goes onto `pending`.
fn dated(
    args: &[JValue],
    now: Option<i64>,
    pending: &RefCell<Vec<JValue>>,
) -> Result<JValue, EvaluatorError> {
    let timestamp = args.first().cloned().unwrap_or(JValue::Undefined);
    let picture = args.get(1).cloned().unwrap_or(JValue::Undefined);
    let (timestamp, picture) = match (now, &timestamp, &picture) {
        (Some(ms), JValue::String(t), JValue::String(p)) => match leading_markers(p) {
            Some(prefix) => {
                let written = crate::functions::format_time(ms, &prefix).map_err(to_evaluator)?;
                (
                    JValue::string(format!("{written}{t}")),
                    JValue::string(format!("{prefix}{p}")),
                )
            }
            None => (timestamp, picture),
        },
        _ => (timestamp, picture),
    };
    pending.borrow_mut().push(picture);
    Ok(timestamp)
}

/// Install [`DATED`] and [`DATED_PICTURE`] in `ev`, with the evaluation's
/// time.
pub(crate) fn register(ev: &mut jsonata_core::evaluator::Evaluator, now: Option<i64>) {
    let pending: Rc<RefCell<Vec<JValue>>> = Rc::default();
    let taken = Rc::clone(&pending);
    let results = [
        ev.register_fn(DATED, move |args: &[JValue]| dated(args, now, &pending)),
        ev.register_fn(DATED_PICTURE, move |_: &[JValue]| {
            Ok(taken.borrow_mut().pop().unwrap_or(JValue::Undefined))
        }),
    ];
    debug_assert!(results.iter().all(Result::is_ok), "registering {results:?}");
}

#[cfg(test)]
mod tests {
    use super::leading_markers;

    #[test]
    fn leading_components_follow_jsonata_js() {
        let s = super::SEPARATOR;
        let cases = [
            ("[H01]:[m01]", Some(format!("[Y0001]{s}[M01]{s}[D01]{s}"))),
            ("[h]:[m01][P]", Some(format!("[Y0001]{s}[M01]{s}[D01]{s}"))),
            (
                "[h]:[m01]",
                Some(format!("[Y0001]{s}[M01]{s}[D01]{s}[P]{s}")),
            ),
            ("[m01]", Some(format!("[Y0001]{s}[M01]{s}[D01]{s}[H01]{s}"))),
            (
                "[Z]",
                Some(format!(
                    "[Y0001]{s}[M01]{s}[D01]{s}[H01]{s}[m01]{s}[s01]{s}[f001]{s}"
                )),
            ),
            ("[D01] [H01]", Some(format!("[Y0001]{s}[M01]{s}"))),
            ("[Y0001]-[M01]-[D01]", None),
            ("[Y]", None),
            ("[d001] [H01]", None),
            ("[X]-[W]", None),
            ("no markers", None),
            ("[H", None),
        ];
        for (picture, want) in cases {
            assert_eq!(leading_markers(picture), want, "{picture}");
        }
    }
}
