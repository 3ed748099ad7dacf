//! `stepwell validate`: every problem in a definition, with its location.

use std::path::PathBuf;
use std::process::ExitCode;

use crate::common::{load_definition, Loaded, MachineType};

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
    let mut diags = match load_definition(&args.definition, args.machine_type) {
        Loaded::Ok(_) => Vec::new(),
        Loaded::Invalid(d) => d,
        Loaded::Unreadable(msg) => {
            eprintln!("error: {msg}");
            return ExitCode::from(2);
        }
    };
    if args.severity == SeverityArg::Warning {
        // The text was read above; here it only lends its JSON to the
        // warnings.
        let doc = std::fs::read_to_string(&args.definition)
            .ok()
            .and_then(|text| stepwell_asl::read_document(&text).ok());
        if let Some(doc) = doc {
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
