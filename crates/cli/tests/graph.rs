//! `stepwell graph`: each format from a YAML definition, `-o`, and the
//! errors.

// A test: a command that cannot run is a failure.
#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::process::Command;

fn stepwell(args: &[&str]) -> (i32, String, String) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let out = Command::new(env!("CARGO_BIN_EXE_stepwell"))
        .args(args)
        .current_dir(root)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn every_format() {
    let def = "examples/shipping-choice.asl.yaml";
    let cases = [
        (
            "mermaid",
            "n2 -->|\"$.destination matches #quot;intl-*#quot;\"| n4",
        ),
        ("dot", "n2 -> n5 [label=\"Default\", style=dotted];"),
        ("svg", "data-state=\"Route\""),
    ];
    for (format, want) in cases {
        let (code, out, err) = stepwell(&["graph", def, "--format", format]);
        assert_eq!(code, 0, "{format}: {err}");
        assert!(out.contains(want), "{format}:\n{out}");
        assert!(err.is_empty(), "{format}: {err}");
    }
}

#[test]
fn output_file_and_errors() {
    let dir = std::env::temp_dir().join(format!("stepwell-graph-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("g.svg");
    let (code, out, _) = stepwell(&[
        "graph",
        "examples/profile-parallel.asl.json",
        "-o",
        file.to_str().unwrap(),
    ]);
    assert_eq!((code, out.as_str()), (0, ""));
    assert!(std::fs::read_to_string(&file).unwrap().starts_with("<svg"));

    let (code, _, err) = stepwell(&["graph", "no/such/file.json"]);
    assert_eq!(code, 2);
    assert!(err.contains("cannot read"), "{err}");

    // An invalid definition is still drawn, with a warning.
    let bad = dir.join("bad.json");
    std::fs::write(
        &bad,
        r#"{"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "B"}}}"#,
    )
    .unwrap();
    let (code, out, err) = stepwell(&["graph", bad.to_str().unwrap(), "--format", "mermaid"]);
    assert_eq!(code, 0);
    assert!(out.contains("(missing state)"), "{out}");
    assert!(err.contains("stepwell validate"), "{err}");

    let not_json = dir.join("bad.txt");
    std::fs::write(&not_json, "{ nope").unwrap();
    let (code, _, err) = stepwell(&["graph", not_json.to_str().unwrap()]);
    assert_eq!(code, 1, "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
}
