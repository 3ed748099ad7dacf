//! The typed, compiled model of a state machine.
//!
//! Every transition is resolved to a [`StateId`] and every expression is
//! parsed once, so the interpreter never looks anything up by name or parses
//! text at run time.

use serde_json::Value;
use stepwell_jsonata::Expression;
use stepwell_jsonpath::{Path, PathOrIntrinsic, Template};

/// Index of a state inside its [`Machine`].
pub type StateId = u32;

/// Index of a (sub-)machine inside a [`StateMachine`]: 0 is the top level,
/// Parallel branches and Map processors get their own.
pub type MachineId = u32;

/// A whole definition: the top-level machine plus every nested one, flattened.
#[derive(Debug, Clone)]
pub struct StateMachine {
    /// `machines[0]` is the top level.
    pub machines: Vec<Machine>,
    pub comment: Option<String>,
    /// Execution-level `TimeoutSeconds`.
    pub timeout_seconds: Option<u64>,
    /// The top-level `QueryLanguage` (default JSONPath).
    pub query_language: QueryLanguage,
}

impl StateMachine {
    pub fn top(&self) -> &Machine {
        &self.machines[0]
    }
    pub fn machine(&self, id: MachineId) -> &Machine {
        &self.machines[id as usize]
    }

    /// Whether the states of machine `id` see the variables of the scopes
    /// around it. Every nested machine does except a Distributed Map's
    /// `ItemProcessor` (AWS: "Distributed Map states cannot currently
    /// reference variables in outer scopes"); the top level has none.
    pub fn sees_outer_variables(&self, id: MachineId) -> bool {
        let Some((pm, ps)) = self.machines.get(id as usize).and_then(|m| m.parent) else {
            return false;
        };
        let owner = self
            .machines
            .get(pm as usize)
            .and_then(|m| m.states.get(ps as usize));
        !matches!(owner.map(|s| &s.kind), Some(StateKind::Map(m)) if m.distributed)
    }
}

/// One `StartAt` + `States` block.
#[derive(Debug, Clone)]
pub struct Machine {
    pub start_at: StateId,
    pub states: Vec<State>,
    /// The state that owns this machine (a Parallel or Map), if nested.
    pub parent: Option<(MachineId, StateId)>,
}

impl Machine {
    pub fn state(&self, id: StateId) -> &State {
        &self.states[id as usize]
    }
    pub fn find(&self, name: &str) -> Option<StateId> {
        self.states
            .iter()
            .position(|s| s.name == name)
            .map(|i| i as StateId)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum QueryLanguage {
    #[default]
    JsonPath,
    Jsonata,
}

/// Where control goes after a state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transition {
    Next(StateId),
    End,
}

/// A JSONPath field that may be absent (use the default), `null`, or a path.
#[derive(Debug, Clone, Default)]
pub enum OptPath {
    #[default]
    Default,
    Null,
    Path(Path),
}

/// A JSONata-state field: a literal JSON value with `{% %}` expressions
/// anywhere inside strings (Arguments, Output, Assign, Items ...).
#[derive(Debug, Clone)]
pub enum JsonataTemplate {
    /// No expression anywhere below: use the value as it is.
    Literal(Value),
    Expr(Box<Expr>),
    Object(Vec<(String, JsonataTemplate)>),
    Array(Vec<JsonataTemplate>),
}

/// A compiled `{% %}` expression and where it came from.
#[derive(Debug, Clone)]
pub struct Expr {
    /// The text between `{%` and `%}`, trimmed, as AWS quotes it in errors
    /// (`"{% $x %}"` is reported as `'$x'`).
    pub source: String,
    pub expression: Expression,
}

/// Fields shared by every state.
#[derive(Debug, Clone)]
pub struct State {
    pub name: String,
    pub comment: Option<String>,
    pub query_language: QueryLanguage,
    pub transition: Transition,
    pub io: Io,
    /// Assign (both query languages).
    pub assign: Option<Assign>,
    pub kind: StateKind,
    /// True when any field of this state mentions the context object (`$$`
    /// or `$states.context`), so it only needs building then.
    pub uses_context: bool,
}

/// The data-flow fields; which ones are meaningful depends on the query language.
#[derive(Debug, Clone, Default)]
pub struct Io {
    pub input_path: OptPath,
    /// `Parameters` (JSONPath).
    pub parameters: Option<Template>,
    pub result_selector: Option<Template>,
    pub result_path: OptPath,
    pub output_path: OptPath,
    /// `Arguments` (JSONata).
    pub arguments: Option<JsonataTemplate>,
    /// `Output` (JSONata).
    pub output: Option<JsonataTemplate>,
}

#[derive(Debug, Clone)]
pub enum Assign {
    JsonPath(Template),
    Jsonata(JsonataTemplate),
}

#[derive(Debug, Clone)]
pub enum StateKind {
    Pass(Pass),
    Task(Box<Task>),
    Choice(Choice),
    Wait(Wait),
    Succeed,
    Fail(Fail),
    Parallel(Box<Parallel>),
    Map(Box<Map>),
}

impl StateKind {
    /// The AWS name of the state type, as used in event types (`PassStateEntered`).
    pub fn type_name(&self) -> &'static str {
        match self {
            StateKind::Pass(_) => "Pass",
            StateKind::Task(_) => "Task",
            StateKind::Choice(_) => "Choice",
            StateKind::Wait(_) => "Wait",
            StateKind::Succeed => "Succeed",
            StateKind::Fail(_) => "Fail",
            StateKind::Parallel(_) => "Parallel",
            StateKind::Map(_) => "Map",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Pass {
    pub result: Option<Value>,
}

/// A number given directly, through a path, or by a JSONata expression.
#[derive(Debug, Clone)]
pub enum Dynamic<T> {
    Value(T),
    Path(Path),
    Expr(Expr),
}

#[derive(Debug, Clone)]
pub struct Task {
    pub resource: String,
    pub timeout_seconds: Option<Dynamic<u64>>,
    pub heartbeat_seconds: Option<Dynamic<u64>>,
    /// `Credentials`: the object whose `RoleArn` the Task runs as.
    pub credentials: Option<Credentials>,
    pub retry: Vec<Retrier>,
    pub catch: Vec<Catcher>,
}

/// A Task's `Credentials` object, evaluated when the Task is scheduled:
/// a payload template in JSONPath (`"RoleArn.$"`), a JSONata template.
#[derive(Debug, Clone)]
pub enum Credentials {
    JsonPath(Template),
    Jsonata(JsonataTemplate),
}

#[derive(Debug, Clone)]
pub struct Retrier {
    pub error_equals: Vec<String>,
    pub interval_seconds: u64,
    pub max_attempts: u64,
    pub backoff_rate: f64,
    pub max_delay_seconds: Option<u64>,
    pub jitter: Jitter,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Jitter {
    None,
    Full,
}

#[derive(Debug, Clone)]
pub struct Catcher {
    pub error_equals: Vec<String>,
    pub next: StateId,
    /// JSONPath `ResultPath` (default `$`).
    pub result_path: OptPath,
    /// JSONata `Output`.
    pub output: Option<JsonataTemplate>,
    pub assign: Option<Assign>,
}

#[derive(Debug, Clone)]
pub struct Choice {
    pub choices: Vec<ChoiceBranch>,
    pub default: Option<StateId>,
}

#[derive(Debug, Clone)]
pub struct ChoiceBranch {
    pub rule: Rule,
    pub next: StateId,
    /// JSONata `Output` on a choice rule.
    pub output: Option<JsonataTemplate>,
    pub assign: Option<Assign>,
}

/// A Choice rule.
#[derive(Debug, Clone)]
pub enum Rule {
    And(Vec<Rule>),
    Or(Vec<Rule>),
    Not(Box<Rule>),
    /// `Variable` + one comparison.
    Compare {
        variable: Path,
        op: Comparison,
    },
    /// JSONata `Condition`.
    Condition(Expr),
}

/// A comparison operator with its operand.
#[derive(Debug, Clone)]
pub enum Comparison {
    StringEquals(Operand<String>),
    StringLessThan(Operand<String>),
    StringGreaterThan(Operand<String>),
    StringLessThanEquals(Operand<String>),
    StringGreaterThanEquals(Operand<String>),
    StringMatches(String),
    NumericEquals(Operand<f64>),
    NumericLessThan(Operand<f64>),
    NumericGreaterThan(Operand<f64>),
    NumericLessThanEquals(Operand<f64>),
    NumericGreaterThanEquals(Operand<f64>),
    BooleanEquals(Operand<bool>),
    TimestampEquals(Operand<String>),
    TimestampLessThan(Operand<String>),
    TimestampGreaterThan(Operand<String>),
    TimestampLessThanEquals(Operand<String>),
    TimestampGreaterThanEquals(Operand<String>),
    IsNull(bool),
    IsPresent(bool),
    IsNumeric(bool),
    IsString(bool),
    IsBoolean(bool),
    IsTimestamp(bool),
}

/// The right-hand side of a comparison: a literal or a `...Path` operand.
#[derive(Debug, Clone)]
pub enum Operand<T> {
    Value(T),
    Path(Path),
}

#[derive(Debug, Clone)]
pub enum Wait {
    Seconds(Dynamic<u64>),
    /// A literal timestamp (validated RFC 3339), a path, or an expression.
    Timestamp(Dynamic<String>),
}

#[derive(Debug, Clone, Default)]
pub struct Fail {
    pub error: Option<FailField>,
    pub cause: Option<FailField>,
}

#[derive(Debug, Clone)]
pub enum FailField {
    Value(String),
    Path(PathOrIntrinsic),
    Expr(Expr),
}

#[derive(Debug, Clone)]
pub struct Parallel {
    pub branches: Vec<MachineId>,
    pub retry: Vec<Retrier>,
    pub catch: Vec<Catcher>,
}

#[derive(Debug, Clone)]
pub struct Map {
    pub processor: MachineId,
    pub distributed: bool,
    /// `ItemProcessor.ProcessorConfig.ExecutionType` of a Distributed Map:
    /// the kind of child execution each iteration is (STANDARD when absent,
    /// and for an inline Map, whose iterations are no executions).
    pub execution_type: ExecutionType,
    /// JSONPath `ItemsPath` (default `$`).
    pub items_path: OptPath,
    /// JSONata `Items`.
    pub items: Option<JsonataTemplate>,
    /// `ItemSelector` or the legacy `Parameters` (JSONPath).
    pub item_selector: Option<Template>,
    /// JSONata `ItemSelector`.
    pub item_selector_jsonata: Option<JsonataTemplate>,
    pub max_concurrency: Option<Dynamic<u64>>,
    pub tolerated_failure_count: Option<Dynamic<f64>>,
    pub tolerated_failure_percentage: Option<Dynamic<f64>>,
    /// `ItemReader` (Distributed Maps only): the items come from a dataset
    /// the driver reads, not from the state input.
    pub item_reader: Option<ItemReader>,
    /// `ItemBatcher` (Distributed Maps only).
    pub item_batcher: Option<ItemBatcher>,
    /// `ResultWriter` (Distributed Maps only): where and how the child
    /// executions' results are written.
    pub result_writer: Option<ResultWriter>,
    pub label: Option<String>,
    pub retry: Vec<Retrier>,
    pub catch: Vec<Catcher>,
}

/// The kind of a Distributed Map's child executions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ExecutionType {
    /// Each child has a history of its own (GetExecutionHistory), a
    /// 25,000-event quota, and a redrive continues it from the state it
    /// failed in.
    #[default]
    Standard,
    /// Each child keeps no history AWS serves, has no event quota, and a
    /// redrive starts it again from its first state.
    Express,
}

/// The most `MaxInputBytesPerBatch` may be, and the batch size when only
/// `MaxItemsPerBatch` is given. AWS: "Specifies the maximum size of a batch
/// in bytes, up to 256 KiB", and "If you use batching and don't specify a
/// maximum batch size, the interpreter processes as many items it can
/// process up to 256 KiB in each child workflow execution."
pub const MAX_INPUT_BYTES_PER_BATCH: u64 = 256 * 1024;

/// A Distributed Map's `ItemBatcher`: each child execution gets a batch of
/// (selected) items, `{"BatchInput": ..., "Items": [...]}`, instead of one.
/// At least one of the two limits is present.
#[derive(Debug, Clone)]
pub struct ItemBatcher {
    /// `MaxItemsPerBatch`, `MaxItemsPerBatchPath` or a JSONata expression.
    pub max_items: Option<Dynamic<u64>>,
    /// `MaxInputBytesPerBatch` (at most [`MAX_INPUT_BYTES_PER_BATCH`]), its
    /// `...Path` twin or a JSONata expression.
    pub max_bytes: Option<Dynamic<u64>>,
    /// `BatchInput`: a payload template (JSONPath) or JSON with `{% %}`
    /// expressions (JSONata), evaluated once per Map Run.
    pub batch_input: Option<BatchInput>,
}

/// The most items an `ItemReader`'s `MaxItems` may ask for (AWS: "up to
/// 100,000,000").
pub const MAX_READER_ITEMS: u64 = 100_000_000;

/// A Distributed Map's `ItemReader` (AWS, "ItemReader (Map)"): where the
/// items come from. The interpreter evaluates `Parameters` / `Arguments`
/// and `MaxItems`, then asks the driver to read (`Command::ReadItems`).
#[derive(Debug, Clone)]
pub struct ItemReader {
    pub resource: ReaderResource,
    /// `Parameters` (a payload template, JSONPath) or `Arguments` (JSONata).
    pub parameters: Option<ReaderParameters>,
    pub config: ReaderConfig,
    /// `ReaderConfig.MaxItems`, `MaxItemsPath` (JSONPath) or an expression.
    pub max_items: Option<Dynamic<u64>>,
}

/// A Distributed Map's `ResultWriter` (AWS "ResultWriter (Map)"): with
/// `Resource` (`arn:aws:states:::s3:putObject`) and `Parameters` /
/// `Arguments` (`Bucket`, `Prefix`) the results are exported and the Map's
/// result becomes where they went; with only `WriterConfig` they are
/// formatted and stay the Map's result.
#[derive(Debug, Clone)]
pub struct ResultWriter {
    /// Whether the results are exported (`Resource` given).
    pub export: bool,
    /// `Parameters` (JSONPath) or `Arguments` (JSONata).
    pub parameters: Option<ReaderParameters>,
    pub transformation: WriterTransformation,
    pub output_type: WriterOutputType,
}

/// The ARN of the only `ResultWriter` resource.
pub const RESULT_WRITER_RESOURCE: &str = "arn:aws:states:::s3:putObject";

/// `WriterConfig.Transformation`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriterTransformation {
    /// Each child execution's output with its metadata (ARN, input,
    /// status, dates); the default when exporting.
    None,
    /// The outputs only; the default without `ResultWriter`.
    Compact,
    /// The outputs, arrays flattened one level.
    Flatten,
}

/// `WriterConfig.OutputType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum WriterOutputType {
    /// A JSON array (the default).
    #[default]
    Json,
    /// JSON Lines.
    Jsonl,
}

/// The S3 API an `ItemReader` calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReaderResource {
    /// `arn:aws:states:::s3:getObject`: one object, parsed by `InputType`.
    GetObject,
    /// `arn:aws:states:::s3:listObjectsV2`: the objects under a prefix.
    ListObjectsV2,
}

impl ReaderResource {
    pub fn arn(self) -> &'static str {
        match self {
            ReaderResource::GetObject => "arn:aws:states:::s3:getObject",
            ReaderResource::ListObjectsV2 => "arn:aws:states:::s3:listObjectsV2",
        }
    }
}

#[derive(Debug, Clone)]
pub enum ReaderParameters {
    JsonPath(Template),
    Jsonata(JsonataTemplate),
}

/// `ReaderConfig`, with its defaults filled in.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ReaderConfig {
    /// `InputType`; required with `s3:getObject`.
    pub input_type: Option<InputType>,
    /// `CSVHeaderLocation` (default `FIRST_ROW`).
    pub csv_header_location: CsvHeaderLocation,
    /// `CSVHeaders` (with `GIVEN`).
    pub csv_headers: Vec<String>,
    /// `CSVDelimiter` as a byte (default `,`).
    pub csv_delimiter: CsvDelimiter,
    /// `ItemsPointer`: a JSON Pointer to the array inside a JSON object.
    pub items_pointer: Option<String>,
    /// `Transformation: LOAD_AND_FLATTEN` (with `s3:listObjectsV2`): read
    /// every listed object by `InputType` and iterate over their items.
    pub load_and_flatten: bool,
    /// `ManifestType`: `S3_INVENTORY` (with `InputType` `MANIFEST`) or
    /// `ATHENA_DATA` (with `MANIFEST`, `CSV`, `JSONL` or `PARQUET`: the format
    /// of the data files the manifest lists).
    pub manifest_type: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputType {
    Csv,
    Json,
    Jsonl,
    Parquet,
    Manifest,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CsvHeaderLocation {
    #[default]
    FirstRow,
    Given,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CsvDelimiter {
    #[default]
    Comma,
    Pipe,
    Semicolon,
    Space,
    Tab,
}

impl CsvDelimiter {
    pub fn byte(self) -> u8 {
        match self {
            CsvDelimiter::Comma => b',',
            CsvDelimiter::Pipe => b'|',
            CsvDelimiter::Semicolon => b';',
            CsvDelimiter::Space => b' ',
            CsvDelimiter::Tab => b'\t',
        }
    }
}

#[derive(Debug, Clone)]
pub enum BatchInput {
    JsonPath(Template),
    Jsonata(JsonataTemplate),
}

impl State {
    /// The state's Retry list (empty for states that cannot have one).
    pub fn retriers(&self) -> &[Retrier] {
        match &self.kind {
            StateKind::Task(t) => &t.retry,
            StateKind::Parallel(p) => &p.retry,
            StateKind::Map(m) => &m.retry,
            _ => &[],
        }
    }
    /// The state's Catch list (empty for states that cannot have one).
    pub fn catchers(&self) -> &[Catcher] {
        match &self.kind {
            StateKind::Task(t) => &t.catch,
            StateKind::Parallel(p) => &p.catch,
            StateKind::Map(m) => &m.catch,
            _ => &[],
        }
    }
}
