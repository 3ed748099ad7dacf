//! `stepwell validate`: its exit codes, and warnings only when asked for.

// Helpers outside #[test] fns unwrap too: a failed setup is a failed test.
#![allow(clippy::unwrap_used)]

use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};

static FILES: AtomicUsize = AtomicUsize::new(0);

fn validate(definition: &str, args: &[&str]) -> (Output, String) {
    let dir = std::env::temp_dir().join(format!("stepwell-validate-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join(format!(
        "{}.asl.json",
        FILES.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::write(&file, definition).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_stepwell"))
        .arg("validate")
        .arg(&file)
        .args(args)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let _ = std::fs::remove_file(&file);
    (out, stdout)
}

const STATIC_PASS: &str =
    r#"{"StartAt":"P","States":{"P":{"Type":"Pass","Result":{"a":"$.x"},"End":true}}}"#;

#[test]
fn warnings_only_with_severity_warning_and_never_fail() {
    let (out, stdout) = validate(STATIC_PASS, &[]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(stdout.trim(), "OK");

    let (out, stdout) = validate(STATIC_PASS, &["--severity", "WARNING"]);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(stdout.contains("warning: "), "{stdout}");

    let (out, stdout) = validate(STATIC_PASS, &["--severity", "WARNING", "--json"]);
    assert_eq!(out.status.code(), Some(0));
    let answer: serde_json::Value = serde_json::from_str(stdout.trim()).unwrap();
    assert_eq!(answer["result"], "OK");
    assert!(answer["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .all(|d| d["severity"] == "WARNING"));
}

#[test]
fn errors_exit_1_and_unreadable_files_exit_2() {
    let (out, stdout) = validate(r#"{"States":{}}"#, &["--severity", "WARNING"]);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("StartAt"), "{stdout}");

    let out = Command::new(env!("CARGO_BIN_EXE_stepwell"))
        .args(["validate", "/nonexistent/machine.asl.json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot read"));
}
