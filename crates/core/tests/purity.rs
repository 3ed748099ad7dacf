//! The pure crates stay pure: no IO, clock, randomness or async dependencies
//! and no calls to them (ARCHITECTURE.md, "Invariants").

// A test: a file that cannot be read is a failure.
#![allow(clippy::unwrap_used)]

mod common;

use std::path::{Path, PathBuf};

const PURE: &[&str] = &["java", "jsonpath", "jsonata", "asl", "core"];

/// The only dependencies a pure crate may have.
const ALLOWED_DEPS: &[&str] = &[
    "serde",
    "serde_json",
    "serde_yaml_ng",
    "thiserror",
    "time",
    "base64",
    "md-5",
    "sha1",
    "sha2",
    "regex",
    "regex-lite",
    "jsonata-core",
    "indexmap",
    "unicode-ident",
    // Without features: only the text form; the bits come from the caller.
    "uuid",
    "stepwell-java",
    "stepwell-jsonpath",
    "stepwell-jsonata",
    "stepwell-asl",
];

/// Calls that would make the interpreter depend on the world.
const FORBIDDEN: &[&str] = &[
    "SystemTime::now",
    "Instant::now",
    "std::fs",
    "std::net",
    "std::process",
    "std::thread",
    "tokio",
    "thread_rng",
    "rand::random",
    "new_v4",
    "now_v7",
    "async fn",
    "std::env",
];

fn crates_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn dependencies(manifest: &str) -> Vec<String> {
    let mut deps = Vec::new();
    let mut in_deps = false;
    for line in manifest.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            in_deps = line == "[dependencies]";
            continue;
        }
        if in_deps {
            if let Some((name, _)) = line.split_once('=') {
                let name = name.trim().trim_end_matches(".workspace").trim();
                if !name.is_empty() && !name.starts_with('#') {
                    deps.push(name.to_owned());
                }
            }
        }
    }
    deps
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let p = entry.path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "rs") {
            out.push(p);
        }
    }
}

#[test]
fn pure_crates_only_depend_on_pure_crates() {
    for c in PURE {
        let manifest = std::fs::read_to_string(crates_dir().join(c).join("Cargo.toml")).unwrap();
        for dep in dependencies(&manifest) {
            assert!(
                ALLOWED_DEPS.contains(&dep.as_str()),
                "crates/{c} depends on {dep}, which is not on the pure allow-list"
            );
        }
    }
}

#[test]
fn pure_crates_call_no_clock_io_or_randomness() {
    for c in PURE {
        let mut files = Vec::new();
        rust_files(&crates_dir().join(c).join("src"), &mut files);
        // `tests.rs` files are test-only modules.
        for f in files.into_iter().filter(|f| !f.ends_with("tests.rs")) {
            let text = std::fs::read_to_string(&f).unwrap();
            // Test modules may read fixtures from disk.
            let code = text.split("#[cfg(test)]").next().unwrap_or_default();
            for bad in FORBIDDEN {
                assert!(!code.contains(bad), "{} uses `{bad}`", f.display());
            }
        }
    }
}

/// JSONata's clock and shuffle are the injected ones: `$now()`,
/// `$millis()` and the date `$toMillis` takes for a time-only picture are
/// the time of the input being decided (here the driver's `T0`), the same
/// in a replay of the history.
#[test]
fn jsonata_time_is_the_deciders() {
    let definition = r#"{
        "QueryLanguage": "JSONata",
        "StartAt": "P",
        "States": {"P": {"Type": "Pass", "End": true, "Output": {
            "now": "{% $now() %}",
            "millis": "{% $millis() %}",
            "day": "{% $now('[Y0001]-[M01]-[D01] [H01]:[m01]', '-0500') %}",
            "entered": "{% $now() = $states.context.State.EnteredTime %}",
            "shuffled": "{% $sort($shuffle([3, 1, 2])) %}",
            "today": "{% $toMillis('10:30', '[H01]:[m01]') %}"
        }}}
    }"#;
    let (end, _) = common::run(definition, serde_json::json!({}), &serde_json::json!({}));
    assert_eq!(
        end,
        common::End::Succeeded(serde_json::json!({
            "now": "2023-11-14T22:13:20.000Z",
            "millis": common::T0,
            "day": "2023-11-14 17:13",
            "entered": true,
            "shuffled": [1, 2, 3],
            "today": 1_699_957_800_000_i64
        }))
    );
}
