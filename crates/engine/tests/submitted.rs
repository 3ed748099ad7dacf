//! `TaskSubmitted` is recorded once per task, however often a runner
//! reports the hand-over (again after a restart, or from two places).

mod common;

use serde_json::json;
use stepwell_core::{Command, EventKind, Execution, Input};
use stepwell_engine::SplitMix;

#[test]
fn a_task_is_submitted_once() {
    let def = json!({"StartAt": "Ask", "States": {"Ask": {
        "Type": "Task",
        "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
        "Parameters": {"QueueUrl": "q", "MessageBody": {"t.$": "$$.Task.Token"}},
        "End": true}}})
    .to_string();
    let plan = common::parse(&def);
    let info = common::info("Machine", json!({}));
    let mut exec = Execution::new(plan.clone(), info.clone());
    let mut entropy = SplitMix::new(3);
    let d = exec.decide(Input::Start, common::T0, &mut entropy);
    let task = d
        .commands
        .iter()
        .find_map(|c| match c {
            Command::RunTask(r) => Some(r.task),
            _ => None,
        })
        .expect("the task runs");
    let mut history = d.events;
    let submit = |exec: &mut Execution, entropy: &mut SplitMix, n: i64| {
        let input = Input::TaskSubmitted {
            task,
            output: json!({ "n": n }),
        };
        exec.decide(input, common::T0 + n, entropy).events
    };
    let first = submit(&mut exec, &mut entropy, 1);
    assert!(matches!(first.as_slice(), [e] if matches!(e.kind, EventKind::TaskSubmitted { .. })));
    history.extend(first);
    assert!(submit(&mut exec, &mut entropy, 2).is_empty());
    // Replayed, it is still submitted.
    let mut replayed = Execution::replay(plan, info, &history).unwrap();
    assert_eq!(replayed, exec);
    assert!(submit(&mut replayed, &mut entropy, 3).is_empty());
    let done = exec.decide(
        Input::TaskSucceeded {
            task,
            output: json!({}),
        },
        common::T0 + 4,
        &mut entropy,
    );
    assert!(done
        .events
        .iter()
        .any(|e| matches!(e.kind, EventKind::ExecutionSucceeded { .. })));
    // After the task ended, a late report records nothing.
    assert!(submit(&mut exec, &mut entropy, 5).is_empty());
}
