//! A Distributed Map's `ItemProcessor.ProcessorConfig.ExecutionType`: the
//! kind of child execution each iteration runs as.

use stepwell_asl::{ExecutionType, StateKind};

fn definition(config: &str) -> String {
    format!(
        r#"{{"StartAt": "M", "States": {{"M": {{"Type": "Map", "End": true,
            "ItemProcessor": {{"ProcessorConfig": {config},
            "StartAt": "P", "States": {{"P": {{"Type": "Pass", "End": true}}}}}}}}}}}}"#
    )
}

#[test]
fn the_execution_type_is_kept_in_the_model() {
    // (ProcessorConfig, the execution type read, or None: a definition error)
    let cases = [
        (
            r#"{"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"}"#,
            Some(ExecutionType::Standard),
        ),
        (
            r#"{"Mode": "DISTRIBUTED", "ExecutionType": "EXPRESS"}"#,
            Some(ExecutionType::Express),
        ),
        (r#"{"Mode": "DISTRIBUTED"}"#, Some(ExecutionType::Standard)),
        (r#"{"Mode": "INLINE"}"#, Some(ExecutionType::Standard)),
        (r#"{}"#, Some(ExecutionType::Standard)),
        (
            r#"{"Mode": "DISTRIBUTED", "ExecutionType": "express"}"#,
            None,
        ),
        (r#"{"Mode": "DISTRIBUTED", "ExecutionType": 1}"#, None),
    ];
    for (config, want) in cases {
        let got = stepwell_asl::parse_definition(&definition(config));
        let got = got.ok().map(|sm| match &sm.top().states[0].kind {
            StateKind::Map(m) => m.execution_type,
            other => panic!("{config}: not a Map: {}", other.type_name()),
        });
        assert_eq!(got, want, "{config}");
    }
}
