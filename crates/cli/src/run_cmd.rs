//! `stepwell run`: run one execution locally and print its result.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use serde_json::{json, Value};
use stepwell_asl::invalid_definition_message;
use stepwell_core::{
    render_history, Execution, ExecutionInfo, Outcome, Status, TaskId, TaskRequest,
};
use stepwell_engine::{
    run_to_completion, LocalOptions, LocalS3, MockCase, MockRunner, SplitMix, SystemClock,
    TaskOutcome, TaskRunner,
};
use stepwell_lambda::Lambda;
use stepwell_server::aws_backend::AwsBackend;
use stepwell_server::lambda_backend::{self, LambdaBackend};
use stepwell_server::{JobPoll, LambdaOptions, TaskBackend};

use crate::common::{load_definition, read_input, Loaded, MachineType, TaskArgs};

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
    /// A MockConfigFile (AWS Step Functions Local format) with task
    /// responses (default: ./MockConfigFile.json when it exists, as in Step
    /// Functions Local); used with --test-case.
    #[arg(long, env = "SFN_MOCK_CONFIG")]
    mock_config: Option<PathBuf>,
    /// The test case to use from the mock config.
    #[arg(long)]
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
    /// The region of the execution's ARNs, and the one service
    /// integrations call (default: AWS_REGION, else AWS_DEFAULT_REGION, else
    /// us-east-1).
    #[arg(long, default_value_t = crate::common::default_region())]
    region: String,
    #[command(flatten)]
    tasks: TaskArgs,
}

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
    // The mock config (given, SFN_MOCK_CONFIG, or ./MockConfigFile.json)
    // is only read for a test case.
    let mocks = match &args.test_case {
        // A --mock-config on the command line wants a test case; one from
        // the environment is there for the runs that name one.
        None if args.mock_config.is_some()
            && args.mock_config.as_deref().map(Path::as_os_str)
                != std::env::var_os("SFN_MOCK_CONFIG").as_deref() =>
        {
            return usage_error(&args, "--mock-config needs --test-case NAME");
        }
        None => None,
        Some(case) => {
            let Some((file, _)) = crate::common::mock_config_path(args.mock_config.as_deref())
            else {
                return usage_error(
                    &args,
                    "--test-case needs a mock config: --mock-config FILE, SFN_MOCK_CONFIG, or ./MockConfigFile.json",
                );
            };
            let config = match crate::common::read_mock_config(&file) {
                Ok(c) => c,
                Err(msg) => return usage_error(&args, &msg),
            };
            match MockCase::from_config(&config, &machine_name, case) {
                Ok(c) => Some(c),
                Err(e) => return usage_error(&args, &e.to_string()),
            }
        }
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
        id: format!(
            "arn:aws:states:{}:{ACCOUNT}:{kind}:{machine_name}:{exec_name}",
            args.region
        ),
        express,
        // The command line waits for the result, as StartSyncExecution does.
        sync: express,
        name: exec_name,
        state_machine_id: format!(
            "arn:aws:states:{}:{ACCOUNT}:stateMachine:{machine_name}",
            args.region
        ),
        state_machine_name: machine_name,
        role_arn: format!("arn:aws:iam::{ACCOUNT}:role/stepwell-local"),
        input: Arc::new(input),
        ..Default::default()
    };
    let lambda = match args.tasks.lambda_options() {
        Ok(l) => l,
        Err(msg) => return usage_error(&args, &msg),
    };
    let mut runner = LocalRunner {
        mocks: MockRunner::new(mocks),
        lambda,
        aws: args.tasks.aws_integrations,
        region: args.region.clone(),
        backends: None,
        jobs: HashMap::new(),
    };
    if runner.lambda.enabled() || runner.aws {
        // Start now, so a bad project file is a usage error.
        match Backends::start(&runner.lambda, runner.aws, &runner.region) {
            Ok(b) => runner.backends = Some(b),
            Err(msg) => return usage_error(&args, &msg),
        }
    }
    let mut exec = Execution::new(plan.clone(), info.clone());
    // No activity can be created for a local run: a Task of an activity
    // that no mock answers fails as AWS fails one whose activity does not
    // exist (States.Runtime, no ActivityScheduled), as the server does.
    exec.set_missing_activities(exec.activity_resources_of(|state| !runner.mocks.covers(state)));
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

/// Answers the Task states of `stepwell run`: the mock test case for the
/// states it covers, else the first backend that runs the resource (the
/// user's Lambda functions and the HTTP Task, then AWS service
/// integrations), else the mock runner's "no mocked response" failure.
struct LocalRunner {
    mocks: MockRunner,
    lambda: LambdaOptions,
    aws: bool,
    region: String,
    /// Started up front when functions or integrations are asked for;
    /// otherwise at the first HTTP Task.
    backends: Option<Backends>,
    /// The `.sync` jobs submitted and not yet waited for: what their
    /// submission answered, by task.
    jobs: HashMap<TaskId, Arc<Value>>,
}

impl TaskRunner for LocalRunner {
    fn run(&mut self, req: &TaskRequest) -> TaskOutcome {
        if self.mocks.covers(&req.state_name) {
            return self.mocks.run(req);
        }
        if self.backends.is_none() && req.resource == HTTP_TASK {
            match Backends::start(&self.lambda, self.aws, &self.region) {
                Ok(b) => self.backends = Some(b),
                Err(cause) => {
                    return TaskOutcome::Failed {
                        error: "States.Runtime".into(),
                        cause,
                    }
                }
            }
        }
        let submitted = self.jobs.remove(&req.task);
        match self.backends.as_ref().and_then(|b| b.run(req, submitted)) {
            Some(outcome) => outcome,
            None => self.mocks.run(req),
        }
    }

    /// A `.sync` job of an AWS service (with `--aws-integrations`) is
    /// submitted here; [`Self::run`] then waits for it to end.
    fn submit(&mut self, req: &TaskRequest) -> Result<Value, TaskOutcome> {
        let empty = Ok(Value::Object(Default::default()));
        if self.mocks.covers(&req.state_name) {
            return empty; // a mock stands for the whole job
        }
        let Some(backends) = self.backends.as_ref() else {
            return empty;
        };
        match backends.submit(req) {
            Some(Ok(output)) => {
                self.jobs.insert(req.task, Arc::new(output.clone()));
                Ok(output)
            }
            Some(Err(outcome)) => Err(outcome),
            None => empty,
        }
    }
}

const HTTP_TASK: &str = "arn:aws:states:::http:invoke";

/// The server's task backends, driven from this synchronous command on a
/// runtime of their own.
struct Backends {
    runtime: tokio::runtime::Runtime,
    lambda: Lambda,
    list: Vec<Arc<dyn TaskBackend>>,
}

impl Backends {
    fn start(options: &LambdaOptions, aws: bool, region: &str) -> Result<Backends, String> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_stack_size(8 << 20)
            .enable_all()
            .build()
            .map_err(|e| format!("cannot start the async runtime: {e}"))?;
        // No server runs: a handler's AWS SDK calls to Step Functions fail.
        let lambda = runtime.block_on(lambda_backend::start(
            options,
            region,
            ACCOUNT,
            "http://127.0.0.1:8083",
            None,
        ))?;
        let mut list: Vec<Arc<dyn TaskBackend>> = vec![Arc::new(LambdaBackend::new(
            lambda.clone(),
            options.enabled(),
        ))];
        if aws {
            list.push(Arc::new(AwsBackend::from_env(region)));
        }
        Ok(Backends {
            runtime,
            lambda,
            list,
        })
    }

    /// Submits the job of a `.sync` Task, or `None` when no backend runs
    /// its resource as a job.
    fn submit(&self, req: &TaskRequest) -> Option<Result<Value, TaskOutcome>> {
        let backend = self.list.iter().find(|b| b.handles_job(&req.resource))?;
        // Unique to this attempt (Athena's idempotency token).
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default();
        let key = format!("stepwell-run-{nanos:032x}-{:08x}", req.task);
        let call = backend.submit_job(req, key);
        Some(
            self.runtime
                .block_on(call)
                .map_err(|(error, cause)| TaskOutcome::Failed { error, cause }),
        )
    }

    /// Runs the task (or waits for the job `submitted` names), or `None`
    /// when no backend takes its resource.
    fn run(&self, req: &TaskRequest, submitted: Option<Arc<Value>>) -> Option<TaskOutcome> {
        if let Some(submitted) = submitted {
            if let Some(backend) = self.list.iter().find(|b| b.handles_job(&req.resource)) {
                return Some(self.wait_for_job(backend, req, submitted));
            }
        }
        let backend = self.list.iter().find(|b| b.handles(&req.resource))?;
        if req.is_submitted_first() {
            return Some(TaskOutcome::Failed {
                error: "States.Runtime".into(),
                cause: format!(
                    "state '{}': `stepwell run` cannot wait for the callback of {}; run the state machine under `stepwell serve`, or mock the state",
                    req.state_name, req.resource
                ),
            });
        }
        let call = backend.run(req);
        // The Task's TimeoutSeconds, as the server's timer would enforce it.
        let result = self.runtime.block_on(async {
            match req.timeout_seconds {
                Some(s) => tokio::time::timeout(Duration::from_secs(s), call)
                    .await
                    .unwrap_or_else(|_| Err(("States.Timeout".to_string(), String::new()))),
                None => call.await,
            }
        });
        Some(match result {
            Ok(output) => TaskOutcome::Succeeded(output),
            Err((error, cause)) => TaskOutcome::Failed { error, cause },
        })
    }
}

impl Backends {
    /// Describes the job now and then until it ends, within the Task's
    /// TimeoutSeconds (then the job is stopped, best effort, and the Task
    /// times out), as the server does.
    fn wait_for_job(
        &self,
        backend: &Arc<dyn TaskBackend>,
        req: &TaskRequest,
        submitted: Arc<Value>,
    ) -> TaskOutcome {
        let resource = req.resource.clone();
        let poll = async {
            // AWS is silent: how often Step Functions looks at a job (as
            // the server: from 1 s, half as long again each time, to 20 s).
            let mut wait = Duration::from_secs(1);
            loop {
                tokio::time::sleep(wait).await;
                match backend.poll_job(resource.clone(), submitted.clone()).await {
                    JobPoll::Running | JobPoll::Again(_) => {}
                    JobPoll::Done(result) => return result,
                }
                wait = wait.mul_f64(1.5).min(Duration::from_secs(20));
            }
        };
        let result = self.runtime.block_on(async {
            match req.timeout_seconds {
                Some(s) => match tokio::time::timeout(Duration::from_secs(s), poll).await {
                    Ok(result) => result,
                    Err(_) => {
                        let _ = backend.stop_job(resource.clone(), submitted.clone()).await;
                        Err(("States.Timeout".to_string(), String::new()))
                    }
                },
                None => poll.await,
            }
        });
        match result {
            Ok(output) => TaskOutcome::Succeeded(output),
            Err((error, cause)) => TaskOutcome::Failed { error, cause },
        }
    }
}

impl Drop for Backends {
    fn drop(&mut self) {
        // Stop the functions' runtime processes.
        self.runtime.block_on(self.lambda.shutdown());
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
