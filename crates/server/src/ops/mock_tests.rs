//! Executions started with `stateMachineArn#TestCase` (Step Functions
//! Local's MockConfigFile, "Using mocked service integrations for testing
//! in Step Functions Local").

use std::sync::Arc;

use serde_json::{json, Value};

use super::tests::{ended, refused};
use crate::runtime::Runtime;
use crate::testing::{call, create_machine, options, remove_db, start, temp_db};

/// A runtime whose `--mock-config` is `config` (no waiting).
async fn mocked_runtime(name: &str, config: Value) -> (Arc<Runtime>, String) {
    let db = temp_db(name);
    let mut opts = options(&db, 0.0);
    opts.mock_config = Some(config);
    match crate::start_runtime(&opts, None).await {
        Ok(rt) => (rt, db),
        Err(e) => panic!("{e}"),
    }
}

/// The event types of the execution's history.
async fn event_types(rt: &Arc<Runtime>, arn: &str) -> Vec<String> {
    let h = call(rt, "GetExecutionHistory", json!({"executionArn": arn})).await;
    h["events"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|e| e["type"].as_str().map(String::from))
        .collect()
}

const ACTIVITY: &str = "arn:aws:states:us-east-1:123456789012:activity:never-created";

fn config() -> Value {
    json!({
        "StateMachines": {"M": {"TestCases": {
            "Worked": {"Work": "Done"},
            "Partial": {"Work": "Done"},
            "Flaky": {"Work": "FailOnce"},
            "Malformed": {"Work": "Both"}
        }}},
        "MockedResponses": {
            "Done": {"0": {"Return": {"ok": true}}},
            "FailOnce": {"0": {"Throw": {"Error": "E", "Cause": "c"}}},
            "Both": {"0": {"Return": 1, "Throw": {"Error": "E", "Cause": "c"}}}
        }
    })
}

/// A mocked activity stands for a worker that took the task at once, as
/// under `stepwell run` (ActivityScheduled, ActivityStarted,
/// ActivitySucceeded), and its activity need not exist.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mocked_activity_starts_and_needs_no_activity() {
    let (rt, db) = mocked_runtime("mock-activity", config()).await;
    let definition = json!({"StartAt": "Work", "States": {"Work": {
        "Type": "Task", "Resource": ACTIVITY, "End": true}}});
    let sm = create_machine(&rt, "M", &definition).await;
    let arn = start(&rt, &format!("{sm}#Worked"), "{}").await;
    let d = ended(&rt, &arn).await;
    assert_eq!(d["status"], "SUCCEEDED", "{d}");
    assert_eq!(
        event_types(&rt, &arn).await,
        [
            "ExecutionStarted",
            "TaskStateEntered",
            "ActivityScheduled",
            "ActivityStarted",
            "ActivitySucceeded",
            "TaskStateExited",
            "ExecutionSucceeded"
        ]
    );
    // Without the test case the missing activity still fails it.
    let arn = start(&rt, &sm, "{}").await;
    let d = ended(&rt, &arn).await;
    assert_eq!(d["status"], "FAILED", "{d}");
    assert_eq!(d["error"], "States.Runtime", "{d}");
    rt.shutdown();
    remove_db(&db);
}

/// An unmocked Task of an execution started with a test case: the cause
/// says the test case has no mock for it. A mocked one whose responses
/// ran out: the wording `stepwell run` gives too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unmocked_and_exhausted_states_say_why() {
    let (rt, db) = mocked_runtime("mock-messages", config()).await;
    let definition = json!({"StartAt": "Work", "States": {
        "Work": {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage",
                 "Parameters": {"QueueUrl": "q", "MessageBody": "m"},
                 "Retry": [{"ErrorEquals": ["E"], "MaxAttempts": 1}],
                 "Next": "Other"},
        "Other": {"Type": "Task", "Resource": "arn:aws:states:::sns:publish",
                  "Parameters": {"TopicArn": "t", "Message": "m"}, "End": true}}});
    let sm = create_machine(&rt, "M", &definition).await;
    let arn = start(&rt, &format!("{sm}#Partial"), "{}").await;
    let d = ended(&rt, &arn).await;
    assert_eq!(d["status"], "FAILED", "{d}");
    assert_eq!(
        d["cause"],
        "no local runner for state 'Other': test case 'Partial' has no mock for it, and no backend runs resource arn:aws:states:::sns:publish",
        "{d}"
    );
    let arn = start(&rt, &format!("{sm}#Flaky"), "{}").await;
    let d = ended(&rt, &arn).await;
    assert_eq!(
        (&d["error"], &d["cause"]),
        (
            &json!("States.Runtime"),
            &json!("the mocked responses for state 'Work' ran out (resource arn:aws:states:::sqs:sendMessage)")
        ),
        "{d}"
    );
    rt.shutdown();
    remove_db(&db);
}

/// A test case whose response is malformed is refused at StartExecution,
/// as an unknown one is.
#[tokio::test]
async fn a_malformed_response_is_refused() {
    let (rt, db) = mocked_runtime("mock-malformed", config()).await;
    let definition = json!({"StartAt": "Work", "States": {"Work": {
        "Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage",
        "Parameters": {"QueueUrl": "q", "MessageBody": "m"}, "End": true}}});
    let sm = create_machine(&rt, "M", &definition).await;
    let body = json!({"stateMachineArn": format!("{sm}#Malformed")});
    assert_eq!(
        refused(&rt, "StartExecution", body).await,
        (
            "ValidationException",
            "mock config: mocked response 'Both' key '0': a response must contain a single field, 'Return' or 'Throw'; found 'Return', 'Throw'".to_string()
        )
    );
    rt.shutdown();
    remove_db(&db);
}

/// `stateMachineArn#TestCase` with no mock config loaded is refused
/// rather than run unmocked.
#[tokio::test]
async fn a_test_case_without_a_mock_config_is_refused() {
    let (rt, db) = crate::testing::runtime("mock-none", 0.0).await;
    let definition = json!({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}});
    let sm = create_machine(&rt, "M", &definition).await;
    let (kind, message) = refused(
        &rt,
        "StartExecution",
        json!({"stateMachineArn": format!("{sm}#HappyPath")}),
    )
    .await;
    assert_eq!(kind, "ValidationException");
    assert!(
        message.starts_with("mock config: none is loaded, so test case 'HappyPath' cannot be used"),
        "{message}"
    );
    let list = call(&rt, "ListExecutions", json!({"stateMachineArn": sm})).await;
    assert_eq!(list["executions"], json!([]), "{list}");
    rt.shutdown();
    remove_db(&db);
}
