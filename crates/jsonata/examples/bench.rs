//! Throughput over the shared JSONata benchmark list.
//!
//! `cargo run --release -p stepwell-jsonata --example bench -- ../shared/jsonata [N]`
//! compiles each expression once, evaluates it N times (default 10,000)
//! against its dataset, and prints the mean time per evaluation.

use std::time::Instant;

use serde_json::Value;
use stepwell_jsonata::{Expression, SplitMix64};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let dir = args.next().unwrap_or_else(|| "../shared/jsonata".into());
    let n: u32 = args.next().map_or(Ok(10_000), |s| s.parse())?;
    let list: Value = serde_json::from_str(&std::fs::read_to_string(format!("{dir}/bench.json"))?)?;
    let mut total = 0.0;
    for case in list.as_array().ok_or("bench.json: not an array")? {
        let name = case["name"].as_str().unwrap_or("?");
        let text = case["expr"].as_str().ok_or("no expr")?;
        let dataset = case["dataset"].as_str().ok_or("no dataset")?;
        let input: Value = serde_json::from_str(&std::fs::read_to_string(format!(
            "{dir}/datasets/{dataset}.json"
        ))?)?;
        let t = Instant::now();
        let expr = Expression::compile(text)?;
        let compile = t.elapsed();
        let mut rng = SplitMix64::new(0);
        let t = Instant::now();
        for _ in 0..n {
            std::hint::black_box(expr.evaluate(Some(&input), &(), &mut rng)?);
        }
        let per = t.elapsed().as_secs_f64() * 1e6 / f64::from(n);
        total += per;
        println!(
            "{name:<28} compile {:>7.1} us   evaluate {per:>7.2} us",
            compile.as_secs_f64() * 1e6
        );
    }
    println!("{:<28} {:>26.2} us", "sum of means", total);
    // Fixed costs: a fresh evaluator per call, and converting the input.
    let input: Value = serde_json::from_str(&std::fs::read_to_string(format!(
        "{dir}/datasets/dataset1.json"
    ))?)?;
    let expr = Expression::compile("1")?;
    for (label, input) in [
        ("baseline: '1', no input", None),
        ("baseline: '1', dataset1", Some(&input)),
    ] {
        let mut rng = SplitMix64::new(0);
        let t = Instant::now();
        for _ in 0..n {
            std::hint::black_box(expr.evaluate(input, &(), &mut rng)?);
        }
        println!(
            "{label:<28} {:>26.2} us",
            t.elapsed().as_secs_f64() * 1e6 / f64::from(n)
        );
    }
    Ok(())
}
