//! One function per API operation, routed by name.

use std::sync::Arc;

use serde_json::Value;

use crate::protocol::{ApiError, Req};
use crate::runtime::Runtime;

pub mod activities;
pub mod executions;
pub mod map_runs;
#[cfg(test)]
mod mock_tests;
pub mod state_machines;
pub mod tags;
pub mod tasks;
pub mod test_state;
#[cfg(test)]
mod tests;
pub mod validate;
pub mod versions;

pub async fn call(rt: &Arc<Runtime>, op: &str, req: Req) -> Result<Value, ApiError> {
    match op {
        "CreateStateMachine" => state_machines::create(rt, req).await,
        "DescribeStateMachine" => state_machines::describe(rt, req),
        "UpdateStateMachine" => state_machines::update(rt, req).await,
        "DeleteStateMachine" => state_machines::delete(rt, req).await,
        "ListStateMachines" => state_machines::list(rt, req),
        "ValidateStateMachineDefinition" => state_machines::validate(req),
        "DescribeStateMachineForExecution" => state_machines::for_execution(rt, req).await,
        "PublishStateMachineVersion" => versions::publish(rt, req).await,
        "ListStateMachineVersions" => versions::list(rt, req),
        "DeleteStateMachineVersion" => versions::delete(rt, req).await,
        "CreateStateMachineAlias" => versions::create_alias(rt, req).await,
        "DescribeStateMachineAlias" => versions::describe_alias(rt, req),
        "UpdateStateMachineAlias" => versions::update_alias(rt, req).await,
        "DeleteStateMachineAlias" => versions::delete_alias(rt, req).await,
        "ListStateMachineAliases" => versions::list_aliases(rt, req),
        "StartExecution" => executions::start_execution(rt, req).await,
        "StartSyncExecution" => executions::start_sync_execution(rt, req).await,
        "StopExecution" => executions::stop(rt, req).await,
        "RedriveExecution" => executions::redrive(rt, req).await,
        "DescribeExecution" => executions::describe(rt, req).await,
        "ListExecutions" => executions::list(rt, req).await,
        "GetExecutionHistory" => executions::history(rt, req).await,
        "DescribeMapRun" => map_runs::describe(rt, req).await,
        "ListMapRuns" => map_runs::list(rt, req).await,
        "UpdateMapRun" => map_runs::update(rt, req).await,
        "SendTaskSuccess" => tasks::success(rt, req).await,
        "SendTaskFailure" => tasks::failure(rt, req).await,
        "SendTaskHeartbeat" => tasks::heartbeat(rt, req).await,
        "CreateActivity" => activities::create(rt, req).await,
        "DescribeActivity" => activities::describe(rt, req),
        "DeleteActivity" => activities::delete(rt, req).await,
        "ListActivities" => activities::list(rt, req),
        "GetActivityTask" => activities::get_task(rt, req, None).await,
        "TestState" => test_state::test_state(rt, req).await,
        "TagResource" => tags::tag(rt, req).await,
        "UntagResource" => tags::untag(rt, req).await,
        "ListTagsForResource" => tags::list(rt, req),
        op => Err(ApiError::new(
            "UnknownOperationException",
            format!("Unknown operation: '{op}'"),
        )),
    }
}

/// Paging over an in-memory list of `(key, item)`, answered in ascending
/// order of the keys (distinct ones). The token names the last key a page answered and the next
/// page goes on after it, so items added or removed between pages neither
/// repeat nor skip others (as they would with an offset).
pub fn page<T>(
    mut items: Vec<(String, T)>,
    req: &Req,
) -> Result<(Vec<T>, Option<String>), ApiError> {
    use crate::protocol::token;
    /// Marks a token as this kind of cursor (anything else is refused).
    const AFTER: &str = "after:";
    items.sort_by(|a, b| a.0.cmp(&b.0));
    let max = req.max_results()?;
    let start = match req.opt_str("nextToken")? {
        Some(t) => {
            let cursor = token::decode(req, t, crate::runtime::now_ms())?;
            let last = cursor
                .strip_prefix(AFTER)
                .ok_or_else(|| ApiError::new("InvalidToken", format!("Invalid Token: '{t}'")))?;
            items.partition_point(|(k, _)| k.as_str() <= last)
        }
        None => 0,
    };
    let end = start.saturating_add(max).min(items.len());
    let more = end < items.len();
    items.truncate(end);
    let slice = items.split_off(start.min(end));
    let next = match slice.last() {
        Some((last, _)) if more => Some(token::encode(
            req,
            &format!("{AFTER}{last}"),
            crate::runtime::now_ms(),
        )),
        _ => None,
    };
    Ok((slice.into_iter().map(|(_, v)| v).collect(), next))
}

/// A key for [`page`] that sorts as `n` does in reverse (for lists that
/// are newest first, numbered oldest first).
pub fn descending_key(n: u32) -> String {
    format!("{:010}", u32::MAX - n)
}
