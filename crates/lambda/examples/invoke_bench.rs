//! Warm-invocation benchmark: invocations per second and the latency Stepwell
//! adds to each warm invocation.
//!
//! ```sh
//! cargo run --release -p stepwell-lambda --example invoke_bench [-- N]
//! ```
//!
//! For each runtime (Python, Node) it warms one process, then runs N
//! sequential invocations of an identity handler and reports percentiles of:
//! the round trip (`Lambda::invoke` called → result back), the time the
//! runtime process held the invocation (its `/next` answered → its
//! `/response` received), and their difference, Stepwell's overhead. Then it
//! runs N invocations from two callers at once on two processes
//! (throughput). Runtimes that are not installed are skipped.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::time::{Duration, Instant};

use bytes::Bytes;
use stepwell_lambda::{InvokeRequest, Lambda, LambdaConfig, Project, RuntimeClient};

const PROJECT: &str = r#"
[functions.py]
runtime = "python3"
handler = "app.identity"
code = "python"
concurrency = 2

[functions.node]
runtime = "nodejs20.x"
handler = "index.identity"
code = "node"
concurrency = 2
"#;

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index.min(sorted.len() - 1)]
}

fn micros(d: Duration) -> String {
    format!("{:.0} µs", d.as_secs_f64() * 1e6)
}

fn on_path(program: &str) -> bool {
    std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).any(|d| d.join(program).is_file()))
        .unwrap_or(false)
}

#[tokio::main]
async fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(2000);
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let project = Project::parse(PROJECT, "bench.toml", &fixtures).unwrap();
    let config = LambdaConfig {
        runtime_client: RuntimeClient::Bootstrap,
        ..LambdaConfig::default()
    };
    let lambda = Lambda::start(Some(project), config).await.unwrap();
    let payload =
        Bytes::from_static(br#"{"orderId":"o-1","items":[{"sku":"a","qty":2}],"total":12.5}"#);

    for (function, program) in [("py", "python3"), ("node", "node")] {
        if !on_path(program) {
            println!("{function}: skipped ({program} is not installed)");
            continue;
        }
        let request = InvokeRequest {
            payload: payload.clone(),
            ..InvokeRequest::default()
        };
        let cold = Instant::now();
        lambda.invoke(function, request.clone()).await.unwrap();
        let cold = cold.elapsed();
        for _ in 0..100 {
            lambda.invoke(function, request.clone()).await.unwrap();
        }

        let mut round_trips = Vec::with_capacity(n);
        let mut held = Vec::with_capacity(n);
        let mut overhead = Vec::with_capacity(n);
        let started = Instant::now();
        for _ in 0..n {
            let t = Instant::now();
            let response = lambda.invoke(function, request.clone()).await.unwrap();
            let rt = t.elapsed();
            assert!(response.function_error.is_none());
            let runtime = response.duration.unwrap_or_default();
            round_trips.push(rt);
            held.push(runtime);
            overhead.push(rt.saturating_sub(runtime));
        }
        let sequential = started.elapsed();
        round_trips.sort();
        held.sort();
        overhead.sort();

        let started = Instant::now();
        let per_caller = n / 2;
        let callers: Vec<_> = (0..2)
            .map(|_| {
                let lambda = lambda.clone();
                let request = request.clone();
                tokio::spawn(async move {
                    for _ in 0..per_caller {
                        lambda.invoke(function, request.clone()).await.unwrap();
                    }
                })
            })
            .collect();
        for c in callers {
            c.await.unwrap();
        }
        let parallel = started.elapsed();

        println!(
            "{function}: cold start {:.1} ms; {n} warm sequential invocations",
            cold.as_secs_f64() * 1e3
        );
        println!(
            "  throughput: {:.0} invocations/s sequential, {:.0}/s with 2 callers on 2 processes",
            n as f64 / sequential.as_secs_f64(),
            (per_caller * 2) as f64 / parallel.as_secs_f64()
        );
        for (label, values) in [
            ("round trip", &round_trips),
            ("runtime held", &held),
            ("stepwell overhead", &overhead),
        ] {
            println!(
                "  {label:>18}: p50 {:>7}  p99 {:>7}  max {:>7}",
                micros(percentile(values, 0.50)),
                micros(percentile(values, 0.99)),
                micros(*values.last().unwrap())
            );
        }
    }
    lambda.shutdown().await;
}
