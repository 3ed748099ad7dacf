//! `stepwell`: the command-line entry point.
//!
//! Each subcommand lives in its own module; this file only parses the command
//! line and dispatches.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod jsonata_cmd;

#[derive(Parser, Debug)]
#[command(name = "stepwell", version, about = "AWS Step Functions, locally")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Evaluate one JSONata expression, as Step Functions would.
    Jsonata(jsonata_cmd::JsonataArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Jsonata(args) => jsonata_cmd::run(args),
    }
}
