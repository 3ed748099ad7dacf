//! The user's configuration files: a MockConfigFile
//! (`stepwell_engine::MockCase::from_config`, its response ranges like
//! "0-1", then a few invocations) and the Lambda project file
//! (`stepwell.toml`, `stepwell_lambda::Project::parse`). Each must be
//! accepted or refused with an error, never panic.
//!
//! Input: the first byte picks the file (even: mock, odd: project); for a
//! mock, the text up to the first `0xFE` is the file, the text up to the
//! next the state machine name and the rest the test case name (`M` and
//! `T` when absent).
#![no_main]

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use stepwell_engine::MockCase;
use stepwell_lambda::Project;

/// A project directory with a `functions/greet` code directory.
fn base() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir =
            std::env::temp_dir().join(format!("stepwell-fuzz-project-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("functions").join("greet"))
            .expect("a temporary project directory");
        dir
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, data)) = data.split_first() else {
        return;
    };
    if mode % 2 == 1 {
        let text = String::from_utf8_lossy(data);
        let _ = Project::parse(&text, "stepwell.toml", base());
        return;
    }
    let mut parts = data.splitn(3, |b| *b == 0xFE);
    let file = parts.next().unwrap_or_default();
    let machine = parts.next().map_or("M".into(), String::from_utf8_lossy);
    let case_name = parts.next().map_or("T".into(), String::from_utf8_lossy);
    // As `stepwell run` and `stepwell serve` read it.
    let Ok(text) = std::str::from_utf8(file) else {
        return;
    };
    let Ok(config) = stepwell_core::parse_json(text) else {
        return;
    };
    let Ok(mut case) = MockCase::from_config(&config, &machine, &case_name) else {
        return;
    };
    let states: Vec<String> = config["StateMachines"][machine.as_ref()]["TestCases"]
        [case_name.as_ref()]
    .as_object()
    .map(|o| o.keys().cloned().collect())
    .unwrap_or_default();
    for state in &states {
        assert!(case.covers(state));
        for _ in 0..4 {
            let _ = case.next(state);
        }
    }
});
