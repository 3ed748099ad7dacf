//! Helpers shared by the integration tests.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

use serde_json::Value;
use stepwell_lambda::{Lambda, LambdaConfig, Project, RuntimeClient};

pub const ARN: &str = "arn:aws:lambda:us-east-1:123456789012:function:";
pub const INVOKE: &str = "arn:aws:states:::lambda:invoke";

pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// Whether `program` is on PATH; prints a visible skip note when it is not.
pub fn have(program: &str) -> bool {
    let found = std::env::var_os("PATH")
        .map(|path| std::env::split_paths(&path).any(|dir| dir.join(program).is_file()))
        .unwrap_or(false);
    if !found {
        eprintln!("SKIPPED: `{program}` is not installed; this test needs it");
    }
    found
}

/// Our bootstraps unless `STEPWELL_TEST_RIC=1` asks for AWS's clients.
pub fn client() -> RuntimeClient {
    if std::env::var("STEPWELL_TEST_RIC").as_deref() == Ok("1") {
        RuntimeClient::Ric
    } else {
        RuntimeClient::Bootstrap
    }
}

pub async fn start(toml: &str) -> Lambda {
    let project = Project::parse(toml, "test.toml", &fixtures()).unwrap();
    let config = LambdaConfig {
        runtime_client: client(),
        ..LambdaConfig::default()
    };
    Lambda::start(Some(project), config).await.unwrap()
}

pub async fn call(
    lambda: &Lambda,
    function: &str,
    input: Value,
) -> Result<Value, (String, String)> {
    lambda.run_task(&format!("{ARN}{function}"), &input).await
}

/// The cause of a function error, parsed.
pub fn cause_json(cause: &str) -> Value {
    serde_json::from_str(cause).unwrap_or_else(|e| panic!("cause is not JSON ({e}): {cause}"))
}

/// The message of an invocation that timed out (checked to be one).
pub fn timed_out_message(result: Result<Value, (String, String)>) -> String {
    let (error, cause) = match result {
        Ok(v) => panic!("expected a timeout, got {v}"),
        Err(e) => e,
    };
    assert_eq!(error, "Sandbox.Timedout", "{cause}");
    cause_json(&cause)["errorMessage"]
        .as_str()
        .unwrap_or_else(|| panic!("no errorMessage: {cause}"))
        .to_string()
}
