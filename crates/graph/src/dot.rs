//! Graphviz DOT rendering.
//!
//! Parallel and Map states become clusters (`subgraph cluster_…`) holding one
//! cluster per branch. An edge into or out of such a state is drawn to a node
//! inside it and clipped at the cluster's border (`compound=true` with
//! `lhead`/`ltail`), which is how Graphviz draws edges to clusters.

use std::fmt::Write;

use crate::model::{EdgeKind, Graph, NodeId, NodeKind, ScopeId};
use crate::text::{dot as esc, shorten};

/// Longest edge label shown; the full text is the edge's tooltip.
const LABEL_CHARS: usize = 48;

/// Render the graph as a DOT `digraph`.
pub fn to_dot(g: &Graph) -> String {
    let mut out = String::new();
    out.push_str("digraph stepwell {\n");
    if let Some(c) = &g.comment {
        let _ = writeln!(out, "  // {}", c.replace(['\n', '\r'], " "));
    }
    out.push_str("  graph [compound=true, rankdir=TB, nodesep=0.35, ranksep=0.45, fontname=\"Helvetica,Arial,sans-serif\", fontsize=11];\n");
    out.push_str("  node [shape=box, style=\"rounded,filled\", fillcolor=\"#ffffff\", color=\"#5b6b7f\", fontname=\"Helvetica,Arial,sans-serif\", fontsize=11];\n");
    out.push_str(
        "  edge [color=\"#7a8694\", fontname=\"Helvetica,Arial,sans-serif\", fontsize=9];\n",
    );
    if !g.scopes.is_empty() {
        scope(&mut out, g, 0, 1);
    }
    for e in &g.edges {
        let (Some(tail), Some(head)) = (exit_node(g, e.from), entry_node(g, e.to)) else {
            continue;
        };
        let mut attrs: Vec<String> = Vec::new();
        if tail != e.from {
            attrs.push(format!("ltail=cluster_{}", g.nodes[e.from].key));
        }
        if head != e.to {
            attrs.push(format!("lhead=cluster_{}", g.nodes[e.to].key));
        }
        if let Some(label) = &e.label {
            attrs.push(format!("label=\"{}\"", esc(&shorten(label, LABEL_CHARS))));
            if label.chars().count() > LABEL_CHARS {
                attrs.push(format!("tooltip=\"{}\"", esc(label)));
            }
        }
        match e.kind {
            EdgeKind::Catch => {
                attrs.push("style=dashed, color=\"#c0392b\", fontcolor=\"#a93226\"".into())
            }
            EdgeKind::Default => attrs.push("style=dotted".into()),
            _ => {}
        }
        let attrs = if attrs.is_empty() {
            String::new()
        } else {
            format!(" [{}]", attrs.join(", "))
        };
        let _ = writeln!(
            out,
            "  {} -> {}{attrs};",
            g.nodes[tail].key, g.nodes[head].key
        );
    }
    out.push_str("}\n");
    out
}

/// A compound state is drawn as a cluster when it holds at least one node.
fn is_cluster(g: &Graph, n: NodeId) -> bool {
    entry_node(g, n) != Some(n)
}

/// The node an edge into `n` is drawn to: `n` itself, or for a cluster the
/// first state of its first branch (recursively).
fn entry_node(g: &Graph, n: NodeId) -> Option<NodeId> {
    descend(g, n, false, |s| {
        g.scopes[s]
            .start
            .or_else(|| g.scopes[s].nodes.first().copied())
    })
}

/// The node an edge out of `n` is drawn from: for a cluster, the last node
/// of its last branch.
fn exit_node(g: &Graph, n: NodeId) -> Option<NodeId> {
    descend(g, n, true, |s| g.scopes[s].nodes.last().copied())
}

fn descend(
    g: &Graph,
    n: NodeId,
    last_scope: bool,
    pick: impl Fn(ScopeId) -> Option<NodeId>,
) -> Option<NodeId> {
    let mut cur = n;
    // Nesting is bounded by the definition, and each step goes one level down.
    for _ in 0..=g.nodes.len() {
        let node = g.nodes.get(cur)?;
        let mut scopes: Vec<ScopeId> = node
            .children
            .iter()
            .copied()
            .filter(|&s| !g.scopes[s].nodes.is_empty())
            .collect();
        if last_scope {
            scopes.reverse();
        }
        let inner = scopes.into_iter().find_map(&pick);
        match inner {
            Some(next) => cur = next,
            None => return Some(cur),
        }
    }
    Some(cur)
}

fn scope(out: &mut String, g: &Graph, s: ScopeId, depth: usize) {
    let pad = "  ".repeat(depth);
    for &n in &g.scopes[s].nodes {
        let node = &g.nodes[n];
        if is_cluster(g, n) {
            let _ = writeln!(out, "{pad}subgraph cluster_{} {{", node.key);
            let mut label = format!("{}\\n{}", esc(&node.name), esc(&node.state_type));
            if !node.retries.is_empty() {
                label.push_str(&format!("\\nretry {}", esc(&node.retries.join("; "))));
            }
            let _ = writeln!(
                out,
                "{pad}  label=\"{label}\"; style=\"rounded,dashed\"; color=\"#8a96a3\"; fontsize=12;"
            );
            for &c in &node.children {
                let _ = writeln!(out, "{pad}  subgraph cluster_s{c} {{");
                let _ = writeln!(
                    out,
                    "{pad}    label=\"{}\"; style=rounded; color=\"#c6ccd2\"; fontsize=10;",
                    esc(&g.scopes[c].label)
                );
                scope(out, g, c, depth + 2);
                let _ = writeln!(out, "{pad}  }}");
            }
            let _ = writeln!(out, "{pad}}}");
            continue;
        }
        let attrs = match node.kind {
            NodeKind::Start | NodeKind::End => format!(
                "label=\"{}\", shape=box, style=\"rounded,filled\", fillcolor=\"#2d3742\", fontcolor=\"#ffffff\"",
                esc(&node.name)
            ),
            NodeKind::Missing => format!(
                "label=\"{}\\n(missing state)\", style=\"rounded,dashed\", color=\"#c0392b\"",
                esc(&node.name)
            ),
            NodeKind::State => {
                let mut label = esc(&node.name);
                let ty = if node.state_type.is_empty() {
                    "?"
                } else {
                    &node.state_type
                };
                match &node.detail {
                    Some(d) => label.push_str(&format!("\\n{} · {}", esc(ty), esc(d))),
                    None => label.push_str(&format!("\\n{}", esc(ty))),
                }
                if !node.retries.is_empty() {
                    label.push_str(&format!(
                        "\\nretry {}",
                        esc(&shorten(&node.retries.join("; "), 60))
                    ));
                }
                let (fill, stroke) = colours(ty);
                format!("label=\"{label}\", fillcolor=\"{fill}\", color=\"{stroke}\"")
            }
        };
        let _ = writeln!(out, "{pad}{} [{attrs}];", node.key);
    }
}

/// Fill and border colour per state type (the SVG's palette).
pub(crate) fn colours(ty: &str) -> (&'static str, &'static str) {
    match ty {
        "Task" => ("#eaf2fc", "#3f73b5"),
        "Choice" => ("#fff5e3", "#c98a16"),
        "Wait" => ("#f3effc", "#7b5bb7"),
        "Succeed" => ("#e8f5ec", "#2e8b57"),
        "Fail" => ("#fdecec", "#c0392b"),
        "Parallel" | "Map" => ("#fafbfc", "#8a96a3"),
        _ => ("#f4f5f7", "#5b6b7f"),
    }
}
