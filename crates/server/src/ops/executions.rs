//! StartExecution, StartSyncExecution, StopExecution, DescribeExecution,
//! ListExecutions and GetExecutionHistory.

use std::sync::Arc;
use std::time::Duration;

use serde_json::{json, Map, Value};
use stepwell_core::{Input, MAX_PAYLOAD_BYTES};
use stepwell_store::ExecutionQuery;
use tokio::sync::watch;

use crate::arn::{check_name, Arns, MachineRef};
use crate::protocol::{timestamp, token, ApiError, Req};
use crate::records::{ExecutionRecord, ParentLink, REDRIVE_TOKEN_MS};
use crate::runtime::{now_ms, Here, Progress, Runtime};

pub struct StartParams {
    /// A state machine, version or alias ARN, optionally `#TestCase`.
    pub machine_arn: String,
    pub name: Option<String>,
    pub input: String,
    pub trace_header: Option<String>,
    pub parent: Option<ParentLink>,
    /// StartSyncExecution: the caller waits for the result.
    pub sync: bool,
}

pub fn machine_does_not_exist(arn: &str) -> ApiError {
    ApiError::new(
        "StateMachineDoesNotExist",
        format!("State Machine Does Not Exist: '{arn}'"),
    )
}

/// A start of, or change to, a state machine whose deletion waits for its
/// executions (`StateMachineRecord::deleting`).
pub fn machine_deleting(arn: &str) -> ApiError {
    // AWS is silent on the message; the model documents the error as "The
    // specified state machine is being deleted."
    ApiError::new(
        "StateMachineDeleting",
        format!("State Machine Is Being Deleted: '{arn}'"),
    )
}

/// What a state machine, version or alias ARN runs.
pub(crate) struct Resolved {
    /// The unqualified state machine ARN.
    pub machine_arn: String,
    pub revision_id: String,
    pub express: bool,
    pub version_arn: Option<String>,
    pub alias_arn: Option<String>,
}

pub(crate) fn resolve(rt: &Runtime, arn: &str) -> Result<Resolved, ApiError> {
    resolve_machine(rt, arn, false)
}

/// [`resolve`]; a `DELETING` state machine is refused unless
/// `deleting_ok` (ListExecutions, whose errors have no
/// `StateMachineDeleting`, lists its executions).
fn resolve_machine(rt: &Runtime, arn: &str, deleting_ok: bool) -> Result<Resolved, ApiError> {
    let reference = rt.cfg.arns.parse_machine(arn)?;
    let reg = rt.read_registry();
    let machine_arn = Arns::unqualified(arn).to_string();
    let machine = reg
        .machines
        .get(&machine_arn)
        .ok_or_else(|| machine_does_not_exist(arn))?;
    if machine.deleting && !deleting_ok {
        return Err(machine_deleting(arn));
    }
    let express = machine.kind == "EXPRESS";
    match reference {
        MachineRef::Machine(_) => Ok(Resolved {
            machine_arn,
            revision_id: machine.revision_id.clone(),
            express,
            version_arn: None,
            alias_arn: None,
        }),
        MachineRef::Version(..) => {
            let v = reg
                .versions
                .get(arn)
                .ok_or_else(|| machine_does_not_exist(arn))?;
            Ok(Resolved {
                machine_arn,
                revision_id: v.revision_id.clone(),
                express,
                version_arn: Some(arn.to_string()),
                alias_arn: None,
            })
        }
        MachineRef::Alias(..) => {
            let a = reg.aliases.get(arn).ok_or_else(|| {
                ApiError::new("ResourceNotFound", format!("Resource not found: '{arn}'"))
            })?;
            // Weighted routing: pick a version by its share.
            let roll = (rt
                .uuid()
                .bytes()
                .fold(0u32, |h, b| h.wrapping_mul(31).wrapping_add(u32::from(b))))
                % 100;
            let mut acc = 0;
            let mut chosen = a.routing.first().map(|r| r.version_arn.clone());
            for r in &a.routing {
                acc += r.weight;
                if roll < acc {
                    chosen = Some(r.version_arn.clone());
                    break;
                }
            }
            let version_arn = chosen.ok_or_else(|| machine_does_not_exist(arn))?;
            let v = reg
                .versions
                .get(&version_arn)
                .ok_or_else(|| machine_does_not_exist(&version_arn))?;
            Ok(Resolved {
                machine_arn,
                revision_id: v.revision_id.clone(),
                express,
                version_arn: Some(version_arn),
                alias_arn: Some(arn.to_string()),
            })
        }
    }
}

/// Check an execution input as AWS does: at most 256 KiB in UTF-8, valid
/// JSON. (`ops::validate` checks the API's `input` the same way first;
/// this is for nested executions, which meet the quota too.)
pub fn check_input(field: &str, input: &str) -> Result<(), ApiError> {
    if input.len() > MAX_PAYLOAD_BYTES {
        return Err(ApiError::new(
            "ValidationException",
            format!("1 validation error detected: Value at '{field}' failed to satisfy constraint: Member must have size less than or equal to {MAX_PAYLOAD_BYTES} bytes in UTF-8 encoding"),
        ));
    }
    stepwell_core::parse_json(input).map_err(|e| invalid_input(input, &e))?;
    Ok(())
}

/// `InvalidExecutionInput` for input that is not JSON, in AWS's words
/// where they are known: AWS reads input with Jackson, and its answers
/// for empty input, an unknown word where a value belongs and a field
/// name that is not in double quotes are recorded against AWS. Any other
/// error keeps serde_json's wording.
pub fn invalid_input(input: &str, e: &serde_json::Error) -> ApiError {
    let why = if input.is_empty() {
        "Invalid execution input.".to_string()
    } else {
        stepwell_asl::jackson_error(input, e).map_or_else(|| e.to_string(), |j| j.message)
    };
    ApiError::new(
        "InvalidExecutionInput",
        format!("Invalid State Machine Execution Input: '{why}'"),
    )
}

/// Start an execution (the API's StartExecution and nested executions).
/// Returns the record and a watch on its progress.
pub async fn start(
    rt: &Arc<Runtime>,
    p: StartParams,
) -> Result<(ExecutionRecord, Option<watch::Receiver<Progress>>), ApiError> {
    let (machine_ref, test_case) = match p.machine_arn.split_once('#') {
        Some((m, case)) => (m.to_string(), Some(case.to_string())),
        None => (p.machine_arn.clone(), None),
    };
    crate::arn::not_a_label(&machine_ref)?;
    let Resolved {
        machine_arn,
        revision_id,
        express,
        version_arn,
        alias_arn,
    } = resolve(rt, &machine_ref)?;
    if let (Some(case), None) = (&test_case, &rt.cfg.mock_config) {
        // Running it unmocked would call what the test case stands for.
        return Err(ApiError::new(
            "ValidationException",
            format!(
                "mock config: none is loaded, so test case '{case}' cannot be used (start stepwell serve with --mock-config FILE or SFN_MOCK_CONFIG, or with MockConfigFile.json in its directory)"
            ),
        ));
    }
    // A name the caller did not give is a fresh UUID: no execution can
    // have it, so no store read looks for one (the insert still refuses a
    // duplicate).
    let named = p.name.is_some();
    let name = match p.name {
        Some(n) => {
            check_name(&n, 80)?;
            n
        }
        None => rt.uuid(),
    };
    check_input("input", &p.input)?;
    let machine_name = machine_arn
        .rsplit(':')
        .next()
        .unwrap_or_default()
        .to_string();
    let arn = if express {
        rt.cfg
            .arns
            .express_execution(&machine_name, &name, &rt.uuid())
    } else {
        rt.cfg.arns.execution(&machine_name, &name)
    };
    if !express && named {
        if let Some(existing) = rt.reserve_or_wait(&arn, &p.input).await? {
            return Ok((existing, None));
        }
    }
    let at_least_once = express && !p.sync && p.parent.is_none();
    let record = ExecutionRecord {
        arn,
        name,
        machine_arn,
        version_arn,
        alias_arn,
        revision_id,
        express,
        input: p.input,
        start_ms: now_ms(),
        status: "RUNNING".into(),
        stop_ms: None,
        output: None,
        error: None,
        cause: None,
        test_case,
        parent: p.parent,
        trace_header: p.trace_header,
        at_least_once,
        redrive_count: 0,
        redrive_ms: None,
        redrive_tokens: Vec::new(),
    };
    let watch = match rt.begin(record.clone()).await {
        // An execution of this name is in the store (another node's, or
        // one that ended): AWS's idempotency rule decides.
        // (Read from the store, not reserved again: another start of this
        // name on this node may hold the reservation by now.)
        Err(e) if e.kind == "ExecutionAlreadyExists" && !express => {
            return match rt.stored_start(&record.arn, &record.input)? {
                Some(existing) => Ok((existing, None)),
                None => Err(e),
            };
        }
        r => r?,
    };
    Ok((record, Some(watch)))
}

fn start_params(req: &Req) -> Result<StartParams, ApiError> {
    Ok(StartParams {
        machine_arn: req.str("stateMachineArn")?.to_string(),
        name: req.opt_str("name")?.map(str::to_string),
        input: req.opt_str("input")?.unwrap_or("{}").to_string(),
        trace_header: req.opt_str("traceHeader")?.map(str::to_string),
        parent: None,
        sync: false,
    })
}

pub async fn start_execution(rt: &Arc<Runtime>, req: Req) -> Result<Value, ApiError> {
    let (r, _) = start(rt, start_params(&req)?).await?;
    Ok(json!({"executionArn": r.arn, "startDate": timestamp(r.start_ms)}))
}

pub async fn start_sync_execution(rt: &Arc<Runtime>, req: Req) -> Result<Value, ApiError> {
    let p = StartParams {
        sync: true,
        ..start_params(&req)?
    };
    let machine = p
        .machine_arn
        .split('#')
        .next()
        .unwrap_or_default()
        .to_string();
    crate::arn::not_a_label(&machine)?;
    if !resolve(rt, &machine)?.express {
        return Err(ApiError::new(
            "StateMachineTypeNotSupported",
            "This operation is not supported by this type of state machine",
        ));
    }
    let (record, watch) = start(rt, p).await?;
    let mut watch = watch.ok_or_else(|| ApiError::internal("the execution has no progress"))?;
    let waited = tokio::time::timeout(Duration::from_secs(300), async {
        loop {
            if let Some(done) = watch.borrow_and_update().finished.clone() {
                return Some(done);
            }
            if watch.changed().await.is_err() {
                return None;
            }
        }
    })
    .await;
    let done = match waited {
        Ok(Some(done)) => (*done).clone(),
        _ => {
            // AWS stops an express execution after 5 minutes.
            let _ = rt
                .feed(
                    &record.arn,
                    Input::Stop {
                        error: "States.Timeout".into(),
                        cause: String::new(),
                    },
                )
                .await;
            let mut r = record;
            r.status = "TIMED_OUT".into();
            r.stop_ms = Some(now_ms());
            r
        }
    };
    let mut out = describe_json(rt, &done);
    if let Some(o) = out.as_object_mut() {
        // Only StartSyncExecutionOutput's members.
        for k in [
            "redriveCount",
            "redriveDate",
            "redriveStatus",
            "redriveStatusReason",
            "stateMachineVersionArn",
            "stateMachineAliasArn",
        ] {
            o.remove(k);
        }
        // `outputDetails` even without an output (recorded against AWS
        // for a FAILED execution; TIMED_OUT is not recorded and is taken
        // to be alike).
        o.entry("outputDetails")
            .or_insert_with(|| json!({"included": true}));
        let ran = done.stop_ms.unwrap_or(done.start_ms) - done.start_ms;
        o.insert(
            "billingDetails".into(),
            json!({"billedMemoryUsedInMB": 64, "billedDurationInMilliseconds": billed_ms(ran)}),
        );
    }
    Ok(out)
}

/// An Express execution's billed duration: what it ran, rounded up to the
/// next 100 ms, at least 100 ms (AWS's pricing for Express Workflows;
/// recorded against AWS: 100, 300, 7600).
fn billed_ms(ran_ms: i64) -> i64 {
    (ran_ms.max(1) + 99) / 100 * 100
}

/// DescribeExecution's shape for a record.
pub fn describe_json(rt: &Runtime, r: &ExecutionRecord) -> Value {
    let mut o = Map::new();
    o.insert("executionArn".into(), json!(r.arn));
    // The state machine itself even when a version or an alias started
    // it: those are `stateMachineVersionArn` and `stateMachineAliasArn`
    // (recorded against AWS).
    o.insert("stateMachineArn".into(), json!(r.machine_arn));
    o.insert("name".into(), json!(r.name));
    o.insert("status".into(), json!(r.status));
    o.insert("startDate".into(), timestamp(r.start_ms));
    if let Some(stop) = r.stop_ms {
        o.insert("stopDate".into(), timestamp(stop));
    }
    o.insert("input".into(), json!(r.input));
    o.insert("inputDetails".into(), json!({"included": true}));
    if let Some(out) = &r.output {
        o.insert("output".into(), json!(out));
        o.insert("outputDetails".into(), json!({"included": true}));
    }
    let (error, cause) = shown_error(r);
    if let Some(e) = error {
        o.insert("error".into(), json!(e));
    }
    if let Some(c) = cause {
        o.insert("cause".into(), json!(c));
    }
    if let Some(t) = &r.trace_header {
        o.insert("traceHeader".into(), json!(t));
    }
    if let Some(v) = &r.version_arn {
        o.insert("stateMachineVersionArn".into(), json!(v));
    }
    if let Some(a) = &r.alias_arn {
        o.insert("stateMachineAliasArn".into(), json!(a));
    }
    o.insert("redriveCount".into(), json!(r.redrive_count));
    if let Some(ms) = r.redrive_ms {
        o.insert("redriveDate".into(), timestamp(ms));
    }
    let (status, reason) = redrive_status(rt, r);
    o.insert("redriveStatus".into(), json!(status));
    if let Some(reason) = reason {
        o.insert("redriveStatusReason".into(), json!(reason));
    }
    Value::Object(o)
}

/// `r`'s redrive status, and the reason when it is `NOT_REDRIVABLE`.
pub(crate) fn redrive_status(rt: &Runtime, r: &ExecutionRecord) -> (&'static str, Option<String>) {
    match not_redrivable(rt, r, now_ms()) {
        Some(reason) => ("NOT_REDRIVABLE", Some(reason)),
        None => ("REDRIVABLE", None),
    }
}

/// The error and cause DescribeExecution shows for an execution. An empty
/// one is one nobody gave (StopExecution without them): AWS leaves it
/// out. So is the `States.Timeout` of an execution that reached its
/// `TimeoutSeconds`: AWS's DescribeExecution of a TIMED_OUT execution has
/// neither (localstack/localstack
/// tests/aws/services/stepfunctions/v2/timeouts, `test_global_timeout`;
/// floci-io/floci issue 2733).
pub(crate) fn shown_error(r: &ExecutionRecord) -> (Option<&str>, Option<&str>) {
    let error = r.error.as_deref().filter(|e| !e.is_empty());
    let cause = r.cause.as_deref().filter(|c| !c.is_empty());
    if r.status == "TIMED_OUT" && error == Some("States.Timeout") && cause.is_none() {
        return (None, None);
    }
    (error, cause)
}

/// Why RedriveExecution would refuse this execution (AWS's reasons).
/// (`redriveStatusReason`'s documented texts, checked in the order the
/// API reference lists them; it writes them without a final period, as
/// AWS's recorded "Execution is SUCCEEDED and cannot be redriven".)
pub(crate) fn not_redrivable(rt: &Runtime, r: &ExecutionRecord, now: i64) -> Option<String> {
    /// A STANDARD execution lasts at most a year.
    const MAX_EXECUTION_MS: i64 = 365 * 24 * 3600 * 1000;
    /// It may be redriven for 14 days after it ended.
    const REDRIVABLE_MS: i64 = 14 * 24 * 3600 * 1000;
    let deleting = rt
        .read_registry()
        .machines
        .get(&r.machine_arn)
        .is_some_and(|m| m.deleting);
    if deleting {
        return Some("State machine is in DELETING status".into());
    }
    match r.status.as_str() {
        "FAILED" | "TIMED_OUT" | "ABORTED" => {}
        status => return Some(format!("Execution is {status} and cannot be redriven")),
    }
    if now - r.start_ms > MAX_EXECUTION_MS {
        return Some("Execution has exceeded the max execution time".into());
    }
    if r.stop_ms.is_some_and(|stop| now - stop > REDRIVABLE_MS) {
        return Some("Execution redrivable period exceeded".into());
    }
    None
}

/// RedriveExecution: a FAILED, TIMED_OUT or ABORTED execution runs again
/// from the top-level state it stopped in, with the same ARN and input; in
/// a Parallel or Map, only the branches, iterations and Map Run child
/// executions that did not succeed run again (the core's redrive).
pub async fn redrive(rt: &Arc<Runtime>, req: Req) -> Result<Value, ApiError> {
    let arn = req.str("executionArn")?;
    if let Some((stem, index)) = stepwell_core::map_run::parse_child_arn(arn) {
        return super::map_runs::redrive_child(rt, arn, stem, index).await;
    }
    let token = req.opt_str("clientToken")?;
    let r = record(rt, arn).await?;
    if let Some(date) = token.and_then(|t| redriven_with(&r, t, now_ms())) {
        return Ok(json!({"redriveDate": timestamp(date)}));
    }
    if let Some(reason) = not_redrivable(rt, &r, now_ms()) {
        return Err(ApiError::new("ExecutionNotRedrivable", reason));
    }
    let _admin = rt.admin.lock().await;
    // An execution that just ended stays live here a moment after its end
    // is durable (and described): its decision publishes the end, then it
    // leaves (a few ms at most). Wait for both.
    rt.settled(arn).await;
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(5);
    loop {
        match rt.here(arn) {
            Here::Absent => break,
            Here::Ending if tokio::time::Instant::now() < deadline => {
                tokio::time::sleep(std::time::Duration::from_millis(1)).await;
            }
            _ => {
                return Err(ApiError::new(
                    "ExecutionNotRedrivable",
                    "Execution is RUNNING and cannot be redriven",
                ))
            }
        }
    }
    let row = rt
        .store
        .execution(arn)?
        .ok_or_else(|| execution_does_not_exist(arn))?;
    rt.load(row)?;
    if let Some(slot) = rt.slot(arn)? {
        slot.live.lock().await.redrive_token = token.map(str::to_string);
    }
    if let Err(e) = rt.feed(arn, Input::Redrive).await {
        return lost_redrive(rt, &r, token).await.unwrap_or(Err(e));
    }
    let r = record(rt, arn).await?;
    Ok(json!({"redriveDate": timestamp(r.redrive_ms.unwrap_or_else(now_ms))}))
}

/// A redrive whose commit failed because another node's redrive of the
/// same execution was committed first (its events took the same places
/// in the history): AWS's answers to the request that came second, the
/// same redrive's date for the same client token, else
/// `ExecutionNotRedrivable` for the execution as it is now. `None` if
/// no other redrive was committed (the failure is the store's).
async fn lost_redrive(
    rt: &Arc<Runtime>,
    before: &ExecutionRecord,
    token: Option<&str>,
) -> Option<Result<Value, ApiError>> {
    let now = record(rt, &before.arn).await.ok()?;
    if now.redrive_count <= before.redrive_count {
        return None;
    }
    if let Some(date) = token.and_then(|t| redriven_with(&now, t, now_ms())) {
        return Some(Ok(json!({"redriveDate": timestamp(date)})));
    }
    let reason = not_redrivable(rt, &now, now_ms())
        .unwrap_or_else(|| "Execution is RUNNING and cannot be redriven".into());
    Some(Err(ApiError::new("ExecutionNotRedrivable", reason)))
}

/// The date of the redrive a client token already asked for, if it is one
/// of the last ones and not 15 minutes old: the same request again (an SDK
/// retry) gets the same answer instead of `ExecutionNotRedrivable`.
fn redriven_with(r: &ExecutionRecord, token: &str, now: i64) -> Option<i64> {
    r.redrive_tokens
        .iter()
        .find(|t| t.token == token && now - t.ms <= REDRIVE_TOKEN_MS)
        .map(|t| t.ms)
}

pub fn execution_does_not_exist(arn: &str) -> ApiError {
    ApiError::new(
        "ExecutionDoesNotExist",
        format!("Execution Does Not Exist: '{arn}'"),
    )
}

/// The stored record of an execution, or AWS's error.
pub async fn record(rt: &Arc<Runtime>, arn: &str) -> Result<ExecutionRecord, ApiError> {
    rt.cfg.arns.check_execution(arn)?;
    if arn.contains(":express:") {
        return Err(ApiError::new(
            "InvalidArn",
            "Invalid Arn: 'Resource type not valid in this context: express'",
        ));
    }
    let store = rt.store.clone();
    let key = arn.to_string();
    let row = tokio::task::spawn_blocking(move || store.execution(&key))
        .await
        .map_err(|e| ApiError::internal(e.to_string()))??;
    let row = row.ok_or_else(|| execution_does_not_exist(arn))?;
    serde_json::from_str(&row.body)
        .map_err(|e| ApiError::internal(format!("{arn}: unreadable record: {e}")))
}

pub async fn describe(rt: &Arc<Runtime>, req: Req) -> Result<Value, ApiError> {
    let arn = req.str("executionArn")?;
    if let Some((stem, index)) = stepwell_core::map_run::parse_child_arn(arn) {
        return super::map_runs::describe_child(rt, arn, stem, index).await;
    }
    let r = record(rt, arn).await?;
    Ok(describe_json(rt, &r))
}

pub async fn stop(rt: &Arc<Runtime>, req: Req) -> Result<Value, ApiError> {
    let arn = req.str("executionArn")?;
    if let Some((stem, index)) = stepwell_core::map_run::parse_child_arn(arn) {
        return super::map_runs::stop_child(rt, &req, arn, stem, index).await;
    }
    let r = record(rt, arn).await?;
    if r.status == "RUNNING" {
        let input = Input::Stop {
            error: req.opt_str("error")?.unwrap_or_default().to_string(),
            cause: req.opt_str("cause")?.unwrap_or_default().to_string(),
        };
        rt.feed(arn, input).await?;
    }
    let r = record(rt, arn).await?;
    Ok(json!({"stopDate": timestamp(r.stop_ms.unwrap_or_else(now_ms))}))
}

pub async fn list(rt: &Arc<Runtime>, req: Req) -> Result<Value, ApiError> {
    if let Some(map_run) = req.opt_str("mapRunArn")? {
        if req.opt_str("stateMachineArn")?.is_some() {
            return Err(ApiError::new(
                "ValidationException",
                "Only one of stateMachineArn and mapRunArn may be given",
            ));
        }
        return super::map_runs::list_children(rt, &req, map_run).await;
    }
    let machine = req.opt_str("stateMachineArn")?.ok_or_else(|| {
        ApiError::new(
            "ValidationException",
            "1 validation error detected: Must provide a StateMachine ARN or MapRun ARN",
        )
    })?;
    let status = req.opt_str("statusFilter")?;
    if status == Some("PENDING_REDRIVE") {
        // The model: "If you provide a stateMachineArn and a
        // PENDING_REDRIVE statusFilter, the API returns a validation
        // exception" (AWS's wording is not documented).
        return Err(ApiError::new(
            "ValidationException",
            "The PENDING_REDRIVE statusFilter can only be used with a mapRunArn",
        ));
    }
    let Resolved {
        machine_arn,
        express,
        version_arn: version,
        alias_arn: alias,
        ..
    } = resolve_machine(rt, machine, true)?;
    if express {
        return Err(ApiError::new(
            "StateMachineTypeNotSupported",
            "This operation is not supported by this type of state machine",
        ));
    }
    // REDRIVEN or NOT_REDRIVEN (the model's enum, `ops::validate`).
    let redriven = req.opt_str("redriveFilter")?.map(|f| f == "REDRIVEN");
    let limit = req.max_results()?;
    let after = match req.opt_str("nextToken")? {
        Some(t) => {
            let cursor = token::decode(&req, t, now_ms())?;
            let (ms, arn) = cursor
                .split_once('|')
                .ok_or_else(|| ApiError::new("InvalidToken", format!("Invalid Token: '{t}'")))?;
            let ms = ms
                .parse()
                .map_err(|_| ApiError::new("InvalidToken", format!("Invalid Token: '{t}'")))?;
            Some((ms, arn.to_string()))
        }
        None => None,
    };
    let query = ExecutionQuery {
        state_machine: Some(machine_arn),
        status: status.map(str::to_string),
        after,
        limit: limit + 1,
    };
    let store = rt.store.clone();
    let rows = tokio::task::spawn_blocking(move || store.executions(&query))
        .await
        .map_err(|e| ApiError::internal(e.to_string()))??;
    let more = rows.len() > limit;
    let mut items = Vec::new();
    let mut last = None;
    for row in rows.into_iter().take(limit) {
        let Ok(r) = serde_json::from_str::<ExecutionRecord>(&row.body) else {
            continue;
        };
        last = Some(format!("{}|{}", row.start_ms, row.arn));
        // A version or alias ARN lists only what it started; the redrive
        // filter, only what was (or was not) redriven. (A page may so hold
        // fewer than `maxResults`, which the API allows; the token names
        // the last row read, so the next page goes on from there.)
        if (version.is_some() && alias.is_none() && r.version_arn != version)
            || (alias.is_some() && r.alias_arn != alias)
            || redriven.is_some_and(|want| want != (r.redrive_count > 0))
        {
            continue;
        }
        let mut o = Map::new();
        o.insert("executionArn".into(), json!(r.arn));
        o.insert("stateMachineArn".into(), json!(r.machine_arn));
        o.insert("name".into(), json!(r.name));
        o.insert("status".into(), json!(r.status));
        o.insert("startDate".into(), timestamp(r.start_ms));
        if let Some(s) = r.stop_ms {
            o.insert("stopDate".into(), timestamp(s));
        }
        if let Some(v) = &r.version_arn {
            o.insert("stateMachineVersionArn".into(), json!(v));
        }
        if let Some(a) = &r.alias_arn {
            o.insert("stateMachineAliasArn".into(), json!(a));
        }
        o.insert("redriveCount".into(), json!(r.redrive_count));
        if let Some(ms) = r.redrive_ms {
            o.insert("redriveDate".into(), timestamp(ms));
        }
        items.push(Value::Object(o));
    }
    let mut out = json!({ "executions": items });
    if let (true, Some(cursor)) = (more, last) {
        out["nextToken"] = json!(token::encode(&req, &cursor, now_ms()));
    }
    Ok(out)
}

/// The AWS-shaped history of an execution with the core events it came
/// from (visible ones only, in order).
pub async fn rendered_history(
    rt: &Arc<Runtime>,
    r: &ExecutionRecord,
) -> Result<(Vec<Value>, Vec<stepwell_core::Event>), ApiError> {
    let store = rt.store.clone();
    let arn = r.arn.clone();
    let events = tokio::task::spawn_blocking(move || store.events(&arn))
        .await
        .map_err(|e| ApiError::internal(e.to_string()))??;
    let plan = rt.plan(&r.revision_id, r.express)?;
    let info = rt.execution_info(r);
    let rendered = stepwell_core::render_history_from(plan, &info, &events)
        .map_err(|e| ApiError::internal(format!("{}: {e}", r.arn)))?;
    Ok(rendered
        .into_iter()
        .filter_map(|(v, i)| Some((v, events.get(i)?.clone())))
        .unzip())
}

pub async fn history(rt: &Arc<Runtime>, req: Req) -> Result<Value, ApiError> {
    let arn = req.str("executionArn")?;
    let mut events = match stepwell_core::map_run::parse_child_arn(arn) {
        Some((stem, index)) => super::map_runs::child_history(rt, arn, stem, index).await?,
        None => rendered_history(rt, &record(rt, arn).await?).await?.0,
    };
    if req.opt_bool("reverseOrder")?.unwrap_or(false) {
        events.reverse();
    }
    if !req.opt_bool("includeExecutionData")?.unwrap_or(true) {
        for e in &mut events {
            strip_data(e);
        }
    }
    let (page, next) = page_by_id(&events, &req)?;
    let mut out = json!({ "events": page });
    if let Some(n) = next {
        out["nextToken"] = json!(n);
    }
    Ok(out)
}

/// A page of `events` (in the order asked for); the token names the last
/// event given, not its place, so events recorded between two pages (a
/// running execution, newest first) neither repeat nor go missing.
fn page_by_id(events: &[Value], req: &Req) -> Result<(Vec<Value>, Option<String>), ApiError> {
    let max = req.max_results()?;
    let id = |e: &Value| e.get("id").and_then(Value::as_u64).unwrap_or(0);
    let start = match req.opt_str("nextToken")? {
        Some(t) => {
            let last = crate::protocol::token::decode(req, t, now_ms())?
                .parse::<u64>()
                .map_err(|_| ApiError::new("InvalidToken", format!("Invalid Token: '{t}'")))?;
            events
                .iter()
                .position(|e| id(e) == last)
                .map_or(events.len(), |i| i + 1)
        }
        None => 0,
    };
    let end = (start + max).min(events.len());
    let page = events.get(start..end).unwrap_or_default().to_vec();
    let next = (end < events.len())
        .then(|| {
            page.last()
                .map(|e| crate::protocol::token::encode(req, &id(e).to_string(), now_ms()))
        })
        .flatten();
    Ok((page, next))
}

/// `includeExecutionData: false`: no inputs, outputs or parameters.
fn strip_data(event: &mut Value) {
    let Some(o) = event.as_object_mut() else {
        return;
    };
    for (k, details) in o.iter_mut() {
        if !k.ends_with("EventDetails") {
            continue;
        }
        if let Some(d) = details.as_object_mut() {
            for field in ["input", "output", "parameters"] {
                d.remove(field);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn billed_duration_is_rounded_up_to_hundreds() {
        for (ran, billed) in [
            (0, 100),
            (1, 100),
            (100, 100),
            (101, 200),
            (1001, 1100),
            (7512, 7600),
        ] {
            assert_eq!(billed_ms(ran), billed, "{ran}");
        }
    }

    /// The reason `check_input` gives for `input`.
    fn why(input: &str) -> String {
        match check_input("input", input) {
            Ok(()) => panic!("{input:?} was accepted"),
            Err(e) => e.message,
        }
    }

    #[test]
    fn input_errors_take_jacksons_words_where_they_are_certain() {
        // Which errors Jackson words how: `stepwell_asl::jackson_error`.
        assert_eq!(
            why("not some json"),
            "Invalid State Machine Execution Input: 'Unrecognized token 'not': was expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false')'"
        );
        assert_eq!(
            why("{'not': 'json'"),
            "Invalid State Machine Execution Input: 'Unexpected character (''' (code 39)): was expecting double-quote to start field name'"
        );
        assert_eq!(
            why("[1,]"),
            "Invalid State Machine Execution Input: 'trailing comma at line 1 column 4'"
        );
    }

    fn record(status: &str, start_ms: i64, stop_ms: Option<i64>) -> ExecutionRecord {
        let machine = "arn:aws:states:us-east-1:123456789012:stateMachine:M";
        ExecutionRecord {
            start_ms,
            stop_ms,
            ..ExecutionRecord::for_test(machine, "e", status)
        }
    }

    #[tokio::test]
    async fn redrive_is_refused_for_aws_documented_reasons() {
        let (rt, db) = crate::testing::runtime("redrivable", 1.0).await;
        const DAY: i64 = 24 * 3600 * 1000;
        let now = 1_000 * DAY;
        // (status, started, ended) -> reason
        let rows: [(&str, i64, Option<i64>, Option<&str>); 6] = [
            ("FAILED", now - DAY, Some(now - DAY / 2), None),
            (
                "RUNNING",
                now - DAY,
                None,
                Some("Execution is RUNNING and cannot be redriven"),
            ),
            (
                "SUCCEEDED",
                now - DAY,
                Some(now),
                Some("Execution is SUCCEEDED and cannot be redriven"),
            ),
            ("ABORTED", now - 14 * DAY, Some(now - 14 * DAY + 1), None),
            (
                "TIMED_OUT",
                now - 20 * DAY,
                Some(now - 15 * DAY),
                Some("Execution redrivable period exceeded"),
            ),
            (
                "FAILED",
                now - 366 * DAY,
                Some(now - DAY),
                Some("Execution has exceeded the max execution time"),
            ),
        ];
        for (status, start, stop, want) in rows {
            let got = not_redrivable(&rt, &record(status, start, stop), now);
            assert_eq!(got.as_deref(), want, "{status} {start} {stop:?}");
        }
        // The state machine being deleted comes first.
        let r = record("FAILED", now - DAY, Some(now));
        rt.write_registry().machines.insert(
            r.machine_arn.clone(),
            crate::records::StateMachineRecord {
                arn: r.machine_arn.clone(),
                name: "M".into(),
                kind: "STANDARD".into(),
                revision_id: "r".into(),
                created_ms: 0,
                updated_ms: None,
                last_version: 0,
                description: String::new(),
                deleting: true,
            },
        );
        assert_eq!(
            not_redrivable(&rt, &r, now).as_deref(),
            Some("State machine is in DELETING status")
        );
        crate::testing::remove_db(&db);
    }
}
