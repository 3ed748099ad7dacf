//! `stepwell validate`: every problem in a definition, with its location.

use std::path::PathBuf;
use std::process::ExitCode;

use crate::common::{compile_definition, read_definition, MachineType};

#[derive(clap::Args, Debug)]
pub(crate) struct ValidateArgs {
    /// The state machine definition (.asl.json, .json, .yaml or .yml).
    definition: PathBuf,
    /// The state machine type: STANDARD or EXPRESS.
    #[arg(long = "type", value_enum, default_value = "STANDARD")]
    machine_type: MachineType,
    /// Print the result as ValidateStateMachineDefinition's JSON response
    /// (at most 100 diagnostics, as the API gives).
    #[arg(long)]
    json: bool,
    /// ERROR: only what makes AWS refuse the definition; WARNING: also
    /// what is valid but probably a mistake (a path without `.$`, a path
    /// in a comparison or a Pass state's Result).
    #[arg(long, value_enum, default_value = "ERROR")]
    severity: SeverityArg,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum SeverityArg {
    #[value(name = "ERROR")]
    Error,
    #[value(name = "WARNING")]
    Warning,
}

pub(crate) fn run(args: ValidateArgs) -> ExitCode {
    let text = match read_definition(&args.definition) {
        Ok(text) => text,
        Err(msg) => {
            eprintln!("error: {msg}");
            return ExitCode::from(2);
        }
    };
    let mut diags = compile_definition(&text, args.machine_type)
        .err()
        .unwrap_or_default();
    if args.severity == SeverityArg::Warning {
        // Warnings need the definition's JSON; a text that is not JSON or
        // YAML already has its error above.
        if let Ok(doc) = stepwell_asl::read_document(&text) {
            diags.extend(stepwell_asl::warnings(&doc));
        }
    }
    let failed = diags
        .iter()
        .any(|d| d.code.severity() == stepwell_asl::Severity::Error);
    if args.json {
        println!("{}", stepwell_asl::validation_response(&diags, 100));
    } else if diags.is_empty() {
        println!("OK");
    } else {
        for d in &diags {
            match d.code.severity() {
                stepwell_asl::Severity::Error => println!("{d}"),
                stepwell_asl::Severity::Warning => println!("warning: {d}"),
            }
        }
    }
    if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}
