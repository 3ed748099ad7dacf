//! A Task's `Resource` through validation: an integration with a pattern
//! AWS does not offer for it is refused where it stands, in AWS's words,
//! and a stored definition (accepted earlier, under fewer rules) still
//! compiles.

use stepwell_asl::{parse_json_definition, Options};

/// A Task (named T, in a Parallel's branch so the location is deep) of
/// `resource`.
fn definition(resource: &str) -> String {
    format!(
        r#"{{"StartAt":"P","States":{{"P":{{"Type":"Parallel","End":true,"Branches":[
            {{"StartAt":"T","States":{{"T":{{"Type":"Task","Resource":"{resource}","End":true}}}}}}]}}}}}}"#
    )
}

/// Each diagnostic as `CODE: message at location`.
fn diagnostics(resource: &str, options: Options) -> Vec<String> {
    match parse_json_definition(&definition(resource), options) {
        Ok(_) => Vec::new(),
        Err(diags) => diags.iter().map(ToString::to_string).collect(),
    }
}

#[test]
fn unrecognized_integrations_are_refused_at_the_resource() {
    let at = "/States/P/Branches[0]/States/T/Resource";
    let refused = |r: &str| {
        vec![format!(
            "SCHEMA_VALIDATION_FAILED: The resource provided {r} is not recognized. The value is \
             not a valid resource ARN, or the resource is not available in this region. at {at}"
        )]
    };
    // (resource, EXPRESS?, the diagnostics)
    let cases: Vec<(&str, bool, Vec<String>)> = vec![
        ("arn:aws:states:::lambda:invoke", false, vec![]),
        (
            "arn:aws:states:::lambda:invoke.waitForTaskToken",
            false,
            vec![],
        ),
        (
            "arn:aws:states:::states:startExecution.sync:2",
            false,
            vec![],
        ),
        (
            "arn:aws:states:::aws-sdk:s3:listBuckets.waitForTaskToken",
            false,
            vec![],
        ),
        ("arn:aws:states:::batch:submitJob.sync", false, vec![]),
        (
            "arn:aws:states:::lambda:invoke.sync",
            false,
            refused("arn:aws:states:::lambda:invoke.sync"),
        ),
        (
            "arn:aws:states:::dynamodb:getItem.waitForTaskToken",
            false,
            refused("arn:aws:states:::dynamodb:getItem.waitForTaskToken"),
        ),
        (
            "arn:aws:states:::aws-sdk:s3:listBuckets.sync",
            false,
            refused("arn:aws:states:::aws-sdk:s3:listBuckets.sync"),
        ),
        (
            "arn:aws:states:::http:invoke.sync",
            false,
            refused("arn:aws:states:::http:invoke.sync"),
        ),
        (
            "arn:aws:states:::batch:submitJob.waitForTaskToken",
            false,
            refused("arn:aws:states:::batch:submitJob.waitForTaskToken"),
        ),
        (
            "arn:aws:states:::sqs:sendMessage.sync:2",
            false,
            refused("arn:aws:states:::sqs:sendMessage.sync:2"),
        ),
        (
            "arn:aws:states:::lambda:invoke.foo",
            false,
            refused("arn:aws:states:::lambda:invoke.foo"),
        ),
        (
            "arn:aws:states:::lambda:invoke.foo",
            true,
            refused("arn:aws:states:::lambda:invoke.foo"),
        ),
        // EXPRESS refuses any job or callback in its own words first.
        (
            "arn:aws:states:::lambda:invoke.sync",
            true,
            vec![format!(
                "SCHEMA_VALIDATION_FAILED: Express state machine does not support '.sync' \
                 service integration at {at}"
            )],
        ),
    ];
    for (resource, express, want) in cases {
        let options = Options {
            express,
            ..Options::default()
        };
        assert_eq!(
            diagnostics(resource, options),
            want,
            "{resource} (express: {express})"
        );
    }
}

#[test]
fn a_stored_definition_still_compiles() {
    let options = Options {
        stored: true,
        ..Options::default()
    };
    let got = parse_json_definition(&definition("arn:aws:states:::lambda:invoke.sync"), options);
    assert!(got.is_ok(), "{got:?}");
}
