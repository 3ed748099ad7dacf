//! `stepwell jsonata`: evaluate one JSONata expression.

use std::process::ExitCode;

#[derive(clap::Args, Debug)]
pub(crate) struct JsonataArgs {
    /// The expression.
    expr: String,
}

pub(crate) fn run(_args: JsonataArgs) -> ExitCode {
    ExitCode::from(2)
}
