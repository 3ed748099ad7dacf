//! Helpers shared by subcommands.

use std::path::Path;

use serde_json::Value;
use stepwell_asl::{Diagnostic, StateMachine};

pub(crate) enum Loaded {
    Ok(StateMachine),
    Invalid(Vec<Diagnostic>),
    Unreadable(String),
}

/// The state machine type, as the API spells it.
#[derive(clap::ValueEnum, Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) enum MachineType {
    #[default]
    #[value(name = "STANDARD")]
    Standard,
    #[value(name = "EXPRESS")]
    Express,
}

/// Read and compile a definition file (JSON or YAML).
pub(crate) fn load_definition(path: &Path, ty: MachineType) -> Loaded {
    let options = stepwell_asl::Options {
        express: ty == MachineType::Express,
    };
    match std::fs::read_to_string(path) {
        Err(e) => Loaded::Unreadable(format!("cannot read {}: {e}", path.display())),
        Ok(text) => match stepwell_asl::parse_definition_with(&text, options) {
            Ok(sm) => Loaded::Ok(sm),
            Err(d) => Loaded::Invalid(d),
        },
    }
}

/// `--input` value: JSON text, or `@FILE`.
pub(crate) fn read_input(arg: &str) -> Result<Value, String> {
    let text = match arg.strip_prefix('@') {
        Some(file) => {
            std::fs::read_to_string(file).map_err(|e| format!("cannot read {file}: {e}"))?
        }
        None => arg.to_owned(),
    };
    serde_json::from_str(&text).map_err(|e| format!("the input is not valid JSON: {e}"))
}
