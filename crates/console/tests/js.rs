//! The console's JavaScript unit tests (`tests/js/*.test.js`: SigV4 against
//! botocore's signatures, the graph model, history → state outcomes), run
//! with Node's built-in test runner when `node` is installed.

// A test: a runner that cannot start is a failure.
#![allow(clippy::expect_used)]

use std::path::Path;
use std::process::Command;

#[test]
fn javascript_unit_tests() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let version = Command::new("node").arg("--version").output();
    let Ok(version) = version else {
        eprintln!("SKIPPED: node is not installed; the console's JavaScript tests did not run");
        return;
    };
    let major: u32 = String::from_utf8_lossy(&version.stdout)
        .trim_start_matches('v')
        .split('.')
        .next()
        .and_then(|m| m.parse().ok())
        .unwrap_or(0);
    if major < 20 {
        eprintln!("SKIPPED: node {major} is older than 20 (needs WebCrypto and node:test)");
        return;
    }
    let mut files: Vec<String> = std::fs::read_dir(dir.join("tests/js"))
        .expect("tests/js")
        .filter_map(|e| e.ok())
        .map(|e| e.path().to_string_lossy().into_owned())
        .filter(|p| p.ends_with(".test.js"))
        .collect();
    files.sort();
    let out = Command::new("node")
        .arg("--test")
        .args(&files)
        .current_dir(dir)
        .output()
        .expect("node runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "node --test failed:\n{text}");
    assert!(text.contains("# fail 0"), "{text}");
}
