//! A state that passes its input on unchanged shares it with its output
//! instead of copying it (a large document through a chain of Pass, Wait,
//! Choice and Succeed states used to be copied at every state).

mod common;

use std::sync::Arc;

use serde_json::{json, Value};
use stepwell_core::{Event, EventKind};

/// For each state of the history, in order: whether its output is the very
/// value it was entered with.
fn shared(events: &[Event]) -> Vec<bool> {
    let mut entered: Option<&Arc<Value>> = None;
    let mut out = Vec::new();
    for e in events {
        match &e.kind {
            EventKind::StateEntered { input, .. } => entered = Some(input),
            EventKind::StateExited { output, .. } => {
                out.push(entered.is_some_and(|i| Arc::ptr_eq(i, output)));
            }
            _ => {}
        }
    }
    out
}

#[test]
fn states_that_pass_their_input_on_share_it() {
    let doc = json!({"big": [1, 2, 3], "k": "v"});
    let cases = [
        // (query language, states, expected sharing per state)
        (
            "JSONPath",
            json!({
                "A": {"Type": "Pass", "Next": "B"},
                "B": {"Type": "Pass", "Result": 1, "ResultPath": null, "Next": "C"},
                "C": {"Type": "Choice", "Choices": [{"Variable": "$.k", "StringEquals": "v", "Next": "D"}]},
                "D": {"Type": "Wait", "Seconds": 1, "Next": "E"},
                "E": {"Type": "Pass", "Parameters": {"k.$": "$.k"}, "Next": "F"},
                "F": {"Type": "Pass", "InputPath": "$.k", "Next": "G"},
                "G": {"Type": "Succeed"}
            }),
            vec![true, true, true, true, false, false, true],
        ),
        (
            "JSONata",
            json!({
                "A": {"Type": "Pass", "Assign": {"x": "{% $states.input.k %}"}, "Next": "C"},
                "C": {"Type": "Choice", "Choices": [{"Condition": "{% $x = 'v' %}", "Next": "D"}]},
                "D": {"Type": "Wait", "Seconds": 1, "Next": "E"},
                "E": {"Type": "Pass", "Output": "{% $states.input %}", "Next": "G"},
                "G": {"Type": "Succeed"}
            }),
            vec![true, true, true, false, true],
        ),
    ];
    for (language, states, expected) in cases {
        let definition = json!({"QueryLanguage": language, "StartAt": "A", "States": states});
        let (end, events) = common::run(&definition.to_string(), doc.clone(), &json!({}));
        assert!(
            matches!(end, common::End::Succeeded(_)),
            "{language}: {end:?}"
        );
        assert_eq!(shared(&events), expected, "{language}");
    }
}
