//! Compile arbitrary text as a JSONata expression; when it compiles, evaluate
//! it against a fixed document with variable bindings, under tight runaway
//! limits. Nothing may panic, overflow the stack or hang. Where the
//! expression has a fast form, its answer must equal the full evaluator's.
#![no_main]

use std::time::Duration;

use libfuzzer_sys::fuzz_target;
use serde_json::{json, Value};
use stepwell_jsonata::{Expression, Limits, SplitMix64};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(expr) = Expression::compile(text) else { return };
    let _ = expr.free_variables();
    let doc: Value = json!({
        "a": {"b": [1, 2.5, "x", null, true, {"c": [[], {}]}]},
        "list": [{"k": 1, "s": "ab"}, {"k": 2, "s": "cd"}, {"k": -1}],
        "n": null,
        "s": "2024-01-01T00:00:00Z"
    });
    let vars = json!({"states": {"input": doc.clone(), "context": {"Execution": {"Name": "x"}}}, "v": [1, 2, 3]});
    let limits = Limits {
        max_depth: 2_000,
        timeout: Some(Duration::from_millis(200)),
        cancel: None,
        max_sequence: 100_000,
        max_nesting: 1_000,
    };
    let vars = vars.as_object().cloned().unwrap_or_default();
    for input in [Some(&doc), None] {
        let out = expr.evaluate_full(input, &vars, &mut SplitMix64::new(1), &limits);
        if input.is_none() && expr.has_fast_form() {
            let full = expr.evaluate_in_full(None, &vars, &mut SplitMix64::new(1), &limits);
            match (&out, &full) {
                (Ok(a), Ok(b)) => assert_eq!(a, b, "{text}"),
                (Err(a), Err(b)) => assert_eq!(a.cause(), b.cause(), "{text}"),
                _ => panic!("{text}: fast {out:?}, full {full:?}"),
            }
        }
        let _ = format!("{out:?}");
    }
});
