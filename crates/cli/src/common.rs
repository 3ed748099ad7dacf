//! Helpers shared by subcommands.

use std::path::{Path, PathBuf};

use serde_json::Value;
use stepwell_asl::{Diagnostic, StateMachine};
use stepwell_server::LambdaOptions;

pub(crate) enum Loaded {
    Ok(StateMachine),
    Invalid(Vec<Diagnostic>),
    Unreadable(String),
}

/// The state machine type, as the API spells it.
#[derive(clap::ValueEnum, Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) enum MachineType {
    #[default]
    #[value(name = "STANDARD")]
    Standard,
    #[value(name = "EXPRESS")]
    Express,
}

/// Read and compile a definition file (JSON or YAML).
pub(crate) fn load_definition(path: &Path, ty: MachineType) -> Loaded {
    match read_definition(path) {
        Err(msg) => Loaded::Unreadable(msg),
        Ok(text) => match compile_definition(&text, ty) {
            Ok(sm) => Loaded::Ok(sm),
            Err(d) => Loaded::Invalid(d),
        },
    }
}

/// A definition file's text.
pub(crate) fn read_definition(path: &Path) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))
}

/// Compile a definition's text (JSON or YAML) as a machine of type `ty`.
pub(crate) fn compile_definition(
    text: &str,
    ty: MachineType,
) -> Result<StateMachine, Vec<Diagnostic>> {
    let options = stepwell_asl::Options {
        express: ty == MachineType::Express,
        ..Default::default()
    };
    stepwell_asl::parse_definition_with(text, options)
}

/// `--input` value: JSON text, or `@FILE`.
pub(crate) fn read_input(arg: &str) -> Result<Value, String> {
    let text = match arg.strip_prefix('@') {
        Some(file) => {
            std::fs::read_to_string(file).map_err(|e| format!("cannot read {file}: {e}"))?
        }
        None => arg.to_owned(),
    };
    serde_json::from_str(&text).map_err(|e| format!("the input is not valid JSON: {e}"))
}

/// What runs Task states besides mocks: the user's Lambda functions (and
/// the HTTP Task), and AWS service integrations. `serve` and `run` share it.
#[derive(clap::Args, Debug)]
pub(crate) struct TaskArgs {
    /// The project file declaring the Lambda functions Task states run and
    /// the HTTP triggers (default: ./stepwell.toml when it exists).
    #[arg(long, value_name = "FILE")]
    pub(crate) functions: Option<PathBuf>,
    /// Forward Lambda invocations to this Lambda Invoke API (SAM CLI's
    /// `start-lambda`, LocalStack) instead of running them here, like Step
    /// Functions Local's LAMBDA_ENDPOINT.
    #[arg(long, value_name = "URL", env = "LAMBDA_ENDPOINT")]
    pub(crate) lambda_endpoint: Option<String>,
    /// Run Task states with AWS service integrations (dynamodb:*,
    /// sqs:sendMessage, sns:publish, events:putEvents, aws-sdk:*) against
    /// the endpoints the AWS SDKs' variables name (AWS_ENDPOINT_URL_<SERVICE>,
    /// AWS_ENDPOINT_URL; else AWS itself), signed with the environment's
    /// AWS credentials. Off by default: nothing calls AWS by surprise.
    #[arg(
        long,
        env = "STEPWELL_AWS_INTEGRATIONS",
        action = clap::ArgAction::SetTrue,
        value_parser = clap::builder::BoolishValueParser::new()
    )]
    pub(crate) aws_integrations: bool,
}

impl TaskArgs {
    /// The project file (checked to exist) and the Lambda endpoint.
    pub(crate) fn lambda_options(&self) -> Result<LambdaOptions, String> {
        let functions = match &self.functions {
            Some(path) if !path.is_file() => {
                return Err(format!("--functions {}: no such file", path.display()))
            }
            Some(path) => Some(path.clone()),
            None => Some(PathBuf::from("stepwell.toml")).filter(|p| p.is_file()),
        };
        Ok(LambdaOptions {
            functions,
            endpoint: self
                .lambda_endpoint
                .clone()
                .filter(|e| !e.trim().is_empty()),
        })
    }
}

/// The region the AWS SDKs and CLI would use from the environment:
/// `AWS_REGION`, else `AWS_DEFAULT_REGION`, else us-east-1. It is the region
/// of the state machines' ARNs and the one their service integrations call.
pub(crate) fn default_region() -> String {
    ["AWS_REGION", "AWS_DEFAULT_REGION"]
        .into_iter()
        .filter_map(|v| std::env::var(v).ok())
        .find(|r| !r.trim().is_empty())
        .unwrap_or_else(|| "us-east-1".into())
}

/// Step Functions Local's default MockConfigFile: read from the directory
/// it starts in when `SFN_MOCK_CONFIG` names none.
pub(crate) const DEFAULT_MOCK_CONFIG: &str = "MockConfigFile.json";

/// The MockConfigFile to read: the one given (`--mock-config`, else
/// `SFN_MOCK_CONFIG`), else `./MockConfigFile.json` when it exists, as
/// Step Functions Local does ("If you do not provide the environment
/// variable SFN_MOCK_CONFIG ... it will attempt to read a mock
/// configuration file named MockConfigFile.json in the directory from
/// which you launched Step Functions Local"). The flag says whether it is
/// that default.
pub(crate) fn mock_config_path(given: Option<&Path>) -> Option<(PathBuf, bool)> {
    match given {
        Some(path) => Some((path.to_path_buf(), false)),
        None => Some(PathBuf::from(DEFAULT_MOCK_CONFIG))
            .filter(|p| p.is_file())
            .map(|p| (p, true)),
    }
}

/// Read a MockConfigFile as JSON.
pub(crate) fn read_mock_config(path: &Path) -> Result<Value, String> {
    std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read the mock config {}: {e}", path.display()))
        .and_then(|t| {
            stepwell_core::parse_json(&t)
                .map_err(|e| format!("the mock config {}: {e}", path.display()))
        })
}
