//! A Distributed Map's `ItemBatcher`: each child execution runs a batch of
//! items, `{"BatchInput": ..., "Items": [...]}`, instead of one item.
//!
//! AWS: <https://docs.aws.amazon.com/step-functions/latest/dg/input-output-itembatcher.html>
//! (fields, the `Items` / `BatchInput` envelope, the 256 KiB default and
//! maximum), the States Language spec's "Batching Items" and "Processing
//! Items" (ItemSelector applies to each item, then the selected items are
//! batched; the result has one element per batch). Every run here is also
//! checked for the replay property by `common::run`.

mod common;

use serde_json::{json, Value};
use stepwell_core::map_run::{self, MapRun};
use stepwell_core::{render_child_history, render_history};

/// A Distributed Map over `$.items` whose child executions return their
/// input, so the Map's output is the list of batches. `extra` adds fields to
/// the Map state.
fn echo_map(extra: Value) -> String {
    common::distributed_map(
        common::echo(),
        with(json!({"ItemsPath": "$.items"}), extra),
        false,
    )
}

/// The JSONata twin of [`echo_map`]: items from `$states.input.items`.
fn echo_map_jsonata(extra: Value) -> String {
    let items = json!({"Items": "{% $states.input.items %}"});
    common::distributed_map(common::echo(), with(items, extra), true)
}

/// `base` with the fields of `extra` added.
fn with(mut base: Value, extra: Value) -> Value {
    if let (Some(b), Some(x)) = (base.as_object_mut(), extra.as_object()) {
        b.extend(x.clone());
    }
    base
}

fn batches(items: &[Value]) -> Value {
    Value::Array(items.iter().map(|i| json!({ "Items": i })).collect())
}

/// Expected diagnostics: (location, start of the message).
type Diagnostics<'a> = Vec<(String, &'a str)>;

fn only_run(runs: &[MapRun]) -> &MapRun {
    assert_eq!(runs.len(), 1, "{runs:?}");
    &runs[0]
}

use common::types;

#[test]
fn items_are_batched_by_count_by_size_or_both() {
    // (case, definition, input, expected output: one element per batch)
    let cases = [
        (
            "by count (AWS: 1130 items by 100 make 11 batches of 100 and one of 30)",
            echo_map(json!({"ItemBatcher": {"MaxItemsPerBatch": 2}})),
            json!({"items": [1, 2, 3, 4, 5]}),
            batches(&[json!([1, 2]), json!([3, 4]), json!([5])]),
        ),
        (
            "a count larger than the items makes one batch",
            echo_map(json!({"ItemBatcher": {"MaxItemsPerBatch": 100}})),
            json!({"items": [1, 2, 3]}),
            batches(&[json!([1, 2, 3])]),
        ),
        (
            // The whole child input is measured: `{"Items":[]}` is 12 bytes,
            // "aaaa" 6, so two items make 12 + 6 + 1 + 6 = 25 bytes.
            "by size",
            echo_map(json!({"ItemBatcher": {"MaxInputBytesPerBatch": 25}})),
            json!({"items": ["aaaa", "bbbb", "cccc", "dddd", "eeee"]}),
            batches(&[
                json!(["aaaa", "bbbb"]),
                json!(["cccc", "dddd"]),
                json!(["eeee"]),
            ]),
        ),
        (
            // Batch 1 closes on size (15 + 13 = 28, the next item would make
            // 32), batch 2 on count.
            "by both, whichever limit comes first",
            echo_map(json!({"ItemBatcher": {"MaxItemsPerBatch": 3, "MaxInputBytesPerBatch": 30}})),
            json!({"items": ["a", "bbbbbbbbbb", "c", "d", "e", "f"]}),
            batches(&[
                json!(["a", "bbbbbbbbbb"]),
                json!(["c", "d", "e"]),
                json!(["f"]),
            ]),
        ),
        (
            "a literal 0 (which AWS's schema takes) is no limit",
            echo_map(json!({"ItemBatcher": {"MaxItemsPerBatch": 0, "MaxInputBytesPerBatch": 0}})),
            json!({"items": [1, 2, 3]}),
            batches(&[json!([1, 2, 3])]),
        ),
        (
            "no items, no batches",
            echo_map(json!({"ItemBatcher": {"MaxItemsPerBatch": 2}})),
            json!({"items": []}),
            json!([]),
        ),
        (
            "limits through reference paths into the Map's input",
            echo_map(
                json!({"ItemBatcher": {"MaxItemsPerBatchPath": "$.n", "MaxInputBytesPerBatchPath": "$.bytes"}}),
            ),
            json!({"items": [1, 2, 3, 4, 5], "n": 3, "bytes": 262144}),
            batches(&[json!([1, 2, 3]), json!([4, 5])]),
        ),
        (
            "a path under InputPath reads the effective input",
            echo_map(json!({"InputPath": "$.job", "ItemBatcher": {"MaxItemsPerBatchPath": "$.n"}})),
            json!({"job": {"items": [1, 2, 3], "n": 2}}),
            batches(&[json!([1, 2]), json!([3])]),
        ),
        (
            "BatchInput goes with every batch; JSONPath keys ending in .$ are paths",
            echo_map(json!({"ItemBatcher": {
                "MaxItemsPerBatch": 2,
                "BatchInput": {"factCheck": "December 2022", "run.$": "$.run", "name.$": "$$.Execution.Name"}
            }})),
            json!({"items": [1, 2, 3], "run": "r1"}),
            json!([
                {"BatchInput": {"factCheck": "December 2022", "run": "r1", "name": "exec"}, "Items": [1, 2]},
                {"BatchInput": {"factCheck": "December 2022", "run": "r1", "name": "exec"}, "Items": [3]}
            ]),
        ),
        (
            // `{"BatchInput":{"k":1},"Items":[]}` is 33 bytes: room for one
            // 3-byte item in 36, not for two.
            "BatchInput counts toward the size",
            echo_map(json!({"ItemBatcher": {"MaxInputBytesPerBatch": 36, "BatchInput": {"k": 1}}})),
            json!({"items": [11, 22, 33]}),
            json!([
                {"BatchInput": {"k": 1}, "Items": [11]},
                {"BatchInput": {"k": 1}, "Items": [22]},
                {"BatchInput": {"k": 1}, "Items": [33]}
            ]),
        ),
        (
            "ItemSelector applies to each item, with its own $$.Map.Item, before batching",
            echo_map(json!({
                "ItemSelector": {"v.$": "$$.Map.Item.Value", "i.$": "$$.Map.Item.Index", "run.$": "$.run"},
                "ItemBatcher": {"MaxItemsPerBatch": 2}
            })),
            json!({"items": ["x", "y", "z"], "run": "r1"}),
            batches(&[
                json!([{"v": "x", "i": 0, "run": "r1"}, {"v": "y", "i": 1, "run": "r1"}]),
                json!([{"v": "z", "i": 2, "run": "r1"}]),
            ]),
        ),
        (
            // Selected items are what is measured: 3 bytes each after the
            // selector, though the raw items are much bigger.
            "the size limit applies to the selected items",
            echo_map(json!({
                "ItemSelector": {"i.$": "$$.Map.Item.Index"},
                "ItemBatcher": {"MaxInputBytesPerBatch": 27}
            })),
            json!({"items": ["a long item that would not fit", "another long one, too big"]}),
            batches(&[json!([{"i": 0}, {"i": 1}])]),
        ),
        (
            "JSONata: literal limits",
            echo_map_jsonata(
                json!({"ItemBatcher": {"MaxItemsPerBatch": 2, "MaxInputBytesPerBatch": 1000}}),
            ),
            json!({"items": [1, 2, 3]}),
            batches(&[json!([1, 2]), json!([3])]),
        ),
        (
            "JSONata: limits and BatchInput as expressions, ItemSelector per item",
            echo_map_jsonata(json!({
                "ItemSelector": "{% {'v': $states.context.Map.Item.Value, 'i': $states.context.Map.Item.Index} %}",
                "ItemBatcher": {
                    "MaxItemsPerBatch": "{% $states.input.n %}",
                    "MaxInputBytesPerBatch": "{% 256 * 1024 %}",
                    "BatchInput": {"count": "{% $count($states.input.items) %}", "fixed": "yes"}
                }
            })),
            json!({"items": ["x", "y", "z"], "n": 2}),
            json!([
                {"BatchInput": {"count": 3, "fixed": "yes"}, "Items": [{"v": "x", "i": 0}, {"v": "y", "i": 1}]},
                {"BatchInput": {"count": 3, "fixed": "yes"}, "Items": [{"v": "z", "i": 2}]}
            ]),
        ),
        (
            "JSONata: BatchInput given as one expression",
            echo_map_jsonata(
                json!({"ItemBatcher": {"MaxItemsPerBatch": 5, "BatchInput": "{% {'n': $states.input.n} %}"}}),
            ),
            json!({"items": [1, 2], "n": 7}),
            json!([{"BatchInput": {"n": 7}, "Items": [1, 2]}]),
        ),
    ];
    for (i, (case, def, input, expected)) in cases.into_iter().enumerate() {
        let run = common::run(&def, input, json!({}), 100 + i as u64);
        assert_eq!(run.output(), Some(expected), "{case}: {:?}", run.error());
    }
}

#[test]
fn each_batch_is_one_child_execution_and_the_history_counts_items() {
    let def = echo_map(json!({
        "Label": "Batches",
        "ItemBatcher": {"MaxItemsPerBatch": 2, "BatchInput": {"b": true}}
    }));
    let run = common::run(&def, json!({"items": [1, 2, 3, 4, 5]}), json!({}), 3);
    let parent = render_history(run.plan.clone(), &run.info, &run.history).unwrap();
    assert_eq!(
        types(&parent),
        [
            "ExecutionStarted",
            "MapStateEntered",
            "MapStateStarted",
            "MapRunStarted",
            "MapRunSucceeded",
            "MapStateSucceeded",
            "MapStateExited",
            "ExecutionSucceeded"
        ]
    );
    // `length` is the size of the items array, not the number of batches.
    assert_eq!(parent[2]["mapStateStartedEventDetails"]["length"], json!(5));

    let runs = map_run::map_runs(run.plan.clone(), &run.info, &run.history).unwrap();
    let mr = only_run(&runs);
    assert_eq!(mr.children.len(), 3);
    let stem = map_run::stem_of_map_run(&mr.arn).unwrap();
    let expected = [json!([1, 2]), json!([3, 4]), json!([5])];
    for (child, items) in mr.children.iter().zip(expected) {
        let input = json!({"BatchInput": {"b": true}, "Items": items});
        assert_eq!(child.input.as_deref(), Some(&input));
        assert_eq!(child.items, items.as_array().map_or(0, |a| a.len() as u64));
        let h = render_child_history(run.plan.clone(), &run.info, &run.history, stem, child.index)
            .unwrap();
        assert_eq!(
            h[0]["executionStartedEventDetails"]["input"],
            json!(input.to_string())
        );
    }
    let items = mr.item_counts();
    assert_eq!((items.total, items.succeeded, items.pending), (5, 5, 0));
    let executions = mr.counts();
    assert_eq!(
        (executions.total, executions.succeeded, executions.pending),
        (3, 3, 0)
    );
}

#[test]
fn map_run_counts_and_failure_thresholds_weigh_batches_by_their_items() {
    // Batches [1, 2], [3, 4], [5]; the second one fails. MaxConcurrency 1
    // starts them in order, so the mocks answer them in order.
    let def = |tolerated: u64| {
        json!({"StartAt": "Fan", "States": {"Fan": {
            "Type": "Map",
            "ItemsPath": "$.items",
            "MaxConcurrency": 1,
            "ToleratedFailureCount": tolerated,
            "ItemBatcher": {"MaxItemsPerBatch": 2},
            "ItemProcessor": {
                "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                "StartAt": "Work",
                "States": {"Work": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:111111111111:function:f", "End": true}}
            },
            "End": true
        }}})
        .to_string()
    };
    let mocks = json!({"Work": [
        {"Return": "first"},
        {"Throw": {"Error": "Boom", "Cause": "batch 2"}},
        {"Return": "third"}
    ]});
    let input = json!({"items": [1, 2, 3, 4, 5]});

    // Two failed items are within a tolerance of two.
    let run = common::run(&def(2), input.clone(), mocks.clone(), 5);
    assert_eq!(run.output(), Some(json!(["first", null, "third"])));
    let runs = map_run::map_runs(run.plan.clone(), &run.info, &run.history).unwrap();
    let mr = only_run(&runs);
    assert_eq!(mr.status, "SUCCEEDED");
    let (items, executions) = (mr.item_counts(), mr.counts());
    assert_eq!(
        (items.total, items.succeeded, items.failed, items.pending),
        (5, 3, 2, 0)
    );
    assert_eq!(
        (
            executions.total,
            executions.succeeded,
            executions.failed,
            executions.pending
        ),
        (3, 2, 1, 0)
    );
    assert_eq!(
        mr.children.iter().map(|c| c.items).collect::<Vec<_>>(),
        [2, 2, 1]
    );

    // With a tolerance of one the failed batch's two items are too many,
    // although only one child execution failed; the last batch never starts.
    let run = common::run(&def(1), input, mocks, 5);
    assert_eq!(
        run.error(),
        Some((
            "States.ExceedToleratedFailureThreshold".to_string(),
            "The specified tolerated failure threshold was exceeded".to_string()
        ))
    );
    let runs = map_run::map_runs(run.plan.clone(), &run.info, &run.history).unwrap();
    let mr = only_run(&runs);
    assert_eq!(mr.status, "FAILED");
    let (items, executions) = (mr.item_counts(), mr.counts());
    assert_eq!(
        (items.total, items.succeeded, items.failed, items.pending),
        (5, 2, 2, 1)
    );
    assert_eq!(
        (
            executions.total,
            executions.succeeded,
            executions.failed,
            executions.pending
        ),
        (3, 1, 1, 1)
    );
}

#[test]
fn bad_values_at_run_time_fail_the_map_state() {
    let prefix = "An error occurred while executing the state 'Fan' (entered at the event id #2). ";
    // (case, definition, input, error, message after the prefix)
    let cases = [
        (
            "a path to a non-integer",
            echo_map(json!({"ItemBatcher": {"MaxItemsPerBatchPath": "$.n"}})),
            json!({"items": [1], "n": "many"}),
            "States.Runtime",
            "The MaxItemsPerBatchPath field refers to value \"many\" which is not a valid integer: $.n",
        ),
        (
            "a path to zero",
            echo_map(json!({"ItemBatcher": {"MaxItemsPerBatchPath": "$.n"}})),
            json!({"items": [1], "n": 0}),
            "States.Runtime",
            "The MaxItemsPerBatchPath field refers to value \"0\" which is not a positive integer: $.n",
        ),
        (
            "a path to a negative byte count",
            echo_map(json!({"ItemBatcher": {"MaxInputBytesPerBatchPath": "$.b"}})),
            json!({"items": [1], "b": -5}),
            "States.Runtime",
            "The MaxInputBytesPerBatchPath field refers to value \"-5\" which is not a positive integer: $.b",
        ),
        (
            "a path to more than 256 KiB",
            echo_map(json!({"ItemBatcher": {"MaxInputBytesPerBatchPath": "$.b"}})),
            json!({"items": [1], "b": 262145}),
            "States.Runtime",
            "The MaxInputBytesPerBatchPath field refers to value \"262145\" which is greater than the maximum of 262144 bytes (256 KiB): $.b",
        ),
        (
            "an item too big for a batch of its own",
            echo_map(json!({"ItemBatcher": {"MaxInputBytesPerBatch": 20}})),
            json!({"items": ["ok", "this one is too long"]}),
            "States.Runtime",
            "The item at index 1 does not fit in a batch: a batch holding only this item is 34 bytes, more than the 20 bytes an ItemBatcher batch may hold (MaxInputBytesPerBatch).",
        ),
        (
            "JSONata: an expression giving zero",
            echo_map_jsonata(json!({"ItemBatcher": {"MaxItemsPerBatch": "{% $states.input.n %}"}})),
            json!({"items": [1], "n": 0}),
            "States.QueryEvaluationError",
            "The JSONata expression '$states.input.n' specified for the field 'MaxItemsPerBatch' returned an invalid value. Expected a positive integer, but was: 0",
        ),
        (
            "JSONata: an expression giving more than 256 KiB",
            echo_map_jsonata(json!({"ItemBatcher": {"MaxInputBytesPerBatch": "{% 262145 %}"}})),
            json!({"items": [1]}),
            "States.QueryEvaluationError",
            "The JSONata expression '262145' specified for the field 'MaxInputBytesPerBatch' returned an invalid value. Expected a positive integer of at most 262144, but was: 262145",
        ),
        (
            "JSONata: an expression giving a string",
            echo_map_jsonata(json!({"ItemBatcher": {"MaxItemsPerBatch": "{% 'two' %}"}})),
            json!({"items": [1]}),
            "States.QueryEvaluationError",
            "The JSONata expression ''two'' specified for the field 'MaxItemsPerBatch' returned an unexpected result type. Expected 'integer', but was 'string' for value: \"two\"",
        ),
    ];
    for (case, def, input, error, message) in cases {
        let run = common::run(&def, input, json!({}), 9);
        assert_eq!(
            run.error(),
            Some((error.to_string(), format!("{prefix}{message}"))),
            "{case}"
        );
        // Like a bad ToleratedFailureCountPath: after MapStateStarted, before
        // any Map Run.
        let h = render_history(run.plan.clone(), &run.info, &run.history).unwrap();
        let t = types(&h);
        assert_eq!(t[2], "MapStateStarted", "{case}: {t:?}");
        assert!(!t.contains(&"MapRunStarted"), "{case}: {t:?}");
        assert_eq!(t.last(), Some(&"ExecutionFailed"), "{case}: {t:?}");
    }
}

#[test]
fn a_bad_jsonata_value_can_be_caught_a_bad_path_value_cannot() {
    // AWS: "A States.Runtime error isn't retriable, and will always cause
    // the execution to fail", even with a catcher naming it;
    // States.QueryEvaluationError is caught like any other error.
    let def = |ql: &str, batcher: Value, error: &str| {
        let (items, output) = match ql {
            "JSONata" => (
                json!({"Items": "{% $states.input.items %}"}),
                json!({"Output": "{% $states.errorOutput.Error %}"}),
            ),
            _ => (
                json!({"ItemsPath": "$.items"}),
                json!({"ResultPath": "$.error"}),
            ),
        };
        let mut map = json!({
            "Type": "Map",
            "ItemBatcher": batcher,
            "ItemProcessor": {
                "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                "StartAt": "Echo",
                "States": {"Echo": {"Type": "Pass", "End": true}}
            },
            "End": true
        });
        let mut catcher = json!({"ErrorEquals": [error], "Next": "Caught"});
        if let (Some(m), Some(c)) = (map.as_object_mut(), catcher.as_object_mut()) {
            m.extend(items.as_object().cloned().unwrap_or_default());
            c.extend(output.as_object().cloned().unwrap_or_default());
            m.insert("Catch".into(), json!([catcher]));
        }
        json!({"QueryLanguage": ql, "StartAt": "Fan", "States": {
            "Fan": map,
            "Caught": {"Type": "Pass", "End": true}
        }})
        .to_string()
    };
    let run = common::run(
        &def(
            "JSONata",
            json!({"MaxItemsPerBatch": "{% $states.input.n %}"}),
            "States.QueryEvaluationError",
        ),
        json!({"items": [1], "n": 0}),
        json!({}),
        4,
    );
    assert_eq!(
        run.output(),
        Some(json!("States.QueryEvaluationError")),
        "{:?}",
        run.error()
    );
    let run = common::run(
        &def(
            "JSONPath",
            json!({"MaxItemsPerBatchPath": "$.n"}),
            "States.Runtime",
        ),
        json!({"items": [1], "n": 0}),
        json!({}),
        4,
    );
    assert_eq!(run.error().map(|e| e.0), Some("States.Runtime".to_string()));
}

#[test]
fn definitions_are_validated_like_aws() {
    let distributed = json!({"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"}, "StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}});
    let inline = json!({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}});
    let def = |ql: &str, processor: &Value, batcher: Value| {
        json!({"QueryLanguage": ql, "StartAt": "M", "States": {"M": {
            "Type": "Map", "ItemProcessor": processor, "ItemBatcher": batcher, "End": true
        }}})
        .to_string()
    };
    const AT: &str = "/States/M/ItemBatcher";
    // (case, definition, expected (location, message) diagnostics)
    let cases: Vec<(&str, String, Diagnostics<'_>)> = vec![
        (
            "no limit",
            def("JSONPath", &distributed, json!({"BatchInput": {"a": 1}})),
            vec![(AT.into(), "At least one of these fields is required: [MaxItemsPerBatch, MaxItemsPerBatchPath, MaxInputBytesPerBatch, MaxInputBytesPerBatchPath]")],
        ),
        (
            "no limit (JSONata)",
            def("JSONata", &distributed, json!({})),
            vec![(AT.into(), "At least one of these fields is required: [MaxItemsPerBatch, MaxInputBytesPerBatch]")],
        ),
        // AWS: "Minimum value is 0" on every Map number field (floci-io/floci
        // issue 3733, measured in us-east-1).
        (
            "fewer than zero items",
            def("JSONPath", &distributed, json!({"MaxItemsPerBatch": -1})),
            vec![(format!("{AT}/MaxItemsPerBatch"), "Minimum value is 0")],
        ),
        (
            "fewer than zero bytes",
            def("JSONPath", &distributed, json!({"MaxInputBytesPerBatch": -1})),
            vec![(format!("{AT}/MaxInputBytesPerBatch"), "Minimum value is 0")],
        ),
        (
            "a fraction",
            def("JSONPath", &distributed, json!({"MaxInputBytesPerBatch": 1.5})),
            vec![(format!("{AT}/MaxInputBytesPerBatch"), "Expected value of type Integer")],
        ),
        (
            "more than 256 KiB",
            def("JSONPath", &distributed, json!({"MaxInputBytesPerBatch": 262145})),
            vec![(format!("{AT}/MaxInputBytesPerBatch"), "Maximum value is 262144")],
        ),
        (
            "a field and its path",
            def("JSONPath", &distributed, json!({"MaxItemsPerBatch": 2, "MaxItemsPerBatchPath": "$.n"})),
            vec![(format!("{AT}/MaxItemsPerBatch"), "There should only be one of the following fields: [MaxItemsPerBatch, MaxItemsPerBatchPath]")],
        ),
        (
            "a path that is no path",
            def("JSONPath", &distributed, json!({"MaxInputBytesPerBatchPath": "bytes"})),
            vec![(format!("{AT}/MaxInputBytesPerBatchPath"), "Value is not a Reference Path")],
        ),
        (
            "a path into the context object",
            def("JSONPath", &distributed, json!({"MaxInputBytesPerBatchPath": "$$.Execution.Input.b"})),
            vec![(format!("{AT}/MaxInputBytesPerBatchPath"), "Value is not a Reference Path")],
        ),
        (
            "an unknown field",
            def("JSONPath", &distributed, json!({"MaxItemsPerBatch": 2, "MaxItems": 3})),
            vec![(AT.into(), "Field 'MaxItems' is not supported")],
        ),
        (
            "a bad BatchInput template",
            def("JSONPath", &distributed, json!({"MaxItemsPerBatch": 2, "BatchInput": {"a.$": "no path"}})),
            vec![(format!("{AT}/BatchInput"), "")],
        ),
        (
            "a path field in JSONata",
            def("JSONata", &distributed, json!({"MaxItemsPerBatchPath": "$.n"})),
            vec![(AT.into(), "The QueryLanguage is set to 'JSONata', but field 'MaxItemsPerBatchPath' is only supported for the 'JSONPath' QueryLanguage")],
        ),
        (
            "a string that is no expression (JSONata)",
            def("JSONata", &distributed, json!({"MaxItemsPerBatch": "2"})),
            vec![(format!("{AT}/MaxItemsPerBatch"), "Expected value of type Integer")],
        ),
        (
            "a broken expression (JSONata)",
            def("JSONata", &distributed, json!({"MaxItemsPerBatch": "{% ((( %}"})),
            vec![(format!("{AT}/MaxItemsPerBatch"), "")],
        ),
        (
            "not an object",
            def("JSONPath", &distributed, json!(5)),
            vec![(AT.into(), "The field 'ItemBatcher' must be an object")],
        ),
        (
            "an inline Map",
            def("JSONPath", &inline, json!({"MaxItemsPerBatch": 2})),
            vec![(AT.into(), "The field 'ItemBatcher' is only supported for a Map state whose ProcessorConfig Mode is DISTRIBUTED")],
        ),
    ];
    for (case, text, expected) in cases {
        let diags = match stepwell_asl::parse_definition(&text) {
            Ok(_) => panic!("{case}: accepted\n{text}"),
            Err(d) => d,
        };
        assert_eq!(diags.len(), expected.len(), "{case}: {diags:?}");
        for (d, (loc, message)) in diags.iter().zip(&expected) {
            let code = if case.starts_with("a broken expression") {
                "INVALID_JSONATA_EXPRESSION"
            } else {
                "SCHEMA_VALIDATION_FAILED"
            };
            assert_eq!(d.code.as_str(), code, "{case}: {d:?}");
            assert_eq!(d.location.as_deref(), Some(loc.as_str()), "{case}: {d:?}");
            assert!(d.message.starts_with(message), "{case}: {d:?}");
        }
    }
    // And what AWS accepts.
    for batcher in [
        json!({"MaxItemsPerBatch": 1}),
        json!({"MaxItemsPerBatch": 0}),
        json!({"MaxInputBytesPerBatch": 0}),
        json!({"MaxInputBytesPerBatch": 262144}),
        json!({"MaxItemsPerBatchPath": "$.n", "MaxInputBytesPerBatchPath": "$.b"}),
        json!({"MaxItemsPerBatch": 2, "BatchInput": {"a.$": "$.a", "b": [1, {"c": null}]}}),
    ] {
        let text = def("JSONPath", &distributed, batcher.clone());
        assert!(stepwell_asl::parse_definition(&text).is_ok(), "{batcher}");
    }
    for batcher in [
        json!({"MaxItemsPerBatch": "{% $states.input.n %}", "BatchInput": "{% $states.input %}"}),
        json!({"MaxInputBytesPerBatch": 1000, "BatchInput": {"a": "{% 1 + 1 %}", "b": "plain"}}),
    ] {
        let text = def("JSONata", &distributed, batcher.clone());
        assert!(stepwell_asl::parse_definition(&text).is_ok(), "{batcher}");
    }
}

#[test]
fn a_map_without_item_batcher_records_nothing_new() {
    // Histories stored before batching existed have no `batch_sizes`; an
    // unbatched Map still writes none, so old and new histories match.
    let run = common::run(
        &echo_map(json!({})),
        json!({"items": [1, 2, 3]}),
        json!({}),
        1,
    );
    assert_eq!(run.output(), Some(json!([1, 2, 3])));
    let stored = serde_json::to_string(&run.history).unwrap();
    assert!(stored.contains("\"t\":\"MapStarted\""), "{stored}");
    assert!(!stored.contains("batch_sizes"), "{stored}");
    let runs = map_run::map_runs(run.plan.clone(), &run.info, &run.history).unwrap();
    let mr = only_run(&runs);
    assert_eq!(mr.item_counts(), mr.counts());
}
