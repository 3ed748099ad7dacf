//! State machine versions and aliases.

use std::sync::Arc;

use serde_json::{json, Value};
use stepwell_store::Write;

use crate::arn::{Arns, MachineRef};
use crate::ops::executions::{machine_deleting, machine_does_not_exist};
use crate::ops::state_machines::put;
use crate::protocol::{timestamp, ApiError, Req};
use crate::quotas;
use crate::records::{kind, AliasRecord, RoutingEntry, StateMachineRecord, VersionRecord};
use crate::runtime::{now_ms, Runtime};

/// The next version of a state machine at its current revision.
pub fn new_version(
    rt: &Runtime,
    m: &mut StateMachineRecord,
    description: &str,
    now: i64,
) -> VersionRecord {
    m.last_version += 1;
    VersionRecord {
        arn: rt.cfg.arns.version(&m.name, m.last_version),
        machine_arn: m.arn.clone(),
        version: m.last_version,
        revision_id: m.revision_id.clone(),
        description: description.to_string(),
        created_ms: now,
    }
}

fn conflict(message: impl Into<String>) -> ApiError {
    ApiError::new("ConflictException", message)
}

pub async fn publish(rt: &Arc<Runtime>, req: Req) -> Result<Value, ApiError> {
    let arn = req.str("stateMachineArn")?;
    if !matches!(rt.cfg.arns.parse_machine(arn)?, MachineRef::Machine(_)) {
        return Err(ApiError::invalid_arn(arn));
    }
    let _admin = rt.admin.lock().await;
    let mut m = rt
        .read_registry()
        .machines
        .get(arn)
        .cloned()
        .ok_or_else(|| machine_does_not_exist(arn))?;
    if m.deleting {
        return Err(machine_deleting(arn));
    }
    if let Some(rev) = req.opt_str("revisionId")? {
        if rev != m.revision_id {
            return Err(conflict(format!(
                "Failed to publish the State Machine version for revision {rev}. The current State Machine revision is {}.",
                m.revision_id
            )));
        }
    }
    // Publishing an unchanged revision again returns the latest version.
    let held = {
        let reg = rt.read_registry();
        if let Some(latest) = reg.versions_of(arn).max_by_key(|v| v.version) {
            if latest.revision_id == m.revision_id {
                return Ok(
                    json!({"stateMachineVersionArn": latest.arn, "creationDate": timestamp(latest.created_ms)}),
                );
            }
        }
        reg.versions_of(arn).count()
    };
    quotas::versions(arn, held, quotas::VERSIONS_PER_MACHINE)?;
    let now = now_ms();
    let v = new_version(
        rt,
        &mut m,
        req.opt_str("description")?.unwrap_or_default(),
        now,
    );
    rt.commit(vec![
        put(kind::VERSION, &v.arn, &v),
        put(kind::STATE_MACHINE, arn, &m),
    ])
    .await?;
    let out = json!({"stateMachineVersionArn": v.arn, "creationDate": timestamp(now)});
    let mut reg = rt.write_registry();
    reg.versions.insert(v.arn.clone(), v);
    reg.machines.insert(arn.to_string(), m);
    Ok(out)
}

pub fn list(rt: &Arc<Runtime>, req: Req) -> Result<Value, ApiError> {
    let arn = req.str("stateMachineArn")?;
    let reg = rt.read_registry();
    if !reg.machines.contains_key(arn) {
        return Err(machine_does_not_exist(arn));
    }
    let mut versions: Vec<&VersionRecord> = reg.versions_of(arn).collect();
    versions.sort_by_key(|v| std::cmp::Reverse(v.version));
    let items: Vec<(String, Value)> = versions
        .iter()
        .map(|v| {
            let item =
                json!({"stateMachineVersionArn": v.arn, "creationDate": timestamp(v.created_ms)});
            (super::descending_key(v.version), item)
        })
        .collect();
    let (page, next) = super::page(items, &req)?;
    let mut out = json!({ "stateMachineVersions": page });
    if let Some(n) = next {
        out["nextToken"] = json!(n);
    }
    Ok(out)
}

pub async fn delete(rt: &Arc<Runtime>, req: Req) -> Result<Value, ApiError> {
    let arn = req.str("stateMachineVersionArn")?;
    delete_version(rt, arn).await
}

/// DeleteStateMachineVersion of `arn` (also DeleteStateMachine given a
/// version ARN). A version no alias routes to goes; a missing one is
/// success (recorded against AWS: a second delete answers 200).
pub async fn delete_version(rt: &Arc<Runtime>, arn: &str) -> Result<Value, ApiError> {
    if !matches!(rt.cfg.arns.parse_machine(arn)?, MachineRef::Version(..)) {
        return Err(ApiError::invalid_arn(arn));
    }
    let _admin = rt.admin.lock().await;
    // Every alias that routes to it, by name (recorded against AWS:
    // "... referencing this version: [NAME]").
    let referencing: Vec<String> = rt
        .read_registry()
        .aliases_of(Arns::unqualified(arn))
        .filter(|a| a.routing.iter().any(|r| r.version_arn == arn))
        .map(|a| a.name.clone())
        .collect();
    if !referencing.is_empty() {
        return Err(conflict(format!(
            "Version to be deleted must not be referenced by an alias. Current list of aliases referencing this version: [{}]",
            referencing.join(", ")
        )));
    }
    if !rt.read_registry().versions.contains_key(arn) {
        return Ok(json!({}));
    }
    rt.commit(vec![Write::DeleteResource {
        kind: kind::VERSION,
        key: arn.to_string(),
    }])
    .await?;
    rt.write_registry().versions.remove(arn);
    Ok(json!({}))
}

fn routing(
    rt: &Runtime,
    machine: Option<&str>,
    v: Option<&Value>,
) -> Result<Vec<RoutingEntry>, ApiError> {
    // One or two items, each with a version ARN and a weight of 0 to 100:
    // the model's constraints (`ops::validate`).
    let list = v.and_then(Value::as_array).ok_or_else(|| {
        ApiError::new("ValidationException", "1 validation error detected: Value null at 'routingConfiguration' failed to satisfy constraint: Member must not be null")
    })?;
    // AWS checks the sum before it looks the versions up; its message lists
    // the weights as given (recorded against AWS: "Sum of routing
    // configuration weights must equal 100. Received: [70, 29]").
    let weights: Vec<u64> = list
        .iter()
        .map(|r| r.get("weight").and_then(Value::as_u64).unwrap_or(0))
        .collect();
    if weights.iter().sum::<u64>() != 100 {
        let shown: Vec<String> = weights.iter().map(u64::to_string).collect();
        return Err(ApiError::new(
            "ValidationException",
            format!(
                "Sum of routing configuration weights must equal 100. Received: [{}]",
                shown.join(", ")
            ),
        ));
    }
    // Then what the ARNs are, each message listing them as given
    // (recorded against AWS).
    let arns: Vec<&str> = list
        .iter()
        .map(|r| {
            r.get("stateMachineVersionArn")
                .and_then(Value::as_str)
                .unwrap_or_default()
        })
        .collect();
    let received = || format!("Received: [{}]", arns.join(", "));
    let is_version = |a: &str| matches!(rt.cfg.arns.parse_machine(a), Ok(MachineRef::Version(..)));
    if !arns.iter().all(|a| is_version(a)) {
        return Err(ApiError::new(
            "ValidationException",
            format!(
                "Routing configuration must contain state machine version ARNs. {}",
                received()
            ),
        ));
    }
    if arns.iter().enumerate().any(|(i, a)| arns[..i].contains(a)) {
        return Err(ApiError::new(
            "ValidationException",
            format!(
                "Routing configuration must contain distinct state machine version ARNs. {}",
                received()
            ),
        ));
    }
    let reg = rt.read_registry();
    let mut out = Vec::new();
    for r in list {
        let version_arn = r
            .get("stateMachineVersionArn")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let weight = r
            .get("weight")
            .and_then(Value::as_u64)
            .unwrap_or(0)
            .min(100) as u32;
        let v = reg.versions.get(version_arn).ok_or_else(|| {
            ApiError::new(
                "ResourceNotFound",
                format!("Resource not found: '{version_arn}'"),
            )
        })?;
        if machine.is_some_and(|m| m != v.machine_arn)
            || out.first().is_some_and(|f: &RoutingEntry| {
                reg.versions.get(&f.version_arn).map(|x| &x.machine_arn) != Some(&v.machine_arn)
            })
        {
            return Err(ApiError::new(
                "ValidationException",
                "Routing configuration versions must belong to the same state machine",
            ));
        }
        out.push(RoutingEntry {
            version_arn: version_arn.to_string(),
            weight,
        });
    }
    Ok(out)
}

fn routing_json(r: &[RoutingEntry]) -> Value {
    json!(r
        .iter()
        .map(|e| json!({"stateMachineVersionArn": e.version_arn, "weight": e.weight}))
        .collect::<Vec<_>>())
}

pub async fn create_alias(rt: &Arc<Runtime>, req: Req) -> Result<Value, ApiError> {
    // The name's characters are the model's pattern (`ops::validate`).
    let name = req.str("name")?;
    let routes = routing(rt, None, req.get("routingConfiguration"))?;
    let machine_arn = rt
        .read_registry()
        .versions
        .get(&routes[0].version_arn)
        .map(|v| v.machine_arn.clone())
        .unwrap_or_default();
    let machine_name = machine_arn
        .rsplit(':')
        .next()
        .unwrap_or_default()
        .to_string();
    let arn = rt.cfg.arns.alias(&machine_name, name);
    let _admin = rt.admin.lock().await;
    let description = req.opt_str("description")?.unwrap_or_default();
    // Idempotent on the name, routing and description (the API reference);
    // AWS's message names the routing whichever differs (recorded).
    if let Some(existing) = rt.read_registry().aliases.get(&arn) {
        if existing.routing == routes && existing.description == description {
            return Ok(
                json!({"stateMachineAliasArn": arn, "creationDate": timestamp(existing.created_ms)}),
            );
        }
        return Err(conflict(
            "Failed to create alias because an alias with the same name and a different routing configuration already exists.",
        ));
    }
    let held = rt.read_registry().aliases_of(&machine_arn).count();
    quotas::aliases(&machine_arn, held, quotas::ALIASES_PER_MACHINE)?;
    let now = now_ms();
    let a = AliasRecord {
        arn: arn.clone(),
        machine_arn,
        name: name.to_string(),
        description: description.to_string(),
        routing: routes,
        created_ms: now,
        updated_ms: None,
    };
    rt.commit(vec![put(kind::ALIAS, &arn, &a)]).await?;
    rt.write_registry().aliases.insert(arn.clone(), a);
    Ok(json!({"stateMachineAliasArn": arn, "creationDate": timestamp(now)}))
}

fn alias_not_found(arn: &str) -> ApiError {
    ApiError::new("ResourceNotFound", format!("Resource not found: '{arn}'"))
}

pub fn describe_alias(rt: &Arc<Runtime>, req: Req) -> Result<Value, ApiError> {
    let arn = req.str("stateMachineAliasArn")?;
    rt.cfg.arns.parse_machine(arn)?;
    let reg = rt.read_registry();
    let a = reg.aliases.get(arn).ok_or_else(|| alias_not_found(arn))?;
    let mut out = json!({
        "stateMachineAliasArn": a.arn,
        "name": a.name,
        "routingConfiguration": routing_json(&a.routing),
        "creationDate": timestamp(a.created_ms),
    });
    if !a.description.is_empty() {
        out["description"] = json!(a.description);
    }
    if let Some(u) = a.updated_ms {
        out["updateDate"] = timestamp(u);
    }
    Ok(out)
}

pub async fn update_alias(rt: &Arc<Runtime>, req: Req) -> Result<Value, ApiError> {
    let arn = req.str("stateMachineAliasArn")?;
    rt.cfg.arns.parse_machine(arn)?;
    if req.get("description").is_none() && req.get("routingConfiguration").is_none() {
        // "You must specify at least one of the description or
        // routingConfiguration parameters" (AWS's wording is not documented).
        return Err(ApiError::new(
            "ValidationException",
            "You must provide at least one of description or routingConfiguration",
        ));
    }
    let _admin = rt.admin.lock().await;
    // (AWS's message, recorded, names no ARN.)
    let mut a = rt
        .read_registry()
        .aliases
        .get(arn)
        .cloned()
        .ok_or_else(|| {
            ApiError::new(
                "ResourceNotFound",
                "Request references a resource that does not exist.",
            )
        })?;
    if let Some(v) = req.get("routingConfiguration") {
        a.routing = routing(rt, Some(&a.machine_arn), Some(v))?;
    }
    if let Some(d) = req.opt_str("description")? {
        a.description = d.to_string();
    }
    let now = now_ms();
    a.updated_ms = Some(now);
    rt.commit(vec![put(kind::ALIAS, arn, &a)]).await?;
    rt.write_registry().aliases.insert(arn.to_string(), a);
    Ok(json!({"updateDate": timestamp(now)}))
}

pub async fn delete_alias(rt: &Arc<Runtime>, req: Req) -> Result<Value, ApiError> {
    let arn = req.str("stateMachineAliasArn")?;
    rt.cfg.arns.parse_machine(arn)?;
    remove_alias(rt, arn).await
}

/// DeleteStateMachineAlias of `arn` (also DeleteStateMachine given an
/// alias ARN); a missing one is success (recorded against AWS: a second
/// delete answers 200).
pub async fn remove_alias(rt: &Arc<Runtime>, arn: &str) -> Result<Value, ApiError> {
    let _admin = rt.admin.lock().await;
    if !rt.read_registry().aliases.contains_key(arn) {
        return Ok(json!({}));
    }
    rt.commit(vec![Write::DeleteResource {
        kind: kind::ALIAS,
        key: arn.to_string(),
    }])
    .await?;
    rt.write_registry().aliases.remove(arn);
    Ok(json!({}))
}

pub fn list_aliases(rt: &Arc<Runtime>, req: Req) -> Result<Value, ApiError> {
    let arn = req.str("stateMachineArn")?;
    let reg = rt.read_registry();
    match reg.machines.get(arn) {
        None => return Err(machine_does_not_exist(arn)),
        Some(m) if m.deleting => return Err(machine_deleting(arn)),
        Some(_) => {}
    }
    let items: Vec<(String, Value)> = reg
        .aliases_of(arn)
        .map(|a| {
            let item =
                json!({"stateMachineAliasArn": a.arn, "creationDate": timestamp(a.created_ms)});
            (a.arn.clone(), item)
        })
        .collect();
    let (page, next) = super::page(items, &req)?;
    let mut out = json!({ "stateMachineAliases": page });
    if let Some(n) = next {
        out["nextToken"] = json!(n);
    }
    Ok(out)
}
