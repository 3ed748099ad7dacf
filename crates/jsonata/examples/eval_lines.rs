//! Evaluate JSONata expressions given one per line as JSON,
//! `{"expr": "...", "data": ...}` (no `data`: no input at all), and print
//! one JSON line each: `{"result": V}`, `{"undefined": true}`,
//! `{"function": true}` or `{"error": CODE, "message": "..."}`.
//!
//! `scripts/jsonata-differential.py` compares these answers with
//! jsonata-js 2.0.6's.

use std::io::BufRead;

use serde_json::{json, Value};
use stepwell_jsonata::{Entropy, Evaluated, Expression, Limits, SplitMix64};

fn main() {
    let stdin = std::io::stdin();
    for line in stdin.lock().lines() {
        let Ok(line) = line else { break };
        if line.is_empty() {
            continue;
        }
        let c: Value = serde_json::from_str(&line).unwrap_or(Value::Null);
        let text = c["expr"].as_str().unwrap_or("");
        let data = c.get("data");
        let out = match Expression::compile(text) {
            Err(e) => json!({"error": e.code, "message": e.message}),
            Ok(expr) => {
                let limits = Limits {
                    timeout: Some(std::time::Duration::from_secs(2)),
                    ..Limits::default()
                };
                match expr.evaluate_full(data, &(), &mut Clocked(SplitMix64::new(0)), &limits) {
                    Ok(Evaluated::Value(v)) => json!({"result": v}),
                    Ok(Evaluated::Undefined) => json!({"undefined": true}),
                    Ok(Evaluated::Function) => json!({"function": true}),
                    Err(e) => json!({"error": e.code, "message": e.message}),
                }
            }
        };
        println!("{out}");
    }
}

/// A fixed generator, and the system clock for `$now()` and `$millis()`.
struct Clocked(SplitMix64);

impl Entropy for Clocked {
    fn next_u64(&mut self) -> u64 {
        self.0.next_u64()
    }

    fn now_millis(&mut self) -> Option<i64> {
        let since = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .ok()?;
        i64::try_from(since.as_millis()).ok()
    }
}
