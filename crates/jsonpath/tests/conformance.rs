//! Single-Pass-state cases from the shared conformance suite (AWS-recorded results),
//! extracted by `tests/fixtures/extract_conformance.py` into `tests/fixtures/conformance.json`.

use serde_json::{json, Value};
use stepwell_jsonpath::{FixedEntropy, NoVariables, Path, Roots, Template};

/// Replaces every masked (nondeterministic) path by a marker.
fn mask(value: &mut Value, paths: &[Value]) {
    for p in paths {
        let Some(text) = p.as_str() else { continue };
        let Ok(path) = Path::parse(text) else {
            continue;
        };
        let marker = Value::String("<masked>".into());
        if let Ok(v) = stepwell_jsonpath::set_at(&path, value.clone(), marker) {
            *value = v;
        }
    }
}

#[test]
fn conformance_cases() {
    let cases: Vec<Value> =
        serde_json::from_str(include_str!("fixtures/conformance.json")).expect("fixture parses");
    let mut failures = Vec::new();
    for case in &cases {
        let name = case["name"].as_str().unwrap_or("?");
        let input = &case["input"];
        // The redacted names the recording tool wrote stand in for the real ones.
        let context = json!({
            "Execution": {"Input": input, "Name": "<ExecArnPart_0idx>"},
            "StateMachine": {
                "Id": "arn:aws:states:us-east-1:111111111111:stateMachine:<ArnPart_0idx>",
                "Name": "<ArnPart_0idx>"
            }
        });
        let roots = Roots {
            input,
            context: &context,
            variables: &NoVariables,
        };
        let mut entropy = FixedEntropy::new(vec![7, 11]);
        let compiled = Template::compile(&case["template"]);
        let outcome = match (&compiled, case.get("invalid")) {
            (Err(errors), Some(cause)) => {
                let cause = cause.as_str().unwrap_or("");
                if errors.iter().any(|e| cause.contains(&e.to_string())) {
                    Ok(())
                } else {
                    Err(format!("validation: expected {cause:?}, got {errors:?}"))
                }
            }
            (Ok(_), Some(cause)) => Err(format!("compiled, but AWS rejected it: {cause}")),
            (Err(errors), None) => Err(format!("does not compile: {errors:?}")),
            (Ok(t), None) => match (t.render(&roots, &mut entropy), case.get("output")) {
                (Ok(mut got), Some(expected)) => {
                    let mut expected = expected.clone();
                    let masked = case["mask"].as_array().cloned().unwrap_or_default();
                    mask(&mut got, &masked);
                    mask(&mut expected, &masked);
                    if got == expected {
                        Ok(())
                    } else {
                        Err(format!("expected {expected}, got {got}"))
                    }
                }
                (Err(e), None) => {
                    let cause = case["cause"].as_str().unwrap_or("").replace(
                        "<json-input:1>",
                        &serde_json::to_string(input).unwrap_or_default(),
                    );
                    if e.to_string() == cause && case["error"] == e.error_name() {
                        Ok(())
                    } else {
                        Err(format!(
                            "expected {} {cause:?}, got {} {:?}",
                            case["error"],
                            e.error_name(),
                            e.to_string()
                        ))
                    }
                }
                (Ok(got), None) => Err(format!("expected a failure, got {got}")),
                (Err(e), Some(expected)) => Err(format!("expected {expected}, got error {e}")),
            },
        };
        if let Err(msg) = outcome {
            failures.push(format!("{name}: {msg}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}
