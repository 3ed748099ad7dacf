//! What the services' API models say that their JSON does not: which
//! members are timestamps. The AWS SDK for Java 2.x, behind the aws-sdk
//! integrations, reads a timestamp member as an `Instant` and Step
//! Functions writes it back as ISO 8601; the JSON wire sends epoch
//! seconds, so the result needs the model to tell the two apart.
//!
//! Each table lists the member names (PascalCase, as the Task's result
//! has them) whose shape is a `timestamp` in some structure of the
//! service's operation outputs, taken from the API models (botocore
//! 1.43.11's `data/<service>/<version>/service-2.json`): a name, not a
//! path, so a member of the same name that is a number elsewhere in the
//! service is taken for a timestamp too. Those few are epoch milliseconds
//! (Glue's `Statement.StartedOn`, Athena's `ExecutorsSummary`), past the
//! years an instant here can have, so they stay numbers; Glue's column
//! statistics `MinimumValue`/`MaximumValue` (dates in one structure,
//! numbers in others) are left out.
//! DIFFERENCE: Glue's date column statistics stay epoch numbers.
//!
//! Services not listed have no timestamp members in their outputs
//! (SQS), or have them as epoch milliseconds of type long (CloudWatch
//! Logs, Batch).

/// `dynamodb 2012-08-10`.
pub(crate) const DYNAMODB: &[&str] = &[
    "ArchivalDateTime",
    "BackupCreationDateTime",
    "BackupExpiryDateTime",
    "CreationDateTime",
    "EarliestRestorableDateTime",
    "EndTime",
    "ExportFromTime",
    "ExportTime",
    "ExportToTime",
    "InaccessibleEncryptionDateTime",
    "LastDecreaseDateTime",
    "LastIncreaseDateTime",
    "LastUpdateDateTime",
    "LastUpdateToPayPerRequestDateTime",
    "LatestRestorableDateTime",
    "ReplicaInaccessibleDateTime",
    "RestoreDateTime",
    "StartTime",
    "TableCreationDateTime",
];
/// `events 2015-10-07`.
pub(crate) const EVENTBRIDGE: &[&str] = &[
    "CreationTime",
    "EventEndTime",
    "EventLastReplayedTime",
    "EventStartTime",
    "ExpirationTime",
    "LastAuthorizedTime",
    "LastModifiedTime",
    "ReplayEndTime",
    "ReplayStartTime",
];
/// `stepfunctions 2016-11-23`.
pub(crate) const SFN: &[&str] = &[
    "CreationDate",
    "RedriveDate",
    "StartDate",
    "StopDate",
    "Timestamp",
    "UpdateDate",
];
/// `secretsmanager 2017-10-17`.
pub(crate) const SECRETSMANAGER: &[&str] = &[
    "CreatedDate",
    "DeletedDate",
    "DeletionDate",
    "LastAccessedDate",
    "LastChangedDate",
    "LastRotatedDate",
    "NextRotationDate",
];
/// `ssm 2014-11-06`.
pub(crate) const SSM: &[&str] = &[
    "ActualEndTime",
    "ActualStartTime",
    "ApprovalDate",
    "CaptureTime",
    "CreateTime",
    "CreatedDate",
    "CreatedTime",
    "CreationDate",
    "Date",
    "DeletionStartTime",
    "EndDate",
    "EndTime",
    "EndedAt",
    "ExecutionDate",
    "ExecutionEndTime",
    "ExecutionStartTime",
    "ExecutionTime",
    "ExpirationDate",
    "ExpirationTime",
    "ExpiresAfter",
    "InstalledTime",
    "LastAssociationExecutionDate",
    "LastExecutionDate",
    "LastModifiedDate",
    "LastModifiedTime",
    "LastNoRebootInstallOperationTime",
    "LastPingDateTime",
    "LastStatusUpdateTime",
    "LastSuccessfulAssociationExecutionDate",
    "LastSuccessfulExecutionDate",
    "LastSuccessfulSyncTime",
    "LastSyncTime",
    "LastUpdateAssociationDate",
    "LaunchTime",
    "ModifiedDate",
    "OperationEndTime",
    "OperationStartTime",
    "PlannedEndTime",
    "PlannedStartTime",
    "RegistrationDate",
    "ReleaseDate",
    "RequestedDateTime",
    "ResponseFinishDateTime",
    "ResponseStartDateTime",
    "ReviewedTime",
    "ScheduledTime",
    "StartDate",
    "StartTime",
    "SyncCreatedTime",
    "SyncLastModifiedTime",
    "UpdatedTime",
];
/// `kinesis 2013-12-02`.
pub(crate) const KINESIS: &[&str] = &[
    "ApproximateArrivalTimestamp",
    "ConsumerCreationTimestamp",
    "EarliestAllowedEndAt",
    "EndedAt",
    "StartedAt",
    "StreamCreationTimestamp",
];
/// `kms 2014-11-01`.
pub(crate) const KMS: &[&str] = &[
    "CreationDate",
    "DeletionDate",
    "KeyCreationDate",
    "LastUpdatedDate",
    "NextRotationDate",
    "OnDemandRotationStartDate",
    "ParametersValidTo",
    "RotationDate",
    "Timestamp",
    "TrackingStartDate",
    "ValidTo",
];
/// `glue 2017-03-31`.
pub(crate) const GLUE: &[&str] = &[
    "AnalyzedTime",
    "CompletedOn",
    "CreateTime",
    "CreatedOn",
    "CreatedTimeStamp",
    "CreatedTimestamp",
    "CreationTime",
    "Date",
    "EndTime",
    "EndTimestamp",
    "ExecutionTimestamp",
    "ImportTime",
    "LastAccessTime",
    "LastAnalyzedTime",
    "LastConnectionValidationTime",
    "LastModifiedOn",
    "LastModifiedTimestamp",
    "LastUpdated",
    "LastUpdatedTime",
    "RecordedOn",
    "RequestTime",
    "StartTime",
    "StartTimestamp",
    "StartedOn",
    "StartingTimestamp",
    "StatisticRecordedOn",
    "UpdateTime",
];
/// `athena 2017-05-18`.
pub(crate) const ATHENA: &[&str] = &[
    "AuthTokenExpirationTime",
    "CompletionDateTime",
    "CreateTime",
    "CreationTime",
    "EndDateTime",
    "IdleSinceDateTime",
    "LastAccessTime",
    "LastModifiedDateTime",
    "LastModifiedTime",
    "LastSuccessfulAllocationTime",
    "RequestCompletionTime",
    "RequestTime",
    "StartDateTime",
    "SubmissionDateTime",
];
/// `ecs 2014-11-13`.
pub(crate) const ECS: &[&str] = &[
    "ConnectivityAt",
    "CreatedAt",
    "DeleteRequestedAt",
    "DeregisteredAt",
    "ExecutionStoppedAt",
    "ExpirationDate",
    "ExpiresAt",
    "FinishedAt",
    "LastStartedAt",
    "LastStatusChange",
    "LastUpdated",
    "PullStartedAt",
    "PullStoppedAt",
    "RegisteredAt",
    "StabilityStatusAt",
    "StartedAt",
    "StoppedAt",
    "StoppingAt",
    "UpdatedAt",
];
/// `codebuild 2016-10-06`.
pub(crate) const CODEBUILD: &[&str] = &[
    "Created",
    "EndTime",
    "Expired",
    "LastModified",
    "LastModifiedSecret",
    "RequestTime",
    "RequestedOn",
    "StartTime",
    "SubmitTime",
];

/// What a query-protocol service's XML leaves untyped: the members
/// (PascalCase) that are lists, string maps, booleans and timestamps in
/// its API model's outputs.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct QueryShapes {
    pub(crate) lists: &'static [&'static str],
    pub(crate) maps: &'static [&'static str],
    pub(crate) booleans: &'static [&'static str],
    pub(crate) timestamps: &'static [&'static str],
}

/// SNS `2010-03-31` (its outputs have no numbers: counts and limits are
/// strings in attribute maps).
const SNS: QueryShapes = QueryShapes {
    lists: &[
        "Endpoints",
        "Failed",
        "NumberCapabilities",
        "PhoneNumbers",
        "PlatformApplications",
        "Subscriptions",
        "Successful",
        "Tags",
        "Topics",
    ],
    maps: &["Attributes"],
    booleans: &["IsInSandbox", "IsOptedOut", "SenderFault"],
    timestamps: &["CreatedAt"],
};

/// The shapes of the query-protocol service `sdk_resource`.
pub(crate) fn query_shapes(sdk_resource: &str) -> QueryShapes {
    match sdk_resource {
        "sns" => SNS,
        _ => QueryShapes::default(),
    }
}

/// The input members SNS names in camelCase, by action (the state machine
/// writes every member in PascalCase).
const SNS_CAMEL_INPUTS: &[(&str, &str)] = &[
    ("CheckIfPhoneNumberIsOptedOut", "phoneNumber"),
    ("GetSMSAttributes", "attributes"),
    ("ListPhoneNumbersOptedOut", "nextToken"),
    ("OptInPhoneNumber", "phoneNumber"),
    ("SetSMSAttributes", "attributes"),
];

/// The wire name of a query-protocol action's input member `name`.
pub(crate) fn query_input_name(target: &crate::Target, name: &str) -> String {
    let camel = crate::services::camel(name);
    let listed = target.service.sdk_resource == "sns"
        && SNS_CAMEL_INPUTS.contains(&(target.action.as_str(), camel.as_str()));
    if listed {
        camel
    } else {
        name.to_string()
    }
}
