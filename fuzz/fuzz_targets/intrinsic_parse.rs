//! Compile arbitrary text as the value of a `.$` template field and render it.
//! Nothing may panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use serde_json::{json, Value};
use stepwell_jsonpath::{FixedEntropy, NoVariables, Roots, Template};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let template = json!({ "field.$": text, "nested": [{ "inner.$": text }] });
    let Ok(compiled) = Template::compile(&template) else { return };
    let input: Value = json!({
        "s": "a,b,c", "n": 3, "f": -1.5, "arr": [1, 2, 2, "x"], "o": {"k": "v"},
        "b64": "aGVsbG8=", "json": "{\"a\":[1]}", "t": "{} and {}"
    });
    let ctx = json!({"Execution": {"Name": "exec"}});
    let roots = Roots { input: &input, context: &ctx, variables: &NoVariables };
    let mut entropy = FixedEntropy::new(vec![1, u64::MAX, 12345]);
    if let Err(e) = compiled.render(&roots, &mut entropy) {
        let _ = (e.error_name(), e.to_string());
    }
});
