//! The project file (`stepwell.toml`): the functions Stepwell runs and the
//! HTTP triggers the server wires to executions.
//!
//! ```toml
//! [functions.greet]
//! runtime = "python3.12"      # python3.x, nodejs2x.x, or provided
//! handler = "app.handler"     # file.function
//! code = "functions/greet"    # relative to this file; default "."
//! timeout = 3                 # seconds, 1..=900 (default 3, like Lambda)
//! memory = 128                # MB, a note only (AWS_LAMBDA_FUNCTION_MEMORY_SIZE)
//! concurrency = 4             # warm processes at most
//! throttle = false            # when all are busy: false = wait, true = TooManyRequestsException
//! environment = { TABLE = "orders" }
//!
//! [[triggers]]
//! path = "/orders"
//! method = "POST"
//! state_machine = "OrderFlow" # name or ARN
//!
//! [connections.Stripe]        # an EventBridge connection for HTTP Tasks
//! AuthorizationType = "API_KEY"
//! AuthParameters = { ApiKeyAuthParameters = { ApiKeyName = "Authorization", ApiKeyValue = { env = "STRIPE_KEY" } } }
//! ```
//!
//! `[connections.NAME]` mirrors EventBridge's CreateConnection; see
//! [`crate::connection`].

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::connection::{self, Connection};

/// Lambda's default function timeout.
pub const DEFAULT_TIMEOUT_SECONDS: u32 = 3;
/// Lambda's default memory size.
pub const DEFAULT_MEMORY_MB: u32 = 128;
/// Warm processes per function unless the project says otherwise.
pub const DEFAULT_CONCURRENCY: u32 = 4;

/// A loaded and checked project file.
#[derive(Debug, Clone, PartialEq)]
pub struct Project {
    /// The file it was read from (absolute when loaded from disk).
    pub path: PathBuf,
    /// Functions by name, in name order.
    pub functions: BTreeMap<String, FunctionConfig>,
    /// HTTP triggers, in file order.
    pub triggers: Vec<Trigger>,
    /// EventBridge connections for HTTP Tasks, by name.
    pub connections: BTreeMap<String, Connection>,
}

/// One function of the project.
#[derive(Debug, Clone, PartialEq)]
pub struct FunctionConfig {
    pub name: String,
    pub runtime: Runtime,
    /// `file.function` (Python, Node); passed as `_HANDLER` to `provided`.
    pub handler: String,
    /// Absolute code directory (`LAMBDA_TASK_ROOT`).
    pub code_dir: PathBuf,
    pub environment: BTreeMap<String, String>,
    pub timeout_seconds: u32,
    pub memory_mb: u32,
    pub concurrency: u32,
    /// When every process is busy: `false` waits for one, `true` fails the
    /// invocation with `Lambda.TooManyRequestsException` as AWS does when a
    /// function's reserved concurrency is used up.
    pub throttle: bool,
}

/// The language runtime a function runs on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Runtime {
    /// `python3` or `python3.N`; `name` is the identifier as written.
    Python { name: String },
    /// `nodejs` or `nodejsNN.x`.
    Node { name: String },
    /// `provided`, `provided.al2`, `provided.al2023`: an executable `bootstrap`
    /// in the code directory.
    Provided { name: String },
}

impl Runtime {
    /// Parses a Lambda runtime identifier.
    pub fn parse(text: &str) -> Option<Runtime> {
        let name = text.to_string();
        if text == "python3"
            || text
                .strip_prefix("python3.")
                .is_some_and(|minor| !minor.is_empty() && minor.bytes().all(|b| b.is_ascii_digit()))
        {
            return Some(Runtime::Python { name });
        }
        if text == "nodejs"
            || text
                .strip_prefix("nodejs")
                .and_then(|rest| rest.strip_suffix(".x"))
                .is_some_and(|major| !major.is_empty() && major.bytes().all(|b| b.is_ascii_digit()))
        {
            return Some(Runtime::Node { name });
        }
        if matches!(text, "provided" | "provided.al2" | "provided.al2023") {
            return Some(Runtime::Provided { name });
        }
        None
    }

    /// The identifier as written in the project file (`python3.12`).
    pub fn name(&self) -> &str {
        match self {
            Runtime::Python { name } | Runtime::Node { name } | Runtime::Provided { name } => name,
        }
    }
}

impl fmt::Display for Runtime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// An HTTP route that starts an execution with the request body as input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Trigger {
    /// Starts with `/`.
    pub path: String,
    /// Upper case: GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS or ANY.
    pub method: String,
    /// A state machine name or ARN.
    pub state_machine: String,
}

/// Why a project file could not be used. Messages name the file and, where
/// there is one, the field.
#[derive(Debug, thiserror::Error)]
pub enum ProjectError {
    #[error("{path}: cannot read the project file: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("{path}: {message}")]
    Parse { path: String, message: String },
    #[error("{path}: {field}: {message}")]
    Invalid {
        path: String,
        field: String,
        message: String,
    },
}

impl Project {
    /// Reads and checks a project file. Relative code directories are resolved
    /// against the file's directory.
    pub fn load(path: impl AsRef<Path>) -> Result<Project, ProjectError> {
        let path = path.as_ref();
        let shown = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| ProjectError::Read {
            path: shown.clone(),
            source,
        })?;
        let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
        let base = absolute
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from("."));
        let mut project = Project::parse(&text, &shown, &base)?;
        project.path = absolute;
        Ok(project)
    }

    /// Parses project text; `shown` names the file in messages and `base` is
    /// the directory code paths are relative to. Code directories must exist.
    pub fn parse(text: &str, shown: &str, base: &Path) -> Result<Project, ProjectError> {
        let raw: RawProject = toml::from_str(text).map_err(|e| ProjectError::Parse {
            path: shown.to_string(),
            message: one_line(&e.to_string()),
        })?;
        let invalid = |field: String, message: String| ProjectError::Invalid {
            path: shown.to_string(),
            field,
            message,
        };

        let mut functions = BTreeMap::new();
        for (name, f) in raw.functions {
            let at = |key: &str| format!("functions.{name}.{key}");
            if name.is_empty()
                || name.len() > 64
                || !name
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
            {
                return Err(invalid(
                    format!("functions.{name}"),
                    "a function name has 1 to 64 letters, digits, hyphens or underscores".into(),
                ));
            }
            let runtime = Runtime::parse(&f.runtime).ok_or_else(|| {
                invalid(
                    at("runtime"),
                    format!(
                        "unsupported runtime `{}`; expected python3.x, nodejs2x.x or provided",
                        f.runtime
                    ),
                )
            })?;
            let handler = match (&runtime, f.handler) {
                (Runtime::Provided { .. }, handler) => handler.unwrap_or_default(),
                (_, Some(handler)) => {
                    let ok = handler.rsplit('/').next().is_some_and(|last| {
                        last.split_once('.')
                            .is_some_and(|(m, f)| !m.is_empty() && !f.is_empty())
                    });
                    if !ok {
                        return Err(invalid(
                            at("handler"),
                            format!("`{handler}` is not of the form file.function"),
                        ));
                    }
                    handler
                }
                (_, None) => {
                    return Err(invalid(
                        at("handler"),
                        format!("missing; {} functions need file.function", runtime),
                    ))
                }
            };
            let code = f.code.unwrap_or_else(|| ".".to_string());
            let code_dir = {
                let p = Path::new(&code);
                if p.is_absolute() {
                    p.to_path_buf()
                } else {
                    base.join(p)
                }
            };
            if !code_dir.is_dir() {
                return Err(invalid(
                    at("code"),
                    format!("`{}` is not a directory", code_dir.display()),
                ));
            }
            let timeout_seconds = f.timeout.unwrap_or(DEFAULT_TIMEOUT_SECONDS);
            if !(1..=900).contains(&timeout_seconds) {
                return Err(invalid(
                    at("timeout"),
                    format!("{timeout_seconds} is out of range; expected 1 to 900 seconds"),
                ));
            }
            let memory_mb = f.memory.unwrap_or(DEFAULT_MEMORY_MB);
            if !(128..=10240).contains(&memory_mb) {
                return Err(invalid(
                    at("memory"),
                    format!("{memory_mb} is out of range; expected 128 to 10240 MB"),
                ));
            }
            let concurrency = f.concurrency.unwrap_or(DEFAULT_CONCURRENCY);
            if !(1..=1000).contains(&concurrency) {
                return Err(invalid(
                    at("concurrency"),
                    format!("{concurrency} is out of range; expected 1 to 1000"),
                ));
            }
            let mut environment = BTreeMap::new();
            for (key, value) in f.environment {
                let value = match value {
                    toml::Value::String(s) => s,
                    toml::Value::Integer(i) => i.to_string(),
                    toml::Value::Float(x) => x.to_string(),
                    toml::Value::Boolean(b) => b.to_string(),
                    other => {
                        return Err(invalid(
                            at(&format!("environment.{key}")),
                            format!("expected a string, found {}", other.type_str()),
                        ))
                    }
                };
                if key.is_empty() || key.contains('=') || key.contains('\0') || value.contains('\0')
                {
                    return Err(invalid(
                        at(&format!("environment.{key}")),
                        "not a valid environment variable".into(),
                    ));
                }
                environment.insert(key, value);
            }
            functions.insert(
                name.clone(),
                FunctionConfig {
                    name,
                    runtime,
                    handler,
                    code_dir,
                    environment,
                    timeout_seconds,
                    memory_mb,
                    concurrency,
                    throttle: f.throttle.unwrap_or(false),
                },
            );
        }

        let mut triggers = Vec::new();
        for (index, t) in raw.triggers.into_iter().enumerate() {
            let at = |key: &str| format!("triggers[{index}].{key}");
            if !t.path.starts_with('/') {
                return Err(invalid(
                    at("path"),
                    format!("`{}` does not start with /", t.path),
                ));
            }
            let method = t.method.to_ascii_uppercase();
            if !matches!(
                method.as_str(),
                "GET" | "POST" | "PUT" | "PATCH" | "DELETE" | "HEAD" | "OPTIONS" | "ANY"
            ) {
                return Err(invalid(
                    at("method"),
                    format!("`{}` is not an HTTP method (or ANY)", t.method),
                ));
            }
            if t.state_machine.trim().is_empty() {
                return Err(invalid(at("state_machine"), "must not be empty".into()));
            }
            triggers.push(Trigger {
                path: t.path,
                method,
                state_machine: t.state_machine,
            });
        }

        let mut connections = BTreeMap::new();
        for (name, raw) in raw.connections {
            let c = connection::parse(&name, raw).map_err(|(field, message)| {
                let field = if field.is_empty() {
                    format!("connections.{name}")
                } else {
                    format!("connections.{name}.{field}")
                };
                invalid(field, message)
            })?;
            connections.insert(name, c);
        }

        Ok(Project {
            path: PathBuf::from(shown),
            functions,
            triggers,
            connections,
        })
    }
}

fn one_line(message: &str) -> String {
    message
        .lines()
        .map(str::trim_end)
        .filter(|l| !l.trim().is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawProject {
    #[serde(default)]
    functions: BTreeMap<String, RawFunction>,
    #[serde(default)]
    triggers: Vec<RawTrigger>,
    #[serde(default)]
    connections: BTreeMap<String, connection::RawConnection>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFunction {
    runtime: String,
    handler: Option<String>,
    code: Option<String>,
    #[serde(default)]
    environment: BTreeMap<String, toml::Value>,
    timeout: Option<u32>,
    memory: Option<u32>,
    concurrency: Option<u32>,
    throttle: Option<bool>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTrigger {
    path: String,
    method: String,
    state_machine: String,
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::panic)]
    use super::*;

    fn parse(text: &str) -> Result<Project, ProjectError> {
        Project::parse(text, "stepwell.toml", Path::new(env!("CARGO_MANIFEST_DIR")))
    }

    #[test]
    fn a_full_project_parses_with_defaults() {
        let p = parse(
            r#"
            [functions.greet]
            runtime = "python3.12"
            handler = "app.handler"
            code = "src"
            environment = { TABLE = "orders", RETRIES = 3 }

            [functions.tag]
            runtime = "nodejs20.x"
            handler = "lib/index.handler"
            timeout = 10
            concurrency = 2
            throttle = true

            [[triggers]]
            path = "/orders"
            method = "post"
            state_machine = "OrderFlow"
            "#,
        )
        .unwrap();
        let greet = &p.functions["greet"];
        assert_eq!(
            greet.runtime,
            Runtime::Python {
                name: "python3.12".into()
            }
        );
        assert_eq!(greet.timeout_seconds, 3);
        assert_eq!(greet.memory_mb, 128);
        assert_eq!(greet.concurrency, DEFAULT_CONCURRENCY);
        assert!(!greet.throttle);
        assert_eq!(greet.environment["RETRIES"], "3");
        assert!(greet.code_dir.ends_with("src"));
        let tag = &p.functions["tag"];
        assert_eq!(tag.timeout_seconds, 10);
        assert!(tag.throttle);
        assert_eq!(p.triggers[0].method, "POST");
    }

    #[test]
    fn errors_name_the_field() {
        let cases = [
            (
                "[functions.a]\nruntime = \"ruby3.2\"\nhandler = \"a.b\"",
                "stepwell.toml: functions.a.runtime: unsupported runtime `ruby3.2`; expected python3.x, nodejs2x.x or provided",
            ),
            (
                "[functions.a]\nruntime = \"python3.11\"\nhandler = \"nodot\"",
                "stepwell.toml: functions.a.handler: `nodot` is not of the form file.function",
            ),
            (
                "[functions.a]\nruntime = \"python3.11\"",
                "stepwell.toml: functions.a.handler: missing; python3.11 functions need file.function",
            ),
            (
                "[functions.a]\nruntime = \"python3.11\"\nhandler = \"a.b\"\ntimeout = 0",
                "stepwell.toml: functions.a.timeout: 0 is out of range; expected 1 to 900 seconds",
            ),
            (
                "[functions.a]\nruntime = \"provided\"\ncode = \"no/such/dir\"",
                "is not a directory",
            ),
            (
                "[[triggers]]\npath = \"orders\"\nmethod = \"POST\"\nstate_machine = \"x\"",
                "stepwell.toml: triggers[0].path: `orders` does not start with /",
            ),
            ("[functions.a]\nruntime = \"provided\"\ncolour = 1", "unknown field `colour`"),
            ("[functions.a", "stepwell.toml: "),
        ];
        for (text, want) in cases {
            let got = parse(text).unwrap_err().to_string();
            assert!(got.contains(want), "{text:?}\n got: {got}\nwant: {want}");
        }
    }

    #[test]
    fn connections_parse_like_create_connection() {
        std::env::set_var("STEPWELL_PROJECT_TEST_SECRET", "from-env");
        let p = parse(
            r#"
            [connections.Stripe]
            AuthorizationType = "API_KEY"
            Description = "as given to aws events create-connection"
            [connections.Stripe.AuthParameters.ApiKeyAuthParameters]
            ApiKeyName = "Authorization"
            ApiKeyValue = { env = "STEPWELL_PROJECT_TEST_SECRET" }
            [[connections.Stripe.AuthParameters.InvocationHttpParameters.QueryStringParameters]]
            Key = "limit"
            Value = "10"

            [connections.idp]
            AuthorizationType = "OAUTH_CLIENT_CREDENTIALS"
            [connections.idp.AuthParameters.OAuthParameters]
            AuthorizationEndpoint = "https://idp.example.com/oauth2/token"
            HttpMethod = "post"
            ClientParameters = { ClientID = "app", ClientSecret = "s" }
            OAuthHttpParameters = { BodyParameters = [{ Key = "scope", Value = "orders", IsValueSecret = false }] }
            "#,
        )
        .unwrap();
        let stripe = &p.connections["Stripe"];
        assert_eq!(
            stripe.auth,
            connection::ConnectionAuth::ApiKey {
                name: "Authorization".into(),
                value: "from-env".into()
            }
        );
        assert_eq!(stripe.invocation.query[0].key, "limit");
        let connection::ConnectionAuth::OAuth(oauth) = &p.connections["idp"].auth else {
            panic!("not OAuth");
        };
        assert_eq!(oauth.method, "POST");
        assert_eq!(oauth.http.body[0].value, "orders");
    }

    #[test]
    fn connection_errors_name_the_field() {
        let cases = [
            (
                "[connections.a]\nAuthorizationType = \"DIGEST\"\nAuthParameters = {}",
                "stepwell.toml: connections.a.AuthorizationType: `DIGEST` is not API_KEY, BASIC or OAUTH_CLIENT_CREDENTIALS",
            ),
            (
                "[connections.a]\nAuthorizationType = \"BASIC\"\nAuthParameters = {}",
                "stepwell.toml: connections.a.AuthParameters.BasicAuthParameters: required with AuthorizationType BASIC",
            ),
            (
                "[connections.a]\nAuthorizationType = \"BASIC\"\nAuthParameters = { BasicAuthParameters = { Username = \"u\", Password = { env = \"STEPWELL_NO_SUCH_VARIABLE\" } } }",
                "stepwell.toml: connections.a.AuthParameters.BasicAuthParameters.Password: the environment variable `STEPWELL_NO_SUCH_VARIABLE` is not set",
            ),
            (
                "[connections.a]\nAuthorizationType = \"API_KEY\"\nAuthParameters = { ApiKeyAuthParameters = { ApiKeyName = \"bad name\", ApiKeyValue = \"v\" } }",
                "stepwell.toml: connections.a.AuthParameters.ApiKeyAuthParameters.ApiKeyName: `bad name` is not a valid header name",
            ),
            (
                "[connections.a]\nAuthorizationType = \"OAUTH_CLIENT_CREDENTIALS\"\nAuthParameters = { OAuthParameters = { AuthorizationEndpoint = \"https://x/t\", HttpMethod = \"DELETE\", ClientParameters = { ClientID = \"c\", ClientSecret = \"s\" } } }",
                "stepwell.toml: connections.a.AuthParameters.OAuthParameters.HttpMethod: `DELETE` is not GET, POST or PUT",
            ),
            (
                "[connections.a]\nAuthorizationType = \"API_KEY\"\nAuthParameters = { ApiKeyAuthParameters = { ApiKeyName = \"k\", ApiKeyValue = \"v\" }, InvocationHttpParameters = { HeaderParameters = [{ Key = \"h\", Value = 3 }] } }",
                "stepwell.toml: connections.a.AuthParameters.InvocationHttpParameters.HeaderParameters[0].Value: expected a string or { env = \"NAME\" }, found integer",
            ),
            (
                "[connections.\"a b\"]\nAuthorizationType = \"API_KEY\"\nAuthParameters = { ApiKeyAuthParameters = { ApiKeyName = \"k\", ApiKeyValue = \"v\" } }",
                "stepwell.toml: connections.a b: a connection name has 1 to 64",
            ),
            (
                "[connections.a]\nAuthorizationType = \"API_KEY\"\nAuthParameters = { ApiKeyAuthParameters = { ApiKeyName = \"k\", ApiKeyValue = \"v\", Extra = 1 } }",
                "unknown field `Extra`",
            ),
        ];
        for (text, want) in cases {
            let got = parse(text).unwrap_err().to_string();
            assert!(got.contains(want), "{text:?}\n got: {got}\nwant: {want}");
        }
    }

    #[test]
    fn runtimes() {
        for ok in [
            "python3",
            "python3.9",
            "python3.13",
            "nodejs",
            "nodejs18.x",
            "nodejs22.x",
            "provided",
            "provided.al2023",
        ] {
            assert!(Runtime::parse(ok).is_some(), "{ok}");
        }
        for bad in [
            "python2.7",
            "python3.",
            "nodejs18",
            "java21",
            "ruby3.3",
            "provided.al3",
        ] {
            assert!(Runtime::parse(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn load_reports_a_missing_file() {
        let e = Project::load("/no/such/stepwell.toml")
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("/no/such/stepwell.toml: cannot read the project file"),
            "{e}"
        );
    }
}
