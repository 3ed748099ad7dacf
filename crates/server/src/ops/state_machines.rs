//! CreateStateMachine, DescribeStateMachine, UpdateStateMachine,
//! DeleteStateMachine, ListStateMachines, ValidateStateMachineDefinition and
//! DescribeStateMachineForExecution.

use std::sync::Arc;

use serde_json::{json, Map, Value};
use stepwell_asl::{Diagnostic, Options};
use stepwell_store::Write;

use crate::arn::{check_name, Arns, MachineRef};
use crate::ops::executions::{machine_deleting, machine_does_not_exist};
use crate::protocol::{timestamp, ApiError, Req};
use crate::quotas;
use crate::records::{aws_owned_key, kind, Revision, StateMachineRecord, Tags};
use crate::runtime::{now_ms, Runtime};

/// Parse a definition for a state machine type; AWS's diagnostics if invalid.
/// The API takes JSON only (YAML is a client-side convenience, as on AWS).
pub fn diagnostics(definition: &str, express: bool) -> Vec<Diagnostic> {
    match stepwell_asl::parse_json_definition(
        definition,
        Options {
            express,
            ..Options::default()
        },
    ) {
        Ok(_) => Vec::new(),
        Err(d) => d,
    }
}

fn check_definition(definition: &str, express: bool) -> Result<(), ApiError> {
    let d = diagnostics(definition, express);
    if d.is_empty() {
        Ok(())
    } else {
        Err(ApiError::new(
            "InvalidDefinition",
            stepwell_asl::invalid_definition_message(&d),
        ))
    }
}

/// An execution role's ARN (`arn:PARTITION:iam::ACCOUNT:role/NAME`), else
/// `InvalidArn` (AWS: "Invalid Arn: 'not-an-arn'").
pub(crate) fn check_role(role: &str) -> Result<(), ApiError> {
    let parts: Vec<&str> = role.splitn(6, ':').collect();
    if parts.len() == 6 && parts[0] == "arn" && parts[2] == "iam" && parts[5].starts_with("role/") {
        Ok(())
    } else {
        Err(ApiError::new(
            "InvalidArn",
            format!("Invalid Arn: '{role}'"),
        ))
    }
}

/// STANDARD (the default) or EXPRESS (the model's enum, `ops::validate`).
fn machine_type(req: &Req) -> Result<&'static str, ApiError> {
    match req.opt_str("type")? {
        Some("EXPRESS") => Ok("EXPRESS"),
        _ => Ok("STANDARD"),
    }
}

/// `loggingConfiguration` as given with AWS's defaults, checked as AWS does (the API model:
/// `destinations` is "limited to size 1" and "required, if your log level
/// is not set to OFF"; a log group ARN "must end with `:*`"). Nothing is
/// logged here.
fn logging(req: &Req) -> Result<Option<Value>, ApiError> {
    let Some(config) = req.get("loggingConfiguration") else {
        return Ok(None);
    };
    let invalid = |why: &str| {
        ApiError::new(
            "InvalidLoggingConfiguration",
            format!("Invalid Logging Configuration: {why}"),
        )
    };
    let destinations = config
        .get("destinations")
        .and_then(Value::as_array)
        .map_or(&[][..], Vec::as_slice);
    let level = config.get("level").and_then(Value::as_str).unwrap_or("OFF");
    if destinations.len() > 1 || (level != "OFF" && destinations.is_empty()) {
        return Err(invalid("Must specify exactly one Log Destination."));
    }
    for d in destinations {
        let arn = d
            .pointer("/cloudWatchLogsLogGroup/logGroupArn")
            .and_then(Value::as_str);
        if arn.is_some_and(|a| !a.ends_with(":*")) {
            return Err(invalid(
                "Log Group ARN must be provided with '*' qualifier.",
            ));
        }
    }
    // What the caller left out is AWS's default, and DescribeStateMachine
    // shows it (recorded against AWS: `{}` is described as level `OFF`
    // without execution data, `{"destinations": []}` keeps its list).
    let mut config = config.clone();
    if let Some(o) = config.as_object_mut() {
        o.entry("level").or_insert_with(|| json!("OFF"));
        o.entry("includeExecutionData")
            .or_insert_with(|| json!(false));
    }
    Ok(Some(config))
}

fn tracing_config(req: &Req) -> Value {
    req.get("tracingConfiguration")
        .cloned()
        .unwrap_or_else(|| json!({"enabled": false}))
}

/// `encryptionConfiguration` as it is kept and described (AWS's default, an
/// AWS owned key, when absent). A customer managed key needs `kmsKeyId`
/// (the `InvalidEncryptionConfiguration` documentation's own example);
/// its data key reuse period defaults to 300 s (AWS is silent on whether
/// DescribeStateMachine shows the default; the CDK documents 300). There is
/// no KMS here: the key is kept, never called.
pub fn encryption(req: &Req) -> Result<Option<Value>, ApiError> {
    let Some(config) = req.get("encryptionConfiguration") else {
        return Ok(None);
    };
    // A structure whose `type` is one of the model's (`ops::validate`).
    let mut config = config.as_object().cloned().unwrap_or_default();
    if config.get("type").and_then(Value::as_str) == Some("CUSTOMER_MANAGED_KMS_KEY") {
        // (An empty `kmsKeyId` is the model's length constraint.)
        if config.get("kmsKeyId").is_none_or(Value::is_null) {
            // AWS is silent on the message.
            return Err(ApiError::new(
                "InvalidEncryptionConfiguration",
                "Invalid Encryption Configuration: 'kmsKeyId' is required when 'type' is CUSTOMER_MANAGED_KMS_KEY",
            ));
        }
        config
            .entry("kmsDataKeyReusePeriodSeconds")
            .or_insert(json!(300));
    }
    Ok(Some(Value::Object(config)))
}

/// `tags: [{key, value}]` as a map (their lengths are the model's,
/// checked by `ops::validate`; how many a resource may have is
/// `quotas::tags`, which names the resource).
pub fn parse_tags(v: Option<&Value>) -> Result<Tags, ApiError> {
    let mut tags = Tags::new();
    let Some(list) = v else {
        return Ok(tags);
    };
    let list = list.as_array().ok_or_else(|| {
        ApiError::new("SerializationException", "Expected a list for field 'tags'")
    })?;
    for t in list {
        let key = t.get("key").and_then(Value::as_str);
        let value = t.get("value").and_then(Value::as_str).unwrap_or_default();
        match key {
            Some(k) => {
                tags.insert(k.to_string(), value.to_string());
            }
            // AWS is silent on a tag without a key (the model does not
            // require one).
            None => {
                return Err(ApiError::new(
                    "ValidationException",
                    "Invalid tag: a tag needs a key",
                ))
            }
        }
    }
    Ok(tags)
}

pub async fn create(rt: &Arc<Runtime>, req: Req) -> Result<Value, ApiError> {
    let name = req.str("name")?;
    check_name(name, 80)?;
    let definition = req.str("definition")?;
    let role = req.str("roleArn")?;
    check_role(role)?;
    let kind_ = machine_type(&req)?;
    check_definition(definition, kind_ == "EXPRESS")?;
    let tags = parse_tags(req.get("tags"))?;
    let publish = req.opt_bool("publish")?.unwrap_or(false);
    check_version_description(&req, publish)?;
    let arn = rt.cfg.arns.state_machine(name);
    quotas::tags(&arn, tags.len(), quotas::TAGS_PER_RESOURCE)?;
    let now = now_ms();
    let revision = Revision {
        id: rt.uuid(),
        definition: definition.to_string(),
        role_arn: role.to_string(),
        logging: logging(&req)?
            .unwrap_or_else(|| json!({"level": "OFF", "includeExecutionData": false})),
        tracing: tracing_config(&req),
        encryption: encryption(&req)?.unwrap_or_else(aws_owned_key),
        initial: true,
    };
    let _admin = rt.admin.lock().await;
    if let Some(answer) = created_before(rt, &req, &arn, kind_, &revision, publish)? {
        return Ok(answer);
    }
    quotas::state_machines(rt.read_registry().machines.len(), quotas::STATE_MACHINES)?;
    let mut record = StateMachineRecord {
        arn: arn.clone(),
        name: name.to_string(),
        kind: kind_.to_string(),
        revision_id: revision.id.clone(),
        created_ms: now,
        updated_ms: None,
        last_version: 0,
        description: String::new(),
        deleting: false,
    };
    let (mut writes, version) = save_revision(rt, &req, &mut record, &revision, publish, now)?;
    if !tags.is_empty() {
        writes.push(put(kind::TAGS, &arn, &tags));
    }
    rt.commit(writes).await?;
    let mut reg = rt.write_registry();
    reg.revisions.insert(revision.id.clone(), revision);
    reg.machines.insert(arn.clone(), record);
    if !tags.is_empty() {
        reg.tags.insert(arn.clone(), tags);
    }
    let mut out = json!({"stateMachineArn": arn, "creationDate": timestamp(now)});
    if let Some(v) = version {
        out["stateMachineVersionArn"] = json!(v.arn);
        reg.versions.insert(v.arn.clone(), v);
    }
    Ok(out)
}

/// CreateStateMachine's answer when the state machine exists: "its
/// idempotency check is based on the state machine name, definition,
/// type, LoggingConfiguration, TracingConfiguration, and
/// EncryptionConfiguration", and on `publish` and `versionDescription`; a
/// different `roleArn` or `tags` is ignored (and not updated).
fn created_before(
    rt: &Runtime,
    req: &Req,
    arn: &str,
    kind_: &str,
    wanted: &Revision,
    publish: bool,
) -> Result<Option<Value>, ApiError> {
    let reg = rt.read_registry();
    let Some(existing) = reg.machines.get(arn) else {
        return Ok(None);
    };
    if existing.deleting {
        return Err(machine_deleting(arn));
    }
    // The version the creation published, if it did: version 1 of the
    // revision it made, still current.
    let first = reg
        .versions
        .get(&format!("{arn}:1"))
        .filter(|v| v.machine_arn == arn);
    let published =
        first.filter(|v| existing.updated_ms.is_none() && v.revision_id == existing.revision_id);
    let description = req.opt_str("versionDescription")?.unwrap_or_default();
    let same = reg.revisions.get(&existing.revision_id).is_some_and(|r| {
        r.definition == wanted.definition
            && r.logging == wanted.logging
            && r.tracing == wanted.tracing
            && r.encryption == wanted.encryption
    }) && existing.kind == kind_
        && published.is_some() == publish
        && published.is_none_or(|v| v.description == description);
    if !same {
        return Err(ApiError::new(
            "StateMachineAlreadyExists",
            format!("State Machine Already Exists: '{arn}'"),
        ));
    }
    let mut answer =
        json!({"stateMachineArn": arn, "creationDate": timestamp(existing.created_ms)});
    if let Some(v) = published {
        answer["stateMachineVersionArn"] = json!(v.arn);
    }
    Ok(Some(answer))
}

/// CreateStateMachine's and UpdateStateMachine's rule: "you can only set
/// the description if the publish parameter is set to true".
fn check_version_description(req: &Req, publish: bool) -> Result<(), ApiError> {
    if !publish && req.opt_str("versionDescription")?.is_some() {
        return Err(ApiError::new(
            "ValidationException",
            "Version description can only be set when publish is true",
        ));
    }
    Ok(())
}

/// The writes that make `revision` a state machine's current one, and the
/// version published with it when asked (`publish`, `versionDescription`).
fn save_revision(
    rt: &Runtime,
    req: &Req,
    record: &mut StateMachineRecord,
    revision: &Revision,
    publish: bool,
    now: i64,
) -> Result<(Vec<Write>, Option<crate::records::VersionRecord>), ApiError> {
    let mut writes = vec![put(kind::REVISION, &revision.id, revision)];
    let version = if publish {
        let held = rt.read_registry().versions_of(&record.arn).count();
        quotas::versions(&record.arn, held, quotas::VERSIONS_PER_MACHINE)?;
        let description = req.opt_str("versionDescription")?.unwrap_or_default();
        Some(crate::ops::versions::new_version(
            rt,
            record,
            description,
            now,
        ))
    } else {
        None
    };
    if let Some(v) = &version {
        writes.push(put(kind::VERSION, &v.arn, v));
    }
    writes.push(put(kind::STATE_MACHINE, &record.arn, &*record));
    Ok((writes, version))
}

/// A store write of a resource body.
pub fn put<T: serde::Serialize>(k: &'static str, key: &str, body: &T) -> Write {
    Write::PutResource {
        kind: k,
        key: key.to_string(),
        body: serde_json::to_string(body).unwrap_or_default(),
    }
}

/// A revision's fields in DescribeStateMachine(ForExecution). With
/// `includedData: METADATA_ONLY`, "the returned definition will be {}"
/// (and so are the variables it references left out).
fn describe_revision(o: &mut Map<String, Value>, rev: &Revision, metadata_only: bool) {
    if metadata_only {
        o.insert("definition".into(), json!("{}"));
    } else {
        o.insert("definition".into(), json!(rev.definition));
        if let Ok(definition) = serde_json::from_str(&rev.definition) {
            insert_references(o, &definition);
        }
    }
    o.insert("roleArn".into(), json!(rev.role_arn));
    o.insert("loggingConfiguration".into(), rev.logging.clone());
    o.insert("tracingConfiguration".into(), rev.tracing.clone());
    o.insert("encryptionConfiguration".into(), rev.encryption.clone());
    if !rev.initial {
        o.insert("revisionId".into(), json!(rev.id));
    }
}

/// `variableReferences`: the variables each state of `definition` reads
/// (none: no field).
fn insert_references(o: &mut Map<String, Value>, definition: &Value) {
    let references = stepwell_asl::variable_references(definition);
    if references.is_empty() {
        o.remove("variableReferences");
    } else {
        o.insert("variableReferences".into(), json!(references));
    }
}

/// `includedData`: `ALL_DATA` (the default) or `METADATA_ONLY` (the
/// model's enum, `ops::validate`).
pub fn metadata_only(req: &Req) -> Result<bool, ApiError> {
    Ok(req.opt_str("includedData")? == Some("METADATA_ONLY"))
}

pub fn describe(rt: &Arc<Runtime>, req: Req) -> Result<Value, ApiError> {
    let arn = req.str("stateMachineArn")?;
    let metadata_only = metadata_only(&req)?;
    let reference = rt.cfg.arns.parse_machine(arn)?;
    let reg = rt.read_registry();
    let machine_arn = Arns::unqualified(arn).to_string();
    let m = reg
        .machines
        .get(&machine_arn)
        .ok_or_else(|| machine_does_not_exist(arn))?;
    let mut o = Map::new();
    o.insert("stateMachineArn".into(), json!(arn));
    o.insert("name".into(), json!(m.name));
    let status = if m.deleting { "DELETING" } else { "ACTIVE" };
    o.insert("status".into(), json!(status));
    o.insert("type".into(), json!(m.kind));
    let (revision_id, created, description) = match &reference {
        MachineRef::Machine(_) => (m.revision_id.clone(), m.created_ms, m.description.clone()),
        MachineRef::Version(..) => {
            let v = reg
                .versions
                .get(arn)
                .ok_or_else(|| machine_does_not_exist(arn))?;
            (v.revision_id.clone(), v.created_ms, v.description.clone())
        }
        MachineRef::Alias(..) => {
            return Err(ApiError::new(
                "InvalidArn",
                format!(
                "Invalid Arn: 'an alias ARN cannot be described with DescribeStateMachine: {arn}'"
            ),
            ))
        }
    };
    let rev = reg
        .revisions
        .get(&revision_id)
        .ok_or_else(|| ApiError::internal("definition revision missing"))?;
    describe_revision(&mut o, rev, metadata_only);
    o.insert("creationDate".into(), timestamp(created));
    if !description.is_empty() {
        o.insert("description".into(), json!(description));
    }
    Ok(Value::Object(o))
}

pub async fn update(rt: &Arc<Runtime>, req: Req) -> Result<Value, ApiError> {
    let arn = req.str("stateMachineArn")?;
    match rt.cfg.arns.parse_machine(arn)? {
        MachineRef::Machine(_) => {}
        // A version is no state machine one can update (AWS, recorded:
        // test_sfn_api_versioning test_update_state_machine, with and
        // without publish).
        MachineRef::Version(..) => return Err(machine_does_not_exist(arn)),
        MachineRef::Alias(..) => return Err(ApiError::invalid_arn(arn)),
    }
    crate::arn::not_a_label(arn)?;
    let definition = req.opt_str("definition")?;
    let role = req.opt_str("roleArn")?;
    let encryption = encryption(&req)?;
    let logging = logging(&req)?;
    if definition.is_none()
        && role.is_none()
        && logging.is_none()
        && req.get("tracingConfiguration").is_none()
        && encryption.is_none()
    {
        return Err(ApiError::new(
            "MissingRequiredParameter",
            "Either the definition, the roleArn, the loggingConfiguration, the tracingConfiguration or the encryptionConfiguration must be specified",
        ));
    }
    let publish = req.opt_bool("publish")?.unwrap_or(false);
    check_version_description(&req, publish)?;
    if let Some(r) = role {
        check_role(r)?;
    }
    let _admin = rt.admin.lock().await;
    let (mut record, old) = {
        let reg = rt.read_registry();
        let m = reg
            .machines
            .get(arn)
            .ok_or_else(|| machine_does_not_exist(arn))?;
        if m.deleting {
            return Err(machine_deleting(arn));
        }
        let old = reg
            .revisions
            .get(&m.revision_id)
            .cloned()
            .ok_or_else(|| ApiError::internal("definition revision missing"))?;
        (m.clone(), old)
    };
    if let Some(d) = definition {
        check_definition(d, record.kind == "EXPRESS")?;
    }
    let now = now_ms();
    let revision = Revision {
        id: rt.uuid(),
        definition: definition.map_or_else(|| old.definition.clone(), str::to_string),
        role_arn: role.map_or_else(|| old.role_arn.clone(), str::to_string),
        logging: logging.unwrap_or_else(|| old.logging.clone()),
        tracing: req
            .get("tracingConfiguration")
            .cloned()
            .unwrap_or_else(|| old.tracing.clone()),
        encryption: encryption.unwrap_or_else(|| old.encryption.clone()),
        initial: false,
    };
    if same_revision(&old, &revision) {
        return unchanged(rt, &req, record, &old, publish, now).await;
    }
    record.revision_id = revision.id.clone();
    record.updated_ms = Some(now);
    let (writes, version) = save_revision(rt, &req, &mut record, &revision, publish, now)?;
    rt.commit(writes).await?;
    let mut reg = rt.write_registry();
    let mut out = json!({"updateDate": timestamp(now), "revisionId": revision.id});
    reg.revisions.insert(revision.id.clone(), revision);
    reg.machines.insert(arn.to_string(), record);
    if let Some(v) = version {
        out["stateMachineVersionArn"] = json!(v.arn);
        reg.versions.insert(v.arn.clone(), v);
    }
    Ok(out)
}

/// Whether an update leaves what a revision holds as it was.
fn same_revision(old: &Revision, new: &Revision) -> bool {
    old.definition == new.definition
        && old.role_arn == new.role_arn
        && old.logging == new.logging
        && old.tracing == new.tracing
        && old.encryption == new.encryption
}

/// UpdateStateMachine that changes nothing: AWS keeps the revision (no new
/// one, so none to publish). With `publish`, the answer names the latest
/// version if it is of this revision, else a version of it published now;
/// `revisionId` is the current one's, which the first revision does not
/// show (recorded against AWS: an update with the same definition and
/// `publish: true`, twice, answers version 1 each time and no
/// `revisionId`). The state machine's update date stays as it was.
async fn unchanged(
    rt: &Arc<Runtime>,
    req: &Req,
    mut record: StateMachineRecord,
    current: &Revision,
    publish: bool,
    now: i64,
) -> Result<Value, ApiError> {
    let mut out = json!({"updateDate": timestamp(now)});
    if !current.initial {
        out["revisionId"] = json!(current.id);
    }
    if !publish {
        return Ok(out);
    }
    let latest = rt
        .read_registry()
        .versions_of(&record.arn)
        .max_by_key(|v| v.version)
        .filter(|v| v.revision_id == record.revision_id)
        .map(|v| v.arn.clone());
    if let Some(arn) = latest {
        out["stateMachineVersionArn"] = json!(arn);
        return Ok(out);
    }
    let held = rt.read_registry().versions_of(&record.arn).count();
    quotas::versions(&record.arn, held, quotas::VERSIONS_PER_MACHINE)?;
    let description = req.opt_str("versionDescription")?.unwrap_or_default();
    let v = crate::ops::versions::new_version(rt, &mut record, description, now);
    rt.commit(vec![
        put(kind::VERSION, &v.arn, &v),
        put(kind::STATE_MACHINE, &record.arn, &record),
    ])
    .await?;
    out["stateMachineVersionArn"] = json!(v.arn);
    let mut reg = rt.write_registry();
    reg.versions.insert(v.arn.clone(), v);
    reg.machines.insert(record.arn.clone(), record);
    Ok(out)
}

/// DeleteStateMachine. As AWS: its versions and aliases go at once; a
/// STANDARD state machine with running executions is `DELETING` until the
/// last of them ends (each fails at its next state transition, the
/// runtime's `feed`), then it goes too (`deleted_after_last`). An
/// EXPRESS one goes at once ("the deletion happens eventually"); its
/// executions run on.
pub async fn delete(rt: &Arc<Runtime>, req: Req) -> Result<Value, ApiError> {
    let arn = req.str("stateMachineArn")?;
    // "A qualified state machine ARN can either refer to a Distributed Map
    // state defined within a state machine, a version ARN, or an alias
    // ARN" (the API reference, which refuses only the first): a version
    // or an alias ARN deletes that version or alias, as
    // DeleteStateMachineVersion or DeleteStateMachineAlias would (AWS is
    // silent on what it does with them).
    match rt.cfg.arns.parse_machine(arn)? {
        MachineRef::Machine(_) => {}
        MachineRef::Version(..) => return crate::ops::versions::delete_version(rt, arn).await,
        MachineRef::Alias(..) => return crate::ops::versions::remove_alias(rt, arn).await,
    }
    crate::arn::not_a_label(arn)?;
    let _admin = rt.admin.lock().await;
    let (record, versions, aliases) = {
        let reg = rt.read_registry();
        let Some(record) = reg.machines.get(arn) else {
            // AWS answers a delete of a missing state machine with success.
            return Ok(json!({}));
        };
        let versions: Vec<String> = reg.versions_of(arn).map(|v| v.arn.clone()).collect();
        let aliases: Vec<String> = reg.aliases_of(arn).map(|a| a.arn.clone()).collect();
        (record.clone(), versions, aliases)
    };
    let mut writes: Vec<Write> = versions
        .iter()
        .map(|v| Write::DeleteResource {
            kind: kind::VERSION,
            key: v.clone(),
        })
        .chain(aliases.iter().map(|a| Write::DeleteResource {
            kind: kind::ALIAS,
            key: a.clone(),
        }))
        .collect();
    let waits = record.kind == "STANDARD" && runs_executions(rt, arn).await?;
    let record = StateMachineRecord {
        deleting: true,
        ..record
    };
    if waits {
        writes.push(put(kind::STATE_MACHINE, arn, &record));
    } else {
        writes.extend(gone(arn));
    }
    rt.commit(writes).await?;
    let mut reg = rt.write_registry();
    for v in &versions {
        reg.versions.remove(v);
    }
    for a in &aliases {
        reg.aliases.remove(a);
    }
    if waits {
        reg.machines.insert(arn.to_string(), record);
    } else {
        forget(&mut reg, arn);
    }
    Ok(json!({}))
}

/// Whether any execution of the state machine `arn` is running (on any
/// node: the store's rows).
async fn runs_executions(rt: &Arc<Runtime>, arn: &str) -> Result<bool, ApiError> {
    let store = rt.store.clone();
    let query = stepwell_store::ExecutionQuery {
        state_machine: Some(arn.to_string()),
        status: Some("RUNNING".into()),
        after: None,
        limit: 1,
    };
    let rows = tokio::task::spawn_blocking(move || store.executions(&query))
        .await
        .map_err(|e| ApiError::internal(e.to_string()))??;
    Ok(!rows.is_empty())
}

/// The writes that remove a state machine (and its tags).
fn gone(arn: &str) -> [Write; 2] {
    [
        Write::DeleteResource {
            kind: kind::STATE_MACHINE,
            key: arn.to_string(),
        },
        Write::DeleteResource {
            kind: kind::TAGS,
            key: arn.to_string(),
        },
    ]
}

/// The registry's side of [`gone`].
fn forget(reg: &mut crate::runtime::Registry, arn: &str) {
    reg.machines.remove(arn);
    reg.tags.remove(arn);
}

/// Every `DELETING` state machine whose executions have all ended goes
/// (each node's beat: the last execution may have ended on a node that
/// had not yet seen the deletion, or before a crash).
pub(crate) async fn finish_deletions(rt: &Arc<Runtime>) -> Result<(), ApiError> {
    let deleting: Vec<String> = rt
        .read_registry()
        .machines
        .values()
        .filter(|m| m.deleting)
        .map(|m| m.arn.clone())
        .collect();
    for arn in deleting {
        deleted_after_last(rt, &arn).await?;
    }
    Ok(())
}

/// An execution of a `DELETING` state machine ended: if it was the last
/// one running, the state machine goes.
pub(crate) async fn deleted_after_last(rt: &Arc<Runtime>, arn: &str) -> Result<(), ApiError> {
    let _admin = rt.admin.lock().await;
    let deleting = rt
        .read_registry()
        .machines
        .get(arn)
        .is_some_and(|m| m.deleting);
    if !deleting || runs_executions(rt, arn).await? {
        return Ok(());
    }
    rt.commit(gone(arn).into()).await?;
    forget(&mut rt.write_registry(), arn);
    Ok(())
}

pub fn list(rt: &Arc<Runtime>, req: Req) -> Result<Value, ApiError> {
    let items: Vec<(String, Value)> = rt
        .read_registry()
        .machines
        .values()
        .map(|m| {
            let item = json!({"stateMachineArn": m.arn, "name": m.name, "type": m.kind, "creationDate": timestamp(m.created_ms)});
            (m.arn.clone(), item)
        })
        .collect();
    let (page, next) = super::page(items, &req)?;
    let mut out = json!({ "stateMachines": page });
    if let Some(n) = next {
        out["nextToken"] = json!(n);
    }
    Ok(out)
}

/// ValidateStateMachineDefinition: the definition's errors, and with
/// `severity: WARNING` its warnings too (`stepwell_asl::warnings`).
pub fn validate(req: Req) -> Result<Value, ApiError> {
    let definition = req.str("definition")?;
    let express = machine_type(&req)? == "EXPRESS";
    let max = match req.opt_i64("maxResults")? {
        None | Some(0) => 100,
        Some(n) => n.clamp(1, 100) as usize,
    };
    let mut diags = diagnostics(definition, express);
    if req.opt_str("severity")? == Some("WARNING") {
        if let Ok(doc) = serde_json::from_str::<Value>(definition) {
            diags.extend(stepwell_asl::warnings(&doc));
        }
    }
    Ok(stepwell_asl::validation_response(&diags, max))
}

/// DescribeStateMachineForExecution. For a Map Run's child execution, the
/// Map's `ItemProcessor` as a state machine of its own, with the Map Run's
/// ARN and label.
pub async fn for_execution(rt: &Arc<Runtime>, req: Req) -> Result<Value, ApiError> {
    let arn = req.str("executionArn")?;
    rt.cfg.arns.check_execution(arn)?;
    let metadata_only = metadata_only(&req)?;
    let (r, map_run) = match stepwell_core::map_run::parse_child_arn(arn) {
        Some((stem, index)) => {
            let (r, run) = crate::ops::map_runs::machine_of_child(rt, arn, stem, index).await?;
            (r, Some(run))
        }
        None => (crate::ops::executions::record(rt, arn).await?, None),
    };
    // Compiled before the registry is read: compiling may write to it.
    let plan = match &map_run {
        Some(_) => Some(rt.plan(&r.revision_id, r.express)?),
        None => None,
    };
    let reg = rt.read_registry();
    let rev = reg
        .revisions
        .get(&r.revision_id)
        .ok_or_else(|| ApiError::internal("definition revision missing"))?;
    let mut o = Map::new();
    o.insert("stateMachineArn".into(), json!(r.machine_arn));
    o.insert(
        "name".into(),
        json!(r.machine_arn.rsplit(':').next().unwrap_or_default()),
    );
    // AWS: for a Map Run's child "the includedData = METADATA_ONLY
    // parameter will not apply" (the Map's definition is taken out of the
    // whole one).
    describe_revision(&mut o, rev, metadata_only && map_run.is_none());
    let updated = reg
        .machines
        .get(&r.machine_arn)
        .map(|m| m.updated_ms.unwrap_or(m.created_ms))
        .unwrap_or(r.start_ms);
    o.insert("updateDate".into(), timestamp(updated));
    if let (Some(run), Some(plan)) = (map_run, plan) {
        // AWS: "the state machine returned will be the state machine
        // associated with the Map Run": the Map's ItemProcessor, whose ARN
        // is the parent's with the Map Run's label
        // (`...:stateMachine:PARENT/LABEL`, "Viewing Map Runs").
        // DIFFERENCE: AWS does not show the rest; its name is the ARN's
        // last part (`PARENT/LABEL`), and its role, revision, logging,
        // tracing and update date are the parent's, whose revision the
        // children run.
        let machine = stepwell_core::map_run::machine_arn(&run.arn);
        let name = machine.split_once(":stateMachine:").map(|(_, n)| n);
        o.insert("name".into(), json!(name.unwrap_or_default()));
        o.insert("stateMachineArn".into(), json!(machine));
        let parent_definition: Value = serde_json::from_str(&rev.definition)
            .map_err(|e| ApiError::internal(format!("{}: unreadable definition: {e}", r.arn)))?;
        let definition =
            stepwell_core::map_run::child_definition(&parent_definition, &plan, run.processor)
                .ok_or_else(|| {
                    ApiError::internal(format!("{}: no ItemProcessor for {}", r.arn, run.arn))
                })?;
        o.insert("definition".into(), json!(definition.to_string()));
        insert_references(&mut o, &definition);
        o.insert(
            "label".into(),
            json!(stepwell_core::map_run::label(&run.arn)),
        );
        o.insert("mapRunArn".into(), json!(run.arn));
    }
    Ok(Value::Object(o))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::testing::{call, create_machine, remove_db, runtime};

    #[tokio::test]
    async fn a_deleting_state_machine_left_without_executions_goes_at_the_next_beat() {
        let (rt, db) = runtime("deleting", 1.0).await;
        let definition = json!({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}});
        let arn = create_machine(&rt, "left", &definition).await;
        // As if its last execution ended on a node that had not seen the
        // deletion yet (or before a crash): DELETING, nothing running.
        let mut record = rt.read_registry().machines[&arn].clone();
        record.deleting = true;
        rt.commit(vec![super::put(super::kind::STATE_MACHINE, &arn, &record)])
            .await
            .unwrap_or_else(|e| panic!("{}", e.message));
        rt.write_registry().machines.insert(arn.clone(), record);
        let d = call(&rt, "DescribeStateMachine", json!({"stateMachineArn": arn})).await;
        assert_eq!(d["status"], "DELETING");

        super::finish_deletions(&rt)
            .await
            .unwrap_or_else(|e| panic!("{}", e.message));
        assert!(!rt.read_registry().machines.contains_key(&arn));
        let stored = rt.store.resource(super::kind::STATE_MACHINE, &arn);
        assert!(matches!(stored, Ok(None)), "{stored:?}");
        remove_db(&db);
    }
}
