//! A state machine definition drawn as a graph, offline.
//!
//! [`Graph::from_definition`] turns an Amazon States Language definition
//! (as a `serde_json::Value`; read YAML with `stepwell_asl::read_document`)
//! into a [`Graph`]: one node per state plus Start and End markers, with
//! Parallel branches and Map processors as nested scopes, and edges for
//! `Next`, `Default`, every Choice rule (labelled with a short reading of its
//! condition: `$.x > 10`, or a JSONata `Condition` as written) and every
//! Catch (labelled with its `ErrorEquals`). Retriers are noted on their node.
//!
//! Three renderings: [`to_dot`] (Graphviz), [`to_mermaid`] (a Mermaid
//! flowchart, for READMEs) and [`to_svg`] (a standalone picture laid out
//! here, no tool needed).
//!
//! ```
//! let def = serde_json::json!({
//!     "StartAt": "Check",
//!     "States": {
//!         "Check": {"Type": "Choice",
//!                   "Choices": [{"Variable": "$.n", "NumericGreaterThan": 10, "Next": "Big"}],
//!                   "Default": "Small"},
//!         "Big": {"Type": "Succeed"},
//!         "Small": {"Type": "Pass", "End": true}
//!     }
//! });
//! let g = stepwell_graph::Graph::from_definition(&def);
//! assert!(stepwell_graph::to_mermaid(&g).contains("n2 -->|\"$.n #gt; 10\"| n3"));
//! assert_eq!(stepwell_graph::to_svg(&g).matches("data-state=").count(), 3);
//! ```
//!
//! # Why the SVG layout is our own
//!
//! The SVG is laid out by this crate (its private `layout` module: a
//! layered, Sugiyama-style layout). We looked for a maintained pure-Rust crate first:
//! `layout-rs` renders DOT to SVG without Graphviz, but it does not support
//! nested graphs (its own documentation says so), and drawing Parallel
//! branches and Map processors as nested clusters is the point of the
//! picture; flattening them loses which states run in which branch. Nothing
//! else on crates.io lays out compound graphs without a C library.
//!
//! Our layout exploits a property of ASL that general libraries cannot:
//! transitions never leave their scope. So each scope is laid out on its
//! own, inside out, and a Parallel or Map state is simply a node as large as
//! its laid-out branches. Within a scope, ranks are doubled so each edge
//! label gets a slot of its own (labels never overlap), crossings are reduced
//! by barycenter sweeps, and nodes are placed by weighted isotonic regression
//! (exact, keeps order and spacing). Long names wrap to two lines and are then
//! shortened, with the full text in a `<title>` tooltip. The browser console
//! uses dagre (with the same scope-by-scope nesting) for its interactive
//! graph; this crate is what `stepwell graph` uses.
//!
//! The crate is pure: no IO, no clock, no randomness. Whatever the input,
//! building and rendering never panic: a transition to a state that does not
//! exist is drawn to a dashed "missing state" node.

#![forbid(unsafe_code)]

mod choice;
mod dot;
mod layout;
mod mermaid;
mod model;
mod svg;
mod text;

pub use choice::summarize as summarize_choice_rule;
pub use dot::to_dot;
pub use mermaid::to_mermaid;
pub use model::{Edge, EdgeKind, Graph, Node, NodeId, NodeKind, Scope, ScopeId};
pub use svg::to_svg;

use serde_json::Value;

impl Graph {
    /// Build the graph of a definition. Never fails: a transition to an
    /// unknown state points to a [`NodeKind::Missing`] node.
    pub fn from_definition(definition: &Value) -> Graph {
        model::build(definition)
    }

    /// The nodes that are states (not markers or missing targets).
    pub fn states(&self) -> impl Iterator<Item = &Node> {
        self.nodes.iter().filter(|n| n.kind == NodeKind::State)
    }
}
