//! `stepwell jsonata`: evaluate one JSONata expression, like `jq` for JSONata.
//!
//! The expression runs exactly as in a Step Functions JSONata state (JSONata
//! 2.0.6 plus the AWS functions). With `--json` the last line of stdout is one
//! JSON object: `{"result": V}`, `{"undefined": true}` or
//! `{"error": {"code": "T2001", "message": "..."}}`; the conformance runner
//! (`shared/jsonata/run.py`) relies on that.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::io::Read;
use std::path::PathBuf;
use std::process::ExitCode;

use serde_json::{json, Map, Value};
use stepwell_jsonata::{Entropy, Evaluated, Expression, JsonataError, Limits};

#[derive(clap::Args, Debug)]
pub(crate) struct JsonataArgs {
    /// The expression (without `{% %}`).
    #[arg(allow_hyphen_values = true)]
    expr: String,
    /// JSON input document (`-` for stdin). Without it there is no input at
    /// all, which differs from an input of `null`.
    #[arg(long, value_name = "FILE")]
    input: Option<PathBuf>,
    /// Bind `$NAME` to a JSON value (repeatable).
    #[arg(long = "bind", value_name = "NAME=JSON")]
    binds: Vec<String>,
    /// Print one JSON object describing the outcome (for scripts).
    #[arg(long)]
    json: bool,
    /// Bind `$states.input` to this JSON value.
    #[arg(long, value_name = "JSON")]
    states_input: Option<String>,
    /// Bind `$states.context` to this JSON value.
    #[arg(long, value_name = "JSON")]
    context: Option<String>,
}

/// `$random()`/`$uuid()` entropy from the process's random hash keys, and
/// the system clock for `$now()`/`$millis()`.
struct OsEntropy;

impl Entropy for OsEntropy {
    fn next_u64(&mut self) -> u64 {
        let mut h = RandomState::new().build_hasher();
        h.write_u64(0x5eed);
        h.finish()
    }

    fn now_millis(&mut self) -> Option<i64> {
        let since = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .ok()?;
        i64::try_from(since.as_millis()).ok()
    }
}

fn parse_json(what: &str, text: &str) -> Result<Value, String> {
    serde_json::from_str(text).map_err(|e| format!("{what}: invalid JSON: {e}"))
}

fn bindings(args: &JsonataArgs) -> Result<Map<String, Value>, String> {
    let mut vars = Map::new();
    for bind in &args.binds {
        let (name, value) = bind
            .split_once('=')
            .ok_or_else(|| format!("--bind {bind}: expected NAME=JSON"))?;
        let name = name.strip_prefix('$').unwrap_or(name);
        vars.insert(
            name.to_string(),
            parse_json(&format!("--bind {name}"), value)?,
        );
    }
    if args.states_input.is_some() || args.context.is_some() {
        let mut states = Map::new();
        if let Some(text) = &args.states_input {
            states.insert("input".into(), parse_json("--states-input", text)?);
        }
        if let Some(text) = &args.context {
            states.insert("context".into(), parse_json("--context", text)?);
        }
        vars.insert("states".into(), Value::Object(states));
    }
    Ok(vars)
}

fn read_input(path: &PathBuf) -> Result<Value, String> {
    let text = if path.as_os_str() == "-" {
        let mut s = String::new();
        std::io::stdin()
            .read_to_string(&mut s)
            .map_err(|e| format!("stdin: {e}"))?;
        s
    } else {
        std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?
    };
    parse_json(&path.display().to_string(), &text)
}

fn evaluate(args: &JsonataArgs) -> Result<Result<Evaluated, JsonataError>, String> {
    let vars = bindings(args)?;
    let input = args.input.as_ref().map(read_input).transpose()?;
    Ok(Expression::compile(&args.expr).and_then(|expr| {
        expr.evaluate_full(input.as_ref(), &vars, &mut OsEntropy, &Limits::default())
    }))
}

pub(crate) fn run(args: JsonataArgs) -> ExitCode {
    let outcome = match evaluate(&args) {
        Ok(outcome) => outcome,
        Err(usage) => {
            eprintln!("stepwell jsonata: {usage}");
            return ExitCode::from(2);
        }
    };
    if args.json {
        let line = match &outcome {
            Ok(Evaluated::Value(v)) => json!({ "result": v }),
            Ok(Evaluated::Undefined | Evaluated::Function) => json!({ "undefined": true }),
            Err(e) => json!({ "error": { "code": e.code, "message": e.message } }),
        };
        println!("{line}");
        return ExitCode::SUCCESS;
    }
    match outcome {
        Ok(Evaluated::Value(v)) => {
            match serde_json::to_string_pretty(&v) {
                Ok(text) => println!("{text}"),
                Err(e) => {
                    eprintln!("stepwell jsonata: {e}");
                    return ExitCode::FAILURE;
                }
            }
            ExitCode::SUCCESS
        }
        Ok(Evaluated::Undefined | Evaluated::Function) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{e}");
            ExitCode::FAILURE
        }
    }
}
