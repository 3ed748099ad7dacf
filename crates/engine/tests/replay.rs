//! The replay property over every conformance case (STYLE.md habit 3).
//!
//! Each case in `../shared/conformance/cases` (beside the repository) is run
//! with `run_to_completion`, its mocks, a manual clock and seeded entropy.
//! Then: replaying the produced history reaches the live state, a finished
//! execution has nothing pending, every prefix of the history replays, and
//! the status is the one AWS recorded.

mod common;

use std::path::PathBuf;

use serde_json::Value;

#[test]
fn every_conformance_case_replays() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/conformance");
    let dir = root.join("cases");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        eprintln!(
            "skipped: ../shared/conformance not found (needs the shared material beside the repo)"
        );
        return;
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();

    let (mut checked, mut skipped) = (0, 0);
    let mut wrong_status = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        let case: Value = serde_json::from_str(&text).unwrap();
        let name = case["name"].as_str().unwrap();
        let expected = case["expected"]["status"].as_str().unwrap();
        if expected == "INVALID_DEFINITION" {
            skipped += 1;
            continue;
        }
        let plan = match stepwell_asl::from_value(&case["definition"]) {
            Ok(p) => std::sync::Arc::new(p),
            Err(d) => panic!("{name}: the definition does not parse: {d:?}"),
        };
        let input = case
            .get("input")
            .cloned()
            .unwrap_or_else(|| serde_json::json!({}));
        let mocks = case.get("mocks").cloned().unwrap_or(Value::Null);
        let run = std::panic::catch_unwind(|| common::run_plan(plan, name, input, &mocks, 0x5eed))
            .unwrap_or_else(|_| {
                panic!("{name}: the replay property failed (see the message above)")
            });
        if run.status() != expected {
            wrong_status.push(format!("{name}: {} != {expected}", run.status()));
        }
        checked += 1;
    }
    eprintln!(
        "replay: {checked} conformance cases checked, {skipped} INVALID_DEFINITION cases skipped"
    );
    assert!(
        wrong_status.is_empty(),
        "statuses differ from AWS:\n{}",
        wrong_status.join("\n")
    );
    assert!(
        checked > 0,
        "no conformance cases found in {}",
        dir.display()
    );
}
