//! What an AWS service answers a Task (`stepwell_aws::task_result`) and the
//! request built from a Task's parameters (`stepwell_aws::prepare`): any
//! body, status and resource gives a result or an AWS-named error, never a
//! panic. The first byte picks the resource, the second the status; the
//! rest is the answer's body (and, when it is JSON, the Task's parameters,
//! and what a `.sync` job's submission or description answered).
#![no_main]

use libfuzzer_sys::fuzz_target;
use stepwell_aws::{
    describe_call, parse_job, parse_resource, poll_result, prepare, stop_call, submit_parameters,
    submitted_output, task_result, Answer,
};

const RESOURCES: &[&str] = &[
    "arn:aws:states:::dynamodb:getItem",
    "arn:aws:states:::dynamodb:putItem",
    "arn:aws:states:::sqs:sendMessage",
    "arn:aws:states:::sns:publish",
    "arn:aws:states:::events:putEvents",
    "arn:aws:states:::aws-sdk:dynamodb:query",
    "arn:aws:states:::aws-sdk:sns:publish",
    "arn:aws:states:::aws-sdk:sqs:receiveMessage",
    "arn:aws:states:::aws-sdk:sfn:describeExecution",
    "arn:aws:states:::aws-sdk:sfn:startExecution",
    "arn:aws:states:::aws-sdk:s3:getObject",
    "arn:aws:states:::aws-sdk:s3:putObject",
    "arn:aws:states:::aws-sdk:s3:headObject",
    "arn:aws:states:::aws-sdk:s3:copyObject",
    "arn:aws:states:::aws-sdk:s3:listObjectsV2",
    "arn:aws:states:::aws-sdk:s3:listBuckets",
    "arn:aws:states:::aws-sdk:secretsmanager:getSecretValue",
    "arn:aws:states:::aws-sdk:cloudwatchlogs:putLogEvents",
    "arn:aws:states:::glue:startJobRun",
    "arn:aws:states:::ecs:runTask",
    "arn:aws:states:::batch:submitJob",
    "arn:aws:states:::aws-sdk:codebuild:batchGetBuilds",
];

const JOBS: &[&str] = &[
    "arn:aws:states:::glue:startJobRun.sync",
    "arn:aws:states:::athena:startQueryExecution.sync",
    "arn:aws:states:::ecs:runTask.sync",
    "arn:aws:states:::batch:submitJob.sync",
    "arn:aws:states:::codebuild:startBuild.sync",
];

const STATUSES: &[u16] = &[200, 204, 400, 403, 404, 409, 500, 503];

fuzz_target!(|data: &[u8]| {
    let [pick, status, body @ ..] = data else {
        return;
    };
    let resource = RESOURCES[*pick as usize % RESOURCES.len()];
    let Some(target) = parse_resource(resource) else {
        panic!("{resource} is one of stepwell-aws's resources");
    };
    let answer = Answer {
        status: STATUSES[*status as usize % STATUSES.len()],
        headers: vec![
            ("x-amzn-requestid".into(), "fuzz".into()),
            ("content-type".into(), "application/x-amz-json-1.0".into()),
        ],
        body: body.to_vec(),
    };
    let _ = task_result(&target, &answer);
    if let Ok(parameters) = serde_json::from_slice::<serde_json::Value>(body) {
        let _ = prepare(&target, &parameters, "http://127.0.0.1:4566");
        let Some(job) = parse_job(JOBS[*pick as usize % JOBS.len()]) else {
            panic!("every .sync resource here is one of stepwell-aws's jobs");
        };
        let _ = submit_parameters(job.job, &parameters, "key");
        let _ = submitted_output(job.job, &parameters, parameters.clone());
        let _ = describe_call(job.job, &parameters);
        let _ = stop_call(job.job, &parameters);
        let _ = poll_result(job.job, parameters);
    }
});
