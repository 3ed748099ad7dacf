//! `stepwell bench`: time the in-memory interpreter on the shared workloads.
//!
//! Each `<name>.asl.json` in the directory runs with `<name>.input.json`
//! through [`run_to_completion`] with `wait_scale` 0 and mock-free tasks. A
//! timing only counts when the output equals `expected-outputs.json[name]`:
//! a wrong or failed run is reported as such and makes the command exit 1.
//!
//! Per workload it prints the state transitions (`StateEntered` events), the
//! median and best wall time over the iterations, transitions per second at
//! the median, and the peak resident-memory growth of the first run (Linux:
//! `VmHWM` after resetting it through `/proc/self/clear_refs`; `n/a`
//! elsewhere). Memory the allocator kept from earlier runs hides part of a
//! later run's growth, so the first iteration of each workload is the one
//! measured, and the figure is a lower bound.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::Value;
use stepwell_asl::{invalid_definition_message, StateMachine};
use stepwell_core::{EventKind, Execution, ExecutionInfo, Outcome};
use stepwell_engine::{run_to_completion, LocalOptions, MockRunner, SplitMix, SystemClock};

use crate::common::{load_definition, Loaded, MachineType};

/// Time the interpreter on the benchmark workloads (checked against their expected outputs).
#[derive(clap::Args, Debug)]
pub(crate) struct BenchArgs {
    /// The directory holding the workloads and expected-outputs.json.
    #[arg(long, default_value = "../shared/bench")]
    dir: PathBuf,
    /// Timed runs per workload (after one untimed warm-up run).
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..))]
    iterations: u32,
    /// Run only the workloads whose name contains this text.
    #[arg(long)]
    only: Option<String>,
}

/// One workload, loaded and ready to run.
struct Workload {
    name: String,
    plan: Arc<StateMachine>,
    input: Arc<Value>,
    input_bytes: usize,
    expected: Value,
}

/// What one run produced.
struct RunResult {
    elapsed: Duration,
    transitions: usize,
    /// `Err` names what was wrong with the output.
    verdict: Result<(), String>,
}

pub(crate) fn run(args: BenchArgs) -> ExitCode {
    if !args.dir.is_dir() {
        println!("skipped: {} not found", args.dir.display());
        return ExitCode::SUCCESS;
    }
    let workloads = match load_workloads(&args.dir, args.only.as_deref()) {
        Ok(w) => w,
        Err(msg) => {
            eprintln!("error: {msg}");
            return ExitCode::from(2);
        }
    };
    if workloads.is_empty() {
        println!("skipped: no workloads in {}", args.dir.display());
        return ExitCode::SUCCESS;
    }
    println!(
        "{:<18} {:>11} {:>10} {:>10} {:>14} {:>10} {:>12}",
        "workload", "transitions", "median ms", "best ms", "transitions/s", "input KB", "peak +MB"
    );
    let mut all_ok = true;
    for w in &workloads {
        // The first run is both the warm-up and the memory measurement.
        let mem = PeakRss::start();
        let first = run_once(w);
        let growth = mem.and_then(|m| m.growth());
        if let Err(why) = &first.verdict {
            println!("{:<18} WRONG: {why}", w.name);
            all_ok = false;
            continue;
        }
        let mut times = Vec::with_capacity(args.iterations as usize);
        let mut wrong = None;
        for _ in 0..args.iterations {
            let r = run_once(w);
            if let Err(why) = r.verdict {
                wrong = Some(why);
                break;
            }
            times.push(r.elapsed);
        }
        if let Some(why) = wrong {
            println!("{:<18} WRONG on a repeat run: {why}", w.name);
            all_ok = false;
            continue;
        }
        times.sort();
        let median = times[times.len() / 2];
        let best = times[0];
        let rate = first.transitions as f64 / median.as_secs_f64();
        println!(
            "{:<18} {:>11} {:>10.2} {:>10.2} {:>14.0} {:>10.1} {:>12}",
            w.name,
            first.transitions,
            median.as_secs_f64() * 1e3,
            best.as_secs_f64() * 1e3,
            rate,
            w.input_bytes as f64 / 1024.0,
            growth.map_or_else(
                || "n/a".to_owned(),
                |b| format!("{:.1}", b as f64 / (1024.0 * 1024.0))
            ),
        );
    }
    println!(
        "({} timed iteration(s) per workload after one warm-up; release builds only give meaningful numbers)",
        args.iterations
    );
    if all_ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

fn load_workloads(dir: &Path, only: Option<&str>) -> Result<Vec<Workload>, String> {
    let expected_file = dir.join("expected-outputs.json");
    let expected: Value = read_json(&expected_file)?;
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map_err(|e| format!("cannot read {}: {e}", dir.display()))?
        .filter_map(|entry| {
            let file = entry.ok()?.file_name().into_string().ok()?;
            file.strip_suffix(".asl.json").map(str::to_owned)
        })
        .filter(|n| only.is_none_or(|o| n.contains(o)))
        .collect();
    names.sort();
    let mut out = Vec::with_capacity(names.len());
    for name in names {
        let def = dir.join(format!("{name}.asl.json"));
        let plan = match load_definition(&def, MachineType::Express) {
            Loaded::Ok(p) => Arc::new(p),
            Loaded::Invalid(d) => {
                return Err(format!(
                    "{}: {}",
                    def.display(),
                    invalid_definition_message(&d)
                ))
            }
            Loaded::Unreadable(msg) => return Err(msg),
        };
        let input_file = dir.join(format!("{name}.input.json"));
        let input_text = std::fs::read_to_string(&input_file)
            .map_err(|e| format!("cannot read {}: {e}", input_file.display()))?;
        let input: Value = serde_json::from_str(&input_text)
            .map_err(|e| format!("{}: {e}", input_file.display()))?;
        let Some(expected) = expected.get(&name).cloned() else {
            return Err(format!(
                "{} has no entry for {name}",
                expected_file.display()
            ));
        };
        out.push(Workload {
            input_bytes: stepwell_core::json_size(&input),
            name,
            plan,
            input: Arc::new(input),
            expected,
        });
    }
    Ok(out)
}

fn read_json(path: &Path) -> Result<Value, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
}

/// Run one workload from start to end and check its output.
fn run_once(w: &Workload) -> RunResult {
    const ARN: &str = "arn:aws:states:us-east-1:123456789012";
    let info = ExecutionInfo {
        id: format!("{ARN}:execution:{}:bench", w.name),
        name: "bench".into(),
        state_machine_id: format!("{ARN}:stateMachine:{}", w.name),
        state_machine_name: w.name.clone(),
        role_arn: "arn:aws:iam::123456789012:role/stepwell-bench".into(),
        input: w.input.clone(),
        // In memory and without a durable history, like an EXPRESS execution;
        // choice-loop and map-10k are over STANDARD's 25,000-event quota.
        express: true,
        ..Default::default()
    };
    let mut entropy = SplitMix::new(42);
    let mut runner = MockRunner::new(None);
    let start = Instant::now();
    let mut exec = Execution::new(w.plan.clone(), info);
    let history = run_to_completion(
        &mut exec,
        LocalOptions {
            runner: &mut runner,
            clock: &SystemClock,
            entropy: &mut entropy,
            wait_scale: 0.0,
            s3: None,
        },
    );
    let elapsed = start.elapsed();
    let transitions = history
        .iter()
        .filter(|e| matches!(e.kind, EventKind::StateEntered { .. }))
        .count();
    let verdict = match exec.outcome() {
        Some(Outcome::Succeeded(out)) if **out == w.expected => Ok(()),
        Some(Outcome::Succeeded(out)) => {
            Err(format!("output differs from the expected output: {out}"))
        }
        Some(Outcome::Failed(e)) => Err(format!(
            "{}: {}: {}",
            exec.status().as_str(),
            e.error,
            e.cause
        )),
        None => Err(format!(
            "ended {} without an outcome",
            exec.status().as_str()
        )),
    };
    RunResult {
        elapsed,
        transitions,
        verdict,
    }
}

/// Peak resident memory since `start`, from Linux's `/proc/self/status`.
struct PeakRss {
    before: u64,
}

impl PeakRss {
    /// Reset the high-water mark; `None` where that is not possible.
    fn start() -> Option<Self> {
        std::fs::write("/proc/self/clear_refs", "5").ok()?;
        Some(PeakRss {
            before: status_kb("VmRSS")?,
        })
    }

    /// Bytes the peak rose above the resident size at `start`.
    fn growth(&self) -> Option<u64> {
        Some(status_kb("VmHWM")?.saturating_sub(self.before) * 1024)
    }
}

fn status_kb(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    line.split_whitespace().nth(1)?.parse().ok()
}
