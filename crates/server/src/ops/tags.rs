//! TagResource, UntagResource and ListTagsForResource (state machines and
//! activities).

use std::sync::Arc;

use serde_json::{json, Value};
use stepwell_store::Write;

use crate::ops::state_machines::{parse_tags, put};
use crate::protocol::{ApiError, Req};
use crate::quotas;
use crate::records::{kind, Tags};
use crate::runtime::Runtime;

fn existing(rt: &Runtime, arn: &str) -> Result<Tags, ApiError> {
    // A malformed ARN is `InvalidArn`, as AWS answers; a well-formed one
    // that names nothing taggable here is `ResourceNotFound`.
    if let Err(e) = rt.cfg.arns.parse_machine(arn) {
        rt.cfg.arns.parse_activity(arn).map_err(|_| e)?;
    }
    let reg = rt.read_registry();
    if !reg.machines.contains_key(arn) && !reg.activities.contains_key(arn) {
        return Err(ApiError::new(
            "ResourceNotFound",
            format!("Resource not found: '{arn}'"),
        ));
    }
    Ok(reg.tags.get(arn).cloned().unwrap_or_default())
}

async fn save(rt: &Arc<Runtime>, arn: &str, tags: Tags) -> Result<(), ApiError> {
    let write = if tags.is_empty() {
        Write::DeleteResource {
            kind: kind::TAGS,
            key: arn.to_string(),
        }
    } else {
        put(kind::TAGS, arn, &tags)
    };
    rt.commit(vec![write]).await?;
    rt.write_registry().tags.insert(arn.to_string(), tags);
    Ok(())
}

pub async fn tag(rt: &Arc<Runtime>, req: Req) -> Result<Value, ApiError> {
    let arn = req.str("resourceArn")?;
    let _admin = rt.admin.lock().await;
    let mut tags = existing(rt, arn)?;
    tags.extend(parse_tags(req.get("tags"))?);
    quotas::tags(arn, tags.len(), quotas::TAGS_PER_RESOURCE)?;
    save(rt, arn, tags).await?;
    Ok(json!({}))
}

pub async fn untag(rt: &Arc<Runtime>, req: Req) -> Result<Value, ApiError> {
    let arn = req.str("resourceArn")?;
    let _admin = rt.admin.lock().await;
    let mut tags = existing(rt, arn)?;
    for k in req
        .get("tagKeys")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        if let Some(k) = k.as_str() {
            tags.remove(k);
        }
    }
    save(rt, arn, tags).await?;
    Ok(json!({}))
}

pub fn list(rt: &Arc<Runtime>, req: Req) -> Result<Value, ApiError> {
    let arn = req.str("resourceArn")?;
    let tags = existing(rt, arn)?;
    let list: Vec<Value> = tags
        .iter()
        .map(|(k, v)| json!({"key": k, "value": v}))
        .collect();
    Ok(json!({ "tags": list }))
}
