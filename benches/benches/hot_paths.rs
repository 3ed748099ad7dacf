//! Criterion benchmarks of the interpreter's hot paths.
//!
//! `cargo bench -p stepwell-benches` runs them; `cargo bench -p stepwell-benches -- --test`
//! runs each once (what CI does, so they keep compiling and working).
//! End-to-end numbers on the shared workloads come from `stepwell bench`.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use serde_json::json;
use stepwell_benches::{
    choice_input, choice_loop, choice_rules, execution, info, pass_chain, plan, run,
};
use stepwell_core::Execution;
use stepwell_jsonpath::{FixedEntropy, NoVariables, Roots, Template};

/// `Parameters` rendering: pass-chain-1000's template, and a wider one with an intrinsic.
fn jsonpath_template(c: &mut Criterion) {
    let input = json!({"meta": {"name": "bench", "tags": ["a", "b"]}, "last": {"step": 41}});
    let context = json!(null);
    let roots = Roots {
        input: &input,
        context: &context,
        variables: &NoVariables,
    };
    let small =
        Template::compile(&json!({"prev.$": "$.last.step", "name.$": "$.meta.name", "step": 42}))
            .unwrap_or_else(|e| panic!("{e:?}"));
    let wide = Template::compile(&json!({
        "a.$": "$.meta", "b.$": "$.meta.tags[1]", "c": {"d.$": "$.last.step", "e": [1, 2, 3]},
        "f.$": "States.Format('{}-{}', $.meta.name, $.last.step)", "g.$": "States.ArrayLength($.meta.tags)"
    }))
    .unwrap_or_else(|e| panic!("{e:?}"));
    let mut entropy = FixedEntropy::default();
    let mut g = c.benchmark_group("jsonpath_template");
    g.bench_function("pass_chain_parameters", |b| {
        b.iter(|| small.render(black_box(&roots), &mut entropy))
    });
    g.bench_function("wide_with_intrinsics", |b| {
        b.iter(|| wide.render(black_box(&roots), &mut entropy))
    });
    g.finish();
}

/// A Choice with And/Or/Not, string, numeric, glob and path rules, in a
/// Choice -> Succeed execution (the rule evaluator is private to the core).
fn choice(c: &mut Criterion) {
    let p = plan(&choice_rules());
    let input = choice_input();
    c.bench_function("choice/rules_then_succeed", |b| {
        b.iter_batched(
            || execution(p.clone(), input.clone()),
            |mut exec| run(&mut exec),
            BatchSize::SmallInput,
        )
    });
}

/// A whole execution of 1000 Pass states, in memory.
fn pass_chain_execution(c: &mut Criterion) {
    let p = plan(&pass_chain(1000));
    let input = json!({"meta": {"name": "bench", "tags": ["a", "b"]}, "last": {"step": 0}});
    let mut g = c.benchmark_group("execution");
    g.throughput(Throughput::Elements(1000));
    g.bench_function("pass_chain_1000", |b| {
        b.iter_batched(
            || execution(p.clone(), input.clone()),
            |mut exec| run(&mut exec),
            BatchSize::SmallInput,
        )
    });
    g.finish();
}

/// `Execution::replay` of a 28,000-event history (a 7,000-round Choice loop).
fn replay(c: &mut Criterion) {
    let p = plan(&choice_loop());
    let input = json!({"i": 0, "limit": 7000});
    let mut exec = execution(p.clone(), input.clone());
    let history = run(&mut exec);
    let mut g = c.benchmark_group("replay");
    g.throughput(Throughput::Elements(history.len() as u64));
    g.sample_size(20);
    g.bench_function("choice_loop_7000", |b| {
        b.iter(|| Execution::replay(p.clone(), info(input.clone()), black_box(&history)))
    });
    g.finish();
}

/// `$replace` with a small replacement function (a guarded call: each
/// returned string is counted against the length bound), and the same
/// replacement given as a string.
fn jsonata_replace(c: &mut Criterion) {
    use stepwell_jsonata::{Expression, Limits, SplitMix64};
    let input = json!({"s": "the quick brown fox jumps over the lazy dog ".repeat(4)});
    let vars = serde_json::Map::new();
    let mut g = c.benchmark_group("jsonata_replace");
    for (name, text) in [
        (
            "function",
            "$replace(s, /o/, function($m){ $uppercase($m.match) })",
        ),
        ("string", "$replace(s, /o/, 'O')"),
    ] {
        let e = Expression::compile(text).unwrap_or_else(|e| panic!("{text}: {e:?}"));
        g.bench_function(name, |b| {
            b.iter(|| {
                e.evaluate_full(
                    Some(black_box(&input)),
                    &vars,
                    &mut SplitMix64::new(1),
                    &Limits::default(),
                )
            })
        });
    }
    g.finish();
}

criterion_group!(
    benches,
    jsonpath_template,
    choice,
    pass_chain_execution,
    replay,
    jsonata_replace
);
criterion_main!(benches);
