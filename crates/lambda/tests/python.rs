//! Real Python handler processes behind the Runtime API.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::{Duration, Instant};

use common::*;
use serde_json::json;

const PROJECT: &str = r#"
[functions.echo]
runtime = "python3.12"
handler = "app.echo"
code = "python"

[functions.environment]
runtime = "python3"
handler = "app.environment"
code = "python"
memory = 256
environment = { GREETING = "hello" }

[functions.fail]
runtime = "python3"
handler = "app.fail"
code = "python"

[functions.leave]
runtime = "python3"
handler = "app.leave"
code = "python"

[functions.hang]
runtime = "python3"
handler = "app.hang"
code = "python"
timeout = 1

[functions.not_json]
runtime = "python3"
handler = "app.not_json"
code = "python"

[functions.syntax]
runtime = "python3"
handler = "bad.handler"
code = "python_syntax"

[functions.no_handler]
runtime = "python3"
handler = "app.nope"
code = "python"

[functions.no_module]
runtime = "python3"
handler = "nomodule.handler"
code = "python"

[functions.decimals]
runtime = "python3.12"
handler = "app.decimals"
code = "python"

[functions.huge]
runtime = "python3"
handler = "app.huge"
code = "python"
timeout = 30

[functions.bad_bytes]
runtime = "python3"
handler = "app.bad_bytes"
code = "python"

[functions.spawn_and_hang]
runtime = "python3"
handler = "app.spawn_and_hang"
code = "python"
timeout = 1

[functions.pid]
runtime = "python3"
handler = "app.pid"
code = "python"

[functions.nap]
runtime = "python3"
handler = "app.nap"
code = "python"
concurrency = 3

[functions.busy]
runtime = "python3"
handler = "app.nap"
code = "python"
concurrency = 1
throttle = true
"#;

#[tokio::test]
async fn success_with_event_and_context() {
    if !have("python3") {
        return;
    }
    let lambda = start(PROJECT).await;
    let out = call(&lambda, "echo", json!({"order": 7})).await.unwrap();
    assert_eq!(out["event"], json!({"order": 7}));
    assert_eq!(out["function_name"], "echo");
    assert_eq!(out["arn"], format!("{ARN}echo"));
    assert_eq!(out["memory"], 128);
    assert_eq!(out["remaining_ok"], true);
    assert_eq!(out["request_id"].as_str().unwrap().len(), 36);
    lambda.shutdown().await;
}

#[tokio::test]
async fn the_environment_looks_like_lambda() {
    if !have("python3") {
        return;
    }
    let lambda = start(PROJECT).await;
    let env = call(&lambda, "environment", json!({})).await.unwrap();
    let code = common::fixtures().join("python");
    let expected = json!({
        "AWS_LAMBDA_FUNCTION_NAME": "environment",
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "256",
        "AWS_LAMBDA_LOG_GROUP_NAME": "/aws/lambda/environment",
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_EXECUTION_ENV": "AWS_Lambda_python3",
        "LAMBDA_TASK_ROOT": code.display().to_string(),
        "_HANDLER": "app.environment",
        "TZ": ":UTC",
        "AWS_ENDPOINT_URL": "http://127.0.0.1:8083",
        "AWS_ACCESS_KEY_ID": "stepwell",
        "AWS_SECRET_ACCESS_KEY": "stepwell",
        "AWS_SESSION_TOKEN": "stepwell",
        "GREETING": "hello",
        "has_runtime_api": true,
        "log_stream_ok": true,
    });
    assert_eq!(env, expected);
    lambda.shutdown().await;
}

#[tokio::test]
async fn a_raised_error_names_the_state_error() {
    if !have("python3") {
        return;
    }
    let lambda = start(PROJECT).await;
    // A bare function ARN: the cause is the payload as the runtime wrote it.
    let (error, cause) = call(&lambda, "fail", json!({})).await.unwrap_err();
    assert_eq!(error, "PaymentProcessingError");
    assert!(cause.starts_with(r#"{"errorMessage": "card declined", "errorType": "PaymentProcessingError", "requestId": ""#), "{cause}");
    let payload = cause_json(&cause);
    let trace = payload["stackTrace"].as_array().unwrap();
    assert!(
        trace
            .iter()
            .any(|t| t.as_str().unwrap().contains("app.py\", line")),
        "{cause}"
    );
    assert!(
        !cause.contains("python_bootstrap"),
        "the bootstrap's own frames are hidden: {cause}"
    );

    // lambda:invoke: the same error, the cause re-serialised compactly.
    let (error, cause) = lambda
        .run_task(INVOKE, &json!({"FunctionName": "fail", "Payload": {}}))
        .await
        .unwrap_err();
    assert_eq!(error, "PaymentProcessingError");
    assert!(
        cause.starts_with(
            r#"{"errorMessage":"card declined","errorType":"PaymentProcessingError","requestId":""#
        ),
        "{cause}"
    );
    lambda.shutdown().await;
}

#[tokio::test]
async fn code_that_cannot_load_gives_the_runtime_errors() {
    if !have("python3") {
        return;
    }
    let lambda = start(PROJECT).await;
    let cases = [
        (
            "syntax",
            "Runtime.UserCodeSyntaxError",
            "Syntax error in module 'bad': ",
        ),
        (
            "no_handler",
            "Runtime.HandlerNotFound",
            "Handler 'nope' missing on module 'app'",
        ),
        (
            "no_module",
            "Runtime.ImportModuleError",
            "Unable to import module 'nomodule': No module named 'nomodule'",
        ),
    ];
    for (function, want_error, want_message) in cases {
        for _ in 0..2 {
            let (error, cause) = call(&lambda, function, json!({})).await.unwrap_err();
            assert_eq!(error, want_error, "{function}: {cause}");
            let message = cause_json(&cause)["errorMessage"]
                .as_str()
                .unwrap()
                .to_string();
            assert!(message.starts_with(want_message), "{function}: {message}");
        }
    }
    // The server keeps serving.
    assert!(call(&lambda, "pid", json!({})).await.is_ok());
    lambda.shutdown().await;
}

#[tokio::test]
async fn an_exiting_handler_is_an_exit_error_and_its_process_is_replaced() {
    if !have("python3") {
        return;
    }
    let lambda = start(PROJECT).await;
    let first = call(&lambda, "leave", json!({})).await.unwrap();
    let (error, cause) = call(&lambda, "leave", json!({"exit": true}))
        .await
        .unwrap_err();
    assert_eq!(error, "Runtime.ExitError");
    let payload = cause_json(&cause);
    assert_eq!(payload["errorType"], "Runtime.ExitError");
    let message = payload["errorMessage"].as_str().unwrap();
    assert!(
        message.starts_with("RequestId: ")
            && message.ends_with(" Error: Runtime exited with error: exit status 3"),
        "{message}"
    );
    let again = call(&lambda, "leave", json!({})).await.unwrap();
    assert_ne!(first, again, "a new process serves after the exit");
    lambda.shutdown().await;
}

#[tokio::test]
async fn a_handler_past_its_timeout_is_killed() {
    if !have("python3") {
        return;
    }
    let lambda = start(PROJECT).await;
    let first = call(&lambda, "hang", json!({})).await.unwrap();
    let started = Instant::now();
    let message = timed_out_message(call(&lambda, "hang", json!({"hang": true})).await);
    let took = started.elapsed();
    assert!(
        message.ends_with(" Error: Task timed out after 1.00 seconds"),
        "{message}"
    );
    assert!(
        took >= Duration::from_millis(950) && took < Duration::from_secs(5),
        "{took:?}"
    );
    let again = call(&lambda, "hang", json!({})).await.unwrap();
    assert_ne!(first, again, "the timed-out process was replaced");
    lambda.shutdown().await;
}

#[tokio::test]
async fn a_result_that_is_not_json_is_a_marshal_error() {
    if !have("python3") {
        return;
    }
    let lambda = start(PROJECT).await;
    let (error, cause) = call(&lambda, "not_json", json!({})).await.unwrap_err();
    assert_eq!(error, "Runtime.MarshalError");
    assert_eq!(
        cause_json(&cause)["errorMessage"],
        "Unable to marshal response: Object of type set is not JSON serializable"
    );
    lambda.shutdown().await;
}

#[tokio::test]
async fn warm_processes_are_reused() {
    if !have("python3") {
        return;
    }
    let lambda = start(PROJECT).await;
    let a = call(&lambda, "pid", json!({})).await.unwrap();
    let b = call(&lambda, "pid", json!({})).await.unwrap();
    let c = lambda
        .run_task(INVOKE, &json!({"FunctionName": "pid"}))
        .await
        .unwrap();
    assert_eq!(a, b);
    assert_eq!(c["Payload"], a);
    assert_eq!(lambda.process_count("pid"), 1);
    lambda.shutdown().await;
    assert_eq!(lambda.process_count("pid"), 0);
}

#[tokio::test]
async fn invocations_run_in_parallel_up_to_the_concurrency() {
    if !have("python3") {
        return;
    }
    let lambda = start(PROJECT).await;
    let nap = |ms: u64| {
        let lambda = lambda.clone();
        async move { call(&lambda, "nap", json!({"ms": ms})).await.unwrap() }
    };
    let pids = |runs: &[serde_json::Value]| -> std::collections::BTreeSet<String> {
        runs.iter().map(|v| v[0].to_string()).collect()
    };
    // Warm three processes, then run three at once: all three are used, and
    // the handlers ran at the same time (their sleeps overlap).
    let warm: Vec<_> = futures_join(vec![nap(400), nap(400), nap(400)]).await;
    let distinct = pids(&warm);
    assert_eq!(distinct.len(), 3, "{warm:?}");
    let again = futures_join(vec![nap(300), nap(300), nap(300)]).await;
    assert_eq!(pids(&again), distinct, "warm processes were reused");
    let latest_start = again
        .iter()
        .map(|v| v[1].as_f64().unwrap())
        .fold(f64::MIN, f64::max);
    let earliest_end = again
        .iter()
        .map(|v| v[2].as_f64().unwrap())
        .fold(f64::MAX, f64::min);
    assert!(
        latest_start < earliest_end,
        "the three invocations overlapped: {again:?}"
    );
    // Six at once queue for the three processes.
    let six = futures_join((0..6).map(|_| nap(50)).collect()).await;
    assert!(pids(&six).is_subset(&distinct), "{six:?}");
    assert_eq!(lambda.process_count("nap"), 3);
    lambda.shutdown().await;
}

#[tokio::test]
async fn a_throttling_function_refuses_past_its_concurrency() {
    if !have("python3") {
        return;
    }
    let lambda = start(PROJECT).await;
    let slow = {
        let lambda = lambda.clone();
        tokio::spawn(async move { call(&lambda, "busy", json!({"ms": 1500})).await })
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (error, cause) = call(&lambda, "busy", json!({"ms": 0})).await.unwrap_err();
    assert_eq!(error, "Lambda.TooManyRequestsException");
    assert!(cause.starts_with("Rate Exceeded. (Service: AWSLambda; Status Code: 429; Error Code: TooManyRequestsException; Request ID: "), "{cause}");
    assert!(slow.await.unwrap().is_ok());
    lambda.shutdown().await;
}

#[tokio::test]
async fn lambda_invoke_results_have_aws_shape() {
    if !have("python3") {
        return;
    }
    let lambda = start(PROJECT).await;
    let out = lambda
        .run_task(
            INVOKE,
            &json!({"FunctionName": format!("{ARN}echo"), "Payload": "\"HelloWorld\""}),
        )
        .await
        .unwrap();
    assert_eq!(out["Payload"]["event"], "HelloWorld");
    assert_eq!(out["StatusCode"], 200);
    assert_eq!(out["ExecutedVersion"], "$LATEST");
    assert_eq!(out["SdkHttpMetadata"]["HttpStatusCode"], 200);
    assert_eq!(
        out["SdkResponseMetadata"]["RequestId"],
        out["SdkHttpMetadata"]["HttpHeaders"]["x-amzn-RequestId"]
    );

    // waitForTaskToken invokes the same way; the caller waits for the callback.
    assert!(lambda.handles("arn:aws:states:::lambda:invoke.waitForTaskToken"));
    let token = lambda
        .run_task(
            "arn:aws:states:::lambda:invoke.waitForTaskToken",
            &json!({"FunctionName": "echo", "Payload": {"token": "t1"}}),
        )
        .await
        .unwrap();
    assert_eq!(token["Payload"]["event"]["token"], "t1");

    // A qualifier is passed on in the invoked ARN.
    let out = lambda
        .run_task(INVOKE, &json!({"FunctionName": "echo:live", "Payload": {}}))
        .await
        .unwrap();
    assert_eq!(out["Payload"]["arn"], format!("{ARN}echo:live"));

    // Event invocations return at once.
    let out = lambda
        .run_task(
            INVOKE,
            &json!({"FunctionName": "echo", "InvocationType": "Event"}),
        )
        .await
        .unwrap();
    assert_eq!(out["StatusCode"], 202);
    assert_eq!(out["Payload"], "");

    // A function that is not declared.
    let (error, cause) = lambda
        .run_task(INVOKE, &json!({"FunctionName": "nope", "Payload": null}))
        .await
        .unwrap_err();
    assert_eq!(error, "Lambda.ResourceNotFoundException");
    assert!(cause.starts_with("Function not found: arn:aws:lambda:us-east-1:123456789012:function:nope:$LATEST (Service: AWSLambda; Status Code: 404; Error Code: ResourceNotFoundException; Request ID: "), "{cause}");
    assert!(cause.ends_with("; Proxy: null)"), "{cause}");
    let (error, _) = call(&lambda, "nope", json!({})).await.unwrap_err();
    assert_eq!(error, "Lambda.ResourceNotFoundException");

    // LogType Tail returns Lambda's log lines.
    let out = lambda
        .run_task(INVOKE, &json!({"FunctionName": "echo", "LogType": "Tail"}))
        .await
        .unwrap();
    assert!(out["LogResult"].as_str().is_some_and(|l| !l.is_empty()));
    lambda.shutdown().await;
}

/// Runs futures concurrently on the current task and collects their outputs.
async fn futures_join<F: std::future::Future + Send + 'static>(futures: Vec<F>) -> Vec<F::Output>
where
    F::Output: Send + 'static,
{
    let handles: Vec<_> = futures.into_iter().map(tokio::spawn).collect();
    let mut out = Vec::new();
    for h in handles {
        out.push(h.await.unwrap());
    }
    out
}

#[cfg(target_os = "linux")]
#[tokio::test]
async fn dropping_the_last_handle_stops_the_processes() {
    if !have("python3") {
        return;
    }
    let lambda = start(PROJECT).await;
    let pid = call(&lambda, "pid", json!({})).await.unwrap();
    let proc_dir = std::path::PathBuf::from(format!("/proc/{pid}"));
    assert!(proc_dir.exists());
    drop(lambda);
    let deadline = Instant::now() + Duration::from_secs(5);
    while proc_dir.exists() && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(!proc_dir.exists(), "process {pid} still runs");
}

#[tokio::test]
async fn an_abandoned_invocation_still_times_out_and_frees_its_process() {
    if !have("python3") {
        return;
    }
    let lambda = start(PROJECT).await;
    // The caller stops waiting (a TestState client hanging up): the
    // invocation still ends at the function's 1-second timeout.
    let hang = call(&lambda, "hang", json!({"hang": true}));
    let _ = tokio::time::timeout(Duration::from_millis(300), hang).await;
    let deadline = Instant::now() + Duration::from_secs(6);
    while lambda.process_count("hang") > 0 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(
        lambda.process_count("hang"),
        0,
        "the hung process was killed"
    );
    // One that ends after its caller left goes back to the idle list. (Its
    // process is warmed first: a cold start's length on a busy machine is
    // not what this is about.)
    call(&lambda, "nap", json!({"ms": 0})).await.unwrap();
    let nap = call(&lambda, "nap", json!({"ms": 400}));
    let _ = tokio::time::timeout(Duration::from_millis(100), nap).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    call(&lambda, "nap", json!({"ms": 0})).await.unwrap();
    assert_eq!(
        lambda.process_count("nap"),
        1,
        "the warm process was reused"
    );
    lambda.shutdown().await;
}

#[tokio::test]
async fn an_invocation_cut_short_by_the_shutdown_has_no_answer() {
    if !have("python3") {
        return;
    }
    let lambda = start(PROJECT).await;
    let running = {
        let lambda = lambda.clone();
        tokio::spawn(async move {
            lambda
                .try_run_task(&format!("{ARN}hang"), &json!({"hang": true}))
                .await
        })
    };
    let deadline = Instant::now() + Duration::from_secs(5);
    while lambda.process_count("hang") == 0 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    lambda.shutdown().await;
    assert_eq!(running.await.unwrap(), Err(stepwell_lambda::Stopped));
    // And one asked for afterwards.
    let late = lambda.try_run_task(&format!("{ARN}pid"), &json!({})).await;
    assert_eq!(late, Err(stepwell_lambda::Stopped));
    let (error, _) = call(&lambda, "pid", json!({})).await.unwrap_err();
    assert_eq!(error, "Lambda.TooManyRequestsException");
}

/// Lambda's Init phase has 10 s; past them it is retried at the invocation
/// within the function's timeout, which counts the init.
#[tokio::test]
async fn a_cold_start_over_ten_seconds_is_retried_within_the_timeout() {
    if !have("python3") {
        return;
    }
    let lambda = start(
        r#"
[functions.slow]
runtime = "python3"
handler = "app.handler"
code = "python_slow_init"
timeout = 30
environment = { INIT_SECONDS = "12" }

[functions.too-slow]
runtime = "python3"
handler = "app.handler"
code = "python_slow_init"
timeout = 5
environment = { INIT_SECONDS = "12" }
"#,
    )
    .await;
    let started = Instant::now();
    let slow = {
        let lambda = lambda.clone();
        tokio::spawn(async move { call(&lambda, "slow", json!({})).await })
    };
    let too_slow = call(&lambda, "too-slow", json!({})).await;
    let too_slow_took = started.elapsed();
    let slow = slow.await.unwrap().unwrap();
    let slow_took = started.elapsed();
    // 10 s, then the init again (12 s) and the handler.
    assert!(
        // (Upper bounds generous: a busy machine starts processes slowly.)
        slow_took >= Duration::from_secs(21) && slow_took < Duration::from_secs(40),
        "{slow_took:?}"
    );
    let remaining = slow["remaining_ms"].as_i64().unwrap();
    assert!(
        (10_000..=18_500).contains(&remaining),
        "the init counts within the 30 s: {remaining} ms left"
    );
    let message = timed_out_message(too_slow);
    assert!(
        message.ends_with("Task timed out after 5.00 seconds"),
        "{message}"
    );
    assert!(
        too_slow_took >= Duration::from_secs(15) && too_slow_took < Duration::from_secs(25),
        "{too_slow_took:?}"
    );
    lambda.shutdown().await;
}

/// AWS's marshaller writes a Decimal (boto3's DynamoDB numbers) as a number
/// with its digits, and from python3.12 on leaves non-ASCII text unescaped.
#[tokio::test]
async fn decimals_are_numbers_as_awss_marshaller_writes_them() {
    if !have("python3") {
        return;
    }
    let lambda = start(PROJECT).await;
    let response = lambda
        .invoke("decimals", stepwell_lambda::InvokeRequest::default())
        .await
        .unwrap();
    let text = String::from_utf8(response.payload.to_vec()).unwrap();
    assert_eq!(response.function_error, None, "{text}");
    assert_eq!(
        text,
        r#"{"price": 19.99, "count": 3, "big": 1E+2, "exact": 0.1000000000000000055511151231257827, "name": "£1"}"#
    );
    let value = call(&lambda, "decimals", json!({})).await.unwrap();
    assert_eq!(value["count"], json!(3));
    assert_eq!(value["price"], json!(19.99));
    lambda.shutdown().await;
}

/// A response past Lambda's 6 MB fails at once, however large it is.
#[tokio::test]
async fn an_oversized_response_fails_at_once() {
    if !have("python3") {
        return;
    }
    let lambda = start(PROJECT).await;
    for bytes in [7 << 20, 40 << 20] {
        let started = Instant::now();
        let (error, cause) = call(&lambda, "huge", json!({ "bytes": bytes }))
            .await
            .unwrap_err();
        assert_eq!(error, "Function.ResponseSizeTooLarge", "{bytes}: {cause}");
        assert!(started.elapsed() < Duration::from_secs(10), "{bytes}");
    }
    let ok = call(&lambda, "huge", json!({ "bytes": 5 })).await.unwrap();
    assert_eq!(ok, json!("xxxxx"));
    lambda.shutdown().await;
}

/// Output that is not UTF-8 is still read: the handler's later writes do
/// not fail (they did with EPIPE once the pipe was no longer read).
#[tokio::test]
async fn output_that_is_not_utf8_does_not_stop_the_reading() {
    if !have("python3") {
        return;
    }
    let lambda = start(PROJECT).await;
    call(&lambda, "bad_bytes", json!({"times": 1}))
        .await
        .unwrap();
    // Far more than a pipe's buffer (64 KiB) after the bad line.
    let out = call(&lambda, "bad_bytes", json!({"times": 400})).await;
    assert_eq!(out, Ok(json!("done")));
    lambda.shutdown().await;
}

/// A timeout kills the handler's children too (the process group).
#[cfg(target_os = "linux")]
#[tokio::test]
async fn a_timeout_kills_what_the_handler_started() {
    if !have("python3") || !have("sleep") {
        return;
    }
    let lambda = start(PROJECT).await;
    let dir = std::env::temp_dir().join(format!("stepwell-group-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let pidfile = dir.join("child.pid");
    let (error, _) = call(&lambda, "spawn_and_hang", json!({ "pidfile": pidfile }))
        .await
        .unwrap_err();
    assert_eq!(error, "Sandbox.Timedout");
    let child = std::fs::read_to_string(&pidfile).unwrap();
    let proc_dir = std::path::PathBuf::from(format!("/proc/{}", child.trim()));
    let deadline = Instant::now() + Duration::from_secs(5);
    let alive = |p: &std::path::Path| {
        std::fs::read_to_string(p.join("stat")).is_ok_and(|stat| {
            !stat
                .rsplit(')')
                .next()
                .unwrap_or("")
                .trim_start()
                .starts_with('Z')
        })
    };
    while alive(&proc_dir) && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(
        !alive(&proc_dir),
        "the handler's child {} still runs",
        child.trim()
    );
    let _ = std::fs::remove_dir_all(&dir);
    lambda.shutdown().await;
}
