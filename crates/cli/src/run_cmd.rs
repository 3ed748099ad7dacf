//! `stepwell run`: run one execution locally and print its result.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use serde_json::json;
use stepwell_asl::invalid_definition_message;
use stepwell_core::{render_history, Execution, ExecutionInfo, Outcome, Status};
use stepwell_engine::{
    run_to_completion, LocalOptions, LocalS3, MockCase, MockRunner, SplitMix, SystemClock,
};

use crate::common::{load_definition, read_input, Loaded, MachineType};

#[derive(clap::Args, Debug)]
pub(crate) struct RunArgs {
    /// The state machine definition (.asl.json, .json, .yaml or .yml).
    definition: PathBuf,
    /// The state machine type: STANDARD or EXPRESS.
    #[arg(long = "type", value_enum, default_value = "STANDARD")]
    machine_type: MachineType,
    /// Execution input: JSON text, or @FILE to read it from a file.
    #[arg(long, default_value = "{}")]
    input: String,
    /// The state machine's name (default: the file name without extensions).
    #[arg(long)]
    name: Option<String>,
    /// A MockConfigFile (AWS Step Functions Local format) with task responses.
    #[arg(long, requires = "test_case")]
    mock_config: Option<PathBuf>,
    /// The test case to use from the mock config.
    #[arg(long, requires = "mock_config")]
    test_case: Option<String>,
    /// Multiply every Wait and Retry interval by F (0 = no waiting).
    #[arg(long, default_value_t = 1.0)]
    wait_scale: f64,
    /// A directory standing for Amazon S3, read by Distributed Maps with an
    /// ItemReader: DIR/<bucket>/<key> is an object.
    #[arg(long, env = "STEPWELL_S3_DIR", value_name = "DIR")]
    s3_dir: Option<PathBuf>,
    /// Print exactly one JSON object with the result on the last line.
    #[arg(long)]
    json: bool,
    /// Print the execution's event history as AWS records it.
    #[arg(long)]
    history: bool,
}

const REGION: &str = "us-east-1";
const ACCOUNT: &str = "123456789012";

pub(crate) fn run(args: RunArgs) -> ExitCode {
    let plan = match load_definition(&args.definition, args.machine_type) {
        Loaded::Ok(p) => Arc::new(p),
        Loaded::Invalid(diags) => {
            let cause = invalid_definition_message(&diags);
            if args.json {
                println!(
                    "{}",
                    json!({"status": "INVALID_DEFINITION", "error": "InvalidDefinition", "cause": cause})
                );
            } else {
                eprintln!("InvalidDefinition: {cause}");
            }
            return ExitCode::from(2);
        }
        Loaded::Unreadable(msg) => return usage_error(&args, &msg),
    };
    let input = match read_input(&args.input) {
        Ok(v) => v,
        Err(msg) => return usage_error(&args, &msg),
    };
    let machine_name = args
        .name
        .clone()
        .unwrap_or_else(|| base_name(&args.definition));
    let mocks = match (&args.mock_config, &args.test_case) {
        (Some(file), Some(case)) => {
            let config = match std::fs::read_to_string(file)
                .map_err(|e| format!("cannot read {}: {e}", file.display()))
                .and_then(|t| {
                    stepwell_core::parse_json(&t).map_err(|e| format!("{}: {e}", file.display()))
                }) {
                Ok(c) => c,
                Err(msg) => return usage_error(&args, &msg),
            };
            match MockCase::from_config(&config, &machine_name, case) {
                Ok(c) => Some(c),
                Err(e) => return usage_error(&args, &e.to_string()),
            }
        }
        _ => None,
    };
    if args.wait_scale.is_nan() || args.wait_scale < 0.0 {
        return usage_error(&args, "--wait-scale must be a number >= 0");
    }

    let s3 = match &args.s3_dir {
        Some(dir) if !dir.is_dir() => {
            return usage_error(
                &args,
                &format!("--s3-dir {}: not a directory", dir.display()),
            )
        }
        Some(dir) => Some(LocalS3::new(dir)),
        None => None,
    };

    let mut entropy = SplitMix::from_time();
    let exec_name = stepwell_core::Entropy::next_u64(&mut entropy);
    let exec_name = format!("{exec_name:016x}");
    let express = args.machine_type == MachineType::Express;
    let kind = if express { "express" } else { "execution" };
    let info = ExecutionInfo {
        id: format!("arn:aws:states:{REGION}:{ACCOUNT}:{kind}:{machine_name}:{exec_name}"),
        express,
        name: exec_name,
        state_machine_id: format!("arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:{machine_name}"),
        state_machine_name: machine_name,
        role_arn: format!("arn:aws:iam::{ACCOUNT}:role/stepwell-local"),
        input: Arc::new(input),
    };
    let mut exec = Execution::new(plan.clone(), info.clone());
    let mut runner = MockRunner::new(mocks);
    let history = run_to_completion(
        &mut exec,
        LocalOptions {
            runner: &mut runner,
            clock: &SystemClock,
            entropy: &mut entropy,
            wait_scale: args.wait_scale,
            s3: s3.as_ref(),
        },
    );

    if args.history {
        match render_history(plan, &info, &history) {
            Ok(events) => println!(
                "{}",
                serde_json::to_string_pretty(&json!({ "events": events })).unwrap_or_default()
            ),
            Err(e) => eprintln!("internal error rendering the history: {e}"),
        }
    }
    let status = exec.status();
    let result = match exec.outcome() {
        Some(Outcome::Succeeded(output)) => json!({"status": status.as_str(), "output": **output}),
        Some(Outcome::Failed(err)) => {
            json!({"status": status.as_str(), "error": err.error, "cause": err.cause})
        }
        None => json!({"status": status.as_str()}),
    };
    if args.json {
        println!("{result}");
    } else {
        match exec.outcome() {
            Some(Outcome::Succeeded(output)) => {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&**output).unwrap_or_default()
                )
            }
            Some(Outcome::Failed(err)) => {
                eprintln!("{}: {}: {}", status.as_str(), err.error, err.cause)
            }
            None => eprintln!("{}", status.as_str()),
        }
    }
    if status == Status::Succeeded {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

fn usage_error(args: &RunArgs, msg: &str) -> ExitCode {
    if args.json {
        println!(
            "{}",
            json!({"status": "ERROR", "error": "Usage", "cause": msg})
        );
    }
    eprintln!("error: {msg}");
    ExitCode::from(2)
}

/// `dir/order-flow.asl.json` -> `order-flow`.
fn base_name(p: &Path) -> String {
    let file = p
        .file_name()
        .and_then(|f| f.to_str())
        .unwrap_or("StateMachine");
    file.split('.')
        .next()
        .filter(|s| !s.is_empty())
        .unwrap_or("StateMachine")
        .to_owned()
}
