//! `stepwell load`: a load benchmark against a running `stepwell serve`.
//!
//! Concurrent clients start executions of a workload over the API (each
//! client keeps one HTTP/1.1 connection), then the command waits until every
//! execution has ended and checks a sample of outputs against
//! `expected-outputs.json`. It reports executions started per second,
//! StartExecution latency (p50/p99) and durable state transitions per
//! second (transitions of all executions / time from the first start until
//! the last execution ended). With `--express` the state machines are
//! EXPRESS and only the starts are measured (an EXPRESS execution cannot be
//! listed or described). It is a benchmark: nothing here asserts a timing.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper_util::rt::TokioIo;
use serde_json::{json, Value};

#[derive(clap::Args, Debug)]
pub(crate) struct LoadArgs {
    /// The server, e.g. http://127.0.0.1:8083.
    #[arg(long, default_value = "http://127.0.0.1:8083")]
    endpoint: String,
    /// The workloads directory (holding `<name>.asl.json`,
    /// `<name>.input.json`, `expected-outputs.json`).
    #[arg(long, default_value = "../shared/bench")]
    dir: PathBuf,
    /// Workload names; `hello` is a built-in one-Pass-state machine that
    /// measures the API's own cost.
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "hello,pass-chain-1000,parallel-fanout"
    )]
    workloads: Vec<String>,
    /// Concurrent clients.
    #[arg(long, default_value_t = 32)]
    clients: usize,
    /// Executions to start per workload.
    #[arg(long, default_value_t = 2000)]
    executions: usize,
    /// Create EXPRESS state machines and measure only the starts.
    #[arg(long)]
    express: bool,
}

struct Client {
    send: hyper::client::conn::http1::SendRequest<Full<Bytes>>,
    host: String,
}

impl Client {
    async fn connect(endpoint: &str) -> Result<Client, String> {
        let host = endpoint
            .trim_start_matches("http://")
            .trim_end_matches('/')
            .to_string();
        let stream = tokio::net::TcpStream::connect(&host)
            .await
            .map_err(|e| format!("cannot connect to {host}: {e}"))?;
        let _ = stream.set_nodelay(true);
        let (send, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .map_err(|e| e.to_string())?;
        tokio::spawn(conn);
        Ok(Client { send, host })
    }

    async fn call(&mut self, op: &str, body: &Value) -> Result<Value, String> {
        let req = hyper::Request::post("/")
            .header("host", &self.host)
            .header("x-amz-target", format!("AWSStepFunctions.{op}"))
            .header("content-type", "application/x-amz-json-1.0")
            .body(Full::new(Bytes::from(body.to_string())))
            .map_err(|e| e.to_string())?;
        self.send.ready().await.map_err(|e| e.to_string())?;
        let resp = self
            .send
            .send_request(req)
            .await
            .map_err(|e| e.to_string())?;
        let status = resp.status();
        let bytes = resp
            .into_body()
            .collect()
            .await
            .map_err(|e| e.to_string())?
            .to_bytes();
        let v: Value = serde_json::from_slice(&bytes).map_err(|e| e.to_string())?;
        if status.is_success() {
            Ok(v)
        } else {
            Err(format!("{op}: {v}"))
        }
    }
}

struct Workload {
    name: String,
    definition: String,
    input: String,
    expected: Option<Value>,
}

fn load_workload(args: &LoadArgs, name: &str, expected: &Value) -> Result<Workload, String> {
    if name == "hello" {
        return Ok(Workload {
            name: name.into(),
            definition: r#"{"StartAt":"Hello","States":{"Hello":{"Type":"Pass","Result":"world","ResultPath":"$.hello","End":true}}}"#.into(),
            input: r#"{"n":1}"#.into(),
            expected: Some(json!({"n": 1, "hello": "world"})),
        });
    }
    let read = |suffix: &str| {
        let p = args.dir.join(format!("{name}.{suffix}"));
        std::fs::read_to_string(&p).map_err(|e| format!("{}: {e}", p.display()))
    };
    Ok(Workload {
        name: name.into(),
        definition: read("asl.json")?,
        input: read("input.json")?,
        expected: expected.get(name).cloned(),
    })
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

async fn run_workload(args: &LoadArgs, w: &Workload) -> Result<(), String> {
    let mut admin = Client::connect(&args.endpoint).await?;
    let suffix = std::process::id();
    let name = format!("load-{}-{suffix}", w.name);
    let created = admin
        .call(
            "CreateStateMachine",
            &json!({"name": name, "definition": w.definition,
                    "type": if args.express { "EXPRESS" } else { "STANDARD" },
                    "roleArn": "arn:aws:iam::123456789012:role/load"}),
        )
        .await?;
    let machine = created["stateMachineArn"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let next = Arc::new(AtomicUsize::new(0));
    let started_at = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..args.clients {
        let (endpoint, machine, input, next) = (
            args.endpoint.clone(),
            machine.clone(),
            w.input.clone(),
            next.clone(),
        );
        let total = args.executions;
        tasks.push(tokio::spawn(async move {
            let mut c = Client::connect(&endpoint).await?;
            let mut latencies = Vec::new();
            let mut arns = Vec::new();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= total {
                    break;
                }
                let t = Instant::now();
                let r = c
                    .call("StartExecution", &json!({"stateMachineArn": machine, "name": format!("e{i}"), "input": input}))
                    .await?;
                latencies.push(t.elapsed());
                arns.push(r["executionArn"].as_str().unwrap_or_default().to_string());
            }
            Ok::<_, String>((latencies, arns))
        }));
    }
    let mut latencies = Vec::new();
    let mut arns = Vec::new();
    for t in tasks {
        let (l, a) = t.await.map_err(|e| e.to_string())??;
        latencies.extend(l);
        arns.extend(a);
    }
    let start_phase = started_at.elapsed();
    latencies.sort();
    if args.express {
        println!(
            "{:<18} {:>6} EXPRESS starts  {:>8.0} starts/s  p50 {:>7.2} ms  p99 {:>7.2} ms",
            w.name,
            arns.len(),
            arns.len() as f64 / start_phase.as_secs_f64(),
            percentile(&latencies, 0.50).as_secs_f64() * 1000.0,
            percentile(&latencies, 0.99).as_secs_f64() * 1000.0,
        );
        return Ok(());
    }
    // Wait until nothing is running.
    loop {
        let running = admin
            .call(
                "ListExecutions",
                &json!({"stateMachineArn": machine, "statusFilter": "RUNNING", "maxResults": 1}),
            )
            .await?;
        if running["executions"]
            .as_array()
            .is_none_or(|a| a.is_empty())
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let total = started_at.elapsed();
    // Transitions per execution, from one history; outputs from a sample.
    let mut transitions_per_execution = 0;
    let mut failures = 0;
    for (k, arn) in arns
        .iter()
        .enumerate()
        .filter(|(k, _)| k % (arns.len() / 20).max(1) == 0)
    {
        let d = admin
            .call("DescribeExecution", &json!({"executionArn": arn}))
            .await?;
        let output: Option<Value> = d["output"]
            .as_str()
            .and_then(|s| serde_json::from_str(s).ok());
        if d["status"] != "SUCCEEDED" || (w.expected.is_some() && output != w.expected) {
            failures += 1;
            match d["status"].as_str() {
                Some("SUCCEEDED") => eprintln!("  {arn}: output {}", d["output"]),
                // e.g. a STANDARD execution past AWS's 25,000-event quota
                _ => eprintln!("  {arn}: {} {}: {}", d["status"], d["error"], d["cause"]),
            }
        }
        if k == 0 {
            let mut token: Option<Value> = None;
            loop {
                let mut req =
                    json!({"executionArn": arn, "maxResults": 1000, "includeExecutionData": false});
                if let Some(t) = &token {
                    req["nextToken"] = t.clone();
                }
                let h = admin.call("GetExecutionHistory", &req).await?;
                transitions_per_execution += h["events"]
                    .as_array()
                    .map(|a| {
                        a.iter()
                            .filter(|e| {
                                e["type"]
                                    .as_str()
                                    .is_some_and(|t| t.ends_with("StateEntered"))
                            })
                            .count()
                    })
                    .unwrap_or(0);
                match h.get("nextToken") {
                    Some(t) if !t.is_null() => token = Some(t.clone()),
                    _ => break,
                }
            }
        }
    }
    let n = arns.len();
    let transitions = n * transitions_per_execution;
    println!(
        "{:<18} {:>6} executions  {:>8.0} starts/s  p50 {:>7.2} ms  p99 {:>7.2} ms  {:>9.0} durable transitions/s  ({} transitions in {:.2} s){}",
        w.name,
        n,
        n as f64 / start_phase.as_secs_f64(),
        percentile(&latencies, 0.50).as_secs_f64() * 1000.0,
        percentile(&latencies, 0.99).as_secs_f64() * 1000.0,
        transitions as f64 / total.as_secs_f64(),
        transitions,
        total.as_secs_f64(),
        if failures > 0 { format!("  WRONG OUTPUT in {failures} sampled executions") } else { String::new() }
    );
    if failures > 0 {
        return Err(format!("{}: wrong outputs", w.name));
    }
    Ok(())
}

pub(crate) fn run(args: LoadArgs) -> ExitCode {
    let expected: Value = std::fs::read_to_string(args.dir.join("expected-outputs.json"))
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or(Value::Null);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    let mut ok = true;
    for name in &args.workloads {
        let result = load_workload(&args, name, &expected)
            .and_then(|w| runtime.block_on(run_workload(&args, &w)));
        if let Err(e) = result {
            eprintln!("error: {name}: {e}");
            ok = false;
        }
    }
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
