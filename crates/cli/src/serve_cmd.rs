//! `stepwell serve`: the Step Functions API with its embedded store.

use std::net::IpAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use stepwell_server::auth::{self, Verifier};
use stepwell_server::cluster::NodeConfig;
use stepwell_server::ServeOptions;

use crate::common::TaskArgs;
use stepwell_store::Durability;

#[derive(clap::Args, Debug)]
pub(crate) struct ServeArgs {
    /// The address to listen on (127.0.0.1 unless told otherwise).
    #[arg(long, default_value = "127.0.0.1")]
    bind: IpAddr,
    #[arg(long, default_value_t = 8083)]
    port: u16,
    /// Where executions are kept: an SQLite database file (created if
    /// missing), or a PostgreSQL server as `postgres://user:password@host/db`
    /// (its tables are created if missing).
    #[arg(long, default_value = "stepwell.db", env = "STEPWELL_DB")]
    db: String,
    /// `normal`: a commit survives the process being killed; `full`: it
    /// also survives power loss (one fsync per group commit).
    #[arg(long, value_enum, default_value = "normal")]
    durability: DurabilityArg,
    /// The region of the ARNs, and the one service integrations call
    /// (default: AWS_REGION, else AWS_DEFAULT_REGION, else us-east-1).
    #[arg(long, default_value_t = crate::common::default_region())]
    region: String,
    /// The account of the ARNs (AWS_ACCOUNT_ID, as in Step Functions Local).
    #[arg(long, default_value = "123456789012", env = "AWS_ACCOUNT_ID")]
    account: String,
    /// Multiplies every Wait and Retry interval (0 = do not wait;
    /// WAIT_TIME_SCALE, as in Step Functions Local).
    #[arg(long, default_value_t = 1.0, env = "WAIT_TIME_SCALE")]
    wait_scale: f64,
    /// A MockConfigFile (AWS Step Functions Local's format); executions
    /// started with `stateMachineArn#TestCase` use its test case (default:
    /// ./MockConfigFile.json when it exists, as in Step Functions Local).
    #[arg(long, env = "SFN_MOCK_CONFIG")]
    mock_config: Option<PathBuf>,
    /// A directory standing for Amazon S3, read by Distributed Maps with an
    /// ItemReader: DIR/<bucket>/<key> is an object.
    #[arg(long, env = "STEPWELL_S3_DIR", value_name = "DIR")]
    s3_dir: Option<PathBuf>,
    /// A directory standing for CloudWatch Logs: executions of a state
    /// machine whose loggingConfiguration logs write their history events
    /// to DIR/<log group name>/<state machine name>.log, one JSON record a
    /// line.
    #[arg(long, env = "STEPWELL_LOGS_DIR", value_name = "DIR")]
    logs_dir: Option<PathBuf>,
    #[command(flatten)]
    tasks: TaskArgs,
    /// Verify AWS Signature Version 4 on the API and the console's stream,
    /// accepting the keys of this AWS shared credentials file (every
    /// [profile] with aws_access_key_id and aws_secret_access_key).
    #[arg(long, value_name = "FILE", env = "STEPWELL_SIGV4_CREDENTIALS")]
    sigv4_credentials: Option<PathBuf>,
    /// Verify SigV4 and accept this key (repeatable; the environment
    /// variable takes a comma-separated list). Prefer the file: a command
    /// line is visible to other users of the machine.
    #[arg(
        long = "access-key",
        value_name = "ID:SECRET",
        env = "STEPWELL_ACCESS_KEYS",
        value_delimiter = ',',
        hide_env_values = true
    )]
    access_keys: Vec<String>,
    /// This server's name among several sharing one database (default:
    /// the host name). A server restarted with the same name takes its
    /// executions back at once; another name's are taken over when its
    /// lease runs out.
    #[arg(long, value_name = "NAME", env = "STEPWELL_NODE_ID")]
    node_id: Option<String>,
    /// The URL the other servers reach this one's API at (default: the
    /// address it listens on).
    #[arg(long, value_name = "URL", env = "STEPWELL_ADVERTISE_URL")]
    advertise_url: Option<String>,
    /// Seconds a server's lease lasts without renewal (renewed every
    /// quarter of it): how long its executions wait before another server
    /// takes them over after it dies.
    #[arg(long, value_name = "SECONDS", default_value_t = 10.0)]
    node_lease: f64,
    /// Seconds a running execution has nothing to do (a long Wait, a
    /// callback not yet answered) before it leaves memory; its next input
    /// reads it back from the database. Memory then grows with the busy
    /// executions, not with every waiting one.
    #[arg(long, value_name = "SECONDS", default_value_t = 60.0)]
    park_after: f64,
}

/// The host name (the default node id), or "stepwell".
fn host_name() -> String {
    std::env::var("HOSTNAME")
        .ok()
        .or_else(|| std::fs::read_to_string("/proc/sys/kernel/hostname").ok())
        .or_else(|| std::fs::read_to_string("/etc/hostname").ok())
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "stepwell".into())
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
    let mock_config = match crate::common::mock_config_path(args.mock_config.as_deref()) {
        None => None,
        Some((path, default)) => match crate::common::read_mock_config(&path) {
            Ok(v) => {
                if default {
                    eprintln!(
                        "note: loaded the mock config ./{} from the working directory (no --mock-config or SFN_MOCK_CONFIG)",
                        path.display()
                    );
                }
                Some(v)
            }
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::from(2);
            }
        },
    };
    let lambda = match args.tasks.lambda_options() {
        Ok(l) => l,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let sigv4 = match sigv4_verifier(&args.sigv4_credentials, &args.access_keys, &args.region) {
        Ok(v) => v,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    if sigv4.is_none() && !args.bind.is_loopback() {
        eprintln!(
            "warning: --bind {} with no SigV4 verification: anyone who can reach the port can use the API (see --sigv4-credentials)",
            args.bind
        );
    }
    if !(args.node_lease >= 0.2 && args.node_lease <= 3600.0) {
        eprintln!("error: --node-lease must be between 0.2 and 3600 seconds");
        return ExitCode::from(2);
    }
    if !(args.park_after >= 0.0 && args.park_after.is_finite()) {
        eprintln!("error: --park-after must be a number of seconds >= 0");
        return ExitCode::from(2);
    }
    if let Some(dir) = args.s3_dir.as_ref().filter(|d| !d.is_dir()) {
        eprintln!("error: --s3-dir {}: not a directory", dir.display());
        return ExitCode::from(2);
    }
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
        sigv4,
        lambda,
        s3_dir: args.s3_dir,
        aws_integrations: args.tasks.aws_integrations,
        node: NodeConfig {
            id: args.node_id.unwrap_or_else(host_name),
            url: args.advertise_url.unwrap_or_default(),
            lease_ms: (args.node_lease * 1000.0) as i64,
        },
        park_after_ms: (args.park_after * 1000.0) as i64,
        logs_dir: args.logs_dir,
    };
    // Interpreting data recurses once per level of nesting (bounded by
    // `stepwell_core::MAX_NESTING`); 8 MiB per thread, not tokio's 2 MiB,
    // leaves a wide margin. It is address space, committed only when used.
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_stack_size(8 << 20)
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

/// The SigV4 verifier `--sigv4-credentials` and `--access-key` ask for (None:
/// verification is off).
fn sigv4_verifier(
    credentials: &Option<PathBuf>,
    access_keys: &[String],
    region: &str,
) -> Result<Option<Verifier>, String> {
    let mut keys = Vec::new();
    if let Some(path) = credentials {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("--sigv4-credentials {}: {e}", path.display()))?;
        let found = auth::parse_credentials_file(&text)
            .map_err(|e| format!("--sigv4-credentials {}: {e}", path.display()))?;
        if found.is_empty() {
            return Err(format!(
                "--sigv4-credentials {}: no profile with aws_access_key_id and aws_secret_access_key",
                path.display()
            ));
        }
        keys.extend(found);
    }
    for spec in access_keys.iter().filter(|s| !s.trim().is_empty()) {
        keys.push(auth::AccessKey::parse(spec).map_err(|e| format!("--access-key: {e}"))?);
    }
    if keys.is_empty() {
        return Ok(None);
    }
    Verifier::new(keys, region).map(Some)
}
