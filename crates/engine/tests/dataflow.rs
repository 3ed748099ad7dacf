//! JSONPath data flow through the engine: the order of InputPath,
//! Parameters, ResultSelector, ResultPath and OutputPath; their `null`
//! forms; the context object; Map items; Parallel and Map result order;
//! tolerated Map failures.

mod common;

use serde_json::{json, Value};
use stepwell_core::{EventKind, Status};

const FN: &str = "arn:aws:lambda:us-east-1:111111111111:function:f";

struct Case {
    name: &'static str,
    /// The fields of a Task state `T` (Type, Resource and End are added).
    fields: Value,
    input: Value,
    /// What the task returns.
    result: Value,
    /// The payload the task must receive.
    payload: Value,
    output: Value,
}

fn check(c: &Case) {
    let mut t = c.fields.clone();
    t["Type"] = json!("Task");
    t["Resource"] = json!(FN);
    t["End"] = json!(true);
    let def = json!({"StartAt": "T", "States": {"T": t}}).to_string();
    let run = common::run(
        &def,
        c.input.clone(),
        json!({"T": [{"Return": c.result}]}),
        1,
    );
    assert_eq!(
        run.task_payloads(),
        std::slice::from_ref(&c.payload),
        "{}: payload",
        c.name
    );
    assert_eq!(
        run.output(),
        Some(c.output.clone()),
        "{}: output ({:?})",
        c.name,
        run.error()
    );
}

#[test]
fn task_io_pipeline() {
    let input = json!({"a": {"x": 1, "y": 2}, "keep": true});
    let result = json!({"r": 5, "junk": [1, 2]});
    let cases = [
        Case {
            name: "no fields: the result is the output",
            fields: json!({}),
            input: input.clone(),
            result: result.clone(),
            payload: input.clone(),
            output: result.clone(),
        },
        Case {
            name: "all five, in AWS's order",
            fields: json!({
                "InputPath": "$.a",
                "Parameters": {"p.$": "$.x", "lit": "v"},
                "ResultSelector": {"sel.$": "$.r"},
                "ResultPath": "$.res",
                "OutputPath": "$.res"
            }),
            input: input.clone(),
            result: result.clone(),
            payload: json!({"p": 1, "lit": "v"}),
            output: json!({"sel": 5}),
        },
        Case {
            name: "ResultPath writes into the raw input, not the InputPath selection",
            fields: json!({"InputPath": "$.a", "ResultSelector": {"sel.$": "$.r"}, "ResultPath": "$.res"}),
            input: input.clone(),
            result: result.clone(),
            payload: json!({"x": 1, "y": 2}),
            output: json!({"a": {"x": 1, "y": 2}, "keep": true, "res": {"sel": 5}}),
        },
        Case {
            name: "OutputPath selects from the ResultPath-merged document",
            fields: json!({"ResultPath": "$.a.z", "OutputPath": "$.a"}),
            input: input.clone(),
            result: json!(7),
            payload: input.clone(),
            output: json!({"x": 1, "y": 2, "z": 7}),
        },
        Case {
            name: "InputPath null gives the task {}",
            fields: json!({"InputPath": null}),
            input: input.clone(),
            result: result.clone(),
            payload: json!({}),
            output: result.clone(),
        },
        Case {
            name: "ResultPath null discards the result",
            fields: json!({"ResultPath": null}),
            input: input.clone(),
            result: result.clone(),
            payload: input.clone(),
            output: input.clone(),
        },
        Case {
            name: "OutputPath null gives {}",
            fields: json!({"OutputPath": null}),
            input: input.clone(),
            result: result.clone(),
            payload: input.clone(),
            output: json!({}),
        },
        Case {
            name: "ResultPath $ replaces the input",
            fields: json!({"ResultPath": "$"}),
            input: input.clone(),
            result: json!([1]),
            payload: input.clone(),
            output: json!([1]),
        },
        Case {
            name: "ResultPath creates missing objects",
            fields: json!({"ResultPath": "$.new.deep.er"}),
            input: json!({"k": 1}),
            result: json!("r"),
            payload: json!({"k": 1}),
            output: json!({"k": 1, "new": {"deep": {"er": "r"}}}),
        },
        Case {
            name: "ResultPath replaces an existing field",
            fields: json!({"ResultPath": "$.k"}),
            input: json!({"k": {"old": true}, "other": 1}),
            result: json!({"new": true}),
            payload: json!({"k": {"old": true}, "other": 1}),
            output: json!({"k": {"new": true}, "other": 1}),
        },
        Case {
            name: "ResultSelector sees only the result; Parameters only the effective input",
            fields: json!({
                "InputPath": "$.a",
                "Parameters": {"ys.$": "$.y", "whole.$": "$"},
                "ResultSelector": {"all.$": "$", "first.$": "$.junk[0]"}
            }),
            input: input.clone(),
            result: result.clone(),
            payload: json!({"ys": 2, "whole": {"x": 1, "y": 2}}),
            output: json!({"all": result.clone(), "first": 1}),
        },
    ];
    for c in &cases {
        check(c);
    }
}

#[test]
fn result_path_into_a_non_object_fails() {
    let def = json!({"StartAt": "P", "States": {"P": {
        "Type": "Pass", "Result": 1, "ResultPath": "$.a.b", "End": true
    }}})
    .to_string();
    let run = common::run(&def, json!({"a": "string"}), json!({}), 1);
    assert_eq!(run.status(), "FAILED");
    assert_eq!(
        run.error().map(|e| e.0),
        Some("States.ResultPathMatchFailure".into())
    );
}

#[test]
fn context_object_fields() {
    // A 5-second Wait first, so the state's EnteredTime differs from the
    // execution's StartTime by exactly what the manual clock moved.
    let def = json!({"StartAt": "W", "States": {
        "W": {"Type": "Wait", "Seconds": 5, "Next": "P"},
        "P": {"Type": "Pass", "Parameters": {
            "id.$": "$$.Execution.Id",
            "name.$": "$$.Execution.Name",
            "input.$": "$$.Execution.Input",
            "role.$": "$$.Execution.RoleArn",
            "start.$": "$$.Execution.StartTime",
            "entered.$": "$$.State.EnteredTime",
            "state.$": "$$.State.Name",
            "sm.$": "$$.StateMachine.Name",
            "smid.$": "$$.StateMachine.Id",
            "ctx_type.$": "States.Format('{}', $$.Execution.Name)"
        }, "End": true}
    }})
    .to_string();
    let run = common::run(&def, json!({"k": [1]}), json!({}), 1);
    assert_eq!(
        run.output(),
        Some(json!({
            "id": "arn:aws:states:us-east-1:123456789012:execution:Machine:exec",
            "name": "exec",
            "input": {"k": [1]},
            "role": "arn:aws:iam::123456789012:role/stepwell-test",
            "start": "2023-11-14T22:13:20.000Z",
            "entered": "2023-11-14T22:13:25.000Z",
            "state": "P",
            "sm": "Machine",
            "smid": "arn:aws:states:us-east-1:123456789012:stateMachine:Machine",
            "ctx_type": "exec"
        }))
    );
}

/// `$$` whole, in the order AWS writes it (recorded:
/// `test_query_context_object_values`, `…_invoke_with_retry_extended_input`),
/// with no `Task` in a request-response task (recorded) and one in a `.sync`
/// task.
#[test]
fn the_context_object_whole_is_in_aws_order_with_a_token_only_where_one_is_used() {
    let keys = |v: &Value| -> Vec<String> {
        v.as_object()
            .map(|o| o.keys().cloned().collect())
            .unwrap_or_default()
    };
    let def = json!({"StartAt": "T", "States": {
        "T": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
              "Parameters": {"FunctionName": "f", "Payload": {"ctx.$": "$$"}}, "Next": "S"},
        "S": {"Type": "Task", "Resource": "arn:aws:states:::states:startExecution.sync",
              "Parameters": {"StateMachineArn": "a", "Input": {"ctx.$": "$$"}}, "End": true}
    }})
    .to_string();
    let run = common::run(
        &def,
        json!({}),
        json!({"T": [{"Return": {}}], "S": [{"Return": {}}]}),
        1,
    );
    let payloads = run.task_payloads();
    let ctx = &payloads[0]["Payload"]["ctx"];
    assert_eq!(keys(ctx), ["Execution", "StateMachine", "State"]);
    assert_eq!(
        keys(&ctx["Execution"]),
        [
            "Id",
            "Input",
            "StartTime",
            "Name",
            "RoleArn",
            "RedriveCount"
        ]
    );
    assert_eq!(keys(&ctx["State"]), ["Name", "EnteredTime", "RetryCount"]);
    let sync = &payloads[1]["Input"]["ctx"];
    assert_eq!(keys(sync), ["Execution", "StateMachine", "State", "Task"]);
    assert!(sync["Task"]["Token"].is_string());
}

#[test]
fn map_item_index_and_value() {
    let def = json!({"StartAt": "M", "States": {"M": {
        "Type": "Map", "ItemsPath": "$.items",
        "ItemSelector": {"i.$": "$$.Map.Item.Index", "v.$": "$$.Map.Item.Value", "c.$": "$.common"},
        "ItemProcessor": {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}},
        "End": true
    }}})
    .to_string();
    let run = common::run(
        &def,
        json!({"items": ["a", {"b": 1}, null], "common": 9}),
        json!({}),
        1,
    );
    assert_eq!(
        run.output(),
        Some(json!([
            {"i": 0, "v": "a", "c": 9},
            {"i": 1, "v": {"b": 1}, "c": 9},
            {"i": 2, "v": null, "c": 9}
        ]))
    );
}

#[test]
fn parallel_results_follow_branch_order() {
    // Branch 0 waits, branch 1 does not: results still come in branch order.
    // State names are unique in the whole state machine.
    let branch = |wait: u64, tag: &str| {
        let (w, p) = (format!("W{tag}"), format!("P{tag}"));
        json!({"StartAt": w, "States": {
            w: {"Type": "Wait", "Seconds": wait, "Next": p},
            p: {"Type": "Pass", "Result": tag, "End": true}
        }})
    };
    let def = json!({"StartAt": "Par", "States": {"Par": {
        "Type": "Parallel",
        "Branches": [branch(10, "slow"), branch(0, "fast"), branch(5, "mid")],
        "End": true
    }}})
    .to_string();
    let run = common::run(&def, json!({}), json!({}), 1);
    assert_eq!(run.output(), Some(json!(["slow", "fast", "mid"])));
    // The branches ran side by side: the longest wait is the whole run.
    assert_eq!(
        run.history.last().map(|e| e.timestamp - common::T0),
        Some(10_000)
    );
}

/// A Map over wait times: each iteration waits `item` seconds then returns
/// `item * 10` (as a string) so results are easy to recognise.
fn waiting_map(max_concurrency: u64) -> String {
    json!({"StartAt": "M", "States": {"M": {
        "Type": "Map", "MaxConcurrency": max_concurrency,
        "ItemProcessor": {"StartAt": "W", "States": {
            "W": {"Type": "Wait", "SecondsPath": "$", "Next": "P"},
            "P": {"Type": "Pass", "Parameters": {"waited.$": "$"}, "End": true}
        }},
        "End": true
    }}})
    .to_string()
}

/// The largest number of Map iterations running at once.
fn peak_concurrency(run: &common::Run) -> u32 {
    let (mut now, mut peak) = (0u32, 0u32);
    for e in &run.history {
        match e.kind {
            EventKind::MapIterationStarted { .. } => now += 1,
            EventKind::MapIterationSucceeded { .. } | EventKind::MapIterationFailed { .. } => {
                now -= 1
            }
            _ => {}
        }
        peak = peak.max(now);
    }
    peak
}

#[test]
fn map_results_keep_item_order_at_any_concurrency() {
    let items = json!([3, 1, 2, 2]);
    // (MaxConcurrency, peak iterations at once, elapsed ms on the manual clock)
    let rows = [
        (1, 1, 8000),
        (2, 2, 5000),
        (3, 3, 3000),
        (0, 4, 3000),
        (10, 4, 3000),
    ];
    for (mc, peak, elapsed) in rows {
        let run = common::run(&waiting_map(mc), items.clone(), json!({}), 1);
        assert_eq!(
            run.output(),
            Some(json!([{"waited": 3}, {"waited": 1}, {"waited": 2}, {"waited": 2}])),
            "MaxConcurrency {mc}"
        );
        assert_eq!(peak_concurrency(&run), peak, "MaxConcurrency {mc}: peak");
        assert_eq!(
            run.history.last().map(|e| e.timestamp - common::T0),
            Some(elapsed),
            "MaxConcurrency {mc}: elapsed"
        );
    }
}

#[test]
fn empty_map_and_parallel_inputs() {
    let run = common::run(&waiting_map(0), json!([]), json!({}), 1);
    assert_eq!(run.output(), Some(json!([])));
    let def = json!({"StartAt": "M", "States": {"M": {
        "Type": "Map", "ItemsPath": "$.nope",
        "ItemProcessor": {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}},
        "End": true
    }}})
    .to_string();
    let run = common::run(&def, json!({"nope": {"not": "an array"}}), json!({}), 1);
    assert_eq!(run.exec.status(), Status::Failed);
    assert_eq!(run.error().map(|e| e.0), Some("States.Runtime".into()));
}

/// A Map whose iteration fails on items equal to "bad" (error `Bad`).
fn failing_map(tolerance: Value) -> String {
    let mut m = json!({
        "Type": "Map",
        "ItemProcessor": {"StartAt": "C", "States": {
            "C": {"Type": "Choice", "Choices": [{"Variable": "$", "StringEquals": "bad", "Next": "F"}], "Default": "Ok"},
            "F": {"Type": "Fail", "Error": "Bad", "Cause": "a bad item"},
            "Ok": {"Type": "Pass", "End": true}
        }},
        "End": true
    });
    if let Some(t) = tolerance.as_object() {
        for (k, v) in t {
            m[k] = v.clone();
        }
    }
    json!({"StartAt": "M", "States": {"M": m}}).to_string()
}

#[test]
fn tolerated_failures() {
    // Two of four items fail (50%).
    let items = json!(["ok", "bad", "ok", "bad"]);
    let rows: [(Value, Result<(), &str>); 9] = [
        (json!({}), Err("Bad")),
        (
            json!({"ToleratedFailureCount": 0}),
            Err("States.ExceedToleratedFailureThreshold"),
        ),
        (
            json!({"ToleratedFailureCount": 1}),
            Err("States.ExceedToleratedFailureThreshold"),
        ),
        (json!({"ToleratedFailureCount": 2}), Ok(())),
        (json!({"ToleratedFailureCount": 10}), Ok(())),
        (
            json!({"ToleratedFailurePercentage": 49}),
            Err("States.ExceedToleratedFailureThreshold"),
        ),
        (json!({"ToleratedFailurePercentage": 50}), Ok(())),
        (json!({"ToleratedFailurePercentage": 100}), Ok(())),
        // Both given: exceeding either one fails the Map.
        (
            json!({"ToleratedFailureCount": 5, "ToleratedFailurePercentage": 25}),
            Err("States.ExceedToleratedFailureThreshold"),
        ),
    ];
    for (tolerance, want) in rows {
        let run = common::run(&failing_map(tolerance.clone()), items.clone(), json!({}), 1);
        match want {
            Ok(()) => {
                assert_eq!(run.status(), "SUCCEEDED", "{tolerance}: {:?}", run.error());
                // Succeeded iterations keep their place; failed ones have no
                // result. (Only Distributed Maps tolerate failures on AWS,
                // where results go to a ResultWriter; inline we leave nulls.)
                assert_eq!(
                    run.output(),
                    Some(json!(["ok", null, "ok", null])),
                    "{tolerance}"
                );
            }
            Err(e) => {
                assert_eq!(run.status(), "FAILED", "{tolerance}");
                assert_eq!(run.error().map(|e| e.0), Some(e.to_owned()), "{tolerance}");
            }
        }
    }
}

#[test]
fn a_failed_branch_fails_the_parallel_and_aborts_the_others() {
    let def = json!({"StartAt": "Par", "States": {"Par": {
        "Type": "Parallel",
        "Branches": [
            {"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 100, "End": true}}},
            {"StartAt": "F", "States": {"F": {"Type": "Fail", "Error": "Boom", "Cause": "c"}}}
        ],
        "Catch": [{"ErrorEquals": ["Boom"], "ResultPath": "$.caught", "Next": "Done"}],
        "Next": "Done"
    }, "Done": {"Type": "Pass", "End": true}}})
    .to_string();
    let run = common::run(&def, json!({"in": 1}), json!({}), 1);
    assert_eq!(
        run.output(),
        Some(json!({"in": 1, "caught": {"Error": "Boom", "Cause": "c"}}))
    );
    // The waiting branch was cancelled, not waited for.
    assert_eq!(
        run.history.last().map(|e| e.timestamp - common::T0),
        Some(0)
    );
    // The branch still waiting records `WaitStateAborted` before the
    // Parallel fails, following the failing branch's last event, and never
    // exits (floci's measurement of AWS, ap-northeast-1, 2026-09-29).
    let shown: Vec<(String, u64, u64)> = rendered(&run)
        .iter()
        .map(|e| {
            let n = |k: &str| e[k].as_u64().unwrap_or_default();
            (
                e["type"].as_str().unwrap_or_default().to_owned(),
                n("id"),
                n("previousEventId"),
            )
        })
        .collect();
    let want = [
        ("ExecutionStarted", 1, 0),
        ("ParallelStateEntered", 2, 0),
        ("ParallelStateStarted", 3, 2),
        ("WaitStateEntered", 4, 3),
        ("FailStateEntered", 5, 3),
        ("WaitStateAborted", 6, 5),
        ("ParallelStateFailed", 7, 5),
        ("ParallelStateExited", 8, 7),
        ("PassStateEntered", 9, 8),
        ("PassStateExited", 10, 9),
        ("ExecutionSucceeded", 11, 10),
    ]
    .map(|(t, id, prev)| (t.to_owned(), id, prev));
    assert_eq!(shown, want);
}

/// An inline Map that fails records the iterations it cuts in index order
/// with the failing one, each cut iteration followed by the state it was in
/// (`WaitStateAborted`), all following the failing iteration's last event
/// (floci's measurement of AWS, ap-northeast-1, 2026-09-30).
#[test]
fn a_failed_iteration_aborts_the_others_in_index_order() {
    let def = json!({"StartAt": "M", "States": {"M": {
        "Type": "Map", "End": true, "ItemsPath": "$.items",
        "ItemProcessor": {"ProcessorConfig": {"Mode": "INLINE"}, "StartAt": "Route", "States": {
            "Route": {"Type": "Choice", "Default": "Long",
                      "Choices": [{"Variable": "$.kind", "StringEquals": "fail", "Next": "Pause"}]},
            "Long": {"Type": "Wait", "Seconds": 15, "End": true},
            "Pause": {"Type": "Wait", "Seconds": 1, "Next": "Boom"},
            "Boom": {"Type": "Fail", "Error": "Boom", "Cause": "sibling failed"}}}}}})
    .to_string();
    let input = json!({"items": [{"kind": "long"}, {"kind": "fail"}, {"kind": "long"}]});
    let run = common::run(&def, input, json!({}), 1);
    assert_eq!(run.error().map(|e| e.0), Some("Boom".to_owned()));
    let events = rendered(&run);
    let failure = events
        .iter()
        .position(|e| e["type"] == "FailStateEntered")
        .unwrap_or_default();
    let tail: Vec<String> = events[failure + 1..]
        .iter()
        .map(|e| {
            let index = [
                "mapIterationAbortedEventDetails",
                "mapIterationFailedEventDetails",
            ]
            .iter()
            .find_map(|k| e[*k]["index"].as_u64());
            format!(
                "{}{}",
                e["type"].as_str().unwrap_or_default(),
                index.map(|i| format!("({i})")).unwrap_or_default()
            )
        })
        .collect();
    assert_eq!(
        tail,
        [
            "MapIterationAborted(0)",
            "WaitStateAborted",
            "MapIterationFailed(1)",
            "MapIterationAborted(2)",
            "WaitStateAborted",
            "MapStateFailed",
            "ExecutionFailed"
        ]
    );
    let failing = events[failure]["id"].as_u64();
    for e in &events[failure + 1..events.len() - 1] {
        assert_eq!(e["previousEventId"].as_u64(), failing, "{e}");
    }
}

/// The events AWS would show.
fn rendered(run: &common::Run) -> Vec<serde_json::Value> {
    match stepwell_core::render_history(run.plan.clone(), &run.info, &run.history) {
        Ok(events) => events,
        Err(e) => panic!("render_history: {e}"),
    }
}

#[test]
fn execution_started_names_the_version_and_alias_it_was_started_through() {
    let def = json!({"StartAt": "A", "States": {"A": {"Type": "Pass", "End": true}}}).to_string();
    let run = common::run(&def, json!({}), json!({}), 1);
    let started = |info: &stepwell_core::ExecutionInfo| match stepwell_core::render_history(
        run.plan.clone(),
        info,
        &run.history,
    ) {
        Ok(events) => events[0]["executionStartedEventDetails"].clone(),
        Err(e) => panic!("render_history: {e}"),
    };
    let direct = started(&run.info);
    assert!(direct.get("stateMachineVersionArn").is_none(), "{direct}");
    assert!(direct.get("stateMachineAliasArn").is_none(), "{direct}");
    let machine = &run.info.state_machine_id;
    let mut info = run.info.clone();
    info.version_arn = Some(format!("{machine}:1"));
    info.alias_arn = Some(format!("{machine}:live"));
    let through_alias = started(&info);
    assert_eq!(
        through_alias["stateMachineVersionArn"],
        json!(format!("{machine}:1"))
    );
    assert_eq!(
        through_alias["stateMachineAliasArn"],
        json!(format!("{machine}:live"))
    );
    assert_eq!(through_alias["roleArn"], direct["roleArn"]);
}

/// `EvaluationFailed` names the field whose expression failed, as AWS
/// records it (LocalStack's recordings of `test_undefined_reference`:
/// `"location": "Output/result"`; of the JSONata Map with `Items` that is
/// no array: `"location": "Items"`); a Choice rule's condition is named
/// under its rule (floci-io/floci pull request 2689).
#[test]
fn evaluation_failed_names_the_field_that_failed() {
    let location = |mut state: Value, input: Value| -> (Value, String) {
        if state["Type"] != "Choice" {
            state["Next"] = json!("E");
        }
        let def = json!({"QueryLanguage": "JSONata", "StartAt": "S",
                         "States": {"S": state, "E": {"Type": "Succeed"}}})
        .to_string();
        let run = common::run(&def, input, json!({}), 1);
        let events = match stepwell_core::render_history(run.plan.clone(), &run.info, &run.history)
        {
            Ok(events) => events,
            Err(e) => panic!("render_history: {e}"),
        };
        let failed = events
            .iter()
            .find(|e| e["type"] == "EvaluationFailed")
            .map(|e| e["evaluationFailedEventDetails"].clone())
            .unwrap_or(Value::Null);
        let cause = failed["cause"].as_str().unwrap_or_default().to_string();
        (failed["location"].clone(), cause)
    };
    let (at, _) = location(
        json!({"Type": "Pass", "Output": {"result": "{% $doesNotExist %}"}}),
        json!({}),
    );
    assert_eq!(at, json!("Output/result"));
    let (at, _) = location(
        json!({"Type": "Map", "Items": "{% $states.input.n %}",
               "ItemProcessor": {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}}),
        json!({"n": 1}),
    );
    assert_eq!(at, json!("Items"));
    let (at, cause) = location(
        json!({"Type": "Choice", "Choices": [
            {"Condition": "{% false %}", "Next": "E"},
            {"Condition": "{% $states.input.a.b() %}", "Next": "E"}]}),
        json!({"a": {}}),
    );
    assert_eq!(at, json!("Choices[1]/Condition"));
    assert!(
        cause.contains("for the field 'Choices[1]/Condition'"),
        "{cause}"
    );
    // A Map whose input is no array names no field.
    let (at, cause) = location(
        json!({"Type": "Map",
               "ItemProcessor": {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}}),
        json!({"n": 1}),
    );
    assert_eq!(at, Value::Null, "{cause}");
    assert!(
        cause.contains("Map state input must be an array"),
        "{cause}"
    );
}

/// `$states` whole holds the context object too (LocalStack's recordings of
/// AWS's TestState, `test_map_state_failure_count[*-BASE_MAP_STATE]`: an
/// `Output` of `{% $states %}` gives input, context and result).
#[test]
fn states_whole_holds_the_context() {
    let def = json!({"QueryLanguage": "JSONata", "StartAt": "P", "States": {
        "P": {"Type": "Pass", "Output": "{% $states %}", "End": true}}})
    .to_string();
    let run = common::run(&def, json!({"a": 1}), json!({}), 1);
    let out = run.output().unwrap_or(Value::Null);
    assert_eq!(out["input"], json!({"a": 1}), "{out}");
    assert_eq!(out["context"]["State"]["Name"], json!("P"), "{out}");
    assert_eq!(
        out["context"]["Execution"]["Input"],
        json!({"a": 1}),
        "{out}"
    );
}
