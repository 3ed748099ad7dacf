//! `stepwell validate`: every problem in a definition, with its location.

use std::path::PathBuf;
use std::process::ExitCode;

use serde_json::json;

use crate::common::{load_definition, Loaded, MachineType};

#[derive(clap::Args, Debug)]
pub(crate) struct ValidateArgs {
    /// The state machine definition (.asl.json, .json, .yaml or .yml).
    definition: PathBuf,
    /// The state machine type: STANDARD or EXPRESS.
    #[arg(long = "type", value_enum, default_value = "STANDARD")]
    machine_type: MachineType,
    /// Print the result as ValidateStateMachineDefinition's JSON response.
    #[arg(long)]
    json: bool,
}

pub(crate) fn run(args: ValidateArgs) -> ExitCode {
    let diags = match load_definition(&args.definition, args.machine_type) {
        Loaded::Ok(_) => Vec::new(),
        Loaded::Invalid(d) => d,
        Loaded::Unreadable(msg) => {
            eprintln!("error: {msg}");
            return ExitCode::from(2);
        }
    };
    if args.json {
        let list: Vec<_> = diags
            .iter()
            .map(|d| {
                let mut o =
                    json!({"severity": "ERROR", "code": d.code.as_str(), "message": d.message});
                if let Some(l) = &d.location {
                    o["location"] = json!(l);
                }
                o
            })
            .collect();
        let result = if diags.is_empty() { "OK" } else { "FAIL" };
        println!(
            "{}",
            json!({"result": result, "diagnostics": list, "truncated": false})
        );
    } else if diags.is_empty() {
        println!("OK");
    } else {
        for d in &diags {
            println!("{d}");
        }
    }
    if diags.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}
