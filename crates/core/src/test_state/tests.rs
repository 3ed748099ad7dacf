//! One row per TestState behaviour: the request, then what AWS answers.

use serde_json::{json, Value};

use super::*;

struct Counter(u64);
impl Entropy for Counter {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        self.0
    }
}

fn info() -> ExecutionInfo {
    ExecutionInfo {
        id: "arn:aws:states:us-east-1:123456789012:express:TestStateMachine:a:a".into(),
        name: "a".into(),
        state_machine_id: "arn:aws:states:us-east-1:123456789012:stateMachine:TestStateMachine"
            .into(),
        state_machine_name: "TestStateMachine".into(),
        role_arn: "arn:aws:iam::123456789012:role/r".into(),
        input: Arc::new(Value::Null),
        express: true,
        // TestState answers at once, as StartSyncExecution does: no
        // `$$.Execution.RedriveCount`.
        sync: true,
        ..Default::default()
    }
}

/// A request: the definition, the input, and the rest by `with`.
fn req(definition: Value, input: Value) -> Request {
    Request {
        definition,
        input: Some(input.to_string()),
        role_arn: Some("arn:aws:iam::123456789012:role/r".into()),
        ..Request::default()
    }
}

fn mock_result(v: Value) -> Option<Mock> {
    Some(Mock {
        result: Some(v.to_string()),
        ..Mock::default()
    })
}

fn mock_error(error: &str, cause: &str) -> Option<Mock> {
    Some(Mock {
        error_output: Some((error.into(), cause.into())),
        ..Mock::default()
    })
}

/// Run a request; `backend` answers a Task without a mock.
fn run(r: &Request, backend: Option<TaskOutcome>) -> Result<TestResult, Refusal> {
    let mut e = Counter(7);
    let p = prepare(r, info(), 1_700_000_000_000, &mut e)?;
    let outcome = p.backend_task().and(backend);
    finish(p, outcome, 1_700_000_000_500, &mut e)
}

fn value<'a>(r: &'a TestResult, key: &str) -> Option<&'a Value> {
    r.inspection
        .values
        .iter()
        .find(|(k, _)| *k == key)
        .map(|(_, v)| v)
}

fn keys(r: &TestResult) -> Vec<&'static str> {
    r.inspection.values.iter().map(|(k, _)| *k).collect()
}

#[test]
fn states_run_as_aws_tests_them() {
    // (what, request, backend, status, output, error, nextState)
    type Row = (
        &'static str,
        Request,
        Option<TaskOutcome>,
        TestStatus,
        Option<Value>,
        Option<&'static str>,
        Option<&'static str>,
    );
    let task = |extra: Value| {
        let mut t = json!({"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Parameters": {"FunctionName": "f", "Payload.$": "$"}, "Next": "After"});
        if let (Some(o), Some(x)) = (t.as_object_mut(), extra.as_object()) {
            for (k, v) in x {
                o.insert(k.clone(), v.clone());
            }
        }
        t
    };
    let rows: Vec<Row> = vec![
        (
            "Pass: Parameters and ResultPath",
            req(
                json!({"Type": "Pass", "Parameters": {"b.$": "$.a"}, "ResultPath": "$.r", "Next": "N"}),
                json!({"a": 1}),
            ),
            None,
            TestStatus::Succeeded,
            Some(json!({"a": 1, "r": {"b": 1}})),
            None,
            Some("N"),
        ),
        (
            "Pass at the end: no nextState",
            req(json!({"Type": "Pass", "End": true}), json!({"a": 1})),
            None,
            TestStatus::Succeeded,
            Some(json!({"a": 1})),
            None,
            None,
        ),
        (
            "Choice: the rule's Next",
            req(
                json!({"Type": "Choice", "Choices": [{"Variable": "$.v", "NumericGreaterThan": 10, "Next": "Big"}], "Default": "Small"}),
                json!({"v": 22}),
            ),
            None,
            TestStatus::Succeeded,
            Some(json!({"v": 22})),
            None,
            Some("Big"),
        ),
        (
            "Choice: the Default",
            req(
                json!({"Type": "Choice", "Choices": [{"Variable": "$.v", "NumericGreaterThan": 10, "Next": "Big"}], "Default": "Small"}),
                json!({"v": 2}),
            ),
            None,
            TestStatus::Succeeded,
            Some(json!({"v": 2})),
            None,
            Some("Small"),
        ),
        (
            "Choice: no match fails",
            req(
                json!({"Type": "Choice", "Choices": [{"Variable": "$.v", "NumericGreaterThan": 10, "Next": "Big"}]}),
                json!({"v": 2}),
            ),
            None,
            TestStatus::Failed,
            None,
            Some("States.Runtime"),
            None,
        ),
        (
            "Wait: not waited for",
            req(
                json!({"Type": "Wait", "Seconds": 3600, "Next": "N"}),
                json!({"w": 1}),
            ),
            None,
            TestStatus::Succeeded,
            Some(json!({"w": 1})),
            None,
            Some("N"),
        ),
        (
            "Succeed: OutputPath",
            req(
                json!({"Type": "Succeed", "OutputPath": "$.x"}),
                json!({"x": {"y": 1}}),
            ),
            None,
            TestStatus::Succeeded,
            Some(json!({"y": 1})),
            None,
            None,
        ),
        (
            "Fail: its error and cause",
            req(
                json!({"Type": "Fail", "Error": "E", "Cause": "C"}),
                json!({}),
            ),
            None,
            TestStatus::Failed,
            None,
            Some("E"),
            None,
        ),
        (
            "Task: the backend's result, ResultSelector",
            req(
                task(json!({"ResultSelector": {"p.$": "$.Payload"}})),
                json!({"in": 1}),
            ),
            Some(TaskOutcome::Succeeded(
                json!({"Payload": 5, "StatusCode": 200}),
            )),
            TestStatus::Succeeded,
            Some(json!({"p": 5})),
            None,
            Some("After"),
        ),
        (
            "Task: a mocked result",
            Request {
                mock: mock_result(json!({"Payload": {"ok": true}, "StatusCode": 200})),
                ..req(task(json!({"ResultPath": "$.out"})), json!({"in": 1}))
            },
            None,
            TestStatus::Succeeded,
            Some(json!({"in": 1, "out": {"Payload": {"ok": true}, "StatusCode": 200}})),
            None,
            Some("After"),
        ),
        (
            "Task: a mocked error, no handler",
            Request {
                mock: mock_error("Boom", "it broke"),
                ..req(task(json!({})), json!({}))
            },
            None,
            TestStatus::Failed,
            None,
            Some("Boom"),
            None,
        ),
        (
            "Task: a backend error a retrier matches",
            req(
                task(json!({"Retry": [{"ErrorEquals": ["Boom"], "IntervalSeconds": 2}]})),
                json!({}),
            ),
            Some(TaskOutcome::Failed {
                error: "Boom".into(),
                cause: "c".into(),
            }),
            TestStatus::Retriable,
            None,
            Some("Boom"),
            None,
        ),
        (
            "Task: a catcher with ResultPath",
            Request {
                mock: mock_error("Boom", "c"),
                ..req(
                    task(
                        json!({"Catch": [{"ErrorEquals": ["Other"], "Next": "X"}, {"ErrorEquals": ["States.ALL"], "ResultPath": "$.err", "Next": "Handler"}]}),
                    ),
                    json!({"a": 1}),
                )
            },
            None,
            TestStatus::CaughtError,
            Some(json!({"a": 1, "err": {"Error": "Boom", "Cause": "c"}})),
            Some("Boom"),
            Some("Handler"),
        ),
        (
            "Task: States.Runtime is never caught",
            Request {
                mock: mock_error("States.Runtime", "c"),
                ..req(
                    task(json!({"Catch": [{"ErrorEquals": ["States.ALL"], "Next": "H"}]})),
                    json!({}),
                )
            },
            None,
            TestStatus::Failed,
            None,
            Some("States.Runtime"),
            None,
        ),
        (
            "Parallel: the mock is the whole result",
            Request {
                mock: mock_result(json!([1, 2])),
                ..req(
                    json!({"Type": "Parallel", "Branches": [{"StartAt": "A", "States": {"A": {"Type": "Pass", "End": true}}}, {"StartAt": "B", "States": {"B": {"Type": "Pass", "End": true}}}], "ResultPath": "$.r", "Next": "N"}),
                    json!({"x": 0}),
                )
            },
            None,
            TestStatus::Succeeded,
            Some(json!({"x": 0, "r": [1, 2]})),
            None,
            Some("N"),
        ),
        (
            "Map: the mock is the whole result",
            Request {
                mock: mock_result(json!([10, 20])),
                ..req(
                    json!({"Type": "Map", "ItemsPath": "$.items", "ItemProcessor": {"StartAt": "A", "States": {"A": {"Type": "Pass", "End": true}}}, "End": true}),
                    json!({"items": [1, 2]}),
                )
            },
            None,
            TestStatus::Succeeded,
            Some(json!([10, 20])),
            None,
            None,
        ),
        (
            "Map: a mocked error, caught",
            Request {
                mock: mock_error("E", "c"),
                ..req(
                    json!({"Type": "Map", "ItemProcessor": {"StartAt": "A", "States": {"A": {"Type": "Pass", "End": true}}}, "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "H"}], "End": true}),
                    json!([1]),
                )
            },
            None,
            TestStatus::CaughtError,
            Some(json!({"Error": "E", "Cause": "c"})),
            Some("E"),
            Some("H"),
        ),
    ];
    for (what, r, backend, status, output, error, next) in rows {
        let got = match run(&r, backend) {
            Ok(g) => g,
            Err(e) => panic!("{what}: refused: {e:?}"),
        };
        assert_eq!(got.status, status, "{what}: {got:?}");
        assert_eq!(got.output, output, "{what}");
        assert_eq!(
            got.error.as_ref().map(|e| e.error.as_str()),
            error,
            "{what}"
        );
        assert_eq!(got.next_state.as_deref(), next, "{what}");
    }
}

#[test]
fn inspection_fields() {
    // Pass without Result: every JSONPath step.
    let r = run(
        &req(json!({"Type": "Pass", "InputPath": "$.a", "Parameters": {"b.$": "$.c"}, "ResultPath": "$.r", "End": true}), json!({"a": {"c": 1}})),
        None,
    )
    .unwrap();
    assert_eq!(
        keys(&r),
        [
            "input",
            "afterInputPath",
            "afterParameters",
            "afterResultSelector",
            "afterResultPath"
        ]
    );
    assert_eq!(value(&r, "afterInputPath"), Some(&json!({"c": 1})));
    assert_eq!(value(&r, "afterParameters"), Some(&json!({"b": 1})));
    assert_eq!(
        value(&r, "afterResultPath"),
        Some(&json!({"a": {"c": 1}, "r": {"b": 1}}))
    );
    // Pass with Result: from the result on (as AWS shows it).
    let r = run(
        &req(
            json!({"Type": "Pass", "Result": {"k": 1}, "End": true}),
            json!({}),
        ),
        None,
    )
    .unwrap();
    assert_eq!(
        keys(&r),
        ["input", "result", "afterResultSelector", "afterResultPath"]
    );
    // Choice, Succeed, Fail: the input and afterInputPath.
    for def in [
        json!({"Type": "Succeed"}),
        json!({"Type": "Fail", "Error": "E"}),
        json!({"Type": "Choice", "Choices": [{"Variable": "$.a", "IsPresent": true, "Next": "X"}], "Default": "Y"}),
    ] {
        let r = run(&req(def.clone(), json!({"a": 1})), None).unwrap();
        assert_eq!(keys(&r), ["input", "afterInputPath"], "{def}");
    }
    // Task: result, ResultSelector, ResultPath.
    let r = run(
        &Request {
            mock: mock_result(json!({"Payload": 3})),
            ..req(json!({"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Parameters": {"FunctionName": "f"}, "ResultSelector": {"v.$": "$.Payload"}, "ResultPath": "$.o", "End": true}), json!({"i": 0}))
        },
        None,
    )
    .unwrap();
    assert_eq!(
        keys(&r),
        [
            "input",
            "afterInputPath",
            "afterParameters",
            "result",
            "afterResultSelector",
            "afterResultPath"
        ]
    );
    assert_eq!(value(&r, "afterResultSelector"), Some(&json!({"v": 3})));
    // JSONata Task: afterArguments only, and the variables it assigned.
    let r = run(
        &Request {
            mock: mock_result(json!({"Payload": 3})),
            variables: Some(json!({"seed": "{% 1 + 1 %}"}).to_string()),
            ..req(json!({"Type": "Task", "QueryLanguage": "JSONata", "Resource": "arn:aws:states:::lambda:invoke", "Arguments": {"FunctionName": "f", "Payload": "{% $states.input.i %}"}, "Assign": {"got": "{% $states.result.Payload %}"}, "Output": "{% $seed %}", "End": true}), json!({"i": 4}))
        },
        None,
    )
    .unwrap();
    assert_eq!(keys(&r), ["input", "afterArguments", "result", "variables"]);
    assert_eq!(
        value(&r, "afterArguments"),
        Some(&json!({"FunctionName": "f", "Payload": 4}))
    );
    // A variable's value is data: "{% ... %}" is not evaluated.
    assert_eq!(r.output, Some(json!("{% 1 + 1 %}")));
    assert_eq!(
        value(&r, "variables"),
        Some(&json!({"seed": "{% 1 + 1 %}", "got": 3}))
    );
}

#[test]
fn retry_and_catch_details() {
    let def = json!({"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Parameters": {"FunctionName": "f"},
        "Retry": [{"ErrorEquals": ["Other"]}, {"ErrorEquals": ["Boom"], "IntervalSeconds": 1, "BackoffRate": 2, "MaxAttempts": 5, "JitterStrategy": "FULL"}],
        "Catch": [{"ErrorEquals": ["Boom"], "Next": "H"}], "End": true});
    let with = |count: Option<u32>| Request {
        mock: mock_error("Boom", "c"),
        configuration: Configuration {
            retrier_retry_count: count,
            ..Configuration::default()
        },
        ..req(def.clone(), json!({}))
    };
    // (retrierRetryCount, status, retryIndex, backoff, catchIndex)
    let rows = [
        (None, TestStatus::Retriable, Some(1), Some(1), None),
        (Some(4), TestStatus::Retriable, Some(1), Some(16), None),
        (Some(5), TestStatus::CaughtError, Some(1), None, Some(0)),
    ];
    for (count, status, retry, backoff, catch) in rows {
        let r = run(&with(count), None).unwrap();
        assert_eq!(r.status, status, "{count:?}");
        assert_eq!(r.inspection.retry_index, retry, "{count:?}");
        assert_eq!(r.inspection.retry_backoff_seconds, backoff, "{count:?}");
        assert_eq!(r.inspection.catch_index, catch, "{count:?}");
    }
    // The retry count is what `$$.State.RetryCount` says.
    let r = run(
        &Request {
            mock: mock_result(json!({})),
            configuration: Configuration { retrier_retry_count: Some(2), ..Configuration::default() },
            ..req(json!({"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Parameters": {"FunctionName": "f", "n.$": "$$.State.RetryCount"}, "Retry": [{"ErrorEquals": ["X"]}], "End": true}), json!({}))
        },
        None,
    )
    .unwrap();
    assert_eq!(
        value(&r, "afterParameters"),
        Some(&json!({"FunctionName": "f", "n": 2}))
    );
}

#[test]
fn map_and_parallel_mocks() {
    let processor = json!({"StartAt": "Inner", "States": {"Inner": {"Type": "Pass", "End": true}}});
    // ItemsPath, ItemSelector, thresholds shown.
    let map = json!({"Type": "Map", "ItemsPath": "$.items", "ItemSelector": {"v.$": "$$.Map.Item.Value", "i.$": "$$.Map.Item.Index"},
        "ItemProcessor": processor, "ToleratedFailureCount": 1, "MaxConcurrency": 2, "End": true});
    let r = run(
        &Request {
            mock: mock_result(json!([1, 2, 3])),
            ..req(map.clone(), json!({"items": ["a", "b", "c"]}))
        },
        None,
    )
    .unwrap();
    assert_eq!(r.status, TestStatus::Succeeded);
    assert_eq!(value(&r, "afterItemsPath"), Some(&json!(["a", "b", "c"])));
    assert_eq!(
        value(&r, "afterItemSelector"),
        Some(&json!([{"v": "a", "i": 0}, {"v": "b", "i": 1}, {"v": "c", "i": 2}]))
    );
    assert_eq!(r.inspection.max_concurrency, Some(2));
    assert_eq!(r.inspection.tolerated_failure_count, Some(1));
    // mapIterationFailureCount over the threshold.
    let over = Request {
        mock: mock_result(json!([1, 2, 3])),
        configuration: Configuration {
            map_iteration_failure_count: Some(2),
            ..Configuration::default()
        },
        ..req(map.clone(), json!({"items": ["a", "b", "c"]}))
    };
    let r = run(&over, None).unwrap();
    assert_eq!(r.status, TestStatus::Failed);
    assert_eq!(
        r.error.map(|e| e.error),
        Some("States.ExceedToleratedFailureThreshold".to_string())
    );
    // ItemBatcher.
    let batched = json!({"Type": "Map", "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"}, "StartAt": "Inner", "States": {"Inner": {"Type": "Pass", "End": true}}},
        "ItemBatcher": {"MaxItemsPerBatch": 2}, "End": true});
    let r = run(
        &Request {
            mock: mock_result(json!([])),
            ..req(batched, json!([1, 2, 3]))
        },
        None,
    )
    .unwrap();
    assert_eq!(
        value(&r, "afterItemBatcher"),
        Some(&json!([{"Items": [1, 2]}, {"Items": [3]}]))
    );
    // ItemReader with mapItemReaderData.
    let reader = json!({"Type": "Map", "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"}, "StartAt": "Inner", "States": {"Inner": {"Type": "Pass", "End": true}}},
        "ItemReader": {"Resource": "arn:aws:states:::s3:getObject", "ReaderConfig": {"InputType": "JSON"}, "Parameters": {"Bucket": "b", "Key": "k"}},
        "ItemSelector": {"x.$": "$$.Map.Item.Value"}, "End": true});
    let r = run(
        &Request {
            mock: mock_result(json!([1, 4, 9])),
            configuration: Configuration {
                map_item_reader_data: Some("[1, 2, 3]".into()),
                ..Configuration::default()
            },
            ..req(reader, json!({}))
        },
        None,
    )
    .unwrap();
    assert_eq!(r.status, TestStatus::Succeeded, "{r:?}");
    assert_eq!(r.output, Some(json!([1, 4, 9])));
    assert_eq!(
        value(&r, "afterItemSelector"),
        Some(&json!([{"x": 1}, {"x": 2}, {"x": 3}]))
    );
}

#[test]
fn refusals() {
    let pass = json!({"Type": "Pass", "End": true});
    let task = json!({"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Parameters": {"FunctionName": "f"}, "End": true});
    let map = json!({"Type": "Map", "ItemProcessor": {"StartAt": "A", "States": {"A": {"Type": "Pass", "End": true}}}, "End": true});
    let parallel = json!({"Type": "Parallel", "Branches": [{"StartAt": "A", "States": {"A": {"Type": "Pass", "End": true}}}], "End": true});
    let v = |m: &str| Refusal::Validation(m.to_string());
    let rows: Vec<(&str, Request, Refusal)> = vec![
        ("mock on a Pass", Request { mock: mock_result(json!({})), ..req(pass.clone(), json!({})) }, v("State type 'Pass' is not supported when a mock is specified")),
        ("Map without a mock", req(map.clone(), json!([])), Refusal::Definition("TestState API does not support Map or Parallel states. Supported state types include: [Task, Wait, Pass, Succeed, Fail, Choice]".into())),
        ("Parallel without a mock", req(parallel.clone(), json!([])), Refusal::Definition("TestState API does not support Map or Parallel states. Supported state types include: [Task, Wait, Pass, Succeed, Fail, Choice]".into())),
        ("result and errorOutput", Request { mock: Some(Mock { result: Some("{}".into()), error_output: Some(("E".into(), "C".into())), ..Mock::default() }), ..req(task.clone(), json!({})) }, v("A test mock should have only one of the following fields: [result, errorOutput].")),
        ("revealSecrets with a mock", Request { mock: mock_result(json!({})), reveal_secrets: true, ..req(task.clone(), json!({})) }, v("TestState does not support RevealSecrets when a mock is specified.")),
        ("Map mock not an array", Request { mock: mock_result(json!({})), ..req(map.clone(), json!([])) }, v("Mocked result must be an array.")),
        ("Parallel mock of the wrong length", Request { mock: mock_result(json!([1, 2])), ..req(parallel.clone(), json!({})) }, v("Mocked result must contain the same number of items as number of Parallel branches.")),
        ("Task without a mock or a role", Request { role_arn: None, ..req(task.clone(), json!({})) }, v("RoleArn must be specified when testing a Task state")),
        ("strict: a required field missing", Request { mock: mock_result(json!({"StartDate": 1})), ..req(json!({"Type": "Task", "Resource": "arn:aws:states:::states:startExecution", "Parameters": {"StateMachineArn": "a"}, "End": true}), json!({})) }, v("Mock result schema validation error: Required field 'ExecutionArn' is missing")),
        ("a field of the wrong type", Request { mock: mock_result(json!({"StatusCode": "200"})), ..req(task.clone(), json!({})) }, v("Mock result schema validation error: Field 'StatusCode' must be a number")),
        ("a value outside the enum", Request { mock: Some(Mock { result: Some(json!({"Status": "DONE"}).to_string()), field_validation: FieldValidation::Present, ..Mock::default() }), ..req(json!({"Type": "Task", "Resource": "arn:aws:states:::states:startExecution.sync:2", "Parameters": {"StateMachineArn": "a"}, "End": true}), json!({})) }, v("Mock result schema validation error: Field 'Status' is not an expected value")),
        ("retrierRetryCount without Retry", Request { mock: mock_result(json!({})), configuration: Configuration { retrier_retry_count: Some(1), ..Configuration::default() }, ..req(task.clone(), json!({})) }, v("stateConfiguration.retrierRetryCount applies only to a state with a Retry field; state 'StateName' has none.")),
        ("mapIterationFailureCount on a Task", Request { mock: mock_result(json!({})), configuration: Configuration { map_iteration_failure_count: Some(1), ..Configuration::default() }, ..req(task.clone(), json!({})) }, v("stateConfiguration.mapIterationFailureCount applies only to a Map state.")),
        ("errorCausedByState not inside", Request { mock: mock_error("E", "C"), configuration: Configuration { error_caused_by_state: Some("Nope".into()), ..Configuration::default() }, ..req(map.clone(), json!([])) }, v("stateConfiguration.errorCausedByState names 'Nope', which is not a state inside the Map or Parallel state 'StateName'.")),
        ("context without a mock", Request { context: Some("{}".into()), ..req(pass.clone(), json!({})) }, v("The context may only be specified when a mock is specified.")),
        ("stateName not in the definition", Request { state_name: Some("Missing".into()), ..req(json!({"StartAt": "A", "States": {"A": {"Type": "Pass", "End": true}}}), json!({})) }, v("State not found in definition")),
    ];
    for (what, r, want) in rows {
        match run(&r, None) {
            Err(got) => assert_eq!(got, want, "{what}"),
            Ok(got) => panic!("{what}: not refused: {got:?}"),
        }
    }
    // A whole machine without stateName is not one state.
    let whole = req(
        json!({"StartAt": "A", "States": {"A": {"Type": "Pass", "End": true}}}),
        json!({}),
    );
    assert!(matches!(run(&whole, None), Err(Refusal::Definition(_))));
    // NONE accepts anything.
    let none = Request {
        mock: Some(Mock {
            result: Some(json!({"StatusCode": "x"}).to_string()),
            field_validation: FieldValidation::None,
            ..Mock::default()
        }),
        ..req(task, json!({}))
    };
    assert_eq!(
        run(&none, None).map(|r| r.status),
        Ok(TestStatus::Succeeded)
    );
}

#[test]
fn state_name_and_context() {
    let def = json!({"StartAt": "A", "States": {
        "A": {"Type": "Pass", "Next": "B"},
        "B": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Parameters": {"FunctionName": "f", "who.$": "$$.Execution.Name", "state.$": "$$.State.Name"}, "Next": "C"},
        "C": {"Type": "Succeed"}}});
    let r = run(
        &Request {
            state_name: Some("B".into()),
            mock: mock_result(json!({})),
            context: Some(
                json!({"Execution": {"Name": "given"}, "State": {"Name": "S"}}).to_string(),
            ),
            ..req(def, json!({}))
        },
        None,
    )
    .unwrap();
    assert_eq!(r.next_state.as_deref(), Some("C"));
    assert_eq!(
        value(&r, "afterParameters"),
        Some(&json!({"FunctionName": "f", "who": "given", "state": "S"}))
    );
}

#[test]
fn the_given_context_replaces_the_context_object() {
    // AWS (test_state_context_object.snapshot.json, test_state_task_context_object
    // and test_state_context_object_edge_cases): `$$` is the given object, no
    // field of the generated one added.
    let task = |path: &str| {
        json!({"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
            "Parameters": {"FunctionName": "f"}, "ResultPath": "$.out",
            "ResultSelector": {"ctx.$": path}, "End": true})
    };
    let full = json!({
        "Execution": {"Id": "arn:aws:states:::execution:M:e", "Input": {"values": [1, 2]}, "Name": "e",
            "RoleArn": "arn:aws:iam:::role/R", "StartTime": "2025-01-15T10:30:00.000Z"},
        "State": {"EnteredTime": "2025-01-15T10:30:01.500Z", "Name": "MyTaskState", "RetryCount": 0},
        "StateMachine": {"Id": "arn:aws:states:::stateMachine:M", "Name": "M"}});
    let rows = [
        ("$$", full.clone(), full.clone()),
        (
            "$$.Execution.Input",
            full.clone(),
            json!({"values": [1, 2]}),
        ),
        (
            "$$.Execution.Input",
            json!({"Execution": {"Input": {"a": 1}}}),
            json!({"a": 1}),
        ),
        (
            "$$",
            json!({"Execution": {}, "State": {}, "StateMachine": {}}),
            json!({"Execution": {}, "State": {}, "StateMachine": {}}),
        ),
        ("$$", json!({}), json!({})),
    ];
    for (path, given, want) in rows {
        let r = run(
            &Request {
                mock: mock_result(json!({"p": 1})),
                context: Some(given.to_string()),
                ..req(task(path), json!({"i": 0}))
            },
            None,
        )
        .unwrap();
        assert_eq!(r.status, TestStatus::Succeeded, "{path} {given}: {r:?}");
        assert_eq!(
            r.output,
            Some(json!({"i": 0, "out": {"ctx": want}})),
            "{path} {given}"
        );
    }
    // A given Task.Token is the token a .waitForTaskToken Task sends
    // (test_state_wait_task_context_object).
    let wait = json!({"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
        "Parameters": {"QueueUrl": "q", "MessageBody": {"TaskToken.$": "$$.Task.Token"}}, "End": true});
    let mut with_token = full.clone();
    with_token["Task"] = json!({"Token": "abcd123"});
    let r = run(
        &Request {
            mock: mock_result(json!({})),
            context: Some(with_token.to_string()),
            ..req(wait, json!({}))
        },
        None,
    )
    .unwrap();
    assert_eq!(
        value(&r, "afterParameters"),
        Some(&json!({"QueueUrl": "q", "MessageBody": {"TaskToken": "abcd123"}}))
    );
}

#[test]
fn the_given_context_is_checked() {
    // AWS (test_state_context_object_validation_failures, _invalid_states).
    let start = json!({"Type": "Task", "Resource": "arn:aws:states:::states:startExecution",
        "Parameters": {"StateMachineArn": "a"}, "End": true});
    let lambda = json!({"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
        "Parameters": {"FunctionName": "f"}, "End": true});
    let sync = json!({"Type": "Task", "Resource": "arn:aws:states:::states:startExecution.sync:2",
        "Parameters": {"StateMachineArn": "a"}, "End": true});
    let v = |m: &str| {
        Err(Refusal::Validation(format!(
            "Invalid Context object provided: {m}"
        )))
    };
    let rows: Vec<(Value, Value, Result<TestStatus, Refusal>)> = vec![
        (start.clone(), json!({"Execution": {"Id": 1}}), v("Execution.Id must be a string")),
        (start.clone(), json!({"Map": {}}), v("'Map' field is not supported when mocking a Context object")),
        (start.clone(), json!({"Execution": {"pokemon": "squirtle"}}), v("Field 'pokemon' is not allowed")),
        (start.clone(), json!({"Pokedex": {}}), v("Field 'Pokedex' is not allowed")),
        (lambda, json!({"Task": {"Token": "abcd123"}}), v("Context object contains 'Task' when state is not a Task state with a '.sync' or '.waitForTaskToken' service integration pattern")),
        (sync, json!({"Task": {"Token": "abcd123"}}), Ok(TestStatus::Succeeded)),
    ];
    for (def, ctx, want) in rows {
        let r = Request {
            mock: Some(Mock {
                result: Some(json!({"ExecutionArn": "e"}).to_string()),
                field_validation: FieldValidation::None,
                ..Mock::default()
            }),
            context: Some(ctx.to_string()),
            ..req(def, json!({}))
        };
        assert_eq!(run(&r, None).map(|r| r.status), want, "{ctx}");
    }
}

#[test]
fn only_the_tested_state_runs() {
    // A state that goes to itself is left once; its target's stub does
    // not overwrite what the state computed.
    let r = run(
        &req(
            json!({"Type": "Pass", "InputPath": "$.a", "Next": "StateName"}),
            json!({"a": {"b": 1}}),
        ),
        None,
    )
    .unwrap();
    assert_eq!(r.next_state.as_deref(), Some("StateName"));
    assert_eq!(value(&r, "afterInputPath"), Some(&json!({"b": 1})));
    let r = run(
        &Request {
            mock: mock_result(json!({"Payload": 1})),
            ..req(json!({"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Parameters": {"FunctionName": "f"}, "Next": "After"}), json!({"in": 0}))
        },
        None,
    )
    .unwrap();
    assert_eq!(value(&r, "afterInputPath"), Some(&json!({"in": 0})));
}

#[test]
fn patterns_that_need_a_mock() {
    for resource in [
        "arn:aws:states:us-east-1:123456789012:activity:work",
        "arn:aws:states:::lambda:invoke.waitForTaskToken",
        "arn:aws:states:::states:startExecution.sync:2",
    ] {
        let def = json!({"Type": "Task", "Resource": resource, "Parameters": {"FunctionName": "f", "StateMachineArn": "a", "Payload": {"t.$": "$$.Task.Token"}}, "End": true});
        // Without a mock: refused.
        assert!(
            matches!(
                run(&req(def.clone(), json!({})), None),
                Err(Refusal::Validation(_))
            ),
            "{resource}"
        );
        // With one: the mock is the result.
        let mock = if resource.ends_with(".sync:2") {
            json!({"ExecutionArn": "e", "StateMachineArn": "a", "Status": "SUCCEEDED", "StartDate": "2025-01-01T00:00:00Z"})
        } else {
            json!({"done": true})
        };
        let r = run(
            &Request {
                mock: mock_result(mock.clone()),
                ..req(def, json!({}))
            },
            None,
        )
        .unwrap();
        assert_eq!(
            (r.status, r.output),
            (TestStatus::Succeeded, Some(mock)),
            "{resource}"
        );
    }
}

#[test]
fn more_state_rows() {
    // (what, request, status, output, error, nextState)
    type Row = (
        &'static str,
        Request,
        TestStatus,
        Option<Value>,
        Option<&'static str>,
        Option<&'static str>,
    );
    let rows: Vec<Row> = vec![
        (
            "JSONata Choice: Condition and the rule's Output",
            req(
                json!({"Type": "Choice", "QueryLanguage": "JSONata", "Choices": [{"Condition": "{% $states.input.n > 1 %}", "Output": {"big": true}, "Next": "Big"}], "Default": "Small"}),
                json!({"n": 5}),
            ),
            TestStatus::Succeeded,
            Some(json!({"big": true})),
            None,
            Some("Big"),
        ),
        (
            "JSONata Wait: Seconds from the input, not waited for",
            req(
                json!({"Type": "Wait", "QueryLanguage": "JSONata", "Seconds": "{% $states.input.s %}", "Next": "N"}),
                json!({"s": 100000}),
            ),
            TestStatus::Succeeded,
            Some(json!({"s": 100000})),
            None,
            Some("N"),
        ),
        (
            "Wait: a bad SecondsPath fails as in an execution",
            req(
                json!({"Type": "Wait", "SecondsPath": "$.s", "Next": "N"}),
                json!({"s": "soon"}),
            ),
            TestStatus::Failed,
            None,
            Some("States.Runtime"),
            None,
        ),
        (
            "Pass: a ResultPath that cannot be applied",
            req(
                json!({"Type": "Pass", "Result": 1, "ResultPath": "$.a.b", "End": true}),
                json!({"a": 3}),
            ),
            TestStatus::Failed,
            None,
            Some("States.ResultPathMatchFailure"),
            None,
        ),
        (
            "Task: JSONata Catch with Output and Assign",
            Request {
                mock: mock_error("E", "C"),
                ..req(
                    json!({"Type": "Task", "QueryLanguage": "JSONata", "Resource": "arn:aws:states:::lambda:invoke", "Arguments": {"FunctionName": "f"},
                    "Catch": [{"ErrorEquals": ["E"], "Output": "{% $states.errorOutput.Cause %}", "Assign": {"why": "{% $states.errorOutput.Error %}"}, "Next": "H"}], "End": true}),
                    json!({}),
                )
            },
            TestStatus::CaughtError,
            Some(json!("C")),
            Some("E"),
            Some("H"),
        ),
        (
            "Map with a ResultWriter: the mock is its object",
            Request {
                mock: mock_result(
                    json!({"MapRunArn": "m", "ResultWriterDetails": {"Bucket": "b", "Key": "k"}}),
                ),
                ..req(
                    json!({"Type": "Map", "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"}, "StartAt": "A", "States": {"A": {"Type": "Pass", "End": true}}},
                    "ResultWriter": {"Resource": "arn:aws:states:::s3:putObject", "Parameters": {"Bucket": "b", "Prefix": "p"}}, "End": true}),
                    json!([1]),
                )
            },
            TestStatus::Succeeded,
            Some(json!({"MapRunArn": "m", "ResultWriterDetails": {"Bucket": "b", "Key": "k"}})),
            None,
            None,
        ),
        (
            "Parallel: errorCausedByState names a branch's state",
            Request {
                mock: mock_error("E", "C"),
                configuration: Configuration {
                    error_caused_by_state: Some("B".into()),
                    ..Configuration::default()
                },
                ..req(
                    json!({"Type": "Parallel", "Branches": [{"StartAt": "B", "States": {"B": {"Type": "Pass", "End": true}}}], "End": true}),
                    json!({}),
                )
            },
            TestStatus::Failed,
            None,
            Some("E"),
            None,
        ),
    ];
    for (what, r, status, output, error, next) in rows {
        let got = match run(&r, None) {
            Ok(g) => g,
            Err(e) => panic!("{what}: refused: {e:?}"),
        };
        assert_eq!(got.status, status, "{what}: {got:?}");
        assert_eq!(got.output, output, "{what}");
        assert_eq!(
            got.error.as_ref().map(|e| e.error.as_str()),
            error,
            "{what}"
        );
        assert_eq!(got.next_state.as_deref(), next, "{what}");
    }
}

#[test]
fn the_default_context_object() {
    // Without `context`: an EXPRESS-like execution (no RedriveCount), the
    // state's name and retry count.
    let r = run(
        &Request {
            mock: mock_result(json!({})),
            ..req(json!({"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Parameters": {"FunctionName": "f", "ctx.$": "$$"}, "End": true}), json!({"i": 1}))
        },
        None,
    )
    .unwrap();
    let ctx = &value(&r, "afterParameters").unwrap()["ctx"];
    assert_eq!(ctx["Execution"]["Input"], json!({"i": 1}));
    assert_eq!(ctx["Execution"].get("RedriveCount"), None);
    assert_eq!(ctx["State"]["Name"], json!("StateName"));
    assert_eq!(ctx["State"]["RetryCount"], json!(0));
    assert_eq!(ctx["StateMachine"]["Name"], json!("TestStateMachine"));
}

/// AWS, recorded (`test_state_with_variables[base_expressions]`: a JSONata
/// state of a whole machine named by `stateName`, no `roleArn`):
/// `$states.context.Execution.RoleArn` is null and `State.Name` is
/// `StateName`, not the tested state's name.
#[test]
fn the_context_of_a_named_state_without_a_role() {
    let machine = json!({"QueryLanguage": "JSONata", "StartAt": "State0", "States": {
        "State0": {"Type": "Pass", "Output": {"ctx": "{% $states.context %}"}, "Next": "State1"},
        "State1": {"Type": "Succeed"}}});
    let r = run(
        &Request {
            state_name: Some("State0".into()),
            role_arn: None,
            ..req(machine, json!({}))
        },
        None,
    )
    .unwrap();
    let ctx = &r.output.as_ref().unwrap()["ctx"];
    assert_eq!(ctx["Execution"]["RoleArn"], Value::Null, "{ctx}");
    assert!(ctx["Execution"]
        .as_object()
        .unwrap()
        .contains_key("RoleArn"));
    assert_eq!(ctx["State"]["Name"], json!("StateName"));
    assert_eq!(r.next_state.as_deref(), Some("State1"));
    // With a role, it is the role.
    let ctx = |role: &str| {
        let r = run(
            &Request {
                state_name: Some("State0".into()),
                role_arn: Some(role.into()),
                ..req(
                    json!({"QueryLanguage": "JSONata", "StartAt": "State0", "States": {
                        "State0": {"Type": "Pass", "Output": "{% $states.context %}", "End": true}}}),
                    json!({}),
                )
            },
            None,
        )
        .unwrap();
        r.output.unwrap()
    };
    let c = ctx("arn:aws:iam::1:role/x");
    assert_eq!(c["Execution"]["RoleArn"], json!("arn:aws:iam::1:role/x"));
}

#[test]
fn items_pointer() {
    let map = json!({"Type": "Map", "End": true,
        "ItemReader": {"Resource": "arn:aws:states:::s3:getObject", "ReaderConfig": {"InputType": "JSON", "ItemsPointer": "/data/rows"}, "Parameters": {"Bucket": "b", "Key": "k"}},
        "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"}, "StartAt": "A", "States": {"A": {"Type": "Pass", "End": true}}}});
    let r = run(
        &Request {
            mock: mock_result(json!([])),
            configuration: Configuration {
                map_item_reader_data: Some(json!({"data": {"rows": [1, 2]}}).to_string()),
                ..Configuration::default()
            },
            ..req(map, json!({}))
        },
        None,
    )
    .unwrap();
    assert_eq!(r.status, TestStatus::Succeeded, "{r:?}");
    assert_eq!(value(&r, "afterItemsPointer"), Some(&json!([1, 2])));
}

#[test]
fn field_validation_rows() {
    use super::shapes::validate;
    use FieldValidation::{None as Off, Present, Strict};
    // (resource, result, mode, error)
    let rows: &[(&str, Value, FieldValidation, Option<&str>)] = &[
        (
            "arn:aws:states:::events:putEvents",
            json!({"Entries": {}}),
            Present,
            Some("Mock result schema validation error: Field 'Entries' must be an array"),
        ),
        (
            "arn:aws:states:::events:putEvents",
            json!({"Entries": [{"EventId": 1}]}),
            Present,
            Some("Mock result schema validation error: Field 'EventId' must be a string"),
        ),
        (
            "arn:aws:states:::events:putEvents",
            json!({"Entries": [{"EventId": "e"}], "FailedEntryCount": 0}),
            Strict,
            None,
        ),
        (
            "arn:aws:states:::sqs:sendMessage",
            json!({"MessageId": "m", "Extra": 1}),
            Strict,
            None,
        ),
        (
            "arn:aws:states:::sns:publish",
            json!({"MessageId": 5}),
            Present,
            Some("Mock result schema validation error: Field 'MessageId' must be a string"),
        ),
        (
            "arn:aws:states:::dynamodb:getItem",
            json!({"Item": []}),
            Present,
            Some("Mock result schema validation error: Field 'Item' must be an object"),
        ),
        (
            "arn:aws:states:::states:startExecution",
            json!({"StartDate": "2025-11-25T20:44:43Z"}),
            Present,
            None,
        ),
        // AWS, recorded (test_field_validation_mode[_present]): a timestamp
        // is a string, never a number or a boolean.
        (
            "arn:aws:states:::states:startExecution",
            json!({"ExecutionArn": "e", "StartDate": 1_764_103_483}),
            Strict,
            Some("Mock result schema validation error: Field 'StartDate' must be a string"),
        ),
        (
            "arn:aws:states:::states:startExecution",
            json!({"ExecutionArn": "e", "StartDate": true}),
            Present,
            Some("Mock result schema validation error: Field 'StartDate' must be a string"),
        ),
        // AWS, recorded (the same, wrong_float_type_string): DynamoDB's
        // ConsumedCapacity has its model's shape, its units are numbers.
        (
            "arn:aws:states:::dynamodb:putItem",
            json!({"ConsumedCapacity": {"CapacityUnits": "123.45"}}),
            Strict,
            Some("Mock result schema validation error: Field 'CapacityUnits' must be a number"),
        ),
        (
            "arn:aws:states:::dynamodb:getItem",
            json!({"ConsumedCapacity": {"CapacityUnits": "123.45"}}),
            Present,
            Some("Mock result schema validation error: Field 'CapacityUnits' must be a number"),
        ),
        (
            "arn:aws:states:::dynamodb:updateItem",
            json!({"ConsumedCapacity": {"TableName": "t", "CapacityUnits": 1.5,
                "Table": {"CapacityUnits": 1}, "GlobalSecondaryIndexes": {"i": {"ReadCapacityUnits": 0.5}}},
                "ItemCollectionMetrics": {"ItemCollectionKey": {"id": {"S": "a"}}, "SizeEstimateRangeGB": [0, 1.5]},
                "Attributes": {"id": {"S": "a"}}}),
            Strict,
            None,
        ),
        (
            "arn:aws:states:::dynamodb:deleteItem",
            json!({"ConsumedCapacity": {"LocalSecondaryIndexes": {"i": {"WriteCapacityUnits": "1"}}}}),
            Strict,
            Some(
                "Mock result schema validation error: Field 'WriteCapacityUnits' must be a number",
            ),
        ),
        (
            "arn:aws:states:::dynamodb:deleteItem",
            json!({"ItemCollectionMetrics": {"SizeEstimateRangeGB": ["1"]}}),
            Strict,
            Some(
                "Mock result schema validation error: Field 'SizeEstimateRangeGB' must be a number",
            ),
        ),
        (
            "arn:aws:states:::dynamodb:getItem",
            json!({"Item": {"id": "a"}}),
            Strict,
            Some("Mock result schema validation error: Field 'Item' must be an object"),
        ),
        (
            "arn:aws:states:::states:startExecution",
            json!({"StartDate": 1}),
            Strict,
            Some("Mock result schema validation error: Required field 'ExecutionArn' is missing"),
        ),
        (
            "arn:aws:states:::states:startExecution",
            json!({}),
            Off,
            None,
        ),
        (
            "arn:aws:states:::http:invoke",
            json!({"StatusCode": 200, "ResponseBody": {"a": 1}}),
            Strict,
            None,
        ),
        (
            "arn:aws:lambda:us-east-1:123456789012:function:f",
            json!("anything"),
            Strict,
            None,
        ),
        (
            "arn:aws:states:::aws-sdk:s3:getObject",
            json!({"Body": 1}),
            Strict,
            None,
        ),
    ];
    for (resource, result, mode, want) in rows {
        assert_eq!(
            validate(resource, result, *mode).err().as_deref(),
            *want,
            "{resource} {result}"
        );
    }
}

#[test]
fn variables_are_checked() {
    let pass = json!({"Type": "Pass", "End": true});
    let with = |vars: Value| Request {
        variables: Some(vars.to_string()),
        ..req(pass.clone(), json!({}))
    };
    assert!(matches!(
        run(&with(json!([1])), None),
        Err(Refusal::Validation(_))
    ));
    assert!(matches!(
        run(&with(json!({"states": 1})), None),
        Err(Refusal::Validation(_))
    ));
    let big = "x".repeat(limits::MAX_VARIABLE_BYTES);
    assert!(matches!(
        run(&with(json!({ "v": big })), None),
        Err(Refusal::Validation(_))
    ));
    assert!(run(&with(json!({"ok": [1, 2]})), None).is_ok());
}

#[test]
fn map_inspection_has_no_result() {
    // AWS never shows `result` for a Map (test_map_state_failure_count[DEBUG-*],
    // test_state_map_context_object[EXECUTION_INPUT_VALUES]).
    let map = json!({"Type": "Map", "ItemsPath": "$$.Execution.Input.values",
        "ItemProcessor": {"StartAt": "A", "States": {"A": {"Type": "Pass", "End": true}}},
        "MaxConcurrency": 1, "End": true});
    let ctx = json!({"Execution": {"Input": {"values": ["a", "b"]}}});
    let r = run(
        &Request {
            mock: mock_result(json!(["A", "B"])),
            context: Some(ctx.to_string()),
            ..req(map, json!(["x"]))
        },
        None,
    )
    .unwrap();
    assert_eq!(r.status, TestStatus::Succeeded, "{r:?}");
    assert_eq!(
        keys(&r),
        vec![
            "input",
            "afterInputPath",
            "afterResultSelector",
            "afterResultPath",
            "afterItemsPath"
        ]
    );
    assert_eq!(value(&r, "afterItemsPath"), Some(&json!(["a", "b"])));
}

#[test]
fn map_items_path_into_the_context_not_an_array() {
    // AWS (test_state_map_context_object[ALL], [EXECUTION_INPUT]): the cause
    // names the path relative to the context object; only input and
    // afterInputPath are shown.
    let ctx = json!({"Execution": {"Input": {"values": ["a"]}}, "State": {"Name": "S"}});
    for (path, shown) in [("$$", "$"), ("$$.Execution.Input", "$.Execution.Input")] {
        let map = json!({"Type": "Map", "ItemsPath": path,
            "ItemProcessor": {"StartAt": "A", "States": {"A": {"Type": "Pass", "End": true}}},
            "End": true});
        let r = run(
            &Request {
                mock: mock_result(json!([])),
                context: Some(ctx.to_string()),
                ..req(map, json!(["x"]))
            },
            None,
        )
        .unwrap();
        assert_eq!(r.status, TestStatus::Failed, "{path}");
        let e = r.error.clone().unwrap();
        assert_eq!(e.error, "States.Runtime");
        assert_eq!(
            e.cause,
            format!("Reference path \"{shown}\" must point to array.")
        );
        assert_eq!(keys(&r), vec!["input", "afterInputPath"], "{path}");
    }
}

#[test]
fn state_name_inside_a_map_or_parallel() {
    // AWS (test_base_state_name[*-BASE_MAP_STATE_MACHINE]): stateName may
    // name a state of a Map's ItemProcessor; unknown names are refused
    // (test_base_state_name_validation_failures[dne], [invalid]).
    let def = json!({"StartAt": "State0", "States": {
        "State0": {"Type": "Map", "ItemsPath": "$.Values", "ItemProcessor": {
            "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
            "StartAt": "HandleItem", "States": {"HandleItem": {"Type": "Pass", "End": true}}},
            "ToleratedFailureCount": 2, "Next": "P"},
        "P": {"Type": "Parallel", "Branches": [{"StartAt": "B1", "States": {
            "B1": {"Type": "Pass", "Result": 1, "Next": "B2"},
            "B2": {"Type": "Succeed"}}}], "End": true}}});
    let input = json!({"Value": "HelloWorld"});
    let r = run(
        &Request {
            state_name: Some("HandleItem".into()),
            ..req(def.clone(), input.clone())
        },
        None,
    )
    .unwrap();
    assert_eq!(r.status, TestStatus::Succeeded);
    assert_eq!(r.output, Some(input.clone()));
    assert_eq!(r.next_state, None);
    assert_eq!(
        keys(&r),
        vec![
            "input",
            "afterInputPath",
            "afterParameters",
            "afterResultSelector",
            "afterResultPath"
        ]
    );
    let r = run(
        &Request {
            state_name: Some("B1".into()),
            ..req(def.clone(), input.clone())
        },
        None,
    )
    .unwrap();
    assert_eq!(
        (r.status, r.output, r.next_state.as_deref()),
        (TestStatus::Succeeded, Some(json!(1)), Some("B2"))
    );
    for name in ["dne", "\"invalid\""] {
        let r = Request {
            state_name: Some(name.into()),
            ..req(def.clone(), input.clone())
        };
        assert_eq!(
            run(&r, None).map(|r| r.status),
            Err(Refusal::Validation("State not found in definition".into())),
            "{name}"
        );
    }
}
