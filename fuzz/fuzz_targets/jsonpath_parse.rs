//! Parse arbitrary text as a path; when it parses, select it against a fixed document
//! and write through it. Nothing may panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use serde_json::{json, Value};
use stepwell_jsonpath::{set_at, NoVariables, Path, Roots};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(path) = Path::parse(text) else { return };
    let doc: Value = json!({
        "a": {"b": [1, 2.5, "x", null, true, {"c": [[], {}]}]},
        "list": [{"k": 1, "s": "ab"}, {"k": 2, "s": "cd"}, {"k": -1}],
        "odd key": {"-": 0},
        "n": null
    });
    let ctx = json!({"Execution": {"Input": doc.clone(), "Name": "x"}});
    let roots = Roots { input: &doc, context: &ctx, variables: &NoVariables };
    let _ = path.select(&roots);
    let _ = path.is_definite();
    let _ = path.is_reference();
    let _ = path.jayway_string();
    let _ = set_at(&path, doc.clone(), json!(1));
});
