//! Activities: CreateActivity, DescribeActivity, DeleteActivity,
//! ListActivities and GetActivityTask (long polling).

use std::sync::Arc;

use axum::body::Bytes;
use axum::http::HeaderMap;
use std::time::Duration;

use serde_json::{json, Value};
use stepwell_core::Input;
use stepwell_store::Write;

use crate::arn::check_name;
use crate::ops::state_machines::{encryption, parse_tags, put};
use crate::protocol::{timestamp, ApiError, Req};
use crate::quotas;
use crate::records::{aws_owned_key, kind, ActivityRecord};
use crate::runtime::{now_ms, Runtime};

/// How long GetActivityTask holds a request open when no task is waiting.
const POLL: Duration = Duration::from_secs(60);

fn does_not_exist(arn: &str) -> ApiError {
    ApiError::new(
        "ActivityDoesNotExist",
        format!("Activity Does Not Exist: '{arn}'"),
    )
}

pub async fn create(rt: &Arc<Runtime>, req: Req) -> Result<Value, ApiError> {
    let name = req.str("name")?;
    check_name(name, 80)?;
    let tags = parse_tags(req.get("tags"))?;
    let encryption = encryption(&req)?.unwrap_or_else(aws_owned_key);
    let arn = rt.cfg.arns.activity(name);
    quotas::tags(&arn, tags.len(), quotas::TAGS_PER_RESOURCE)?;
    let _admin = rt.admin.lock().await;
    if let Some(a) = rt.read_registry().activities.get(&arn) {
        // AWS's model: "Activity already exists. EncryptionConfiguration
        // may not be updated." (the message is that sentence; AWS is silent
        // on its exact text).
        if a.encryption != encryption {
            return Err(ApiError::new(
                "ActivityAlreadyExists",
                "Activity already exists. EncryptionConfiguration may not be updated.",
            ));
        }
        return Ok(json!({"activityArn": arn, "creationDate": timestamp(a.created_ms)}));
    }
    quotas::activities(rt.read_registry().activities.len(), quotas::ACTIVITIES)?;
    let now = now_ms();
    let a = ActivityRecord {
        arn: arn.clone(),
        name: name.to_string(),
        created_ms: now,
        encryption,
    };
    let mut writes = vec![put(kind::ACTIVITY, &arn, &a)];
    if !tags.is_empty() {
        writes.push(put(kind::TAGS, &arn, &tags));
    }
    rt.commit(writes).await?;
    let mut reg = rt.write_registry();
    reg.activities.insert(arn.clone(), a);
    if !tags.is_empty() {
        reg.tags.insert(arn.clone(), tags);
    }
    Ok(json!({"activityArn": arn, "creationDate": timestamp(now)}))
}

pub fn describe(rt: &Arc<Runtime>, req: Req) -> Result<Value, ApiError> {
    let arn = req.str("activityArn")?;
    rt.cfg.arns.parse_activity(arn)?;
    let reg = rt.read_registry();
    let a = reg.activities.get(arn).ok_or_else(|| does_not_exist(arn))?;
    Ok(json!({
        "activityArn": a.arn,
        "name": a.name,
        "creationDate": timestamp(a.created_ms),
        "encryptionConfiguration": a.encryption,
    }))
}

pub async fn delete(rt: &Arc<Runtime>, req: Req) -> Result<Value, ApiError> {
    let arn = req.str("activityArn")?;
    rt.cfg.arns.parse_activity(arn)?;
    let _admin = rt.admin.lock().await;
    rt.commit(vec![
        Write::DeleteResource {
            kind: kind::ACTIVITY,
            key: arn.to_string(),
        },
        Write::DeleteResource {
            kind: kind::TAGS,
            key: arn.to_string(),
        },
    ])
    .await?;
    // Its tasks already scheduled stay queued: AWS documents nothing for
    // them, and a Task ends by its own timeouts (or its execution's),
    // never silently. Until an activity of the same ARN is created again
    // no worker can take them (GetActivityTask: `ActivityDoesNotExist`);
    // then its workers do. A Task that would schedule one from now on
    // fails its execution (`Runtime::missing_activities`).
    let mut reg = rt.write_registry();
    reg.activities.remove(arn);
    reg.tags.remove(arn);
    Ok(json!({}))
}

pub fn list(rt: &Arc<Runtime>, req: Req) -> Result<Value, ApiError> {
    let items: Vec<(String, Value)> = rt
        .read_registry()
        .activities
        .values()
        .map(|a| {
            let item = json!({"activityArn": a.arn, "name": a.name, "creationDate": timestamp(a.created_ms)});
            (a.arn.clone(), item)
        })
        .collect();
    let (page, next) = super::page(items, &req)?;
    let mut out = json!({ "activities": page });
    if let Some(n) = next {
        out["nextToken"] = json!(n);
    }
    Ok(out)
}

/// Hand the next waiting task to a worker: `ActivityStarted` is committed
/// before the worker sees the task, so after a restart it is not handed out
/// twice. With nothing waiting here, ask the other nodes (once a second);
/// hold the request up to 60 seconds and answer with no token. At most
/// `quotas::POLLERS_PER_ACTIVITY` requests wait on one activity here; one
/// more is refused.
///
/// `asked` is the request as it came (headers and body): the other nodes
/// are asked with it, so its signature holds for them too.
pub async fn get_task(
    rt: &Arc<Runtime>,
    req: Req,
    asked: Option<(&HeaderMap, &Bytes)>,
) -> Result<Value, ApiError> {
    let arn = check_get(rt, &req)?;
    let worker = req.opt_str("workerName")?.map(str::to_string);
    // Counted until this request is answered or dropped (the client left).
    let _polling = rt
        .activities
        .poll(arn, quotas::POLLERS_PER_ACTIVITY)
        .ok_or_else(quotas::pollers)?;
    let deadline = tokio::time::Instant::now() + POLL;
    let mut stopping = rt.stopping.subscribe();
    let mut next_peer_poll = tokio::time::Instant::now();
    loop {
        let arrived = rt.activities.arrived.notified();
        tokio::pin!(arrived);
        arrived.as_mut().enable();
        if let Some(task) = take_local(rt, arn, &worker).await? {
            return Ok(task);
        }
        let now = tokio::time::Instant::now();
        if now >= next_peer_poll {
            if let Some((headers, body)) = asked {
                if let Some(task) = take_from_peers(rt, headers, body).await {
                    return Ok(task);
                }
            }
            next_peer_poll = now + PEER_POLL;
        }
        let wake = deadline.min(next_peer_poll);
        tokio::select! {
            _ = tokio::time::sleep_until(wake) => {
                if tokio::time::Instant::now() >= deadline {
                    return Ok(json!({}));
                }
            }
            _ = &mut arrived => {}
            // The server is shutting down: no task for this worker.
            _ = stopping.wait_for(|s| *s) => return Ok(json!({})),
        }
    }
}

/// GetActivityTask as another node asks it: a task waiting here now, or none.
pub async fn take_now(rt: &Arc<Runtime>, req: &Req) -> Result<Value, ApiError> {
    let arn = check_get(rt, req)?;
    let worker = req.opt_str("workerName")?.map(str::to_string);
    Ok(take_local(rt, arn, &worker)
        .await?
        .unwrap_or_else(|| json!({})))
}

/// How often a waiting GetActivityTask asks the other nodes.
const PEER_POLL: Duration = Duration::from_secs(1);

fn check_get<'r>(rt: &Runtime, req: &'r Req) -> Result<&'r str, ApiError> {
    let arn = req.str("activityArn")?;
    rt.cfg.arns.parse_activity(arn)?;
    if !rt.read_registry().activities.contains_key(arn) {
        return Err(does_not_exist(arn));
    }
    Ok(arn)
}

/// The next task of this activity queued on this node, started for
/// `worker`. In a task of its own: a long poll dropped because its client
/// left must not lose the task it took, nor stop half-way through
/// recording that it started.
async fn take_local(
    rt: &Arc<Runtime>,
    arn: &str,
    worker: &Option<String>,
) -> Result<Option<Value>, ApiError> {
    let (rt, arn, worker) = (rt.clone(), arn.to_string(), worker.clone());
    tokio::spawn(async move { take(&rt, &arn, worker).await })
        .await
        .unwrap_or_else(|e| Err(ApiError::internal(format!("GetActivityTask: {e}"))))
}

async fn take(
    rt: &Arc<Runtime>,
    arn: &str,
    worker: Option<String>,
) -> Result<Option<Value>, ApiError> {
    while let Some(item) = rt.activities.pop(arn) {
        // Skip tasks that ended meanwhile (timed out, execution stopped).
        let slot = match rt.slot(&item.execution) {
            Ok(Some(slot)) => slot,
            Ok(None) => continue,
            Err(e) => {
                // It cannot be read now (parked, and the store fails):
                // the task waits for the next worker.
                rt.activities.push_front(arn, item);
                return Err(e);
            }
        };
        let pending = {
            let live = slot.live.lock().await;
            let found = live.exec.pending_tasks().any(|t| t.task == item.task);
            found
        };
        if !pending {
            continue;
        }
        rt.feed(
            &item.execution,
            Input::TaskStarted {
                task: item.task,
                worker,
            },
        )
        .await?;
        return Ok(Some(json!({"taskToken": item.token, "input": item.input})));
    }
    Ok(None)
}

/// A task one of the other nodes has waiting now, if any.
async fn take_from_peers(rt: &Arc<Runtime>, headers: &HeaderMap, body: &Bytes) -> Option<Value> {
    for peer in rt.cluster.peers() {
        if let Some(task) = crate::cluster::poll_peer(rt, &peer.url, headers, body).await {
            return Some(task);
        }
    }
    None
}
