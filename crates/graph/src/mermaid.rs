//! Mermaid `flowchart` rendering.
//!
//! Parallel and Map states become `subgraph`s holding one subgraph per
//! branch; Mermaid draws edges to a subgraph's border itself.

use std::fmt::Write;

use crate::dot::colours;
use crate::model::{EdgeKind, Graph, NodeKind, ScopeId};
use crate::text::{mermaid as esc, shorten};

/// Longest edge label shown.
const LABEL_CHARS: usize = 48;

/// Render the graph as a Mermaid flowchart (top to bottom).
pub fn to_mermaid(g: &Graph) -> String {
    let mut out = String::from("flowchart TD\n");
    if let Some(c) = &g.comment {
        let _ = writeln!(out, "  %% {}", c.replace(['\n', '\r'], " "));
    }
    if !g.scopes.is_empty() {
        scope(&mut out, g, 0, 1);
    }
    for e in &g.edges {
        let arrow = match e.kind {
            EdgeKind::Catch => "-.->",
            _ => "-->",
        };
        let (from, to) = (&g.nodes[e.from].key, &g.nodes[e.to].key);
        match &e.label {
            Some(l) => {
                let _ = writeln!(
                    out,
                    "  {from} {arrow}|\"{}\"| {to}",
                    esc(&shorten(l, LABEL_CHARS))
                );
            }
            None => {
                let _ = writeln!(out, "  {from} {arrow} {to}");
            }
        }
    }
    // One class per state type present, in a fixed order.
    let mut types: Vec<&str> = g
        .nodes
        .iter()
        .filter(|n| n.kind == NodeKind::State && !n.is_compound())
        .map(|n| n.state_type.as_str())
        .filter(|t| !t.is_empty() && t.chars().all(|c| c.is_ascii_alphanumeric()))
        .collect();
    types.sort_unstable();
    types.dedup();
    for ty in types {
        let (fill, stroke) = colours(ty);
        let class = ty.to_ascii_lowercase();
        let _ = writeln!(out, "  classDef {class} fill:{fill},stroke:{stroke}");
        let members: Vec<&str> = g
            .nodes
            .iter()
            .filter(|n| n.kind == NodeKind::State && !n.is_compound() && n.state_type == ty)
            .map(|n| n.key.as_str())
            .collect();
        let _ = writeln!(out, "  class {} {class}", members.join(","));
    }
    out.push_str("  classDef marker fill:#2d3742,stroke:#2d3742,color:#ffffff\n");
    out.push_str("  classDef missing fill:#ffffff,stroke:#c0392b,stroke-dasharray:4 3\n");
    out
}

fn scope(out: &mut String, g: &Graph, s: ScopeId, depth: usize) {
    let pad = "  ".repeat(depth);
    for &n in &g.scopes[s].nodes {
        let node = &g.nodes[n];
        let holds_nodes = node.children.iter().any(|&c| !g.scopes[c].nodes.is_empty());
        if holds_nodes {
            let mut title = format!("{} · {}", esc(&node.name), esc(&node.state_type));
            if !node.retries.is_empty() {
                title.push_str(&format!("<br/>retry {}", esc(&node.retries.join("; "))));
            }
            let _ = writeln!(out, "{pad}subgraph {}[\"{title}\"]", node.key);
            let _ = writeln!(out, "{pad}  direction TB");
            for &c in &node.children {
                let _ = writeln!(
                    out,
                    "{pad}  subgraph {}_s{c}[\"{}\"]",
                    node.key,
                    esc(&g.scopes[c].label)
                );
                let _ = writeln!(out, "{pad}    direction TB");
                scope(out, g, c, depth + 2);
                let _ = writeln!(out, "{pad}  end");
            }
            let _ = writeln!(out, "{pad}end");
            continue;
        }
        match node.kind {
            NodeKind::Start | NodeKind::End => {
                let _ = writeln!(out, "{pad}{}([\"{}\"]):::marker", node.key, esc(&node.name));
            }
            NodeKind::Missing => {
                let _ = writeln!(
                    out,
                    "{pad}{}[\"{}<br/>(missing state)\"]:::missing",
                    node.key,
                    esc(&node.name)
                );
            }
            NodeKind::State => {
                let ty = if node.state_type.is_empty() {
                    "?"
                } else {
                    &node.state_type
                };
                let mut label = format!("{}<br/>{}", esc(&node.name), esc(ty));
                if let Some(d) = &node.detail {
                    label.push_str(&format!(" · {}", esc(d)));
                }
                if !node.retries.is_empty() {
                    label.push_str(&format!(
                        "<br/>retry {}",
                        esc(&shorten(&node.retries.join("; "), 60))
                    ));
                }
                let (open, close) = if ty == "Choice" {
                    ("{{", "}}")
                } else {
                    ("[", "]")
                };
                let _ = writeln!(out, "{pad}{}{open}\"{label}\"{close}", node.key);
            }
        }
    }
}
