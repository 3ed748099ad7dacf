//! Every run listed in examples/examples.json gives the recorded result, so
//! the README's examples keep working.

use std::path::PathBuf;
use std::process::Command;

use serde_json::Value;

#[test]
fn examples_give_their_recorded_results() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples");
    let manifest: Value =
        serde_json::from_str(&std::fs::read_to_string(root.join("examples.json")).unwrap())
            .unwrap();
    let runs = manifest.as_array().unwrap();
    assert!(!runs.is_empty());
    for run in runs {
        let file = |k: &str| run.get(k).and_then(Value::as_str).map(|f| root.join(f));
        let definition = file("definition").unwrap();
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_stepwell"));
        cmd.arg("run")
            .arg(&definition)
            .arg("--json")
            .arg("--wait-scale")
            .arg("0");
        if let Some(input) = file("input") {
            cmd.arg("--input").arg(format!("@{}", input.display()));
        }
        if let Some(mocks) = file("mocks") {
            cmd.arg("--mock-config").arg(mocks);
            cmd.arg("--test-case")
                .arg(run["test_case"].as_str().unwrap());
        }
        let out = cmd.output().unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        let last = stdout.lines().last().unwrap_or_default();
        let got: Value = serde_json::from_str(last)
            .unwrap_or_else(|e| panic!("{}: no JSON result ({e}): {stdout}", definition.display()));
        assert_eq!(
            got,
            run["expect"],
            "{} ({:?})",
            definition.display(),
            run.get("test_case")
        );
        let want_code = if run["expect"]["status"] == "SUCCEEDED" {
            0
        } else {
            1
        };
        assert_eq!(
            out.status.code(),
            Some(want_code),
            "{}",
            definition.display()
        );
    }
}
