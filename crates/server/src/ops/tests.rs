//! Requests whose answers AWS documents (the API model's docs, or answers
//! recorded against AWS), checked through `ops::call` on a whole runtime.

use std::sync::Arc;
use std::time::Duration;

use serde_json::{json, Value};

use crate::protocol::Req;
use crate::runtime::Runtime;
use crate::testing::{call, create_machine, remove_db, runtime, start};

/// Call an operation that must fail: its error's kind and message.
pub(super) async fn refused(rt: &Arc<Runtime>, op: &str, body: Value) -> (&'static str, String) {
    let Value::Object(m) = body else {
        panic!("{op}: the request is not an object");
    };
    match crate::ops::call(rt, op, Req(m)).await {
        Ok(v) => panic!("{op}: expected an error, got {v}"),
        Err(e) => (e.kind, e.message),
    }
}

/// Wait until the execution is no longer RUNNING; DescribeExecution's
/// answer then.
pub(super) async fn ended(rt: &Arc<Runtime>, arn: &str) -> Value {
    for _ in 0..1000 {
        let d = call(rt, "DescribeExecution", json!({"executionArn": arn})).await;
        if d["status"] != "RUNNING" {
            return d;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("{arn} did not end");
}

/// The last event of the execution's history.
async fn last_event(rt: &Arc<Runtime>, arn: &str) -> Value {
    let h = call(
        rt,
        "GetExecutionHistory",
        json!({"executionArn": arn, "reverseOrder": true, "maxResults": 1}),
    )
    .await;
    h["events"][0].clone()
}

/// A state machine that waits (a day and more).
fn waits() -> Value {
    json!({"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 100000, "End": true}}})
}

/// StopExecution without `error` or `cause`: AWS shows neither, not `""`
/// (DescribeExecution has no such keys, `executionAbortedEventDetails` is
/// `{}`); with them, both are shown.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stop_without_error_or_cause_records_neither() {
    let (rt, db) = runtime("ops-stop-bare", 1.0).await;
    let sm = create_machine(&rt, "waits", &waits()).await;
    let bare = start(&rt, &sm, "{}").await;
    call(&rt, "StopExecution", json!({"executionArn": bare})).await;
    let d = ended(&rt, &bare).await;
    assert_eq!(d["status"], "ABORTED");
    assert!(d.get("error").is_none() && d.get("cause").is_none(), "{d}");
    let e = last_event(&rt, &bare).await;
    assert_eq!(e["type"], "ExecutionAborted");
    assert_eq!(e["executionAbortedEventDetails"], json!({}));

    let given = start(&rt, &sm, "{}").await;
    let stop = json!({"executionArn": given, "error": "Halt", "cause": "asked to"});
    call(&rt, "StopExecution", stop).await;
    let d = ended(&rt, &given).await;
    assert_eq!(
        (&d["error"], &d["cause"]),
        (&json!("Halt"), &json!("asked to"))
    );
    let e = last_event(&rt, &given).await;
    assert_eq!(
        e["executionAbortedEventDetails"],
        json!({"error": "Halt", "cause": "asked to"})
    );
    rt.shutdown();
    remove_db(&db);
}

/// TestState: its throwaway execution's ARN is `express:MACHINE:NAME`
/// (AWS, recorded: `test_state_with_variables[base_expressions]`), its role
/// is checked as CreateStateMachine's is, and a mocked `errorOutput` needs
/// its `error` (the model's documentation).
#[tokio::test]
async fn test_state_execution_role_and_error_output() {
    let (rt, db) = runtime("ops-test-state", 1.0).await;
    let pass = json!({"QueryLanguage": "JSONata", "StartAt": "S", "States": {
        "S": {"Type": "Pass", "Output": "{% $states.context %}", "End": true}}});
    let r = call(
        &rt,
        "TestState",
        json!({"definition": pass.to_string(), "stateName": "S"}),
    )
    .await;
    let ctx: Value = serde_json::from_str(r["output"].as_str().unwrap_or_default()).unwrap();
    let name = ctx["Execution"]["Name"].as_str().unwrap_or_default();
    assert!(!name.is_empty(), "{ctx}");
    assert_eq!(
        ctx["Execution"]["Id"],
        json!(rt.cfg.arns.test_state_execution("TestStateMachine", name)),
        "{ctx}"
    );
    assert!(
        ctx["Execution"]["Id"]
            .as_str()
            .unwrap_or_default()
            .ends_with(&format!(":express:TestStateMachine:{name}")),
        "{ctx}"
    );
    assert_eq!(ctx["Execution"]["RoleArn"], Value::Null, "{ctx}");
    assert_eq!(ctx["State"]["Name"], json!("StateName"), "{ctx}");

    let task = json!({"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
        "Parameters": {"FunctionName": "f"}, "End": true});
    assert_eq!(
        refused(
            &rt,
            "TestState",
            json!({"definition": task.to_string(), "roleArn": "not-an-arn"})
        )
        .await,
        ("InvalidArn", "Invalid Arn: 'not-an-arn'".to_string())
    );
    assert_eq!(
        refused(
            &rt,
            "TestState",
            json!({"definition": task.to_string(), "roleArn": "arn:aws:iam::123456789012:role/r",
                "mock": {"errorOutput": {"cause": "c"}}})
        )
        .await,
        (
            "ValidationException",
            "1 validation error detected: Value at 'mock.errorOutput.error' failed to satisfy constraint: Member must not be null".to_string()
        )
    );
    let caught = call(
        &rt,
        "TestState",
        json!({"definition": task.to_string(), "roleArn": "arn:aws:iam::123456789012:role/r",
            "mock": {"errorOutput": {"error": "E"}}}),
    )
    .await;
    assert_eq!(
        (&caught["status"], &caught["error"]),
        (&json!("FAILED"), &json!("E"))
    );
    rt.shutdown();
    remove_db(&db);
}

/// SendTaskFailure without `error` or `cause`: the task's failure event
/// shows neither (the error name Catch and Retry see is left as it was).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_task_failure_without_error_or_cause_records_neither() {
    let (rt, db) = runtime("ops-task-failure-bare", 1.0).await;
    let activity = call(&rt, "CreateActivity", json!({"name": "work"})).await;
    let activity = activity["activityArn"].as_str().unwrap_or_default();
    let definition = json!({"StartAt": "T", "States": {"T": {
        "Type": "Task", "Resource": activity, "End": true}}});
    let sm = create_machine(&rt, "works", &definition).await;
    let arn = start(&rt, &sm, "{}").await;
    let task = call(&rt, "GetActivityTask", json!({"activityArn": activity})).await;
    let token = task["taskToken"].as_str().unwrap_or_default();
    assert!(!token.is_empty(), "no task: {task}");
    call(&rt, "SendTaskFailure", json!({"taskToken": token})).await;
    let d = ended(&rt, &arn).await;
    assert_eq!(d["status"], "FAILED");
    assert!(d.get("error").is_none() && d.get("cause").is_none(), "{d}");
    let h = call(&rt, "GetExecutionHistory", json!({"executionArn": arn})).await;
    let failed = h["events"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|e| e["type"] == "ActivityFailed")
        .cloned()
        .unwrap_or_default();
    assert_eq!(failed["activityFailedEventDetails"], json!({}), "{h}");
    rt.shutdown();
    remove_db(&db);
}

/// A token that cannot be one this server issued is `InvalidToken` with
/// AWS's message; a well-formed one that names no waiting task stays
/// `TaskTimedOut` (`a_token_of_a_task_that_ended_is_timed_out`).
#[tokio::test]
async fn a_token_that_is_not_a_token_is_invalid() {
    let (rt, db) = runtime("ops-invalid-token", 1.0).await;
    for token in [
        "no-such-token",
        "0F8E5A4C-3B1D-4C2E-9A7F-6D5E4C3B2A19",
        "0f8e5a4c3b1d4c2e9a7f6d5e4c3b2a19",
    ] {
        for (op, body) in [
            (
                "SendTaskSuccess",
                json!({"taskToken": token, "output": "{}"}),
            ),
            ("SendTaskFailure", json!({"taskToken": token})),
            ("SendTaskHeartbeat", json!({"taskToken": token})),
        ] {
            let (kind, message) = refused(&rt, op, body).await;
            assert_eq!(
                (kind, message.as_str()),
                ("InvalidToken", "Invalid Token: 'Invalid token'"),
                "{op} {token}"
            );
        }
    }
    let unknown = json!({"taskToken": "0f8e5a4c-3b1d-4c2e-9a7f-6d5e4c3b2a19"});
    let (kind, _) = refused(&rt, "SendTaskHeartbeat", unknown).await;
    assert_eq!(kind, "TaskTimedOut");
    rt.shutdown();
    remove_db(&db);
}

/// ListExecutions by state machine: `redriveFilter` selects, and every
/// item has `redriveCount` (and `redriveDate` once redriven), as the Map
/// Run listing does.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_executions_filters_by_redrive_and_shows_redrive_counts() {
    let (rt, db) = runtime("ops-list-redriven", 1.0).await;
    let fails = json!({"StartAt": "F", "States": {"F": {"Type": "Fail", "Error": "E"}}});
    let sm = create_machine(&rt, "fails", &fails).await;
    let once = start(&rt, &sm, "{}").await;
    ended(&rt, &once).await;
    let never = start(&rt, &sm, "{}").await;
    ended(&rt, &never).await;
    // It fails again at once (its Fail state), in the redrive's own
    // decision: the redrive is still counted and dated.
    call(&rt, "RedriveExecution", json!({"executionArn": once})).await;
    let d = ended(&rt, &once).await;
    assert_eq!(
        (&d["status"], &d["redriveCount"]),
        (&json!("FAILED"), &json!(1)),
        "{d}"
    );
    assert!(d.get("redriveDate").is_some(), "{d}");
    let list = |filter: Option<&str>| {
        let mut body = json!({"stateMachineArn": sm});
        if let Some(f) = filter {
            body["redriveFilter"] = json!(f);
        }
        let rt = rt.clone();
        async move { call(&rt, "ListExecutions", body).await["executions"].clone() }
    };
    let arns = |items: &Value| -> Vec<String> {
        items
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|i| i["executionArn"].as_str().map(str::to_string))
            .collect()
    };
    let all = list(None).await;
    assert_eq!(arns(&all).len(), 2);
    for item in all.as_array().into_iter().flatten() {
        let redriven = item["executionArn"] == json!(once);
        assert_eq!(item["redriveCount"], json!(u32::from(redriven)), "{item}");
        assert_eq!(item.get("redriveDate").is_some(), redriven, "{item}");
    }
    assert_eq!(arns(&list(Some("REDRIVEN")).await), vec![once.clone()]);
    assert_eq!(arns(&list(Some("NOT_REDRIVEN")).await), vec![never.clone()]);
    rt.shutdown();
    remove_db(&db);
}

/// ListExecutions: PENDING_REDRIVE only with a Map Run ("If you provide a
/// stateMachineArn and a PENDING_REDRIVE statusFilter, the API returns a
/// validation exception"), and neither ARN is AWS's validation error.
#[tokio::test]
async fn list_executions_refuses_what_the_model_refuses() {
    let (rt, db) = runtime("ops-list-refused", 1.0).await;
    let sm = create_machine(&rt, "waits", &waits()).await;
    let pending = json!({"stateMachineArn": sm, "statusFilter": "PENDING_REDRIVE"});
    let (kind, _) = refused(&rt, "ListExecutions", pending).await;
    assert_eq!(kind, "ValidationException");
    let (kind, message) = refused(&rt, "ListExecutions", json!({})).await;
    assert_eq!(
        (kind, message.as_str()),
        (
            "ValidationException",
            "1 validation error detected: Must provide a StateMachine ARN or MapRun ARN"
        )
    );
    rt.shutdown();
    remove_db(&db);
}

/// `versionDescription` without `publish: true` is refused by
/// CreateStateMachine and UpdateStateMachine (the model's docs; the message
/// as recorded against AWS).
#[tokio::test]
async fn a_version_description_needs_publish() {
    let (rt, db) = runtime("ops-version-description", 1.0).await;
    let definition = waits().to_string();
    let role = "arn:aws:iam::123456789012:role/r";
    let create = json!({"name": "m", "definition": definition, "roleArn": role,
        "versionDescription": "v1"});
    let want = (
        "ValidationException",
        "Version description can only be set when publish is true",
    );
    let (kind, message) = refused(&rt, "CreateStateMachine", create.clone()).await;
    assert_eq!((kind, message.as_str()), want);
    let mut published = create;
    published["publish"] = json!(true);
    let sm = call(&rt, "CreateStateMachine", published).await;
    let sm = sm["stateMachineArn"].as_str().unwrap_or_default();
    let update = json!({"stateMachineArn": sm, "definition": definition,
        "versionDescription": "v2", "publish": false});
    let (kind, message) = refused(&rt, "UpdateStateMachine", update).await;
    assert_eq!((kind, message.as_str()), want);
    rt.shutdown();
    remove_db(&db);
}

/// Tagging operations answer a malformed ARN with `InvalidArn`, a
/// well-formed one of nothing with `ResourceNotFound`.
#[tokio::test]
async fn tags_of_a_malformed_arn_are_invalid_arn() {
    let (rt, db) = runtime("ops-tags-arn", 1.0).await;
    let missing = "arn:aws:states:us-east-1:123456789012:stateMachine:nothing";
    for (arn, want) in [
        ("not-an-arn", "InvalidArn"),
        (
            "arn:aws:states:us-east-1:123456789012:stateMachine:",
            "InvalidArn",
        ),
        (missing, "ResourceNotFound"),
    ] {
        for (op, body) in [
            (
                "TagResource",
                json!({"resourceArn": arn, "tags": [{"key": "k", "value": "v"}]}),
            ),
            (
                "UntagResource",
                json!({"resourceArn": arn, "tagKeys": ["k"]}),
            ),
            ("ListTagsForResource", json!({"resourceArn": arn})),
        ] {
            let (kind, _) = refused(&rt, op, body).await;
            assert_eq!(kind, want, "{op} {arn}");
        }
    }
    rt.shutdown();
    remove_db(&db);
}

/// Aliases: UpdateStateMachineAlias needs a description or a routing;
/// CreateStateMachineAlias is idempotent on the description too (the
/// API reference; the conflict's message as recorded against AWS).
#[tokio::test]
async fn alias_updates_and_idempotency_follow_the_model() {
    let (rt, db) = runtime("ops-alias", 1.0).await;
    let definition = waits().to_string();
    let sm = call(
        &rt,
        "CreateStateMachine",
        json!({"name": "m", "definition": definition, "publish": true,
            "roleArn": "arn:aws:iam::123456789012:role/r"}),
    )
    .await;
    let version = sm["stateMachineVersionArn"].as_str().unwrap_or_default();
    let routing = json!([{"stateMachineVersionArn": version, "weight": 100}]);
    let create = json!({"name": "live", "routingConfiguration": routing, "description": "a"});
    let alias = call(&rt, "CreateStateMachineAlias", create.clone()).await;
    let alias = alias["stateMachineAliasArn"].as_str().unwrap_or_default();
    call(&rt, "CreateStateMachineAlias", create.clone()).await;
    let mut other = create;
    other["description"] = json!("b");
    let (kind, message) = refused(&rt, "CreateStateMachineAlias", other).await;
    assert_eq!(
        (kind, message.as_str()),
        (
            "ConflictException",
            "Failed to create alias because an alias with the same name and a different routing configuration already exists."
        )
    );
    let bare = json!({"stateMachineAliasArn": alias});
    let (kind, _) = refused(&rt, "UpdateStateMachineAlias", bare).await;
    assert_eq!(kind, "ValidationException");
    let described = json!({"stateMachineAliasArn": alias, "description": "c"});
    call(&rt, "UpdateStateMachineAlias", described).await;
    rt.shutdown();
    remove_db(&db);
}

/// A Distributed Map's label ARN (`stateMachine:M/label`) is refused by
/// StartExecution, StartSyncExecution, UpdateStateMachine and
/// DeleteStateMachine with `ValidationException` (their API reference).
#[tokio::test]
async fn a_map_label_arn_is_not_a_state_machine() {
    let (rt, db) = runtime("ops-label-arn", 1.0).await;
    let sm = create_machine(&rt, "waits", &waits()).await;
    let label = format!("{sm}/Label");
    for (op, body) in [
        ("StartExecution", json!({"stateMachineArn": label})),
        ("StartSyncExecution", json!({"stateMachineArn": label})),
        (
            "UpdateStateMachine",
            json!({"stateMachineArn": label, "definition": waits().to_string()}),
        ),
        ("DeleteStateMachine", json!({"stateMachineArn": label})),
    ] {
        let (kind, _) = refused(&rt, op, body).await;
        assert_eq!(kind, "ValidationException", "{op}");
    }
    // The state machine itself is untouched.
    call(&rt, "DescribeStateMachine", json!({"stateMachineArn": sm})).await;
    rt.shutdown();
    remove_db(&db);
}

/// StartSyncExecution answers only StartSyncExecutionOutput's members
/// (no redrive fields, which DescribeExecution has).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn start_sync_execution_answers_only_its_output_members() {
    let (rt, db) = runtime("ops-sync-members", 1.0).await;
    let definition = json!({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}});
    let sm = call(
        &rt,
        "CreateStateMachine",
        json!({"name": "quick", "definition": definition.to_string(), "type": "EXPRESS",
            "roleArn": "arn:aws:iam::123456789012:role/r"}),
    )
    .await;
    let sm = sm["stateMachineArn"].as_str().unwrap_or_default();
    let out = call(&rt, "StartSyncExecution", json!({"stateMachineArn": sm})).await;
    assert_eq!(out["status"], "SUCCEEDED");
    const MEMBERS: [&str; 13] = [
        "executionArn",
        "stateMachineArn",
        "name",
        "startDate",
        "stopDate",
        "status",
        "error",
        "cause",
        "input",
        "inputDetails",
        "output",
        "outputDetails",
        "traceHeader",
    ];
    for key in out.as_object().into_iter().flat_map(|o| o.keys()) {
        assert!(
            MEMBERS.contains(&key.as_str()) || key == "billingDetails",
            "{key} is not a member of StartSyncExecutionOutput"
        );
    }
    rt.shutdown();
    remove_db(&db);
}

/// Create the state machine `name` (a state machine that waits) with
/// `publish: true`: its ARN and its version 1's.
async fn published(rt: &Arc<Runtime>, name: &str) -> (String, String) {
    let body = json!({"name": name, "definition": waits().to_string(), "publish": true,
        "roleArn": "arn:aws:iam::123456789012:role/r"});
    let sm = call(rt, "CreateStateMachine", body).await;
    let arn = |k: &str| sm[k].as_str().unwrap_or_default().to_string();
    (arn("stateMachineArn"), arn("stateMachineVersionArn"))
}

/// Create the alias `name` routing all to `version`; its ARN.
async fn alias_of(rt: &Arc<Runtime>, name: &str, version: &str) -> String {
    let routing = json!([{"stateMachineVersionArn": version, "weight": 100}]);
    let body = json!({"name": name, "routingConfiguration": routing});
    let a = call(rt, "CreateStateMachineAlias", body).await;
    a["stateMachineAliasArn"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

/// An execution started through a version or an alias: DescribeExecution's
/// `stateMachineArn` is the state machine's own ARN, the version and alias
/// are `stateMachineVersionArn` and `stateMachineAliasArn` (recorded
/// against AWS).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_execution_through_a_version_or_alias_names_its_state_machine() {
    let (rt, db) = runtime("ops-describe-through", 1.0).await;
    let (sm, v1) = published(&rt, "m").await;
    let alias = alias_of(&rt, "live", &v1).await;
    let through_version = start(&rt, &v1, "{}").await;
    let d = call(
        &rt,
        "DescribeExecution",
        json!({"executionArn": through_version}),
    )
    .await;
    assert_eq!(
        (&d["stateMachineArn"], &d["stateMachineVersionArn"]),
        (&json!(sm), &json!(v1)),
        "{d}"
    );
    assert!(d.get("stateMachineAliasArn").is_none(), "{d}");
    let through_alias = start(&rt, &alias, "{}").await;
    let d = call(
        &rt,
        "DescribeExecution",
        json!({"executionArn": through_alias}),
    )
    .await;
    assert_eq!(
        (
            &d["stateMachineArn"],
            &d["stateMachineVersionArn"],
            &d["stateMachineAliasArn"]
        ),
        (&json!(sm), &json!(v1), &json!(alias)),
        "{d}"
    );
    rt.shutdown();
    remove_db(&db);
}

/// The versions of a state machine, newest first.
async fn versions(rt: &Arc<Runtime>, sm: &str) -> Vec<Value> {
    let l = call(
        rt,
        "ListStateMachineVersions",
        json!({"stateMachineArn": sm}),
    )
    .await;
    l["stateMachineVersions"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|v| v["stateMachineVersionArn"].clone())
        .collect()
}

/// UpdateStateMachine that changes nothing keeps the revision: with
/// `publish: true` it answers the version of that revision (publishing
/// one only if there is none), and no `revisionId` for the first revision
/// (recorded against AWS, with and without publishing at creation).
#[tokio::test]
async fn an_update_that_changes_nothing_keeps_the_revision() {
    let (rt, db) = runtime("ops-update-unchanged", 1.0).await;
    let same = waits().to_string();
    let (sm, v1) = published(&rt, "on-creation").await;
    let bare = create_machine(&rt, "no-publish", &waits()).await;
    for machine in [&sm, &bare] {
        for _ in 0..2 {
            let body = json!({"stateMachineArn": machine, "definition": same, "publish": true});
            let u = call(&rt, "UpdateStateMachine", body).await;
            assert_eq!(u["stateMachineVersionArn"], json!(format!("{machine}:1")));
            assert!(u.get("updateDate").is_some(), "{u}");
            assert!(u.get("revisionId").is_none(), "{u}");
        }
        assert_eq!(
            versions(&rt, machine).await,
            vec![json!(format!("{machine}:1"))]
        );
    }
    // A change is a new revision (and version); the same again is not.
    let other = json!({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}});
    let body = json!({"stateMachineArn": sm, "definition": other.to_string(), "publish": true});
    let changed = call(&rt, "UpdateStateMachine", body.clone()).await;
    assert_eq!(changed["stateMachineVersionArn"], json!(format!("{sm}:2")));
    let again = call(&rt, "UpdateStateMachine", body).await;
    assert_eq!(again["stateMachineVersionArn"], json!(format!("{sm}:2")));
    assert_eq!(again["revisionId"], changed["revisionId"]);
    assert_eq!(
        versions(&rt, &sm).await,
        vec![json!(format!("{sm}:2")), json!(v1)]
    );
    // Without `publish`, nothing is published.
    let quiet = json!({"stateMachineArn": sm, "definition": other.to_string()});
    let u = call(&rt, "UpdateStateMachine", quiet).await;
    assert!(u.get("stateMachineVersionArn").is_none(), "{u}");
    assert_eq!(u["revisionId"], changed["revisionId"]);
    rt.shutdown();
    remove_db(&db);
}

/// `revisionId` is shown only for revisions updates made: not for a state
/// machine never updated, nor a version published at its creation, nor
/// DescribeStateMachineForExecution of an execution of it; a version
/// published after an update shows its revision (recorded against AWS).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_an_update_makes_a_revision_id() {
    let (rt, db) = runtime("ops-revision-id", 1.0).await;
    let (sm, v1) = published(&rt, "m").await;
    let describe = |arn: &str| {
        let rt = rt.clone();
        let body = json!({"stateMachineArn": arn});
        async move { call(&rt, "DescribeStateMachine", body).await }
    };
    for arn in [&sm, &v1] {
        let d = describe(arn).await;
        assert!(d.get("revisionId").is_none(), "{d}");
    }
    let ex = start(&rt, &sm, "{}").await;
    let body = json!({"executionArn": ex});
    let d = call(&rt, "DescribeStateMachineForExecution", body).await;
    assert!(d.get("revisionId").is_none(), "{d}");

    let other = json!({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}});
    let body = json!({"stateMachineArn": sm, "definition": other.to_string()});
    let u = call(&rt, "UpdateStateMachine", body).await;
    let revision = u["revisionId"].clone();
    assert!(revision.is_string(), "{u}");
    let p = call(
        &rt,
        "PublishStateMachineVersion",
        json!({"stateMachineArn": sm}),
    )
    .await;
    let v2 = p["stateMachineVersionArn"].as_str().unwrap_or_default();
    assert_eq!(describe(&sm).await["revisionId"], revision);
    assert_eq!(describe(v2).await["revisionId"], revision);
    assert!(describe(&v1).await.get("revisionId").is_none());
    let ex = start(&rt, &sm, "{}").await;
    let body = json!({"executionArn": ex});
    let d = call(&rt, "DescribeStateMachineForExecution", body).await;
    assert_eq!(d["revisionId"], revision);
    rt.shutdown();
    remove_db(&db);
}

/// An alias routes to distinct versions, by their version ARNs: AWS's
/// messages list the ARNs as given (recorded against AWS).
#[tokio::test]
async fn alias_routing_needs_distinct_version_arns() {
    let (rt, db) = runtime("ops-alias-routing", 1.0).await;
    let (sm, v1) = published(&rt, "m").await;
    let other = json!({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}});
    let body = json!({"stateMachineArn": sm, "definition": other.to_string(), "publish": true});
    let u = call(&rt, "UpdateStateMachine", body).await;
    let v2 = u["stateMachineVersionArn"].as_str().unwrap_or_default();
    let route = |a: &str, w: u32| json!({"stateMachineVersionArn": a, "weight": w});
    let cases = [
        (
            json!([route(&v1, 50), route(&v1, 50)]),
            format!("Routing configuration must contain distinct state machine version ARNs. Received: [{v1}, {v1}]"),
        ),
        (
            json!([route(&sm, 70), route(v2, 30)]),
            format!("Routing configuration must contain state machine version ARNs. Received: [{sm}, {v2}]"),
        ),
        (
            json!([route(&sm, 100)]),
            format!("Routing configuration must contain state machine version ARNs. Received: [{sm}]"),
        ),
    ];
    for (routing, want) in cases {
        let body = json!({"name": "a", "routingConfiguration": routing});
        let (kind, message) = refused(&rt, "CreateStateMachineAlias", body).await;
        assert_eq!(
            (kind, message.as_str()),
            ("ValidationException", want.as_str())
        );
    }
    let alias = alias_of(&rt, "a", &v1).await;
    let body = json!({"stateMachineAliasArn": alias,
        "routingConfiguration": [route(v2, 50), route(v2, 50)]});
    let (kind, message) = refused(&rt, "UpdateStateMachineAlias", body).await;
    assert_eq!(kind, "ValidationException");
    assert!(message.contains("distinct"), "{message}");
    rt.shutdown();
    remove_db(&db);
}

/// A missing alias: deleting it succeeds, updating it is `ResourceNotFound`
/// with AWS's message; a version aliases route to cannot be deleted, and
/// the conflict names every such alias (recorded against AWS).
#[tokio::test]
async fn missing_aliases_and_referenced_versions_answer_as_aws() {
    let (rt, db) = runtime("ops-alias-missing", 1.0).await;
    let (_, v1) = published(&rt, "m").await;
    let a = alias_of(&rt, "a", &v1).await;
    alias_of(&rt, "b", &v1).await;
    let (kind, message) = refused(
        &rt,
        "DeleteStateMachineVersion",
        json!({"stateMachineVersionArn": v1}),
    )
    .await;
    assert_eq!(
        (kind, message.as_str()),
        (
            "ConflictException",
            "Version to be deleted must not be referenced by an alias. Current list of aliases referencing this version: [a, b]"
        )
    );
    for _ in 0..2 {
        let body = json!({"stateMachineAliasArn": a});
        assert_eq!(call(&rt, "DeleteStateMachineAlias", body).await, json!({}));
    }
    let body = json!({"stateMachineAliasArn": a, "description": "d"});
    let (kind, message) = refused(&rt, "UpdateStateMachineAlias", body).await;
    assert_eq!(
        (kind, message.as_str()),
        (
            "ResourceNotFound",
            "Request references a resource that does not exist."
        )
    );
    rt.shutdown();
    remove_db(&db);
}

/// DeleteStateMachine given a version or an alias ARN (the API reference
/// names both as qualified state machine ARNs) deletes that version or
/// alias, under DeleteStateMachineVersion's rule; it never answers about a
/// field the caller did not send.
#[tokio::test]
async fn delete_state_machine_of_a_version_or_alias_deletes_it() {
    let (rt, db) = runtime("ops-delete-qualified", 1.0).await;
    let (sm, v1) = published(&rt, "m").await;
    let alias = alias_of(&rt, "live", &v1).await;
    let (kind, message) = refused(&rt, "DeleteStateMachine", json!({"stateMachineArn": v1})).await;
    assert_eq!(kind, "ConflictException", "{message}");
    let delete = |arn: &str| {
        let rt = rt.clone();
        let body = json!({"stateMachineArn": arn});
        async move { call(&rt, "DeleteStateMachine", body).await }
    };
    assert_eq!(delete(&alias).await, json!({}));
    let body = json!({"stateMachineAliasArn": alias});
    let (kind, _) = refused(&rt, "DescribeStateMachineAlias", body).await;
    assert_eq!(kind, "ResourceNotFound");
    assert_eq!(delete(&v1).await, json!({}));
    assert!(versions(&rt, &sm).await.is_empty());
    // The state machine itself is still there.
    call(&rt, "DescribeStateMachine", json!({"stateMachineArn": sm})).await;
    rt.shutdown();
    remove_db(&db);
}

/// ListExecutions of a state machine being deleted lists its executions
/// (`StateMachineDeleting` is none of ListExecutions' errors).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn executions_of_a_deleting_state_machine_are_listed() {
    let (rt, db) = runtime("ops-list-deleting", 1.0).await;
    let sm = create_machine(&rt, "waits", &waits()).await;
    let ex = start(&rt, &sm, "{}").await;
    call(&rt, "DeleteStateMachine", json!({"stateMachineArn": sm})).await;
    let d = call(&rt, "DescribeStateMachine", json!({"stateMachineArn": sm})).await;
    assert_eq!(d["status"], "DELETING");
    let l = call(&rt, "ListExecutions", json!({"stateMachineArn": sm})).await;
    assert_eq!(l["executions"][0]["executionArn"], json!(ex), "{l}");
    rt.shutdown();
    remove_db(&db);
}

/// One page of a listing: its items' `field` and its token.
async fn one_page(
    rt: &Arc<Runtime>,
    op: &str,
    mut body: Value,
    token: Option<&Value>,
    items: &str,
    field: &str,
) -> (Vec<Value>, Option<Value>) {
    body["maxResults"] = json!(1);
    if let Some(t) = token {
        body["nextToken"] = t.clone();
    }
    let out = call(rt, op, body).await;
    let got = out[items]
        .as_array()
        .into_iter()
        .flatten()
        .map(|i| i[field].clone())
        .collect();
    (got, out.get("nextToken").cloned())
}

/// A listing's next page goes on after the last item the page before
/// answered, whatever was added or removed meanwhile (with an offset, an
/// item added before it was answered again, and one removed made the next
/// one be skipped).
#[tokio::test]
async fn pages_go_on_after_the_last_item_answered() {
    let (rt, db) = runtime("ops-pages", 1.0).await;
    let arn =
        |kind: &str, name: &str| format!("arn:aws:states:us-east-1:123456789012:{kind}:{name}");
    // A state machine added before the page's last one.
    create_machine(&rt, "b", &waits()).await;
    create_machine(&rt, "c", &waits()).await;
    let list = "ListStateMachines";
    let (first, token) = one_page(
        &rt,
        list,
        json!({}),
        None,
        "stateMachines",
        "stateMachineArn",
    )
    .await;
    assert_eq!(first, vec![json!(arn("stateMachine", "b"))]);
    create_machine(&rt, "a", &waits()).await;
    let (second, token) = one_page(
        &rt,
        list,
        json!({}),
        token.as_ref(),
        "stateMachines",
        "stateMachineArn",
    )
    .await;
    assert_eq!(second, vec![json!(arn("stateMachine", "c"))]);
    assert!(token.is_none());

    // A version published after the first page (versions are newest first).
    let (sm, v1) = published(&rt, "m").await;
    let other = |n: u32| {
        json!({"StartAt": "P", "States": {"P": {"Type": "Pass", "Result": n, "End": true}}})
            .to_string()
    };
    let publish = |n: u32| {
        let rt = rt.clone();
        let body = json!({"stateMachineArn": sm, "definition": other(n), "publish": true});
        async move { call(&rt, "UpdateStateMachine", body).await }
    };
    publish(2).await;
    let list = "ListStateMachineVersions";
    let body = json!({"stateMachineArn": sm});
    let field = "stateMachineVersionArn";
    let (first, token) =
        one_page(&rt, list, body.clone(), None, "stateMachineVersions", field).await;
    assert_eq!(first, vec![json!(format!("{sm}:2"))]);
    publish(3).await;
    let (second, token) = one_page(
        &rt,
        list,
        body,
        token.as_ref(),
        "stateMachineVersions",
        field,
    )
    .await;
    assert_eq!(second, vec![json!(v1)]);
    assert!(token.is_none());

    // An activity removed before the next page.
    for name in ["x", "y"] {
        call(&rt, "CreateActivity", json!({"name": name})).await;
    }
    let list = "ListActivities";
    let (first, token) = one_page(&rt, list, json!({}), None, "activities", "name").await;
    assert_eq!(first, vec![json!("x")]);
    let x = json!({"activityArn": arn("activity", "x")});
    call(&rt, "DeleteActivity", x).await;
    let (second, _) = one_page(&rt, list, json!({}), token.as_ref(), "activities", "name").await;
    assert_eq!(second, vec![json!("y")]);

    // A token that is no cursor of this kind is refused.
    let empty = crate::protocol::Req(serde_json::Map::new());
    let now = crate::runtime::now_ms();
    let old = crate::protocol::token::encode(&empty, "1", now);
    let (kind, _) = refused(&rt, list, json!({"maxResults": 1, "nextToken": old})).await;
    assert_eq!(kind, "InvalidToken");
    // So is one more than 24 hours old.
    for _ in 0..2 {
        call(&rt, "CreateActivity", json!({"name": "z"})).await;
    }
    let day = crate::protocol::token::LIFETIME_MS;
    let after_x = format!("after:{}", arn("activity", "x"));
    let stale = crate::protocol::token::encode(&empty, &after_x, now - day - 1_000);
    let (kind, _) = refused(&rt, list, json!({"maxResults": 1, "nextToken": stale})).await;
    assert_eq!(kind, "InvalidToken");
    let fresh = crate::protocol::token::encode(&empty, &after_x, now - day + 60_000);
    let fresh = json!(fresh);
    let (page, _) = one_page(&rt, list, json!({}), Some(&fresh), "activities", "name").await;
    assert_eq!(page, vec![json!("y")]);
    rt.shutdown();
    remove_db(&db);
}

/// An execution of a state machine of its own (`name`) whose activity
/// task (of the activity `name`) failed: its ARN, once it is FAILED.
async fn failed_execution(rt: &Arc<Runtime>, name: &str) -> String {
    let activity = call(rt, "CreateActivity", json!({"name": name})).await;
    let activity = activity["activityArn"].as_str().unwrap_or_default();
    let definition = json!({"StartAt": "T", "States": {"T": {
        "Type": "Task", "Resource": activity, "End": true}}});
    let sm = create_machine(rt, name, &definition).await;
    let arn = start(rt, &sm, "{}").await;
    let task = call(rt, "GetActivityTask", json!({"activityArn": activity})).await;
    let token = task["taskToken"].as_str().unwrap_or_default();
    call(rt, "SendTaskFailure", json!({"taskToken": token})).await;
    assert_eq!(ended(rt, &arn).await["status"], "FAILED");
    arn
}

/// Two RedriveExecution calls of one execution at once (on two nodes):
/// the one whose commit comes second collides with the first's events.
/// It is answered as AWS answers a redrive of a running execution,
/// `ExecutionNotRedrivable`, or, with the first one's client token, with
/// that redrive's date; not `InternalServerError`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redrive_that_loses_to_another_is_not_redrivable() {
    use std::sync::atomic::Ordering;
    let db = crate::testing::temp_db("ops-redrive-race");
    let inner = match stepwell_store::open(&db, Default::default()) {
        Ok(s) => s,
        Err(e) => panic!("{e}"),
    };
    let store = Arc::new(crate::testing::Flaky::new(inner));
    let opts = crate::testing::options(&db, 1.0);
    let rt = match crate::start_runtime_on(&opts, store.clone(), None).await {
        Ok(rt) => rt,
        Err(e) => panic!("{e}"),
    };
    let arn = failed_execution(&rt, "one").await;
    store.append_twice.store(true, Ordering::SeqCst);
    let (kind, message) = refused(&rt, "RedriveExecution", json!({"executionArn": arn})).await;
    assert_eq!(
        (kind, message.as_str()),
        (
            "ExecutionNotRedrivable",
            "Execution is RUNNING and cannot be redriven"
        )
    );
    let d = call(&rt, "DescribeExecution", json!({"executionArn": arn})).await;
    assert_eq!(
        (&d["status"], &d["redriveCount"]),
        (&json!("RUNNING"), &json!(1))
    );

    let arn = failed_execution(&rt, "two").await;
    store.append_twice.store(true, Ordering::SeqCst);
    let body = json!({"executionArn": arn, "clientToken": "same"});
    let out = call(&rt, "RedriveExecution", body).await;
    let d = call(&rt, "DescribeExecution", json!({"executionArn": arn})).await;
    assert_eq!(out["redriveDate"], d["redriveDate"], "{out} {d}");
    rt.shutdown();
    remove_db(&db);
}

/// A string that does not start with `arn:` is `InvalidArn` with AWS's
/// reason (recorded against AWS for these operations); an ARN of the
/// wrong resource type keeps its own reason.
#[tokio::test]
async fn a_string_that_is_no_arn_is_an_invalid_arn_prefix() {
    let (rt, db) = runtime("ops-arn-prefix", 1.0).await;
    let bad = "not_a_valid_arn";
    for (op, body) in [
        ("DescribeStateMachine", json!({"stateMachineArn": bad})),
        ("ListExecutions", json!({"stateMachineArn": bad})),
        ("DescribeExecution", json!({"executionArn": bad})),
        ("GetExecutionHistory", json!({"executionArn": bad})),
        ("DescribeActivity", json!({"activityArn": bad})),
        ("GetActivityTask", json!({"activityArn": bad})),
    ] {
        let (kind, message) = refused(&rt, op, body).await;
        assert_eq!(
            (kind, message.as_str()),
            (
                "InvalidArn",
                "Invalid Arn: 'Invalid ARN prefix: not_a_valid_arn'"
            ),
            "{op}"
        );
    }
    let activity = "arn:aws:states:us-east-1:123456789012:activity:a";
    let (kind, message) = refused(
        &rt,
        "DescribeStateMachine",
        json!({"stateMachineArn": activity}),
    )
    .await;
    assert_eq!(
        (kind, message.as_str()),
        (
            "InvalidArn",
            "Invalid Arn: 'Resource type not valid in this context: activity'"
        )
    );
    rt.shutdown();
    remove_db(&db);
}

/// Input that is not JSON is refused in AWS's (Jackson's) words, by
/// StartExecution and StartSyncExecution alike (recorded against AWS).
#[tokio::test]
async fn input_that_is_not_json_is_refused_in_aws_words() {
    let (rt, db) = runtime("ops-input-words", 1.0).await;
    let pass = json!({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}});
    let sm = create_machine(&rt, "standard", &pass).await;
    let express = call(
        &rt,
        "CreateStateMachine",
        json!({"name": "express", "definition": pass.to_string(), "type": "EXPRESS",
            "roleArn": "arn:aws:iam::123456789012:role/r"}),
    )
    .await;
    let express = express["stateMachineArn"].as_str().unwrap_or_default();
    for (input, why) in [
        ("", "Invalid execution input."),
        (
            "not some json",
            "Unrecognized token 'not': was expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false')",
        ),
        (
            "{'not': 'json'",
            "Unexpected character (''' (code 39)): was expecting double-quote to start field name",
        ),
    ] {
        for (op, machine) in [("StartExecution", sm.as_str()), ("StartSyncExecution", express)] {
            let (kind, message) =
                refused(&rt, op, json!({"stateMachineArn": machine, "input": input})).await;
            assert_eq!(kind, "InvalidExecutionInput", "{op} {input:?}");
            assert_eq!(
                message,
                format!("Invalid State Machine Execution Input: '{why}'"),
                "{op} {input:?}"
            );
        }
    }
    rt.shutdown();
    remove_db(&db);
}

/// A `loggingConfiguration` without `level` or `includeExecutionData` is
/// described with AWS's defaults, on creation and on update (recorded
/// against AWS for creation).
#[tokio::test]
async fn logging_configuration_is_described_with_its_defaults() {
    let (rt, db) = runtime("ops-logging-defaults", 1.0).await;
    let definition = waits().to_string();
    let defaults = json!({"includeExecutionData": false, "level": "OFF"});
    let with_list = json!({"destinations": [], "includeExecutionData": false, "level": "OFF"});
    for (name, given, want) in [
        ("empty", json!({}), &defaults),
        ("list", json!({"destinations": []}), &with_list),
    ] {
        let sm = call(
            &rt,
            "CreateStateMachine",
            json!({"name": name, "definition": definition, "loggingConfiguration": given,
                "roleArn": "arn:aws:iam::123456789012:role/r"}),
        )
        .await;
        let sm = sm["stateMachineArn"].as_str().unwrap_or_default();
        let d = call(&rt, "DescribeStateMachine", json!({"stateMachineArn": sm})).await;
        assert_eq!(&d["loggingConfiguration"], want, "create {name}");
        call(
            &rt,
            "UpdateStateMachine",
            json!({"stateMachineArn": sm,
                "loggingConfiguration": {"level": "OFF", "includeExecutionData": true}}),
        )
        .await;
        call(
            &rt,
            "UpdateStateMachine",
            json!({"stateMachineArn": sm, "loggingConfiguration": given}),
        )
        .await;
        let d = call(&rt, "DescribeStateMachine", json!({"stateMachineArn": sm})).await;
        assert_eq!(&d["loggingConfiguration"], want, "update {name}");
    }
    rt.shutdown();
    remove_db(&db);
}

/// A FAILED StartSyncExecution answer has `outputDetails` but no output,
/// and its billed duration is a multiple of 100 ms (recorded against
/// AWS).
#[tokio::test]
async fn a_failed_sync_execution_has_output_details_and_billed_hundreds() {
    let (rt, db) = runtime("ops-sync-failed", 0.13).await;
    let definition = json!({"StartAt": "W", "States": {
        "W": {"Type": "Wait", "Seconds": 1, "Next": "F"},
        "F": {"Type": "Fail", "Error": "SomeFailure", "Cause": "it fails"}}});
    let sm = call(
        &rt,
        "CreateStateMachine",
        json!({"name": "fails", "definition": definition.to_string(), "type": "EXPRESS",
            "roleArn": "arn:aws:iam::123456789012:role/r"}),
    )
    .await;
    let sm = sm["stateMachineArn"].as_str().unwrap_or_default();
    let out = call(&rt, "StartSyncExecution", json!({"stateMachineArn": sm})).await;
    assert_eq!(out["status"], "FAILED");
    assert_eq!(out["error"], "SomeFailure");
    assert_eq!(out["outputDetails"], json!({"included": true}));
    assert!(out.get("output").is_none(), "{out}");
    let billed = out["billingDetails"]["billedDurationInMilliseconds"]
        .as_u64()
        .unwrap_or_default();
    assert!(billed >= 200 && billed % 100 == 0, "{billed}");
    rt.shutdown();
    remove_db(&db);
}

/// `$$.Execution.StartTime` is StartExecution's `startDate` to the
/// millisecond, as is ExecutionStarted's timestamp (AWS's
/// `test_execution_dateformat` checks the first against DescribeExecution).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_context_start_time_is_the_start_date() {
    let (rt, db) = runtime("ops-start-time", 1.0).await;
    let def = json!({"StartAt": "P", "States": {"P": {"Type": "Pass",
        "Parameters": {"t.$": "$$.Execution.StartTime"}, "End": true}}});
    let sm = create_machine(&rt, "start-time", &def).await;
    // The two clock readings this guards against rarely straddle a
    // millisecond: several executions make a difference likely.
    for _ in 0..20 {
        let arn = start(&rt, &sm, "{}").await;
        let d = ended(&rt, &arn).await;
        let start_ms = d["startDate"].as_f64().map(|s| (s * 1000.0).round() as i64);
        let start_ms = start_ms.expect("startDate");
        let out: Value =
            serde_json::from_str(d["output"].as_str().unwrap_or("")).unwrap_or_default();
        assert_eq!(out["t"], json!(stepwell_core::iso8601(start_ms)), "{d}");
        let h = call(&rt, "GetExecutionHistory", json!({"executionArn": arn})).await;
        assert_eq!(h["events"][0]["timestamp"], d["startDate"], "{h}");
    }
    remove_db(&db);
}

/// The events of an execution's history as `Type(id←previousEventId)`.
async fn chain(rt: &Arc<Runtime>, arn: &str) -> Vec<String> {
    let h = call(rt, "GetExecutionHistory", json!({"executionArn": arn})).await;
    h["events"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|e| {
            format!(
                "{}({}←{})",
                e["type"].as_str().unwrap_or_default(),
                e["id"],
                e["previousEventId"]
            )
        })
        .collect()
}

/// A Task whose activity does not exist, never created or deleted before
/// the Task runs, fails its execution at once, with nothing scheduled
/// (localstack/localstack tests/aws/services/stepfunctions/v2/activities,
/// `test_activity_task_on_deleted`, recorded against AWS).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_task_of_an_activity_that_does_not_exist_fails_its_execution() {
    let (rt, db) = runtime("ops-activity-missing", 1.0).await;
    let deleted = call(&rt, "CreateActivity", json!({"name": "gone"})).await;
    let deleted = deleted["activityArn"].as_str().unwrap_or_default();
    call(&rt, "DeleteActivity", json!({"activityArn": deleted})).await;
    let never = rt.cfg.arns.activity("never");
    for (name, activity) in [("gone", deleted), ("never", never.as_str())] {
        let definition = json!({"StartAt": "ActivityTask", "States": {"ActivityTask": {
            "Type": "Task", "Resource": activity, "End": true}}});
        let sm = create_machine(&rt, name, &definition).await;
        let arn = start(&rt, &sm, "{}").await;
        let d = ended(&rt, &arn).await;
        assert_eq!(d["status"], "FAILED", "{name}");
        assert_eq!(d["error"], "States.Runtime", "{name}");
        assert_eq!(
            d["cause"],
            format!("An error occurred while executing the state 'ActivityTask' (entered at the event id #2). The activity {activity} does not exist."),
        );
        assert_eq!(
            chain(&rt, &arn).await,
            [
                "ExecutionStarted(1←0)",
                "TaskStateEntered(2←0)",
                "ExecutionFailed(3←2)"
            ],
            "{name}"
        );
    }
    rt.shutdown();
    remove_db(&db);
}

/// Deleting an activity does not lose the tasks scheduled for it: they
/// wait (for their timeouts, or their execution's end), and a worker of
/// the activity created again under the same ARN takes them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deleted_activity_keeps_its_scheduled_tasks() {
    let (rt, db) = runtime("ops-activity-deleted", 1.0).await;
    let activity = call(&rt, "CreateActivity", json!({"name": "work"})).await;
    let activity = activity["activityArn"].as_str().unwrap_or_default();
    let definition = json!({"StartAt": "T", "States": {"T": {
        "Type": "Task", "Resource": activity, "End": true}}});
    let sm = create_machine(&rt, "works", &definition).await;
    let arn = start(&rt, &sm, "{\"n\": 1}").await;
    crate::testing::until_events(&rt, &arn, |events| {
        events
            .iter()
            .any(|e| matches!(e.kind, stepwell_core::EventKind::TaskScheduled { .. }))
    })
    .await;
    call(&rt, "DeleteActivity", json!({"activityArn": activity})).await;
    let (kind, _) = refused(&rt, "GetActivityTask", json!({"activityArn": activity})).await;
    assert_eq!(kind, "ActivityDoesNotExist");
    call(&rt, "CreateActivity", json!({"name": "work"})).await;
    let task = call(&rt, "GetActivityTask", json!({"activityArn": activity})).await;
    assert_eq!(task["input"], "{\"n\":1}", "{task}");
    let token = task["taskToken"].as_str().unwrap_or_default();
    call(
        &rt,
        "SendTaskSuccess",
        json!({"taskToken": token, "output": "{\"ok\": true}"}),
    )
    .await;
    assert_eq!(ended(&rt, &arn).await["status"], "SUCCEEDED");
    rt.shutdown();
    remove_db(&db);
}

/// DescribeExecution of an execution that reached its `TimeoutSeconds`
/// shows no error and no cause (localstack/localstack
/// tests/aws/services/stepfunctions/v2/timeouts, `test_global_timeout`,
/// recorded against AWS); its history's `ExecutionTimedOut` keeps
/// `States.Timeout`. An execution stopped with that error still shows it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_timed_out_execution_is_described_without_error_or_cause() {
    let (rt, db) = runtime("ops-timed-out", 0.01).await;
    let definition = json!({"TimeoutSeconds": 1, "StartAt": "W", "States": {
        "W": {"Type": "Wait", "Seconds": 100, "End": true}}});
    let sm = create_machine(&rt, "times-out", &definition).await;
    let arn = start(&rt, &sm, "{}").await;
    let d = ended(&rt, &arn).await;
    assert_eq!(d["status"], "TIMED_OUT");
    assert!(d.get("error").is_none() && d.get("cause").is_none(), "{d}");
    assert_eq!(d["redriveStatus"], "REDRIVABLE");
    let e = last_event(&rt, &arn).await;
    assert_eq!(e["type"], "ExecutionTimedOut");

    let stopped = start(&rt, &sm, "{}").await;
    let stop = json!({"executionArn": stopped, "error": "States.Timeout"});
    call(&rt, "StopExecution", stop).await;
    let d = ended(&rt, &stopped).await;
    assert_eq!(
        (&d["status"], &d["error"]),
        (&json!("ABORTED"), &json!("States.Timeout"))
    );
    rt.shutdown();
    remove_db(&db);
}
