//! `stepwell`: the command-line entry point.
//!
//! Each subcommand lives in its own module; this file only parses the command
//! line and dispatches.

// The doc comments on the command-line options are clap's `--help` text,
// written for a terminal (`DIR/<bucket>/<key>`, `[profile]`), not rustdoc.
#![allow(rustdoc::invalid_html_tags, rustdoc::broken_intra_doc_links)]

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// mimalloc keeps freed memory for reuse instead of handing it back to the
/// system between executions, which glibc's allocator does (measured: Map
/// fan-out ran at half speed from the page faults).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod bench_cmd;
mod common;
mod graph_cmd;
mod jsonata_cmd;
mod load_cmd;
mod run_cmd;
mod serve_cmd;
mod validate_cmd;

#[derive(Parser, Debug)]
#[command(name = "stepwell", version, about = "AWS Step Functions, locally")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run a state machine locally and print its result.
    Run(run_cmd::RunArgs),
    /// Check a definition; print every problem with its location.
    Validate(validate_cmd::ValidateArgs),
    /// Evaluate one JSONata expression, as Step Functions would.
    Jsonata(jsonata_cmd::JsonataArgs),
    /// Draw a definition's graph as SVG, Graphviz DOT or Mermaid.
    Graph(graph_cmd::GraphArgs),
    Bench(bench_cmd::BenchArgs),
    /// Load-test a running server: starts/s, StartExecution latency, durable transitions/s.
    Load(load_cmd::LoadArgs),
    /// Serve the Step Functions API (AWS JSON 1.0) with an embedded SQLite store.
    Serve(serve_cmd::ServeArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Run(args) => run_cmd::run(args),
        Command::Validate(args) => validate_cmd::run(args),
        Command::Jsonata(args) => jsonata_cmd::run(args),
        Command::Graph(args) => graph_cmd::run(args),
        Command::Bench(args) => bench_cmd::run(args),
        Command::Serve(args) => serve_cmd::run(args),
        Command::Load(args) => load_cmd::run(args),
    }
}
