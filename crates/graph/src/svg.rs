//! SVG rendering of a laid-out graph.

use std::fmt::Write;

use crate::layout::{self, Layout, Rect, Route, BRANCH_LABEL, LABEL_LINE, LINE, SUB_LINE};
use crate::model::{Graph, NodeId, NodeKind, ScopeId};
use crate::text::xml;

const STYLE: &str = "
.sw-bg{fill:#ffffff}
.sw-node rect{fill:#ffffff;stroke:#5b6b7f;stroke-width:1.2}
.sw-name{font-size:13px;font-weight:600;fill:#1d2733}
.sw-sub{font-size:11px;fill:#5b6b7f}
.sw-retry{font-size:10px;fill:#8a5a00}
.sw-type-task>rect{fill:#eaf2fc;stroke:#3f73b5}
.sw-type-choice>rect{fill:#fff5e3;stroke:#c98a16}
.sw-type-pass>rect{fill:#f4f5f7}
.sw-type-wait>rect{fill:#f3effc;stroke:#7b5bb7}
.sw-type-succeed>rect{fill:#e8f5ec;stroke:#2e8b57}
.sw-type-fail>rect{fill:#fdecec;stroke:#c0392b}
.sw-compound>rect{fill:#fafbfc;stroke:#8a96a3;stroke-dasharray:5 3}
.sw-branch>rect{fill:#ffffff;stroke:#c6ccd2}
.sw-branch-label{font-size:10px;fill:#8a96a3}
.sw-marker>rect{fill:#2d3742;stroke:#2d3742}
.sw-marker text{font-size:12px;font-weight:600;fill:#ffffff}
.sw-missing>rect{fill:#ffffff;stroke:#c0392b;stroke-dasharray:4 3}
.sw-edge path{fill:none;stroke:#7a8694;stroke-width:1.3}
.sw-edge-catch path{stroke:#c0392b;stroke-dasharray:5 3}
.sw-edge-default path{stroke-dasharray:2 3}
.sw-label{font-size:11px;fill:#3b4652;paint-order:stroke;stroke:#ffffff;stroke-width:3px;stroke-linejoin:round}
.sw-edge-catch .sw-label{fill:#a93226}
#sw-arrow path{fill:#7a8694}
";

/// Render the graph as a standalone SVG document.
pub fn to_svg(g: &Graph) -> String {
    let lay = layout::layout(g);
    let mut out = String::new();
    let (w, h) = (lay.width.ceil(), lay.height.ceil());
    let _ = writeln!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"stepwell-graph\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" font-family=\"Helvetica, Arial, sans-serif\">"
    );
    let title = g.comment.as_deref().unwrap_or("state machine");
    let _ = writeln!(out, "<title>{}</title>", xml(title));
    let _ = writeln!(out, "<style>{STYLE}</style>");
    out.push_str("<defs><marker id=\"sw-arrow\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto\"><path d=\"M0,0 L10,5 L0,10 z\"/></marker></defs>\n");
    let _ = writeln!(
        out,
        "<rect class=\"sw-bg\" x=\"0\" y=\"0\" width=\"{w}\" height=\"{h}\"/>"
    );
    if !g.scopes.is_empty() {
        scope(&mut out, g, &lay, 0);
    }
    out.push_str("</svg>\n");
    out
}

fn num(v: f64) -> String {
    let r = (v * 10.0).round() / 10.0;
    if r == r.trunc() {
        format!("{}", r as i64)
    } else {
        format!("{r:.1}")
    }
}

fn scope(out: &mut String, g: &Graph, lay: &Layout, s: ScopeId) {
    let _ = writeln!(out, "<g class=\"sw-scope\" data-scope=\"{s}\">");
    for (i, e) in g.edges.iter().enumerate() {
        if g.nodes[e.from].scope != s {
            continue;
        }
        let Some(route) = &lay.routes[i] else {
            continue;
        };
        let kind = e.kind.as_str();
        let _ = write!(
            out,
            "<g class=\"sw-edge sw-edge-{kind}\" data-kind=\"{kind}\" data-from=\"{}\" data-to=\"{}\">",
            xml(&g.nodes[e.from].name),
            xml(&g.nodes[e.to].name)
        );
        if let Some(full) = &e.label {
            let _ = write!(out, "<title>{}</title>", xml(full));
        }
        let _ = write!(
            out,
            "<path d=\"{}\" marker-end=\"url(#sw-arrow)\"/>",
            path(route)
        );
        if let (Some((x, y)), lines) = (route.label_at, &lay.labels[i]) {
            for (k, line) in lines.iter().enumerate() {
                let _ = write!(
                    out,
                    "<text class=\"sw-label\" x=\"{}\" y=\"{}\">{}</text>",
                    num(x),
                    num(y + LABEL_LINE * (k as f64 + 1.0) - 1.0),
                    xml(line)
                );
            }
        }
        out.push_str("</g>\n");
    }
    for &n in &g.scopes[s].nodes {
        node(out, g, lay, n);
    }
    out.push_str("</g>\n");
}

fn path(r: &Route) -> String {
    let mut d = String::new();
    let pts = &r.points;
    let Some(&(x0, y0)) = pts.first() else {
        return d;
    };
    let _ = write!(d, "M{},{}", num(x0), num(y0));
    if !r.curved {
        for &(x, y) in &pts[1..] {
            let _ = write!(d, " L{},{}", num(x), num(y));
        }
        return d;
    }
    // Each segment leaves and enters vertically: the layout routes edges
    // straight down through ranks, so curves only bend between ranks (and a
    // spline through all points would overshoot where points bunch up).
    for w in pts.windows(2) {
        let ((x0, y0), (x1, y1)) = (w[0], w[1]);
        if (x1 - x0).abs() < 0.5 {
            let _ = write!(d, " L{},{}", num(x1), num(y1));
            continue;
        }
        let mid = (y1 - y0) / 2.0;
        let _ = write!(
            d,
            " C{},{} {},{} {},{}",
            num(x0),
            num(y0 + mid),
            num(x1),
            num(y1 - mid),
            num(x1),
            num(y1)
        );
    }
    d
}

fn rect(out: &mut String, r: Rect, radius: f64) {
    let _ = write!(
        out,
        "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" rx=\"{}\"/>",
        num(r.x),
        num(r.y),
        num(r.w),
        num(r.h),
        num(radius)
    );
}

fn node(out: &mut String, g: &Graph, lay: &Layout, n: NodeId) {
    let node = &g.nodes[n];
    let b = lay.nodes[n];
    let t = &lay.texts[n];
    let cx = num(b.x + b.w / 2.0);
    match node.kind {
        NodeKind::Start | NodeKind::End => {
            let which = if node.kind == NodeKind::Start {
                "start"
            } else {
                "end"
            };
            let _ = write!(
                out,
                "<g class=\"sw-node sw-marker\" id=\"sw-{}\" data-marker=\"{which}\">",
                node.key
            );
            rect(out, b, b.h / 2.0);
            let _ = writeln!(
                out,
                "<text x=\"{cx}\" y=\"{}\" text-anchor=\"middle\">{}</text></g>",
                num(b.y + b.h / 2.0 + 4.0),
                xml(&node.name)
            );
            return;
        }
        NodeKind::Missing => {
            let _ = write!(
                out,
                "<g class=\"sw-node sw-missing\" id=\"sw-{}\" data-missing=\"{}\"><title>{} (no such state)</title>",
                node.key,
                xml(&node.name),
                xml(&node.name)
            );
        }
        NodeKind::State => {
            let ty = node.state_type.to_ascii_lowercase();
            let compound = if node.is_compound() {
                " sw-compound"
            } else {
                ""
            };
            let _ = write!(
                out,
                "<g class=\"sw-node sw-state sw-type-{}{compound}\" id=\"sw-{}\" data-state=\"{}\" data-type=\"{}\">",
                xml(&ty),
                node.key,
                xml(&node.name),
                xml(&node.state_type)
            );
            let mut tip = format!("{} ({})", node.name, node.state_type);
            if let Some(d) = &node.detail {
                tip.push_str(&format!("\n{d}"));
            }
            for r in &node.retries {
                tip.push_str(&format!("\nretry {r}"));
            }
            let _ = write!(out, "<title>{}</title>", xml(&tip));
        }
    }
    if node.is_compound() {
        rect(out, b, 8.0);
        let name = t.name.first().map(String::as_str).unwrap_or("");
        let _ = write!(
            out,
            "<text x=\"{}\" y=\"{}\"><tspan class=\"sw-name\">{}</tspan><tspan class=\"sw-sub\"> · {}</tspan></text>",
            num(b.x + 10.0),
            num(b.y + 18.0),
            xml(name),
            xml(t.sub.as_deref().unwrap_or(""))
        );
        if let Some(r) = &t.retry {
            let _ = write!(
                out,
                "<text class=\"sw-retry\" x=\"{}\" y=\"{}\">{}</text>",
                num(b.x + 10.0),
                num(b.y + 18.0 + SUB_LINE),
                xml(r)
            );
        }
        out.push('\n');
        for &c in &node.children {
            let f = lay.scopes[c];
            let _ = write!(
                out,
                "<g class=\"sw-branch\" data-branch=\"{}\">",
                xml(&g.scopes[c].label)
            );
            rect(out, f, 6.0);
            let _ = writeln!(
                out,
                "<text class=\"sw-branch-label\" x=\"{}\" y=\"{}\">{}</text>",
                num(f.x + 8.0),
                num(f.y + BRANCH_LABEL - 3.0),
                xml(&g.scopes[c].label)
            );
            scope(out, g, lay, c);
            out.push_str("</g>\n");
        }
        out.push_str("</g>\n");
        return;
    }
    rect(out, b, 6.0);
    let mut y = b.y + 8.0;
    for line in &t.name {
        y += LINE;
        let _ = write!(
            out,
            "<text class=\"sw-name\" x=\"{cx}\" y=\"{}\" text-anchor=\"middle\">{}</text>",
            num(y - 3.0),
            xml(line)
        );
    }
    if let Some(sub) = &t.sub {
        y += SUB_LINE;
        let _ = write!(
            out,
            "<text class=\"sw-sub\" x=\"{cx}\" y=\"{}\" text-anchor=\"middle\">{}</text>",
            num(y - 3.0),
            xml(sub)
        );
    }
    if let Some(r) = &t.retry {
        y += SUB_LINE;
        let _ = write!(
            out,
            "<text class=\"sw-retry\" x=\"{cx}\" y=\"{}\" text-anchor=\"middle\">{}</text>",
            num(y - 3.0),
            xml(r)
        );
    }
    out.push_str("</g>\n");
}
