//! What the server stores about its resources (as JSON bodies in the store).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Store kinds of resources.
pub mod kind {
    pub const STATE_MACHINE: &str = "stateMachine";
    pub const REVISION: &str = "revision";
    pub const VERSION: &str = "version";
    pub const ALIAS: &str = "alias";
    pub const ACTIVITY: &str = "activity";
    pub const TAGS: &str = "tags";
    /// Index: a callback task's token -> its execution's ARN.
    pub const TASK_TOKEN: &str = "taskToken";
    /// Index: a Map Run id's stem -> its parent execution (`ops::map_runs`).
    pub const MAP_RUN: &str = "mapRun";

    /// Whether a kind is one of the named resources every node caches
    /// (not an index that is read from the store each time).
    pub fn is_cached(kind: &str) -> bool {
        ![TASK_TOKEN, MAP_RUN].contains(&kind)
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct StateMachineRecord {
    pub arn: String,
    pub name: String,
    /// `STANDARD` or `EXPRESS`.
    pub kind: String,
    pub revision_id: String,
    pub created_ms: i64,
    pub updated_ms: Option<i64>,
    /// The last published version number (0: none yet).
    pub last_version: u32,
    pub description: String,
    /// DeleteStateMachine was called while executions of it ran: AWS's
    /// status `DELETING` until the last of them ends, and then it is gone.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub deleting: bool,
}

/// One definition as it was at some time; executions and versions point at it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Revision {
    pub id: String,
    pub definition: String,
    pub role_arn: String,
    pub logging: serde_json::Value,
    pub tracing: serde_json::Value,
    /// `encryptionConfiguration` (revisions stored before it was kept have
    /// AWS's default, an AWS owned key).
    #[serde(default = "aws_owned_key")]
    pub encryption: serde_json::Value,
    /// The revision CreateStateMachine made: AWS shows no `revisionId` for
    /// it (DescribeStateMachine of a state machine never updated, of a
    /// version published at its creation, DescribeStateMachineForExecution;
    /// recorded against AWS), only for those updates made. (Revisions
    /// stored before this was kept show theirs.)
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub initial: bool,
}

/// The encryption every resource has unless told otherwise.
pub fn aws_owned_key() -> serde_json::Value {
    serde_json::json!({"type": "AWS_OWNED_KEY"})
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct VersionRecord {
    pub arn: String,
    pub machine_arn: String,
    pub version: u32,
    pub revision_id: String,
    pub description: String,
    pub created_ms: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct RoutingEntry {
    pub version_arn: String,
    pub weight: u32,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct AliasRecord {
    pub arn: String,
    pub machine_arn: String,
    pub name: String,
    pub description: String,
    pub routing: Vec<RoutingEntry>,
    pub created_ms: i64,
    pub updated_ms: Option<i64>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ActivityRecord {
    pub arn: String,
    pub name: String,
    pub created_ms: i64,
    #[serde(default = "aws_owned_key")]
    pub encryption: serde_json::Value,
}

pub type Tags = BTreeMap<String, String>;

/// A nested execution's link to the Task that started it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ParentLink {
    pub execution_arn: String,
    pub task: u64,
    /// `sync`, `sync:2` or `waitForTaskToken` (or `` for fire-and-forget).
    pub pattern: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ExecutionRecord {
    pub arn: String,
    pub name: String,
    /// The unqualified state machine ARN.
    pub machine_arn: String,
    pub version_arn: Option<String>,
    pub alias_arn: Option<String>,
    pub revision_id: String,
    pub express: bool,
    /// The input as the caller sent it (JSON text).
    pub input: String,
    pub start_ms: i64,
    pub status: String,
    pub stop_ms: Option<i64>,
    pub output: Option<String>,
    pub error: Option<String>,
    pub cause: Option<String>,
    /// The MockConfigFile test case (`stateMachineArn#TestCase`).
    pub test_case: Option<String>,
    pub parent: Option<ParentLink>,
    pub trace_header: Option<String>,
    /// An EXPRESS execution a client started with StartExecution: its
    /// record stays in the store while it runs, so that after a crash (or
    /// on the node that takes over) it runs again from its start, AWS's
    /// at-least-once model for Express workflows; deleted when it ends.
    /// StartSyncExecution's caller sees the failure and retries itself, and
    /// a nested EXPRESS child is started again by its parent.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub at_least_once: bool,
    /// RedriveExecution: how often, and when last.
    #[serde(default)]
    pub redrive_count: u32,
    #[serde(default)]
    pub redrive_ms: Option<i64>,
    /// RedriveExecution's client tokens of the last redrives (at most
    /// [`REDRIVE_TOKENS_KEPT`]), with the redrive date each answered.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub redrive_tokens: Vec<RedriveToken>,
}

impl ExecutionRecord {
    /// An EXPRESS execution a client started with StartSyncExecution (one
    /// a parent started, or StartExecution, is not): the only kind neither
    /// run again after a crash nor started by a parent.
    pub fn started_sync(&self) -> bool {
        self.express && !self.at_least_once && self.parent.is_none()
    }
}

#[cfg(test)]
impl ExecutionRecord {
    /// A STANDARD execution `name` of the machine `machine_arn`, started
    /// with `{}` and in `status`, with nothing else set (for tests).
    pub fn for_test(machine_arn: &str, name: &str, status: &str) -> ExecutionRecord {
        ExecutionRecord {
            arn: format!(
                "{}:{name}",
                machine_arn.replace(":stateMachine:", ":execution:")
            ),
            name: name.into(),
            machine_arn: machine_arn.into(),
            version_arn: None,
            alias_arn: None,
            revision_id: "r".into(),
            express: false,
            input: "{}".into(),
            start_ms: 0,
            status: status.into(),
            stop_ms: None,
            output: None,
            error: None,
            cause: None,
            test_case: None,
            parent: None,
            trace_header: None,
            at_least_once: false,
            redrive_count: 0,
            redrive_ms: None,
            redrive_tokens: Vec::new(),
        }
    }
}

/// AWS: "The API will return idempotent responses for the last 10 client
/// tokens used to successfully redrive the execution. These client tokens
/// are valid for up to 15 minutes after they are first used."
pub const REDRIVE_TOKENS_KEPT: usize = 10;
pub const REDRIVE_TOKEN_MS: i64 = 15 * 60 * 1000;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct RedriveToken {
    pub token: String,
    /// The redrive's date (ms), when the token was first used.
    pub ms: i64,
}
