//! One function per API operation, routed by name.

use std::sync::Arc;

use serde_json::Value;

use crate::protocol::{ApiError, Req};
use crate::runtime::Runtime;

pub mod activities;
pub mod executions;
pub mod map_runs;
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

/// Offset-based paging over an in-memory list.
pub fn page<T: Clone>(items: &[T], req: &Req) -> Result<(Vec<T>, Option<String>), ApiError> {
    let max = req.max_results()?;
    let start = match req.opt_str("nextToken")? {
        Some(t) => crate::protocol::token::decode(t)?
            .parse::<usize>()
            .map_err(|_| ApiError::new("InvalidToken", format!("Invalid Token: '{t}'")))?,
        None => 0,
    };
    let end = (start + max).min(items.len());
    let slice = items
        .get(start.min(items.len())..end)
        .unwrap_or_default()
        .to_vec();
    let next = (end < items.len()).then(|| crate::protocol::token::encode(&end.to_string()));
    Ok((slice, next))
}
