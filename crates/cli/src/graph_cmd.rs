//! `stepwell graph`: draw a definition as SVG, Graphviz DOT or Mermaid.

use std::path::PathBuf;
use std::process::ExitCode;

use stepwell_graph::Graph;

/// The output format.
#[derive(clap::ValueEnum, Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) enum Format {
    /// A standalone SVG picture, laid out by stepwell.
    #[default]
    Svg,
    /// Graphviz DOT (render with `dot -Tsvg`).
    Dot,
    /// A Mermaid flowchart (renders in GitHub and GitLab Markdown).
    Mermaid,
}

#[derive(clap::Args, Debug)]
pub(crate) struct GraphArgs {
    /// The state machine definition (.asl.json, .json, .yaml or .yml).
    definition: PathBuf,
    /// The output format.
    #[arg(long, value_enum, default_value = "svg")]
    format: Format,
    /// Write to this file instead of standard output.
    #[arg(short = 'o', long = "output")]
    output: Option<PathBuf>,
}

pub(crate) fn run(args: GraphArgs) -> ExitCode {
    let text = match std::fs::read_to_string(&args.definition) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("error: cannot read {}: {e}", args.definition.display());
            return ExitCode::from(2);
        }
    };
    let doc = match stepwell_asl::read_document(&text) {
        Ok(doc) => doc,
        Err(diags) => {
            for d in &diags {
                eprintln!("error: {d}");
            }
            return ExitCode::from(1);
        }
    };
    // An invalid definition is still drawn (it helps find the problem), with
    // a warning pointing at `validate`.
    if let Err(diags) = stepwell_asl::from_value(&doc) {
        eprintln!(
            "warning: the definition has {} problem(s); `stepwell validate {}` lists them",
            diags.len(),
            args.definition.display()
        );
    }
    let graph = Graph::from_definition(&doc);
    let rendered = match args.format {
        Format::Svg => stepwell_graph::to_svg(&graph),
        Format::Dot => stepwell_graph::to_dot(&graph),
        Format::Mermaid => stepwell_graph::to_mermaid(&graph),
    };
    match &args.output {
        Some(path) => {
            if let Err(e) = std::fs::write(path, rendered) {
                eprintln!("error: cannot write {}: {e}", path.display());
                return ExitCode::from(2);
            }
        }
        None => print!("{rendered}"),
    }
    ExitCode::SUCCESS
}
