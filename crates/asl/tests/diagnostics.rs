//! Definitions AWS refuses, with the diagnostics it gives (code, message,
//! location). Where a source measured AWS's answer, the row says so; the
//! rest follow the same wording.
//!
//! Sources: floci-io/floci issues 2735, 2968 and 3733, and its tests
//! StepFunctionsTopLevelReferenceIntegrationTest and
//! StepFunctionsValidateStateMachineDefinitionIntegrationTest (measured with
//! `aws stepfunctions validate-state-machine-definition`); cfn-lint issues
//! 3616 and 4075 (CloudFormation deploy errors); aws-cdk issue 10530.

use stepwell_asl::{invalid_definition_message, parse_definition, Diagnostic};

/// Each diagnostic as `CODE: message at location` (no location: `at null`,
/// as AWS's InvalidDefinition message writes it).
fn diagnostics(text: &str) -> Vec<String> {
    match parse_definition(text) {
        Ok(_) => Vec::new(),
        Err(diags) => diags.iter().map(render).collect(),
    }
}

fn render(d: &Diagnostic) -> String {
    let message = invalid_definition_message(std::slice::from_ref(d));
    message
        .trim_start_matches("Invalid State Machine Definition: '")
        .trim_end_matches('\'')
        .to_string()
}

/// A one-state machine around `state` (named S), in `ql`.
fn one(state: &str) -> String {
    format!(r#"{{"StartAt":"S","States":{{"S":{state}}}}}"#)
}

fn one_jsonata(state: &str) -> String {
    format!(r#"{{"QueryLanguage":"JSONata","StartAt":"S","States":{{"S":{state}}}}}"#)
}

/// A Map (named M) with `fields` and an inline processor of one Pass.
fn map(fields: &str) -> String {
    one(&format!(
        r#"{{"Type":"Map",{fields}"ItemProcessor":{{"StartAt":"P","States":{{"P":{{"Type":"Pass","End":true}}}}}},"End":true}}"#
    ))
    .replace("\"S\"", "\"M\"")
}

const SV: &str = "SCHEMA_VALIDATION_FAILED";
const UJ: &str = "UNSUPPORTED_JSONATA_EXPRESSION";

#[test]
fn refused_as_aws_refuses_them() {
    let cases: Vec<(&str, String, Vec<String>)> = vec![
        // Structure and transitions.
        (
            "no fields (measured)",
            "{}".into(),
            vec![format!("{SV}: These fields are required: [States, StartAt] at /")],
        ),
        (
            "a loop with no end (measured: no reachability walk, `at null`)",
            r#"{"StartAt":"A","States":{"A":{"Type":"Pass","Next":"B"},"B":{"Type":"Pass","Next":"A"}}}"#.into(),
            vec!["MISSING_END_STATE: Workflow has no terminal state at null".into()],
        ),
        (
            "a transition to no state is no end (measured)",
            r#"{"StartAt":"A","States":{"A":{"Type":"Pass","Next":"NOPE"}}}"#.into(),
            vec![
                "MISSING_TRANSITION_TARGET: Missing 'Next' target: NOPE at /States/A/Next".into(),
                "MISSING_END_STATE: Workflow has no terminal state at null".into(),
            ],
        ),
        (
            "StartAt names no state: every state is unreachable (measured)",
            r#"{"StartAt":"Nope","States":{"A":{"Type":"Pass","End":true}}}"#.into(),
            vec![
                "MISSING_TRANSITION_TARGET: Missing 'Next' target: Nope at /StartAt".into(),
                "MISSING_TRANSITION_TARGET: State \"A\" is not reachable. at /States/A".into(),
            ],
        ),
        (
            "no StartAt: that alone (recorded: INVALID_BASE_NO_STARTAT)",
            r#"{"States":{"StartState":{"Type":"Pass","End":true}}}"#.into(),
            vec![format!("{SV}: These fields are required: [StartAt] at /")],
        ),
        (
            "no StartAt in a branch: that alone",
            one(r#"{"Type":"Parallel","Branches":[{"States":{"P":{"Type":"Pass","End":true}}}],"End":true}"#),
            vec![format!("{SV}: These fields are required: [StartAt] at /States/S/Branches[0]")],
        ),
        (
            "a definition that is no object (recorded for blank text)",
            "[]".into(),
            vec![format!("{SV}: Definition must be a valid JSON object at null")],
        ),
        (
            "a Label too long",
            map(&format!(r#""Label":"{}","#, "x".repeat(41))),
            vec![format!("INVALID_LABEL_NAME: Invalid Label name: Label '{}' exceeds the 40-character limit allowed by the service at /States/M/Label", "x".repeat(41))],
        ),
        (
            "a Label with a character a name must not contain",
            map(r#""Label":"x:y","#),
            vec!["INVALID_LABEL_NAME: Invalid Label name: Label 'x:y' contains ':', a character a label must not contain at /States/M/Label".into()],
        ),
        (
            "a Label with white space, and an empty one",
            r#"{"StartAt":"M","States":{
                "M":{"Type":"Map","Label":"a b","ItemProcessor":{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},"Next":"N"},
                "N":{"Type":"Map","Label":"","ItemProcessor":{"StartAt":"Q","States":{"Q":{"Type":"Pass","End":true}}},"End":true}}}"#.into(),
            vec![
                "INVALID_LABEL_NAME: Invalid Label name: Label 'a b' contains ' ', a character a label must not contain at /States/M/Label".into(),
                "INVALID_LABEL_NAME: Invalid Label name: Label '' must not be empty at /States/N/Label".into(),
            ],
        ),
        (
            "a Label twice, the second inside the first Map",
            one(r#"{"Type":"Map","Label":"L","ItemProcessor":{"StartAt":"I","States":{"I":{"Type":"Map","Label":"L","ItemProcessor":{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},"End":true}}},"End":true}"#),
            vec!["DUPLICATE_LABEL_NAME: Duplicate Label name: L at /States/S/ItemProcessor/States/I/Label".into()],
        ),
        (
            "a Label that is no string",
            map(r#""Label":5,"#),
            vec![format!("{SV}: Expected value of type [STRING] at /States/M/Label")],
        ),
        (
            "an ExecutionType of neither kind",
            map("").replace(r#""StartAt":"P","#, r#""ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"FOO"},"StartAt":"P","#),
            vec![format!("{SV}: Value should be one of the following: [STANDARD, EXPRESS] at /States/M/ItemProcessor/ProcessorConfig/ExecutionType")],
        ),
        (
            "Next and End",
            one(r#"{"Type":"Pass","Next":"S","End":true}"#),
            vec![format!("{SV}: There should only be one of the following fields: [Next, End] at /States/S")],
        ),
        (
            "a state name given twice in one States object",
            r#"{"StartAt":"A","States":{"A":{"Type":"Pass","Next":"B"},"B":{"Type":"Succeed"},"A":{"Type":"Pass","End":true}}}"#.into(),
            vec!["DUPLICATE_STATE_NAME: Duplicate State name: A at /States/A".into()],
        ),
        (
            "a state name in two branches",
            one(r#"{"Type":"Parallel","End":true,"Branches":[
                {"StartAt":"X","States":{"X":{"Type":"Pass","End":true}}},
                {"StartAt":"X","States":{"X":{"Type":"Pass","End":true}}}]}"#),
            vec!["DUPLICATE_STATE_NAME: Duplicate State name: X at /States/S/Branches[1]/States/X".into()],
        ),
        (
            "a state name of 81 characters (asl-validator issue 69: CreateStateMachine's answer)",
            format!(r#"{{"StartAt":"{n}","States":{{"{n}":{{"Type":"Pass","End":true}}}}}}"#, n = "N".repeat(81)),
            vec![format!(
                "INVALID_STATE_NAME: Invalid State name: State '{n}' exceeds the 80-character limit allowed by the service at /States/{n}",
                n = "N".repeat(81)
            )],
        ),
        (
            "a state name of 80 characters, some of them not ASCII",
            format!(r#"{{"StartAt":"{n}","States":{{"{n}":{{"Type":"Pass","End":true}}}}}}"#, n = "é".repeat(80)),
            vec![],
        ),
        // Numbers.
        (
            "Seconds above AWS's maximum (cfn-lint 4075)",
            one(r#"{"Type":"Wait","Seconds":10000000000000000,"End":true}"#),
            vec![format!("{SV}: Maximum value is 99999999 at /States/S/Seconds")],
        ),
        (
            "Seconds as a string",
            one(r#"{"Type":"Wait","Seconds":"10","End":true}"#),
            vec![format!("{SV}: Expected value of type Integer at /States/S/Seconds")],
        ),
        (
            "two of Wait's fields",
            one(r#"{"Type":"Wait","Seconds":1,"Timestamp":"2016-03-14T01:59:00Z","End":true}"#),
            vec![format!("{SV}: There should only be one of the following fields: [SecondsPath, Seconds, TimestampPath, Timestamp] at /States/S/Seconds")],
        ),
        (
            "MaxConcurrency below 0 (measured)",
            map(r#""MaxConcurrency":-1,"#),
            vec![format!("{SV}: Minimum value is 0 at /States/M/MaxConcurrency")],
        ),
        (
            "ToleratedFailurePercentage above 100 (measured)",
            map(r#""ToleratedFailurePercentage":150,"#),
            vec![format!("{SV}: Maximum value is 100.0 at /States/M/ToleratedFailurePercentage")],
        ),
        (
            "ToleratedFailureCount not an integer",
            map(r#""ToleratedFailureCount":1.5,"#),
            vec![format!("{SV}: Expected value of type Integer at /States/M/ToleratedFailureCount")],
        ),
        (
            "a literal and its ...Path (measured)",
            map(r#""MaxConcurrency":1,"MaxConcurrencyPath":"$.n","#),
            vec![format!("{SV}: There should only be one of the following fields: [MaxConcurrency, MaxConcurrencyPath] at /States/M/MaxConcurrency")],
        ),
        (
            "a ...Path into the context object (measured)",
            map(r#""MaxConcurrencyPath":"$$.Execution.Input.n","#),
            vec![format!("{SV}: Value is not a Reference Path at /States/M/MaxConcurrencyPath")],
        ),
        (
            "a ResultPath into the context object",
            one(r#"{"Type":"Pass","ResultPath":"$$.Execution.Input","End":true}"#),
            vec![format!("{SV}: Value is not a Reference Path at /States/S/ResultPath")],
        ),
        (
            // AWS, "Using variables in JSONPath states": variables are taken
            // anywhere a path is, "with the exception of ResultPath".
            "a ResultPath naming a variable",
            one(r#"{"Type":"Pass","ResultPath":"$v","End":true}"#),
            vec![format!("{SV}: Value is not a Reference Path at /States/S/ResultPath")],
        ),
        (
            "a ResultPath into a variable's field",
            one(r#"{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","ResultPath":"$v.a[0]","End":true}"#),
            vec![format!("{SV}: Value is not a Reference Path at /States/S/ResultPath")],
        ),
        (
            "a ResultPath into $states",
            one(r#"{"Type":"Pass","ResultPath":"$states.input","End":true}"#),
            vec![format!("{SV}: Value is not a Reference Path at /States/S/ResultPath")],
        ),
        (
            "a catcher's ResultPath naming a variable",
            one(r#"{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","End":true,
                "Catch":[{"ErrorEquals":["States.ALL"],"ResultPath":"$v","Next":"S"}]}"#),
            vec![format!("{SV}: Value is not a Reference Path at /States/S/Catch[0]/ResultPath")],
        ),
        (
            "a Map's ResultPath naming a variable",
            map(r#""ResultPath":"$v","#),
            vec![format!("{SV}: Value is not a Reference Path at /States/M/ResultPath")],
        ),
        (
            "retrier numbers",
            one(r#"{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","End":true,
                "Retry":[{"ErrorEquals":["X"],"MaxAttempts":100000000,"BackoffRate":0.5,"MaxDelaySeconds":31622401,"JitterStrategy":5}]}"#),
            vec![
                format!("{SV}: Maximum value is 99999999 at /States/S/Retry[0]/MaxAttempts"),
                format!("{SV}: Minimum value is 1.0 at /States/S/Retry[0]/BackoffRate"),
                format!("{SV}: Maximum value is 31622400 at /States/S/Retry[0]/MaxDelaySeconds"),
                format!("{SV}: Value should be one of the following: [FULL, NONE] at /States/S/Retry[0]/JitterStrategy"),
            ],
        ),
        (
            "States.ALL before another retrier (aws-cdk 10530)",
            one(r#"{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","End":true,
                "Retry":[{"ErrorEquals":["States.ALL"]},{"ErrorEquals":["X"]}]}"#),
            vec![format!("{SV}: States.ALL must appear alone and at end of list at /States/S/Retry[0]/ErrorEquals[0]")],
        ),
        (
            "States.ALL with another error",
            one(r#"{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","End":true,
                "Catch":[{"ErrorEquals":["X","States.ALL"],"Next":"S"}]}"#),
            vec![format!("{SV}: States.ALL must appear alone and at end of list at /States/S/Catch[0]/ErrorEquals[1]")],
        ),
        // Query languages.
        (
            "a JSONata field in a JSONPath state (measured)",
            one(r#"{"Type":"Pass","Output":{},"End":true}"#),
            vec![format!("{SV}: The QueryLanguage is set to 'JSONPath', but field 'Output' is only supported for the 'JSONata' QueryLanguage at /States/S")],
        ),
        (
            "a JSONPath field in a JSONata state (measured)",
            one_jsonata(r#"{"Type":"Pass","InputPath":"$","End":true}"#),
            vec![format!("{SV}: The QueryLanguage is set to 'JSONata', but field 'InputPath' is only supported for the 'JSONPath' QueryLanguage at /States/S")],
        ),
        (
            "a JSONPath state in a JSONata machine: said once (measured)",
            one_jsonata(r#"{"Type":"Pass","QueryLanguage":"JSONPath","InputPath":"$","End":true}"#),
            vec![format!("{SV}: 'QueryLanguage' can not be 'JSONPath' if set to 'JSONata' for whole state machine at /States/S")],
        ),
        (
            "a QueryLanguage of neither name is JSONata (measured)",
            r#"{"QueryLanguage":"jsonata","StartAt":"S","States":{"S":{"Type":"Pass","InputPath":"$","End":true}}}"#.into(),
            vec![
                format!("{SV}: Value should be one of the following: [JSONPath, JSONata] at /QueryLanguage"),
                format!("{SV}: The QueryLanguage is set to 'JSONata', but field 'InputPath' is only supported for the 'JSONPath' QueryLanguage at /States/S"),
            ],
        ),
        (
            "a processor has no language (measured)",
            one(r#"{"Type":"Map","End":true,"ItemProcessor":{"QueryLanguage":"JSONata","StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}}"#),
            vec![format!("{SV}: Field 'QueryLanguage' is not supported at /States/S/ItemProcessor")],
        ),
        (
            "a Map's language is not its iterations' (measured)",
            one(r#"{"Type":"Map","QueryLanguage":"JSONata","End":true,"ItemProcessor":{"StartAt":"P","States":{"P":{"Type":"Pass","Output":{},"End":true}}}}"#),
            vec![format!("{SV}: The QueryLanguage is set to 'JSONPath', but field 'Output' is only supported for the 'JSONata' QueryLanguage at /States/S/ItemProcessor/States/P")],
        ),
        (
            "a catcher's field of the other language",
            one_jsonata(r#"{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","End":true,
                "Catch":[{"ErrorEquals":["States.ALL"],"ResultPath":"$.e","Next":"S"}]}"#),
            vec![format!("{SV}: The QueryLanguage is set to 'JSONata', but field 'ResultPath' is only supported for the 'JSONPath' QueryLanguage at /States/S/Catch[0]")],
        ),
        (
            "a JSONata expression that does not parse (measured)",
            one_jsonata(r#"{"Type":"Pass","Output":"{% a[1,2) %}","End":true}"#),
            vec![r#"INVALID_JSONATA_EXPRESSION: Expected "]", got "," at /States/S/Output"#.into()],
        ),
        // What a Step Functions expression cannot read (floci-io/floci,
        // StepFunctionsTopLevelReferenceIntegrationTest and
        // StepFunctionsValidateStateMachineDefinitionIntegrationTest).
        (
            "a field read at the top level (measured)",
            one_jsonata(r#"{"Type":"Pass","Output":{"v":"{% phone[0] %}"},"End":true}"#),
            vec![format!("{UJ}: Reference to 'phone' at the top level is not supported. at /States/S/Output/v")],
        ),
        (
            "a top-level read deep in Output (measured)",
            one_jsonata(r#"{"Type":"Pass","Output":{"a":{"b":["{% phone %}"]}},"End":true}"#),
            vec![format!("{UJ}: Reference to 'phone' at the top level is not supported. at /States/S/Output/a/b[0]")],
        ),
        (
            "each distinct top-level read of a field, in the order written (measured)",
            one_jsonata(r#"{"Type":"Pass","Output":{"v":"{% aaa + bbb + aaa %}"},"End":true}"#),
            vec![
                format!("{UJ}: Reference to 'aaa' at the top level is not supported. at /States/S/Output/v"),
                format!("{UJ}: Reference to 'bbb' at the top level is not supported. at /States/S/Output/v"),
            ],
        ),
        (
            "the context item (measured)",
            one_jsonata(r#"{"Type":"Pass","Output":{"v":"{% $.phone %}"},"End":true}"#),
            vec![format!("{UJ}: Reference to '$' at the top level is not supported. at /States/S/Output/v")],
        ),
        (
            "$$ (measured)",
            one_jsonata(r#"{"Type":"Pass","Output":"{% $$ %}","End":true}"#),
            vec![format!("{UJ}: Reference to '$$' is not supported. at /States/S/Output")],
        ),
        (
            "$states.errorOutput outside a catcher (measured)",
            one_jsonata(r#"{"Type":"Pass","Output":"{% $states.errorOutput %}","End":true}"#),
            vec![format!("{UJ}: Field '$states.errorOutput' does not exist. at /States/S/Output")],
        ),
        (
            "$states.errorOutput in a state's own Output and Assign, next to its catcher",
            one_jsonata(r#"{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","End":true,
                "Output":"{% $states.errorOutput %}","Assign":{"e":"{% $states.errorOutput.Cause %}"},
                "Catch":[{"ErrorEquals":["States.ALL"],"Output":"{% $states.errorOutput %}","Next":"S"}]}"#),
            vec![
                format!("{UJ}: Field '$states.errorOutput' does not exist. at /States/S/Output"),
                format!("{UJ}: Field '$states.errorOutput' does not exist. at /States/S/Assign/e"),
            ],
        ),
        (
            "an earlier Assign does not bind the bare name (measured)",
            r#"{"QueryLanguage":"JSONata","StartAt":"A","States":{
                "A":{"Type":"Pass","Assign":{"phone":"{% 1 %}"},"Next":"E"},
                "E":{"Type":"Pass","Output":{"v":"{% phone %}"},"End":true}}}"#.into(),
            vec![format!("{UJ}: Reference to 'phone' at the top level is not supported. at /States/E/Output/v")],
        ),
        (
            // Measured one field at a time (the order of the diagnostics
            // is Stepwell's).
            "top-level reads in every kind of field",
            r#"{"QueryLanguage":"JSONata","StartAt":"C","States":{
                "C":{"Type":"Choice","Choices":[{"Condition":"{% phone = 1 %}","Next":"W"}],"Default":"W"},
                "W":{"Type":"Wait","Seconds":"{% phone %}","Next":"M"},
                "M":{"Type":"Map","Items":"{% phone %}","ItemSelector":{"Next":"{% phone %}"},
                     "ItemBatcher":{"MaxItemsPerBatch":2,"BatchInput":{"Comment":"{% phone %}"}},
                     "ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED"},"StartAt":"I","States":{"I":{"Type":"Pass","Output":{"v":"{% phone %}"},"End":true}}},"Next":"P"},
                "P":{"Type":"Parallel","Branches":[{"StartAt":"B","States":{"B":{"Type":"Pass","Output":{"v":"{% phone %}"},"End":true}}}],"Next":"T"},
                "T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke",
                     "Arguments":{"FunctionName":"f","Payload":{"Comment":"{% phone %}"}},
                     "Catch":[{"ErrorEquals":["States.ALL"],"Output":{"v":"{% phone %}"},"Assign":{"Retry":"{% phone %}"},"Next":"F"}],"Next":"F"},
                "F":{"Type":"Fail","Cause":"{% phone %}"}}}"#.into(),
            [
                "C/Choices[0]/Condition",
                "W/Seconds",
                "M/ItemProcessor/States/I/Output/v",
                "M/ItemSelector/Next",
                "M/Items",
                "M/ItemBatcher/BatchInput/Comment",
                "P/Branches[0]/States/B/Output/v",
                "T/Arguments/Payload/Comment",
                "T/Catch[0]/Output/v",
                "T/Catch[0]/Assign/Retry",
                "F/Cause",
            ]
            .iter()
            .map(|l| format!("{UJ}: Reference to 'phone' at the top level is not supported. at /States/{l}"))
            .collect(),
        ),
        // Choice rules and Map configuration.
        (
            "And and Or in one rule",
            r#"{"StartAt":"S","States":{"E":{"Type":"Succeed"},"S":{"Type":"Choice","Default":"E","Choices":[
                {"And":[{"Variable":"$.a","IsNull":true}],"Or":[{"Variable":"$.a","IsNull":true}],"Next":"E"}]}}}"#.into(),
            vec![format!("{SV}: Field 'Or' is not supported at /States/S/Choices[0]")],
        ),
        (
            "a Choice timestamp that is none",
            r#"{"StartAt":"S","States":{"E":{"Type":"Succeed"},"S":{"Type":"Choice","Default":"E","Choices":[
                {"Variable":"$.t","TimestampEquals":"2016-13-01","Next":"E"}]}}}"#.into(),
            vec![format!("{SV}: String does not match RFC3339 timestamp at /States/S/Choices[0]/TimestampEquals")],
        ),
        (
            "a ProcessorConfig Mode in the wrong case",
            one(r#"{"Type":"Map","End":true,"ItemProcessor":{"ProcessorConfig":{"Mode":"Distributed"},"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}}"#),
            vec![format!("{SV}: Value should be one of the following: [INLINE, DISTRIBUTED] at /States/S/ItemProcessor/ProcessorConfig/Mode")],
        ),
        (
            "a branch with a field no branch has",
            one(r#"{"Type":"Parallel","End":true,"Branches":[{"StartAt":"X","TimeoutSeconds":5,"States":{"X":{"Type":"Pass","End":true}}}]}"#),
            vec![format!("{SV}: Field 'TimeoutSeconds' is not supported at /States/S/Branches[0]")],
        ),
    ];
    let mut wrong = Vec::new();
    for (name, text, want) in &cases {
        let got = diagnostics(text);
        if &got != want {
            wrong.push(format!("{name}:\n  want {want:#?}\n  got  {got:#?}"));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn accepted_as_aws_accepts_them() {
    for (name, text) in [
        (
            // Measured: only the whole workflow must be able to end.
            "an iteration that never ends",
            one(r#"{"Type":"Map","End":true,"ItemProcessor":{"StartAt":"A","States":{"A":{"Type":"Pass","Next":"B"},"B":{"Type":"Pass","Next":"A"}}}}"#),
        ),
        (
            "a name given twice in a Parameters object",
            one(r#"{"Type":"Pass","Parameters":{"k":1,"k":2},"End":true}"#),
        ),
        (
            "States.ALL alone in the last catcher",
            one(r#"{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","End":true,
                "Retry":[{"ErrorEquals":["X"]},{"ErrorEquals":["States.ALL"],"MaxAttempts":0}],
                "Catch":[{"ErrorEquals":["States.ALL"],"Next":"S"}]}"#),
        ),
        (
            "a Wait of 0 seconds and the largest",
            r#"{"StartAt":"A","States":{"A":{"Type":"Wait","Seconds":0,"Next":"B"},"B":{"Type":"Wait","Seconds":99999999,"End":true}}}"#.into(),
        ),
        (
            "a ...Path into a variable",
            map(r#""MaxConcurrencyPath":"$limit","#),
        ),
        (
            // AWS's own examples: "Using JSONPath paths" writes
            // `$.abc.['def ghi']`, and Jayway reads a bracket after a '.'.
            "a bracket after a '.'",
            one(r#"{"Type":"Pass","InputPath":"$.abc.['def ghi']","ResultPath":"$.abc.['def ghi']",
                "Parameters":{"a.$":"$.abc.['def ghi']","b.$":"States.Format('{}', $.abc.['def ghi'])"},"End":true}"#),
        ),
        (
            // Measured: reads through $states, variables, later steps,
            // predicates and lambda parameters.
            "JSONata that reads no top-level context",
            one_jsonata(r#"{"Type":"Pass","Output":{
                "a":"{% $states.input.phone %}","b":"{% $states.input.items[phone > 3] %}",
                "c":"{% $map($states.input.a, function($x){ $x.phone }) %}","d":"{% $phone %}",
                "e":"{% $states.input ~> |phone|{'b': 1}| %}","f":"{% **.phone %}"},"End":true}"#),
        ),
        (
            // Measured.
            "$states.errorOutput in a catcher's Output and Assign",
            one_jsonata(r#"{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","End":true,
                "Catch":[{"ErrorEquals":["States.ALL"],"Output":"{% $states.errorOutput %}",
                          "Assign":{"lastError":"{% $states.errorOutput.Cause %}"},"Next":"S"}]}"#),
        ),
        (
            // Measured: a JSONPath machine's `{% %}` is text.
            "a JSONPath Parameters value that looks like JSONata",
            one(r#"{"Type":"Pass","Parameters":{"v":"{% phone %}"},"End":true}"#),
        ),
        (
            // Measured: Comment is text.
            "a Comment that looks like JSONata",
            one_jsonata(r#"{"Type":"Pass","Comment":"{% phone %}","End":true}"#),
        ),
    ] {
        assert_eq!(diagnostics(&text), Vec::<String>::new(), "{name}");
    }
}

/// A definition stored by an older Stepwell, which checked fewer rules,
/// still compiles (its executions run on after an upgrade); one whose
/// states could not all be compiled still does not.
#[test]
fn stored_definitions_compile_despite_rules_added_since() {
    use stepwell_asl::{parse_definition_with, Options};
    let stored = Options {
        stored: true,
        ..Options::default()
    };
    let long = "N".repeat(81);
    let newer_rules = [
        // A name given twice: the last one is the state.
        r#"{"StartAt":"A","States":{"A":{"Type":"Pass","Result":1,"End":true},"A":{"Type":"Pass","Result":2,"End":true}}}"#.to_string(),
        format!(r#"{{"StartAt":"{long}","States":{{"{long}":{{"Type":"Pass","End":true}}}}}}"#),
        one(r#"{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","End":true,
                "Retry":[{"ErrorEquals":["States.ALL"]},{"ErrorEquals":["X"]}]}"#),
    ];
    for text in &newer_rules {
        assert!(parse_definition(text).is_err(), "refused when new: {text}");
        let sm = parse_definition_with(text, stored);
        assert!(sm.is_ok(), "{text}: {:?}", sm.err());
    }
    let sm = parse_definition_with(&newer_rules[0], stored).ok();
    let result = sm.as_ref().and_then(|sm| match &sm.top().states[0].kind {
        stepwell_asl::StateKind::Pass(p) => p.result.clone(),
        _ => None,
    });
    assert_eq!(result, Some(serde_json::json!(2)));
    let incomplete = [
        r#"{"StartAt":"Nowhere","States":{"A":{"Type":"Pass","End":true}}}"#,
        r#"{"StartAt":"A","States":{"A":{"Type":"Parallel","End":true}}}"#,
        r#"{"StartAt":"A","States":{}}"#,
        r#"{"StartAt":"A"}"#,
    ];
    for text in incomplete {
        assert!(parse_definition_with(text, stored).is_err(), "{text}");
    }
}

/// Text that is no JSON object, through the API's reader (JSON only) and
/// the command line's (JSON or YAML): recorded against AWS
/// (ValidateStateMachineDefinition of `" "` and `"not a definition"`).
#[test]
fn text_that_is_no_definition_is_worded_as_aws_words_it() {
    let read = |text: &str| {
        let api = stepwell_asl::parse_json_definition(text, Default::default()).err();
        let cli = parse_definition(text).err();
        assert_eq!(api, cli, "{text:?}: the two readers differ");
        api.unwrap_or_default()
    };
    let blank = read(" ");
    assert_eq!(blank.len(), 1);
    assert_eq!(blank[0].code.as_str(), "SCHEMA_VALIDATION_FAILED");
    assert_eq!(blank[0].message, "Definition must be a valid JSON object");
    assert_eq!(blank[0].location, None);

    let words = read("not a definition");
    assert_eq!(words.len(), 1);
    assert_eq!(words[0].code.as_str(), "INVALID_JSON_DESCRIPTION");
    let at = "[Source: (String)\"not a definition\"; line: 1, column: 4]";
    assert_eq!(
        words[0].message,
        format!("Unrecognized token 'not': was expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false')\n at {at}")
    );
    assert_eq!(words[0].location.as_deref(), Some(at));

    // Other syntax errors keep serde_json's words, without a location.
    let other = read("{\"StartAt\": }");
    assert_eq!(other[0].code.as_str(), "INVALID_JSON_DESCRIPTION");
    assert_eq!(other[0].location, None);
}
