//! Numeric fields of JSONata states take a number or a `{% ... %}`
//! expression; any other string is a definition error.
//!
//! Regression: a string that was not an expression (`"Seconds": "abc"`) made
//! the state vanish from the compiled machine without a diagnostic, so
//! `parse_definition` returned `Ok` and running it referenced a missing state
//! (found by the `asl_parse` fuzz target).

fn definition(field: &str, value: &str) -> String {
    let state = match field {
        "Seconds" => format!(r#"{{"Type": "Wait", "Seconds": {value}, "End": true}}"#),
        "MaxConcurrency" | "ToleratedFailureCount" | "ToleratedFailurePercentage" => format!(
            r#"{{"Type": "Map", "{field}": {value}, "End": true,
                "ItemProcessor": {{"ProcessorConfig": {{"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"}},
                "StartAt": "P", "States": {{"P": {{"Type": "Pass", "End": true}}}}}}}}"#
        ),
        _ => format!(
            r#"{{"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:111111111111:function:f", "{field}": {value}, "End": true}}"#
        ),
    };
    format!(r#"{{"QueryLanguage": "JSONata", "StartAt": "S", "States": {{"S": {state}}}}}"#)
}

#[test]
fn numeric_fields_take_numbers_or_expressions() {
    let fields = [
        "Seconds",
        "TimeoutSeconds",
        "HeartbeatSeconds",
        "MaxConcurrency",
        "ToleratedFailureCount",
        "ToleratedFailurePercentage",
    ];
    // (value, accepted)
    let values = [
        ("5", true),
        (r#""{% 5 %}""#, true),
        (r#""{% $states.input.n %}""#, true),
        (r#""abc""#, false),
        (r#""5""#, false),
        (r#""{% 5""#, false),
        (r#""{% $states}""#, false),
        (r#""""#, false),
    ];
    for field in fields {
        for (value, ok) in values {
            let def = definition(field, value);
            let got = stepwell_asl::parse_definition(&def);
            assert_eq!(got.is_ok(), ok, "{field}: {value}: {:?}", got.err());
            if let Ok(sm) = got {
                assert!(
                    !sm.top().states.is_empty(),
                    "{field}: {value}: a machine without states"
                );
            }
        }
    }
}
