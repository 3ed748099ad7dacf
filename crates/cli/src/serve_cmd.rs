//! `stepwell serve`: the Step Functions API with its embedded store.

use std::net::IpAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use stepwell_server::{LambdaOptions, ServeOptions};
use stepwell_store::Durability;

#[derive(clap::Args, Debug)]
pub(crate) struct ServeArgs {
    /// The address to listen on (127.0.0.1 unless told otherwise).
    #[arg(long, default_value = "127.0.0.1")]
    bind: IpAddr,
    #[arg(long, default_value_t = 8083)]
    port: u16,
    /// The SQLite database file (created if missing).
    #[arg(long, default_value = "stepwell.db")]
    db: PathBuf,
    /// `normal`: a commit survives the process being killed; `full`: it
    /// also survives power loss (one fsync per group commit).
    #[arg(long, value_enum, default_value = "normal")]
    durability: DurabilityArg,
    #[arg(long, default_value = "us-east-1", env = "AWS_DEFAULT_REGION")]
    region: String,
    #[arg(long, default_value = "123456789012")]
    account: String,
    /// Multiplies every Wait and Retry interval (0 = do not wait).
    #[arg(long, default_value_t = 1.0)]
    wait_scale: f64,
    /// A MockConfigFile (AWS Step Functions Local's format); executions
    /// started with `stateMachineArn#TestCase` use its test case.
    #[arg(long, env = "SFN_MOCK_CONFIG")]
    mock_config: Option<PathBuf>,
    /// The project file declaring the Lambda functions Task states run and
    /// the HTTP triggers (default: ./stepwell.toml when it exists).
    #[arg(long, value_name = "FILE")]
    functions: Option<PathBuf>,
    /// Forward Lambda invocations to this Lambda Invoke API (SAM CLI's
    /// `start-lambda`, LocalStack) instead of running them here, like Step
    /// Functions Local's LAMBDA_ENDPOINT.
    #[arg(long, value_name = "URL", env = "LAMBDA_ENDPOINT")]
    lambda_endpoint: Option<String>,
}

#[derive(clap::ValueEnum, Debug, Clone, Copy)]
enum DurabilityArg {
    Normal,
    Full,
}

pub(crate) fn run(args: ServeArgs) -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("STEPWELL_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    if !(args.wait_scale >= 0.0 && args.wait_scale.is_finite()) {
        eprintln!("error: --wait-scale must be a number >= 0");
        return ExitCode::from(2);
    }
    let mock_config = match &args.mock_config {
        None => None,
        Some(path) => match std::fs::read_to_string(path)
            .map_err(|e| e.to_string())
            .and_then(|t| serde_json::from_str(&t).map_err(|e| e.to_string()))
        {
            Ok(v) => Some(v),
            Err(e) => {
                eprintln!("error: cannot read the mock config {}: {e}", path.display());
                return ExitCode::from(2);
            }
        },
    };
    let functions = match args.functions {
        Some(path) if !path.is_file() => {
            eprintln!("error: --functions {}: no such file", path.display());
            return ExitCode::from(2);
        }
        Some(path) => Some(path),
        None => Some(PathBuf::from("stepwell.toml")).filter(|p| p.is_file()),
    };
    let lambda_endpoint = args.lambda_endpoint.filter(|e| !e.trim().is_empty());
    let opts = ServeOptions {
        bind: args.bind,
        port: args.port,
        db: args.db,
        durability: match args.durability {
            DurabilityArg::Normal => Durability::Normal,
            DurabilityArg::Full => Durability::Full,
        },
        region: args.region,
        account: args.account,
        wait_scale: args.wait_scale,
        mock_config,
        lambda: LambdaOptions {
            functions,
            endpoint: lambda_endpoint,
        },
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(stepwell_server::serve(opts, None)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
