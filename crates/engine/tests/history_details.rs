//! The details of history events (GetExecutionHistory's `…EventDetails`),
//! as AWS records them. Each test names the LocalStack recording of AWS it
//! was read from.

mod common;

use serde_json::{json, Value};

/// The rendered history of `run`.
fn history(run: &common::Run) -> Vec<Value> {
    stepwell_core::render_history(run.plan.clone(), &run.info, &run.history)
        .unwrap_or_else(|e| panic!("render: {e}"))
}

/// The details of every event of type `ty`.
fn details(run: &common::Run, ty: &str, key: &str) -> Vec<Value> {
    history(run)
        .into_iter()
        .filter(|e| e["type"] == ty)
        .map(|e| e[key].clone())
        .collect()
}

/// `activities/test_activities.snapshot.json`,
/// `test_activity_task_no_worker_name`: a worker that gives no name leaves
/// `activityStartedEventDetails` empty.
#[test]
fn an_activity_started_without_a_worker_name_has_empty_details() {
    let run = common::run(
        &json!({"StartAt": "ActivityTask", "States": {"ActivityTask": {
            "Type": "Task",
            "Resource": "arn:aws:states:us-east-1:123456789012:activity:act",
            "End": true}}})
        .to_string(),
        json!({"Value1": "Hello"}),
        json!({"ActivityTask": [{"Return": {"Value1": "Hello"}}]}),
        1,
    );
    assert_eq!(
        details(&run, "ActivityStarted", "activityStartedEventDetails"),
        [json!({})]
    );
}

const ROLE: &str = "arn:aws:iam::111111111111:role/trusted";

/// `credentials/test_credentials_base.snapshot.json`: a Task with
/// `Credentials` records the role it ran as, evaluated, in its
/// `taskScheduledEventDetails` (`test_cross_account_service_lambda_invoke`,
/// `RoleArn.$`; `test_cross_account_states_start_sync_execution`, by path,
/// intrinsic and JSONata) and `lambdaFunctionScheduledEventDetails`
/// (`test_cross_account_lambda_task`).
#[test]
fn a_task_with_credentials_records_the_role_it_runs_as() {
    let input = json!({"FunctionName": "f", "Payload": "p", "CredentialsRoleArn": ROLE});
    let mocks = json!({"Invoke": [{"Return": {"Payload": "p"}}]});
    let service = |credentials: Value, jsonata: bool| {
        let mut state = json!({"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
            "Credentials": credentials, "End": true});
        if jsonata {
            state["Arguments"] = json!({"FunctionName": "{% $states.input.FunctionName %}"});
            state["QueryLanguage"] = json!("JSONata");
        } else {
            state["Parameters"] =
                json!({"FunctionName.$": "$.FunctionName", "Payload.$": "$.Payload"});
        }
        json!({"StartAt": "Invoke", "States": {"Invoke": state}}).to_string()
    };
    for (credentials, jsonata) in [
        (json!({"RoleArn.$": "$.CredentialsRoleArn"}), false),
        (
            json!({"RoleArn.$": "States.Format('{}', $.CredentialsRoleArn)"}),
            false,
        ),
        (json!({"RoleArn": ROLE}), false),
        (
            json!({"RoleArn": "{% $states.input.CredentialsRoleArn %}"}),
            true,
        ),
    ] {
        let run = common::run(
            &service(credentials.clone(), jsonata),
            input.clone(),
            mocks.clone(),
            1,
        );
        let scheduled = details(&run, "TaskScheduled", "taskScheduledEventDetails");
        assert_eq!(
            scheduled
                .iter()
                .map(|d| d["taskCredentials"].clone())
                .collect::<Vec<_>>(),
            [json!({"roleArn": ROLE})],
            "{credentials}"
        );
        // The role is the Task's, not part of what it sends.
        assert_eq!(
            scheduled[0]["parameters"]
                .as_str()
                .map(|p| p.contains("Credentials")),
            Some(false)
        );
    }

    let lambda = json!({"StartAt": "LambdaTask", "States": {"LambdaTask": {
        "Type": "Task", "Resource": "arn:aws:lambda:us-east-1:111111111111:function:f",
        "Credentials": {"RoleArn.$": "$.CredentialsRoleArn"}, "End": true}}});
    let run = common::run(
        &lambda.to_string(),
        input.clone(),
        json!({"LambdaTask": [{"Return": "done"}]}),
        1,
    );
    assert_eq!(
        details(
            &run,
            "LambdaFunctionScheduled",
            "lambdaFunctionScheduledEventDetails"
        )
        .iter()
        .map(|d| d["taskCredentials"].clone())
        .collect::<Vec<_>>(),
        [json!({"roleArn": ROLE})]
    );

    // Without `Credentials`, no `taskCredentials`.
    let plain = json!({"StartAt": "Invoke", "States": {"Invoke": {"Type": "Task",
        "Resource": "arn:aws:states:::lambda:invoke", "Parameters": {"FunctionName": "f"},
        "End": true}}});
    let run = common::run(&plain.to_string(), input, mocks, 1);
    let scheduled = details(&run, "TaskScheduled", "taskScheduledEventDetails");
    assert!(
        scheduled[0].get("taskCredentials").is_none(),
        "{scheduled:?}"
    );
}
