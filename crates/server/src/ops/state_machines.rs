//! CreateStateMachine, DescribeStateMachine, UpdateStateMachine,
//! DeleteStateMachine, ListStateMachines, ValidateStateMachineDefinition and
//! DescribeStateMachineForExecution.

use std::sync::Arc;

use serde_json::{json, Map, Value};
use stepwell_asl::{Diagnostic, Options};
use stepwell_store::Write;

use crate::arn::{check_name, Arns, MachineRef};
use crate::ops::executions::machine_does_not_exist;
use crate::protocol::{timestamp, ApiError, Req};
use crate::records::{kind, Revision, StateMachineRecord, Tags};
use crate::runtime::{now_ms, Runtime};

/// Parse a definition for a state machine type; AWS's diagnostics if invalid.
/// The API takes JSON only (YAML is a client-side convenience, as on AWS).
pub fn diagnostics(definition: &str, express: bool) -> Vec<Diagnostic> {
    let document = match serde_json::from_str::<Value>(definition) {
        Ok(v) => v,
        Err(e) => {
            return vec![Diagnostic {
                code: stepwell_asl::Code::InvalidJsonDescription,
                message: e.to_string(),
                location: None,
            }]
        }
    };
    match stepwell_asl::from_value_with(&document, Options { express }) {
        Ok(_) => Vec::new(),
        Err(d) => d,
    }
}

fn check_definition(definition: &str, express: bool) -> Result<(), ApiError> {
    if definition.len() > 1_048_576 {
        return Err(ApiError::new(
            "ValidationException",
            "1 validation error detected: Value at 'definition' failed to satisfy constraint: Member must have length less than or equal to 1048576",
        ));
    }
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

fn check_role(role: &str) -> Result<(), ApiError> {
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

fn machine_type(req: &Req) -> Result<&'static str, ApiError> {
    match req.opt_str("type")? {
        None | Some("STANDARD") => Ok("STANDARD"),
        Some("EXPRESS") => Ok("EXPRESS"),
        Some(t) => Err(ApiError::constraint(
            "type",
            t,
            "Member must satisfy enum value set: [STANDARD, EXPRESS]",
        )),
    }
}

fn logging(req: &Req) -> Value {
    req.get("loggingConfiguration")
        .cloned()
        .unwrap_or_else(|| json!({"level": "OFF", "includeExecutionData": false}))
}

fn tracing_config(req: &Req) -> Value {
    req.get("tracingConfiguration")
        .cloned()
        .unwrap_or_else(|| json!({"enabled": false}))
}

/// `tags: [{key, value}]` as a map.
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
            Some(k) if !k.is_empty() && k.len() <= 128 && value.len() <= 256 => {
                tags.insert(k.to_string(), value.to_string());
            }
            _ => {
                return Err(ApiError::new(
                    "InvalidArn",
                    "Invalid tag: keys are 1 to 128 characters, values at most 256",
                ))
            }
        }
    }
    if tags.len() > 50 {
        return Err(ApiError::new(
            "TooManyTags",
            "Too many tags: at most 50 per resource",
        ));
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
    let arn = rt.cfg.arns.state_machine(name);
    let _admin = rt.admin.lock().await;
    {
        let reg = rt.read_registry();
        if let Some(existing) = reg.machines.get(&arn) {
            let same = reg
                .revisions
                .get(&existing.revision_id)
                .is_some_and(|r| r.definition == definition && r.role_arn == role)
                && existing.kind == kind_;
            if same {
                return Ok(
                    json!({"stateMachineArn": arn, "creationDate": timestamp(existing.created_ms)}),
                );
            }
            return Err(ApiError::new(
                "StateMachineAlreadyExists",
                format!("State Machine Already Exists: '{arn}'"),
            ));
        }
    }
    let now = now_ms();
    let revision = Revision {
        id: rt.uuid(),
        definition: definition.to_string(),
        role_arn: role.to_string(),
        logging: logging(&req),
        tracing: tracing_config(&req),
    };
    let mut record = StateMachineRecord {
        arn: arn.clone(),
        name: name.to_string(),
        kind: kind_.to_string(),
        revision_id: revision.id.clone(),
        created_ms: now,
        updated_ms: None,
        last_version: 0,
        description: String::new(),
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

fn describe_revision(o: &mut Map<String, Value>, rev: &Revision) {
    o.insert("definition".into(), json!(rev.definition));
    o.insert("roleArn".into(), json!(rev.role_arn));
    o.insert("loggingConfiguration".into(), rev.logging.clone());
    o.insert("tracingConfiguration".into(), rev.tracing.clone());
    o.insert("revisionId".into(), json!(rev.id));
}

pub fn describe(rt: &Arc<Runtime>, req: Req) -> Result<Value, ApiError> {
    let arn = req.str("stateMachineArn")?;
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
    o.insert("status".into(), json!("ACTIVE"));
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
    describe_revision(&mut o, rev);
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
        _ => return Err(ApiError::invalid_arn(arn)),
    }
    let definition = req.opt_str("definition")?;
    let role = req.opt_str("roleArn")?;
    if definition.is_none()
        && role.is_none()
        && req.get("loggingConfiguration").is_none()
        && req.get("tracingConfiguration").is_none()
    {
        return Err(ApiError::new(
            "MissingRequiredParameter",
            "Either the definition, the roleArn, the loggingConfiguration or the tracingConfiguration must be specified",
        ));
    }
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
        definition: definition.map(str::to_string).unwrap_or(old.definition),
        role_arn: role.map(str::to_string).unwrap_or(old.role_arn),
        logging: req
            .get("loggingConfiguration")
            .cloned()
            .unwrap_or(old.logging),
        tracing: req
            .get("tracingConfiguration")
            .cloned()
            .unwrap_or(old.tracing),
    };
    record.revision_id = revision.id.clone();
    record.updated_ms = Some(now);
    let publish = req.opt_bool("publish")?.unwrap_or(false);
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

pub async fn delete(rt: &Arc<Runtime>, req: Req) -> Result<Value, ApiError> {
    let arn = req.str("stateMachineArn")?;
    let reference = rt.cfg.arns.parse_machine(arn)?;
    if !matches!(reference, MachineRef::Machine(_)) {
        return crate::ops::versions::delete(rt, req).await;
    }
    let _admin = rt.admin.lock().await;
    let (versions, aliases) = {
        let reg = rt.read_registry();
        if !reg.machines.contains_key(arn) {
            // AWS answers a delete of a missing state machine with success.
            return Ok(json!({}));
        }
        let versions: Vec<String> = reg
            .versions
            .values()
            .filter(|v| v.machine_arn == arn)
            .map(|v| v.arn.clone())
            .collect();
        let aliases: Vec<String> = reg
            .aliases
            .values()
            .filter(|a| a.machine_arn == arn)
            .map(|a| a.arn.clone())
            .collect();
        (versions, aliases)
    };
    let mut writes = vec![
        Write::DeleteResource {
            kind: kind::STATE_MACHINE,
            key: arn.to_string(),
        },
        Write::DeleteResource {
            kind: kind::TAGS,
            key: arn.to_string(),
        },
    ];
    for v in &versions {
        writes.push(Write::DeleteResource {
            kind: kind::VERSION,
            key: v.clone(),
        });
    }
    for a in &aliases {
        writes.push(Write::DeleteResource {
            kind: kind::ALIAS,
            key: a.clone(),
        });
    }
    rt.commit(writes).await?;
    let mut reg = rt.write_registry();
    reg.machines.remove(arn);
    reg.tags.remove(arn);
    for v in versions {
        reg.versions.remove(&v);
    }
    for a in aliases {
        reg.aliases.remove(&a);
    }
    Ok(json!({}))
}

pub fn list(rt: &Arc<Runtime>, req: Req) -> Result<Value, ApiError> {
    let items: Vec<Value> = rt
        .read_registry()
        .machines
        .values()
        .map(|m| {
            json!({"stateMachineArn": m.arn, "name": m.name, "type": m.kind, "creationDate": timestamp(m.created_ms)})
        })
        .collect();
    let (page, next) = super::page(&items, &req)?;
    let mut out = json!({ "stateMachines": page });
    if let Some(n) = next {
        out["nextToken"] = json!(n);
    }
    Ok(out)
}

pub fn validate(req: Req) -> Result<Value, ApiError> {
    let definition = req.str("definition")?;
    let express = machine_type(&req)? == "EXPRESS";
    let max = match req.opt_i64("maxResults")? {
        None | Some(0) => 100,
        Some(n) => n.clamp(1, 100) as usize,
    };
    let diags = diagnostics(definition, express);
    let list: Vec<Value> = diags
        .iter()
        .take(max)
        .map(|d| {
            let mut o = json!({"severity": "ERROR", "code": d.code.as_str(), "message": d.message});
            if let Some(l) = &d.location {
                o["location"] = json!(l);
            }
            o
        })
        .collect();
    Ok(json!({
        "result": if diags.is_empty() { "OK" } else { "FAIL" },
        "diagnostics": list,
        "truncated": diags.len() > max,
    }))
}

/// DescribeStateMachineForExecution. For a Map Run's child execution, the
/// parent's state machine with the Map Run's ARN and label.
/// DIFFERENCE: AWS gives the child's own state machine (the Map's
/// processor) as its definition.
pub async fn for_execution(rt: &Arc<Runtime>, req: Req) -> Result<Value, ApiError> {
    let arn = req.str("executionArn")?;
    rt.cfg.arns.check_execution(arn)?;
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
    describe_revision(&mut o, rev);
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
        o.insert(
            "label".into(),
            json!(stepwell_core::map_run::label(&run.arn)),
        );
        o.insert("mapRunArn".into(), json!(run.arn));
    }
    Ok(Value::Object(o))
}
