//! AWS's quotas on the resources an account holds, and the errors that
//! answer a request that would go past one.
//!
//! The numbers are AWS's defaults, from "Step Functions service quotas"
//! (<https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html>:
//! accounts; task executions; versions and aliases; tagging) and the API
//! reference of the operations that name them. AWS raises some on request;
//! here they are fixed.
//!
//! Everything is counted in the node's registry (`runtime::Registry`, in
//! memory), never read from the store. Every check runs under the runtime's
//! `admin` lock, after the request's idempotency check (a request that
//! creates nothing new succeeds at the quota too). With several nodes each
//! counts what its registry holds when the request starts, so two nodes
//! creating at once can end one resource past a quota. Each check takes its
//! limit as an argument, so the tests use small ones.
//!
//! Not enforced: AWS's 1,000,000 open executions per account
//! (`ExecutionLimitExceeded`). A node knows only the executions it drives,
//! so a count across nodes would be a store read on every StartExecution.

use axum::http::StatusCode;

use crate::protocol::ApiError;

/// "Maximum number of registered state machines": 100,000 per account and
/// Region, raisable to 150,000 (CreateStateMachine answers
/// `StateMachineLimitExceeded`), as the page's current translations on
/// docs.aws.amazon.com show it; an older English copy said 10,000.
pub const STATE_MACHINES: usize = 100_000;

/// "Maximum number of registered activities": 100,000 per account and
/// Region, as for state machines (CreateActivity answers
/// `ActivityLimitExceeded`).
pub const ACTIVITIES: usize = 100_000;

/// "You can publish up to 1000 versions for each state machine"
/// (PublishStateMachineVersion's API reference; UpdateStateMachine and
/// CreateStateMachine with `publish` too): `ServiceQuotaExceededException`.
pub const VERSIONS_PER_MACHINE: usize = 1_000;

/// "You can create up to 100 aliases for each state machine"
/// (CreateStateMachineAlias's API reference): `ServiceQuotaExceededException`.
pub const ALIASES_PER_MACHINE: usize = 100;

/// "Maximum activity pollers per ARN": "1,000 pollers calling
/// `GetActivityTask` per ARN" (`ActivityWorkerLimitExceeded`).
/// DIFFERENCE: each node counts the polls waiting on it.
pub const POLLERS_PER_ACTIVITY: usize = 1_000;

/// "Maximum number of tags per resource": 50 (`TooManyTags`).
pub const TAGS_PER_RESOURCE: usize = 50;

/// CreateStateMachine with `held` state machines registered.
pub fn state_machines(held: usize, limit: usize) -> Result<(), ApiError> {
    if held < limit {
        return Ok(());
    }
    // AWS is silent on the message; this is the model's documentation of
    // the error, as AWS's documented message for ActivityWorkerLimitExceeded
    // is that error's.
    Err(ApiError::new(
        "StateMachineLimitExceeded",
        "The maximum number of state machines has been reached. Existing state machines must be deleted before a new state machine can be created.",
    ))
}

/// CreateActivity with `held` activities registered.
pub fn activities(held: usize, limit: usize) -> Result<(), ApiError> {
    if held < limit {
        return Ok(());
    }
    // AWS is silent on the message; the model's documentation of the error
    // (as for StateMachineLimitExceeded).
    Err(ApiError::new(
        "ActivityLimitExceeded",
        "The maximum number of activities has been reached. Existing activities must be deleted before a new activity can be created.",
    ))
}

/// Publishing a version of `machine`, which has `held` versions.
pub fn versions(machine: &str, held: usize, limit: usize) -> Result<(), ApiError> {
    if held < limit {
        return Ok(());
    }
    // AWS is silent on the message: the model's sentence for the error,
    // then which quota and what frees it (AWS: "You must manually delete
    // unused versions").
    Err(quota_exceeded(format!(
        "The request would cause a service quota to be exceeded: the state machine '{machine}' has {held} versions, the most it may have. Delete unused versions before publishing another."
    )))
}

/// Creating an alias of `machine`, which has `held` aliases.
pub fn aliases(machine: &str, held: usize, limit: usize) -> Result<(), ApiError> {
    if held < limit {
        return Ok(());
    }
    // AWS is silent on the message (as for versions).
    Err(quota_exceeded(format!(
        "The request would cause a service quota to be exceeded: the state machine '{machine}' has {held} aliases, the most it may have. Delete unused aliases before creating another."
    )))
}

/// GetActivityTask with as many polls waiting as the quota allows (the
/// count is `dispatch::ActivityQueues::poll`'s). The message is AWS's
/// ("Exceeding this limit results in this error", the quotas page).
pub fn pollers() -> ApiError {
    ApiError::new(
        "ActivityWorkerLimitExceeded",
        "The maximum number of workers concurrently polling for activity tasks has been reached.",
    )
}

/// `resource` would have `count` tags.
pub fn tags(resource: &str, count: usize, limit: usize) -> Result<(), ApiError> {
    if count <= limit {
        return Ok(());
    }
    // AWS is silent on the message and on `resourceName` (the model's
    // member; here the resource's ARN).
    Err(ApiError {
        resource_name: Some(resource.to_string()),
        ..ApiError::new(
            "TooManyTags",
            format!("Too many tags: '{resource}' may have at most {limit}"),
        )
    })
}

/// `ServiceQuotaExceededException`, whose status is 402 (the model: "HTTP
/// Status Code: 402").
fn quota_exceeded(message: String) -> ApiError {
    ApiError {
        status: StatusCode::PAYMENT_REQUIRED,
        ..ApiError::new("ServiceQuotaExceededException", message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SM: &str = "arn:aws:states:us-east-1:123456789012:stateMachine:m";

    #[test]
    fn each_quota_allows_its_limit_and_no_more() {
        type Check = fn(usize, usize) -> Result<(), ApiError>;
        let checks: [(&str, Check, StatusCode); 4] = [
            (
                "StateMachineLimitExceeded",
                state_machines,
                StatusCode::BAD_REQUEST,
            ),
            ("ActivityLimitExceeded", activities, StatusCode::BAD_REQUEST),
            (
                "ServiceQuotaExceededException",
                |held, limit| versions(SM, held, limit),
                StatusCode::PAYMENT_REQUIRED,
            ),
            (
                "ServiceQuotaExceededException",
                |held, limit| aliases(SM, held, limit),
                StatusCode::PAYMENT_REQUIRED,
            ),
        ];
        for (kind, check, status) in checks {
            // `held` is what exists before the new one: up to limit - 1
            // another fits.
            assert_eq!(check(0, 3), Ok(()), "{kind}");
            assert_eq!(check(2, 3), Ok(()), "{kind}");
            for held in [3, 4] {
                let e = check(held, 3).unwrap_err();
                assert_eq!((e.kind, e.status), (kind, status));
            }
        }
    }

    #[test]
    fn messages() {
        assert_eq!(
            versions(SM, 1000, VERSIONS_PER_MACHINE).unwrap_err().message,
            format!("The request would cause a service quota to be exceeded: the state machine '{SM}' has 1000 versions, the most it may have. Delete unused versions before publishing another.")
        );
        assert_eq!(
            aliases(SM, 100, ALIASES_PER_MACHINE).unwrap_err().message,
            format!("The request would cause a service quota to be exceeded: the state machine '{SM}' has 100 aliases, the most it may have. Delete unused aliases before creating another.")
        );
        assert_eq!(
            state_machines(STATE_MACHINES, STATE_MACHINES)
                .unwrap_err()
                .message,
            "The maximum number of state machines has been reached. Existing state machines must be deleted before a new state machine can be created."
        );
        assert_eq!(
            pollers().message,
            "The maximum number of workers concurrently polling for activity tasks has been reached."
        );
    }

    #[test]
    fn tags_count_the_total_and_name_the_resource() {
        // `count` is the total the resource would have: the limit itself fits.
        assert_eq!(tags(SM, 50, TAGS_PER_RESOURCE), Ok(()));
        let e = tags(SM, 51, TAGS_PER_RESOURCE).unwrap_err();
        assert_eq!(e.kind, "TooManyTags");
        assert_eq!(
            e.message,
            format!("Too many tags: '{SM}' may have at most 50")
        );
        assert_eq!(
            e.body(),
            serde_json::json!({"__type": "com.amazonaws.swf.service.v2.model#TooManyTags", "message": e.message, "resourceName": SM})
        );
        assert_eq!(
            tags(SM, 3, 2).unwrap_err().message,
            format!("Too many tags: '{SM}' may have at most 2")
        );
    }
}
