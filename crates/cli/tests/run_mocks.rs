//! `stepwell run` with a MockConfigFile: where the file comes from (as in
//! Step Functions Local: `SFN_MOCK_CONFIG`, else `./MockConfigFile.json`),
//! and what `--json` prints when it cannot be used.

// Helpers outside #[test] fns unwrap too: a failed setup is a failed test.
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::{json, Value};

static DIRS: AtomicUsize = AtomicUsize::new(0);

/// A fresh directory holding the definition `M.asl.json` (a mocked
/// activity, then a mocked Task) and, in `mocks.json`, its mocks.
fn project() -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "stepwell-run-mocks-{}-{}",
        std::process::id(),
        DIRS.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let definition = json!({"StartAt": "Work", "States": {
        "Work": {"Type": "Task",
                 "Resource": "arn:aws:states:us-east-1:123456789012:activity:never-created",
                 "Next": "Send"},
        "Send": {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage",
                 "Parameters": {"QueueUrl": "q", "MessageBody.$": "$"}, "End": true}}});
    std::fs::write(dir.join("M.asl.json"), definition.to_string()).unwrap();
    let mocks = json!({
        "StateMachines": {"M": {"TestCases": {"Ok": {"Work": "Done", "Send": "Sent"}}}},
        "MockedResponses": {
            "Done": {"0": {"Return": {"done": true}}},
            "Sent": {"0": {"Return": {"MessageId": "m-1"}}}
        }
    });
    std::fs::write(dir.join("mocks.json"), mocks.to_string()).unwrap();
    dir
}

/// `stepwell run M.asl.json --json ARGS` in `dir` with the environment
/// variables `env` (and no SFN_MOCK_CONFIG of the caller's): the exit
/// code and the last line of its output as JSON.
fn run(dir: &Path, args: &[&str], env: &[(&str, &Path)]) -> (Option<i32>, Value) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_stepwell"));
    cmd.current_dir(dir)
        .args(["run", "M.asl.json", "--json", "--wait-scale", "0"])
        .args(args)
        .env_remove("SFN_MOCK_CONFIG");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let last = stdout.lines().last().unwrap_or_default();
    let got = serde_json::from_str(last).unwrap_or_else(|e| panic!("{e}: {stdout}"));
    (out.status.code(), got)
}

/// The event types of `stepwell run M.asl.json --history ARGS` in `dir`.
fn history_types(dir: &Path, args: &[&str]) -> Vec<String> {
    let out = Command::new(env!("CARGO_BIN_EXE_stepwell"))
        .current_dir(dir)
        .args(["run", "M.asl.json", "--history", "--wait-scale", "0"])
        .args(args)
        .env_remove("SFN_MOCK_CONFIG")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    stdout
        .lines()
        .filter_map(|l| l.trim().strip_prefix("\"type\": \""))
        .map(|t| t.trim_end_matches(['"', ',']).to_string())
        .collect()
}

/// What the run of test case `Ok` gives.
fn succeeded() -> (Option<i32>, Value) {
    (
        Some(0),
        json!({"status": "SUCCEEDED", "output": {"MessageId": "m-1"}}),
    )
}

/// `SFN_MOCK_CONFIG` is `--mock-config`'s default, so `--test-case` alone
/// is enough.
#[test]
fn sfn_mock_config_is_the_default_mock_config() {
    let dir = project();
    let mocks = dir.join("mocks.json");
    assert_eq!(
        run(&dir, &["--test-case", "Ok"], &[("SFN_MOCK_CONFIG", &mocks)]),
        succeeded()
    );
    // Without a test case it is not used (and not asked for).
    let (code, got) = run(&dir, &[], &[("SFN_MOCK_CONFIG", &mocks)]);
    assert_eq!((code, &got["status"]), (Some(1), &json!("FAILED")), "{got}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// Else `./MockConfigFile.json`, as Step Functions Local reads it.
#[test]
fn mock_config_file_json_in_the_directory_is_the_next_default() {
    let dir = project();
    std::fs::rename(dir.join("mocks.json"), dir.join("MockConfigFile.json")).unwrap();
    assert_eq!(run(&dir, &["--test-case", "Ok"], &[]), succeeded());
    let _ = std::fs::remove_dir_all(&dir);
}

/// Arguments that cannot be used: `--json` prints the README's
/// `{"status":"ERROR","error":"Usage","cause":…}`, exit code 2.
#[test]
fn a_test_case_without_a_mock_config_is_a_usage_error() {
    let dir = project();
    assert_eq!(
        run(&dir, &["--test-case", "Ok"], &[]),
        (
            Some(2),
            json!({"status": "ERROR", "error": "Usage",
                   "cause": "--test-case needs a mock config: --mock-config FILE, SFN_MOCK_CONFIG, or ./MockConfigFile.json"})
        )
    );
    assert_eq!(
        run(&dir, &["--mock-config", "mocks.json"], &[]),
        (
            Some(2),
            json!({"status": "ERROR", "error": "Usage", "cause": "--mock-config needs --test-case NAME"})
        )
    );
    assert_eq!(
        run(
            &dir,
            &["--mock-config", "mocks.json", "--test-case", "Nope"],
            &[]
        ),
        (
            Some(2),
            json!({"status": "ERROR", "error": "Usage",
                   "cause": "mock config has no test case 'Nope' for state machine 'M'"})
        )
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// A mocked activity records what `stepwell serve` records for it: a
/// worker took it at once.
#[test]
fn a_mocked_activity_is_scheduled_started_and_succeeds() {
    let dir = project();
    let types = history_types(&dir, &["--mock-config", "mocks.json", "--test-case", "Ok"]);
    let activity: Vec<&str> = types
        .iter()
        .map(String::as_str)
        .filter(|t| t.starts_with("Activity"))
        .collect();
    assert_eq!(
        activity,
        ["ActivityScheduled", "ActivityStarted", "ActivitySucceeded"],
        "{types:?}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// An activity no mock answers cannot exist in a local run: the execution
/// fails as AWS fails a Task whose activity does not exist, before
/// anything is scheduled (AWS's recording `activity_task_on_deleted`).
#[test]
fn an_unmocked_activity_does_not_exist() {
    let dir = project();
    assert_eq!(
        history_types(&dir, &[]),
        ["ExecutionStarted", "TaskStateEntered", "ExecutionFailed"]
    );
    let (code, got) = run(&dir, &[], &[]);
    assert_eq!(code, Some(1), "{got}");
    assert_eq!(
        got,
        json!({"status": "FAILED", "error": "States.Runtime",
               "cause": "An error occurred while executing the state 'Work' (entered at the event id #2). The activity arn:aws:states:us-east-1:123456789012:activity:never-created does not exist."})
    );
    let _ = std::fs::remove_dir_all(&dir);
}
