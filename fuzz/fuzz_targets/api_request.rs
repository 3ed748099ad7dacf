//! Any request body to any Step Functions API operation, through the
//! server's own router on a real (temporary) SQLite store: an answer with an
//! AWS error name or a result, never a panic (a panic in a spawned task
//! aborts too: libFuzzer's panic hook). The first byte picks the operation;
//! the rest is the body. The store lives for the whole run, so requests see
//! what earlier ones created; a state machine `Fuzz` and an activity `Work`
//! exist from the start, so seeds can name them.
//!
//! Linking `stepwell-server` brings SQLite in, whose globals AddressSanitizer
//! reports as an ODR violation at start-up: run with
//! `ASAN_OPTIONS=detect_odr_violation=0`.
#![no_main]

use std::sync::{Arc, OnceLock};

use axum::body::Body;
use axum::http::Request;
use libfuzzer_sys::fuzz_target;
use tower::ServiceExt;

const OPS: &[&str] = &[
    "CreateStateMachine",
    "DescribeStateMachine",
    "UpdateStateMachine",
    "DeleteStateMachine",
    "ListStateMachines",
    "ValidateStateMachineDefinition",
    "DescribeStateMachineForExecution",
    "PublishStateMachineVersion",
    "ListStateMachineVersions",
    "DeleteStateMachineVersion",
    "CreateStateMachineAlias",
    "DescribeStateMachineAlias",
    "UpdateStateMachineAlias",
    "DeleteStateMachineAlias",
    "ListStateMachineAliases",
    "StartExecution",
    "StartSyncExecution",
    "StopExecution",
    "RedriveExecution",
    "DescribeExecution",
    "ListExecutions",
    "GetExecutionHistory",
    "DescribeMapRun",
    "ListMapRuns",
    "UpdateMapRun",
    "SendTaskSuccess",
    "SendTaskFailure",
    "SendTaskHeartbeat",
    "CreateActivity",
    "DescribeActivity",
    "DeleteActivity",
    "ListActivities",
    "GetActivityTask",
    "TestState",
    "TagResource",
    "UntagResource",
    "ListTagsForResource",
];

const MACHINE: &str = r#"{"StartAt":"P","States":{"P":{"Type":"Pass","Next":"W"},"W":{"Type":"Wait","Seconds":1,"End":true}}}"#;

struct Server {
    tokio: tokio::runtime::Runtime,
    rt: Arc<stepwell_server::Runtime>,
    _dir: std::path::PathBuf,
}

fn server() -> &'static Server {
    static SERVER: OnceLock<Server> = OnceLock::new();
    SERVER.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("stepwell-fuzz-api-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("a temporary directory");
        let tokio = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("a tokio runtime");
        let opts = stepwell_server::ServeOptions {
            bind: [127, 0, 0, 1].into(),
            port: 0,
            db: dir.join("fuzz.db").display().to_string(),
            durability: Default::default(),
            region: "us-east-1".into(),
            account: "123456789012".into(),
            // Waits end at once, so executions don't pile up.
            wait_scale: 0.0,
            mock_config: None,
            sigv4: None,
            lambda: Default::default(),
            s3_dir: Some(dir.join("s3")),
            aws_integrations: false,
            node: Default::default(),
            park_after_ms: 60_000,
            // Requests may ask for execution logs: they are written too.
            logs_dir: Some(dir.join("logs")),
        };
        let rt = tokio
            .block_on(stepwell_server::start_runtime(&opts, None))
            .expect("the runtime starts");
        let server = Server {
            tokio,
            rt,
            _dir: dir,
        };
        let role = "arn:aws:iam::123456789012:role/fuzz";
        let definition = serde_json::Value::String(MACHINE.into());
        call(
            &server,
            "CreateStateMachine",
            format!(r#"{{"name":"Fuzz","roleArn":"{role}","definition":{definition}}}"#).as_bytes(),
        );
        call(&server, "CreateActivity", br#"{"name":"Work"}"#);
        server
    })
}

fn call(server: &Server, op: &str, body: &[u8]) -> (u16, Vec<u8>) {
    let request = Request::post("/")
        .header("x-amz-target", format!("AWSStepFunctions.{op}"))
        .header("content-type", "application/x-amz-json-1.0")
        .body(Body::from(body.to_vec()))
        .expect("a request");
    let app = stepwell_server::router(server.rt.clone());
    server.tokio.block_on(async {
        let response = app.oneshot(request).await.expect("the router answers");
        let status = response.status().as_u16();
        let body = axum::body::to_bytes(response.into_body(), 8 << 20)
            .await
            .expect("a readable body");
        (status, body.to_vec())
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((&pick, body)) = data.split_first() else {
        return;
    };
    let op = OPS[usize::from(pick) % OPS.len()];
    // A long poll would stall the run for a minute.
    if op == "GetActivityTask" {
        return;
    }
    let (status, answer) = call(server(), op, body);
    let answer: serde_json::Value =
        serde_json::from_slice(&answer).expect("every answer is JSON");
    if status >= 400 {
        let kind = answer.get("__type").and_then(|t| t.as_str());
        assert!(
            kind.is_some_and(|k| !k.is_empty()),
            "an error names its AWS type: {answer}"
        );
        assert!(status < 500, "a request is never a server error: {op} {answer}");
    }
});
