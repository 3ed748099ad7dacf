//! A layered ("Sugiyama") layout, one scope at a time.
//!
//! Because ASL transitions never leave their scope, each scope (the top
//! level, a Parallel branch, a Map processor) is laid out on its own, inside
//! out: a Parallel or Map state is a node as big as its laid-out branches side
//! by side. Within a scope the classic steps run:
//!
//! 1. break cycles by reversing the edges a depth-first search finds going
//!    back up (loops are drawn going up);
//! 2. rank nodes by longest path, with every rank doubled so each edge has a
//!    middle rank where its label sits in a slot of its own (labels never
//!    overlap nodes or each other);
//! 3. split long edges into chains of dummy nodes;
//! 4. order each rank by barycenters, sweeping down and up, keeping the order
//!    with the fewest crossings;
//! 5. place nodes horizontally: each rank is fitted to its neighbours'
//!    positions by weighted isotonic regression (pool adjacent violators),
//!    which keeps the order and spacing exactly and pulls long edges straight;
//! 6. route each edge through its dummies.

use crate::model::{Graph, NodeId, NodeKind, ScopeId};
use crate::text;

pub(crate) const NAME_SIZE: f64 = 13.0;
pub(crate) const SUB_SIZE: f64 = 11.0;
pub(crate) const RETRY_SIZE: f64 = 10.0;
pub(crate) const LABEL_SIZE: f64 = 11.0;
pub(crate) const LINE: f64 = 16.0;
pub(crate) const SUB_LINE: f64 = 14.0;
pub(crate) const LABEL_LINE: f64 = 13.0;

/// Widest text in a state box; longer names wrap to two lines, then end in `…`.
const MAX_TEXT: f64 = 220.0;
const MIN_BOX: f64 = 110.0;
const PAD_X: f64 = 12.0;
const PAD_Y: f64 = 8.0;
const MAX_LABEL: f64 = 180.0;
/// A compound state: header height, branch padding and branch label height.
pub(crate) const HEADER: f64 = 26.0;
pub(crate) const BRANCH_PAD: f64 = 10.0;
pub(crate) const BRANCH_LABEL: f64 = 16.0;
const BRANCH_GAP: f64 = 14.0;
const NODE_GAP: f64 = 28.0;
const DUMMY_GAP: f64 = 12.0;
/// How far right of a label dummy's left side its edge passes.
const LABEL_ANCHOR: f64 = 3.0;
const RANK_GAP: f64 = 16.0;
pub(crate) const MARGIN: f64 = 16.0;

/// A rectangle by its top-left corner.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(crate) struct Rect {
    pub x: f64,
    pub y: f64,
    pub w: f64,
    pub h: f64,
}

impl Rect {
    fn shifted(self, dx: f64, dy: f64) -> Rect {
        Rect {
            x: self.x + dx,
            y: self.y + dy,
            ..self
        }
    }
}

/// The text drawn in a node's box, already wrapped and shortened.
#[derive(Debug, Clone, Default)]
pub(crate) struct NodeText {
    pub name: Vec<String>,
    pub sub: Option<String>,
    pub retry: Option<String>,
}

/// An edge's drawn path.
#[derive(Debug, Clone, Default)]
pub(crate) struct Route {
    pub points: Vec<(f64, f64)>,
    /// Smooth vertical curves through the points, or straight segments.
    pub curved: bool,
    /// Top-left corner of the label block.
    pub label_at: Option<(f64, f64)>,
}

/// Where everything goes, in absolute coordinates.
#[derive(Debug, Clone, Default)]
pub(crate) struct Layout {
    pub nodes: Vec<Rect>,
    pub texts: Vec<NodeText>,
    /// The frame of each scope (branch); the top scope's is the whole drawing.
    pub scopes: Vec<Rect>,
    pub routes: Vec<Option<Route>>,
    pub labels: Vec<Vec<String>>,
    pub width: f64,
    pub height: f64,
}

/// Lay out a whole graph.
pub(crate) fn layout(g: &Graph) -> Layout {
    let mut st = State {
        g,
        size: vec![(0.0, 0.0); g.nodes.len()],
        texts: vec![NodeText::default(); g.nodes.len()],
        labels: g
            .edges
            .iter()
            .map(|e| edge_label(e.label.as_deref()))
            .collect(),
        scope_geo: (0..g.scopes.len()).map(|_| None).collect(),
        frame_in_owner: vec![Rect::default(); g.scopes.len()],
    };
    if !g.scopes.is_empty() {
        st.measure_scope(0);
    }
    let mut out = Layout {
        nodes: vec![Rect::default(); g.nodes.len()],
        texts: Vec::new(),
        scopes: vec![Rect::default(); g.scopes.len()],
        routes: vec![None; g.edges.len()],
        labels: Vec::new(),
        width: 2.0 * MARGIN,
        height: 2.0 * MARGIN,
    };
    if let Some(Some(top)) = st.scope_geo.first() {
        out.width = top.w + 2.0 * MARGIN;
        out.height = top.h + 2.0 * MARGIN;
        out.scopes[0] = Rect {
            x: 0.0,
            y: 0.0,
            w: out.width,
            h: out.height,
        };
        st.place(0, MARGIN, MARGIN, &mut out);
    }
    out.texts = st.texts;
    out.labels = st.labels;
    out
}

/// A scope laid out around its own origin.
struct ScopeGeo {
    w: f64,
    h: f64,
    /// Node boxes relative to the scope's origin.
    boxes: Vec<(NodeId, Rect)>,
    /// Routes by edge index, relative to the scope's origin.
    routes: Vec<(usize, Route)>,
}

struct State<'a> {
    g: &'a Graph,
    size: Vec<(f64, f64)>,
    texts: Vec<NodeText>,
    labels: Vec<Vec<String>>,
    scope_geo: Vec<Option<ScopeGeo>>,
    /// Each scope's frame relative to its owner's top-left corner.
    frame_in_owner: Vec<Rect>,
}

fn edge_label(label: Option<&str>) -> Vec<String> {
    match label {
        Some(l) if !l.is_empty() => text::wrap(l, LABEL_SIZE, MAX_LABEL, 2),
        _ => Vec::new(),
    }
}

fn label_size(lines: &[String]) -> Option<(f64, f64)> {
    if lines.is_empty() {
        return None;
    }
    let w = lines
        .iter()
        .map(|l| text::width(l, LABEL_SIZE))
        .fold(0.0, f64::max);
    Some((w + 14.0, lines.len() as f64 * LABEL_LINE + 4.0))
}

impl State<'_> {
    fn measure_scope(&mut self, scope: ScopeId) {
        let g = self.g;
        let members: Vec<NodeId> = g.scopes[scope].nodes.clone();
        for &n in &members {
            self.measure_node(n);
        }
        let index_of = |n: NodeId| members.iter().position(|&m| m == n);
        let mut edges = Vec::new();
        for (i, e) in g.edges.iter().enumerate() {
            if let (Some(a), Some(b)) = (index_of(e.from), index_of(e.to)) {
                edges.push(LEdge {
                    from: a,
                    to: b,
                    label: label_size(&self.labels[i]),
                    id: i,
                });
            }
        }
        let roots: Vec<usize> = g.scopes[scope]
            .start
            .and_then(index_of)
            .into_iter()
            .chain(
                members
                    .iter()
                    .position(|&n| g.nodes[n].kind == NodeKind::Start),
            )
            .collect();
        let sizes: Vec<(f64, f64)> = members.iter().map(|&n| self.size[n]).collect();
        let geo = sugiyama(&sizes, &edges, &roots);
        self.scope_geo[scope] = Some(ScopeGeo {
            w: geo.w,
            h: geo.h,
            boxes: members.iter().copied().zip(geo.boxes).collect(),
            routes: geo.routes,
        });
    }

    fn measure_node(&mut self, n: NodeId) {
        let g = self.g;
        let node = &g.nodes[n];
        match node.kind {
            NodeKind::Start | NodeKind::End => {
                self.texts[n] = NodeText {
                    name: vec![node.name.clone()],
                    ..NodeText::default()
                };
                self.size[n] = (64.0, 28.0);
                return;
            }
            NodeKind::Missing => {
                let name = text::wrap(&node.name, NAME_SIZE, MAX_TEXT, 2);
                let w = widest(&name, NAME_SIZE).max(text::width("missing state", SUB_SIZE));
                self.size[n] = (
                    (w + 2.0 * PAD_X).max(MIN_BOX),
                    2.0 * PAD_Y + name.len() as f64 * LINE + SUB_LINE,
                );
                self.texts[n] = NodeText {
                    name,
                    sub: Some("missing state".into()),
                    retry: None,
                };
                return;
            }
            NodeKind::State => {}
        }
        let retry = (!node.retries.is_empty()).then(|| format!("↻ {}", node.retries.join("; ")));
        if node.is_compound() {
            for &c in &node.children {
                self.measure_scope(c);
            }
            // Branches side by side under a one-line header.
            let mut x = BRANCH_PAD;
            let mut h: f64 = 0.0;
            for &c in &node.children {
                let (cw, ch) = self.scope_geo[c]
                    .as_ref()
                    .map(|s| (s.w, s.h))
                    .unwrap_or((0.0, 0.0));
                let label_w = text::width(&g.scopes[c].label, RETRY_SIZE);
                let fw = (cw + 2.0 * BRANCH_PAD).max(label_w + 2.0 * BRANCH_PAD);
                let fh = ch + BRANCH_LABEL + 2.0 * BRANCH_PAD;
                self.frame_in_owner[c] = Rect {
                    x,
                    y: 0.0,
                    w: fw,
                    h: fh,
                };
                x += fw + BRANCH_GAP;
                h = h.max(fh);
            }
            let inner_w = x - BRANCH_GAP + BRANCH_PAD;
            let header = format!("{} · {}", node.name, node.state_type);
            let header_w = text::width(&header, NAME_SIZE).min(2.0 * MAX_TEXT) + 2.0 * PAD_X;
            let w = inner_w.max(header_w).max(MIN_BOX);
            let retry_h = if retry.is_some() { SUB_LINE } else { 0.0 };
            let top = HEADER + retry_h;
            // Center the branches when the header is wider.
            let dx = (w - inner_w) / 2.0;
            for &c in &node.children {
                let f = &mut self.frame_in_owner[c];
                f.x += dx;
                f.y = top;
                f.h = h;
            }
            self.size[n] = (w, top + h + BRANCH_PAD);
            let max_chars = ((w - 2.0 * PAD_X) / (NAME_SIZE * 0.56)).max(8.0) as usize;
            self.texts[n] = NodeText {
                name: vec![text::shorten(&node.name, max_chars)],
                sub: Some(node.state_type.clone()),
                retry: retry.map(|r| text::shorten(&r, max_chars + 10)),
            };
            return;
        }
        let name = text::wrap(&node.name, NAME_SIZE, MAX_TEXT, 2);
        let ty = if node.state_type.is_empty() {
            "?"
        } else {
            &node.state_type
        };
        let sub = match &node.detail {
            Some(d) => format!("{ty} · {d}"),
            None => ty.to_owned(),
        };
        let sub = text::wrap(&sub, SUB_SIZE, MAX_TEXT, 1)
            .into_iter()
            .next()
            .unwrap_or_default();
        let retry = retry.map(|r| {
            text::wrap(&r, RETRY_SIZE, MAX_TEXT, 1)
                .into_iter()
                .next()
                .unwrap_or_default()
        });
        let w = widest(&name, NAME_SIZE)
            .max(text::width(&sub, SUB_SIZE))
            .max(retry.as_deref().map_or(0.0, |r| text::width(r, RETRY_SIZE)));
        let h = 2.0 * PAD_Y
            + name.len().max(1) as f64 * LINE
            + SUB_LINE
            + if retry.is_some() { SUB_LINE } else { 0.0 };
        self.size[n] = ((w + 2.0 * PAD_X).max(MIN_BOX), h);
        self.texts[n] = NodeText {
            name,
            sub: Some(sub),
            retry,
        };
    }

    /// Write scope `scope`'s geometry at origin (`ox`, `oy`), then its
    /// children's inside each compound node.
    fn place(&self, scope: ScopeId, ox: f64, oy: f64, out: &mut Layout) {
        let Some(geo) = &self.scope_geo[scope] else {
            return;
        };
        for &(n, r) in &geo.boxes {
            let abs = r.shifted(ox, oy);
            out.nodes[n] = abs;
            for &c in &self.g.nodes[n].children {
                let frame = self.frame_in_owner[c].shifted(abs.x, abs.y);
                out.scopes[c] = frame;
                let inner_w = self.scope_geo[c].as_ref().map_or(0.0, |s| s.w);
                let cx = frame.x + (frame.w - inner_w) / 2.0;
                self.place(c, cx, frame.y + BRANCH_LABEL + BRANCH_PAD, out);
            }
        }
        for (id, route) in &geo.routes {
            let mut r = route.clone();
            for p in &mut r.points {
                p.0 += ox;
                p.1 += oy;
            }
            if let Some(l) = &mut r.label_at {
                l.0 += ox;
                l.1 += oy;
            }
            out.routes[*id] = Some(r);
        }
    }
}

fn widest(lines: &[String], size: f64) -> f64 {
    lines
        .iter()
        .map(|l| text::width(l, size))
        .fold(0.0, f64::max)
}

// ---------------------------------------------------------------------------
// The layered layout of one scope.

/// An edge between two local nodes.
#[derive(Debug, Clone)]
pub(crate) struct LEdge {
    pub from: usize,
    pub to: usize,
    /// Label block size.
    pub label: Option<(f64, f64)>,
    /// Index of the edge in the graph.
    pub id: usize,
}

pub(crate) struct Geo {
    pub w: f64,
    pub h: f64,
    pub boxes: Vec<Rect>,
    pub routes: Vec<(usize, Route)>,
}

/// One node of the augmented graph: a real node or a dummy on a long edge.
#[derive(Debug, Clone, Copy)]
struct Item {
    w: f64,
    h: f64,
    rank: usize,
    dummy: bool,
    /// Where the edge passes, relative to the center: a label dummy's edge
    /// runs along its left side with the text to its right.
    anchor: f64,
}

/// Lay out nodes of the given sizes; `roots` are searched first.
pub(crate) fn sugiyama(sizes: &[(f64, f64)], edges: &[LEdge], roots: &[usize]) -> Geo {
    let n = sizes.len();
    if n == 0 {
        return Geo {
            w: 0.0,
            h: 0.0,
            boxes: Vec::new(),
            routes: Vec::new(),
        };
    }
    // Self-loops are drawn beside their node, which gets wider on the right.
    let mut extra_right = vec![0.0; n];
    let mut loops = Vec::new();
    let mut real: Vec<&LEdge> = Vec::new();
    for e in edges {
        if e.from >= n || e.to >= n {
            continue;
        }
        if e.from == e.to {
            let lw = e.label.map_or(0.0, |l| l.0);
            extra_right[e.from] = f64::max(extra_right[e.from], 22.0 + lw);
            loops.push(e);
        } else {
            real.push(e);
        }
    }

    // 1. Cycle breaking: edges into a node still on the DFS stack go back up.
    let reversed = back_edges(n, &real, roots);

    // 2. Longest-path ranking over the acyclic orientation, ranks doubled.
    let oriented: Vec<(usize, usize)> = real
        .iter()
        .zip(&reversed)
        .map(|(e, &rev)| if rev { (e.to, e.from) } else { (e.from, e.to) })
        .collect();
    let rank = longest_path(n, &oriented);

    // 3. Dummy chains.
    let mut items: Vec<Item> = (0..n)
        .map(|i| Item {
            w: sizes[i].0 + extra_right[i],
            h: sizes[i].1,
            rank: rank[i] * 2,
            dummy: false,
            anchor: 0.0,
        })
        .collect();
    // Per edge: the chain of item ids from the layout source to the layout
    // target, and which item carries the label.
    let mut chains: Vec<(Vec<usize>, Option<usize>)> = Vec::with_capacity(real.len());
    let mut succ: Vec<Vec<(usize, f64)>> = vec![Vec::new(); n];
    for (e, &(a, b)) in real.iter().zip(&oriented) {
        let (ra, rb) = (items[a].rank, items[b].rank);
        let mut chain = vec![a];
        let mut label_item = None;
        // The label sits just below the layout source, in an edge rank.
        for r in ra + 1..rb {
            let (w, h) = match (r == ra + 1, e.label) {
                (true, Some(l)) => l,
                _ => (2.0, 0.0),
            };
            let labelled = w > 2.0;
            items.push(Item {
                w,
                h,
                rank: r,
                dummy: true,
                anchor: if labelled {
                    LABEL_ANCHOR - w / 2.0
                } else {
                    0.0
                },
            });
            succ.push(Vec::new());
            let d = items.len() - 1;
            if labelled {
                label_item = Some(d);
            }
            chain.push(d);
        }
        chain.push(b);
        for pair in chain.windows(2) {
            let weight = match (items[pair[0]].dummy, items[pair[1]].dummy) {
                (true, true) => 8.0,
                (false, false) => 1.0,
                _ => 2.0,
            };
            succ[pair[0]].push((pair[1], weight));
        }
        chains.push((chain, label_item));
    }
    let m = items.len();
    let mut pred: Vec<Vec<(usize, f64)>> = vec![Vec::new(); m];
    for (a, list) in succ.iter().enumerate() {
        for &(b, w) in list {
            pred[b].push((a, w));
        }
    }

    // 4. Ordering.
    let ranks = items.iter().map(|it| it.rank).max().unwrap_or(0) + 1;
    let mut layers: Vec<Vec<usize>> = vec![Vec::new(); ranks];
    for v in dfs_order(m, &succ, roots) {
        layers[items[v].rank].push(v);
    }
    order_layers(&mut layers, &succ, &pred, m);

    // 5. Coordinates.
    let xs = place_x(&layers, &items, &succ, &pred);
    let mut rank_top = vec![0.0; ranks];
    let mut rank_h = vec![0.0; ranks];
    let mut y = 0.0;
    for r in 0..ranks {
        let h = layers[r].iter().map(|&v| items[v].h).fold(0.0, f64::max);
        rank_top[r] = y;
        rank_h[r] = h;
        y += h + RANK_GAP;
    }
    let height = (y - RANK_GAP).max(0.0);
    let min_x = (0..m)
        .map(|v| xs[v] - items[v].w / 2.0)
        .fold(f64::INFINITY, f64::min);
    let max_x = (0..m)
        .map(|v| xs[v] + items[v].w / 2.0)
        .fold(f64::NEG_INFINITY, f64::max);
    let width = (max_x - min_x).max(0.0);
    let cx = |v: usize| xs[v] - min_x;
    let cy = |v: usize| rank_top[items[v].rank] + rank_h[items[v].rank] / 2.0;

    let boxes: Vec<Rect> = (0..n)
        .map(|i| {
            let (w, h) = sizes[i];
            let center = cx(i) - extra_right[i] / 2.0;
            Rect {
                x: center - w / 2.0,
                y: cy(i) - h / 2.0,
                w,
                h,
            }
        })
        .collect();

    // 6. Routes. First the inner points, then the end points, spread along
    // the sides they leave and enter.
    let mut routes: Vec<(usize, Route)> = Vec::with_capacity(edges.len());
    // (node, bottom side?, route index, neighbour x, is first point)
    let mut ports: Vec<(usize, bool, usize, f64, bool)> = Vec::new();
    for ((e, &rev), (chain, label_item)) in real.iter().zip(&reversed).zip(&chains) {
        let mut pts: Vec<(f64, f64)> = Vec::with_capacity(chain.len());
        let mut label_at = None;
        for &v in chain {
            if v < n {
                pts.push((0.0, 0.0)); // filled in below
            } else {
                // Through a dummy's whole rank vertically, so a curve only
                // bends in the gaps between ranks, never across a tall node
                // (a Parallel state) beside it.
                let r = items[v].rank;
                let x = cx(v) + items[v].anchor;
                if Some(v) == *label_item {
                    let left = cx(v) - items[v].w / 2.0;
                    label_at = Some((left + LABEL_ANCHOR + 6.0, cy(v) - items[v].h / 2.0));
                }
                if rank_h[r] > 1.0 {
                    pts.push((x, rank_top[r]));
                    pts.push((x, rank_top[r] + rank_h[r]));
                } else {
                    pts.push((x, cy(v)));
                }
            }
        }
        let (a, b) = (chain[0], chain[chain.len() - 1]);
        let ri = routes.len();
        // The layout source leaves from its bottom, the target enters at its
        // top. Ranks are doubled, so every chain has a dummy in the middle.
        let after_a = if pts.len() > 2 { pts[1].0 } else { cx(b) };
        let before_b = if pts.len() > 2 {
            pts[pts.len() - 2].0
        } else {
            cx(a)
        };
        ports.push((a, true, ri, after_a, !rev));
        ports.push((b, false, ri, before_b, rev));
        if rev {
            pts.reverse();
        }
        routes.push((
            e.id,
            Route {
                points: pts,
                curved: true,
                label_at,
            },
        ));
    }
    ports.sort_by(|p, q| (p.0, p.1).cmp(&(q.0, q.1)).then(p.3.total_cmp(&q.3)));
    let mut i = 0;
    while i < ports.len() {
        let mut j = i;
        while j < ports.len() && ports[j].0 == ports[i].0 && ports[j].1 == ports[i].1 {
            j += 1;
        }
        let count = j - i;
        let (node, bottom) = (ports[i].0, ports[i].1);
        let b = boxes[node];
        let spread = (b.w * 0.6).min(count as f64 * 14.0);
        for (k, &(_, _, ri, _, first)) in ports[i..j].iter().enumerate() {
            let offset = if count == 1 {
                0.0
            } else {
                -spread / 2.0 + spread * k as f64 / (count - 1) as f64
            };
            let p = (
                b.x + b.w / 2.0 + offset,
                if bottom { b.y + b.h } else { b.y },
            );
            let pts = &mut routes[ri].1.points;
            if first {
                pts[0] = p;
            } else if let Some(last) = pts.last_mut() {
                *last = p;
            }
        }
        i = j;
    }
    for e in loops {
        let b = boxes[e.from];
        let (right, top, bottom) = (b.x + b.w, b.y + b.h * 0.3, b.y + b.h * 0.7);
        routes.push((
            e.id,
            Route {
                points: vec![
                    (right, top),
                    (right + 16.0, top),
                    (right + 16.0, bottom),
                    (right, bottom),
                ],
                curved: false,
                label_at: e
                    .label
                    .map(|(_, lh)| (right + 20.0, b.y + b.h / 2.0 - lh / 2.0)),
            },
        ));
    }
    Geo {
        w: width,
        h: height,
        boxes,
        routes,
    }
}

/// Which edges a depth-first search from `roots` (then every other node, in
/// order) finds pointing back into the current path.
fn back_edges(n: usize, edges: &[&LEdge], roots: &[usize]) -> Vec<bool> {
    let mut out_edges: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (i, e) in edges.iter().enumerate() {
        out_edges[e.from].push(i);
    }
    let mut reversed = vec![false; edges.len()];
    // 0 = unvisited, 1 = on the stack, 2 = done.
    let mut mark = vec![0u8; n];
    let starts = roots.iter().copied().chain(0..n);
    for s in starts {
        if s >= n || mark[s] != 0 {
            continue;
        }
        // Iterative DFS: (node, next edge position).
        let mut stack = vec![(s, 0usize)];
        mark[s] = 1;
        while let Some(top) = stack.last_mut() {
            let (v, pos) = *top;
            if let Some(&ei) = out_edges[v].get(pos) {
                top.1 += 1;
                let w = edges[ei].to;
                match mark[w] {
                    0 => {
                        mark[w] = 1;
                        stack.push((w, 0));
                    }
                    1 => reversed[ei] = true,
                    _ => {}
                }
            } else {
                mark[v] = 2;
                stack.pop();
            }
        }
    }
    reversed
}

/// Rank = length of the longest path from a source (the edges are acyclic).
fn longest_path(n: usize, edges: &[(usize, usize)]) -> Vec<usize> {
    let mut indeg = vec![0usize; n];
    let mut out: Vec<Vec<usize>> = vec![Vec::new(); n];
    for &(a, b) in edges {
        out[a].push(b);
        indeg[b] += 1;
    }
    let mut rank = vec![0usize; n];
    let mut queue: Vec<usize> = (0..n).filter(|&v| indeg[v] == 0).collect();
    let mut head = 0;
    while head < queue.len() {
        let v = queue[head];
        head += 1;
        for &w in &out[v] {
            rank[w] = rank[w].max(rank[v] + 1);
            indeg[w] -= 1;
            if indeg[w] == 0 {
                queue.push(w);
            }
        }
    }
    rank
}

/// Depth-first discovery order from the roots, then from every other node.
fn dfs_order(m: usize, succ: &[Vec<(usize, f64)>], roots: &[usize]) -> Vec<usize> {
    let mut seen = vec![false; m];
    let mut order = Vec::with_capacity(m);
    for s in roots.iter().copied().chain(0..m) {
        if s >= m || seen[s] {
            continue;
        }
        let mut stack = vec![s];
        while let Some(v) = stack.pop() {
            if seen[v] {
                continue;
            }
            seen[v] = true;
            order.push(v);
            // Reversed so the first successor is visited first.
            for &(w, _) in succ[v].iter().rev() {
                if !seen[w] {
                    stack.push(w);
                }
            }
        }
    }
    order
}

/// Reorder each layer by barycenters; keep the best order seen.
fn order_layers(
    layers: &mut [Vec<usize>],
    succ: &[Vec<(usize, f64)>],
    pred: &[Vec<(usize, f64)>],
    m: usize,
) {
    let mut pos = vec![0usize; m];
    let index = |layers: &[Vec<usize>], pos: &mut [usize]| {
        for layer in layers {
            for (i, &v) in layer.iter().enumerate() {
                pos[v] = i;
            }
        }
    };
    index(layers, &mut pos);
    let mut best = layers.to_vec();
    let mut best_crossings = crossings(layers, succ, &pos);
    if best_crossings == 0 {
        return;
    }
    for round in 0..12 {
        let down = round % 2 == 0;
        let order: Vec<usize> = if down {
            (1..layers.len()).collect()
        } else {
            (0..layers.len().saturating_sub(1)).rev().collect()
        };
        for r in order {
            let nbrs = if down { pred } else { succ };
            let mut keyed: Vec<(f64, usize)> = layers[r]
                .iter()
                .map(|&v| {
                    let list = &nbrs[v];
                    let key = if list.is_empty() {
                        pos[v] as f64
                    } else {
                        list.iter().map(|&(w, _)| pos[w] as f64).sum::<f64>() / list.len() as f64
                    };
                    (key, v)
                })
                .collect();
            keyed.sort_by(|a, b| a.0.total_cmp(&b.0));
            layers[r] = keyed.into_iter().map(|(_, v)| v).collect();
            for (i, &v) in layers[r].iter().enumerate() {
                pos[v] = i;
            }
        }
        let c = crossings(layers, succ, &pos);
        if c < best_crossings {
            best_crossings = c;
            best = layers.to_vec();
            if c == 0 {
                break;
            }
        }
    }
    layers.clone_from_slice(&best);
}

/// Edge crossings between consecutive layers.
fn crossings(layers: &[Vec<usize>], succ: &[Vec<(usize, f64)>], pos: &[usize]) -> usize {
    let mut total = 0;
    for layer in layers {
        let mut segs: Vec<(usize, usize)> = Vec::new();
        for &v in layer {
            for &(w, _) in &succ[v] {
                segs.push((pos[v], pos[w]));
            }
        }
        segs.sort_unstable();
        // Count inversions of the targets (O(E^2) is plenty for a scope).
        for i in 0..segs.len() {
            for j in i + 1..segs.len() {
                if segs[i].0 < segs[j].0 && segs[i].1 > segs[j].1 {
                    total += 1;
                }
            }
        }
    }
    total
}

/// Horizontal centers: sweeps that fit each layer to its neighbours.
fn place_x(
    layers: &[Vec<usize>],
    items: &[Item],
    succ: &[Vec<(usize, f64)>],
    pred: &[Vec<(usize, f64)>],
) -> Vec<f64> {
    let m = items.len();
    let mut x = vec![0.0; m];
    let gap = |a: usize, b: usize| {
        let g = match (items[a].dummy, items[b].dummy) {
            (true, true) => DUMMY_GAP,
            (false, false) => NODE_GAP,
            _ => (DUMMY_GAP + NODE_GAP) / 2.0,
        };
        (items[a].w + items[b].w) / 2.0 + g
    };
    for layer in layers {
        let mut cur = 0.0;
        for (i, &v) in layer.iter().enumerate() {
            if i > 0 {
                cur += gap(layer[i - 1], v);
            }
            x[v] = cur;
        }
        let mid = cur / 2.0;
        for &v in layer {
            x[v] -= mid;
        }
    }
    let fit = |x: &mut Vec<f64>, layer: &[usize], use_pred: bool, use_succ: bool| {
        let mut desired = Vec::with_capacity(layer.len());
        let mut weights = Vec::with_capacity(layer.len());
        for &v in layer {
            let mut sum = 0.0;
            let mut wsum = 0.0;
            let lists = [(use_pred, &pred[v]), (use_succ, &succ[v])];
            for (on, list) in lists {
                if on {
                    for &(w, weight) in list {
                        sum += (x[w] + items[w].anchor) * weight;
                        wsum += weight;
                    }
                }
            }
            if wsum > 0.0 {
                desired.push(sum / wsum - items[v].anchor);
                weights.push(wsum);
            } else {
                desired.push(x[v]);
                weights.push(0.05);
            }
        }
        let gaps: Vec<f64> = layer.windows(2).map(|p| gap(p[0], p[1])).collect();
        let placed = isotonic(&desired, &weights, &gaps);
        for (&v, p) in layer.iter().zip(placed) {
            x[v] = p;
        }
    };
    for _ in 0..8 {
        for layer in layers.iter().skip(1) {
            fit(&mut x, layer, true, false);
        }
        for layer in layers.iter().rev().skip(1) {
            fit(&mut x, layer, false, true);
        }
    }
    for _ in 0..4 {
        for layer in layers {
            fit(&mut x, layer, true, true);
        }
    }
    x
}

/// Positions closest (weighted least squares) to `desired` that keep the
/// order and at least `gaps[i]` between neighbours `i` and `i + 1`.
///
/// Substituting `y_i = x_i - c_i` with `c_i` the running sum of gaps turns
/// the spacing constraints into `y` non-decreasing: isotonic regression,
/// solved exactly by pooling adjacent violators.
fn isotonic(desired: &[f64], weights: &[f64], gaps: &[f64]) -> Vec<f64> {
    let n = desired.len();
    let mut c = vec![0.0; n];
    for i in 1..n {
        c[i] = c[i - 1] + gaps.get(i - 1).copied().unwrap_or(0.0);
    }
    // Blocks of (weighted sum, weight, count).
    let mut blocks: Vec<(f64, f64, usize)> = Vec::with_capacity(n);
    for i in 0..n {
        let w = weights[i].max(1e-6);
        blocks.push(((desired[i] - c[i]) * w, w, 1));
        while blocks.len() > 1 {
            let (s2, w2, n2) = blocks[blocks.len() - 1];
            let (s1, w1, n1) = blocks[blocks.len() - 2];
            if s1 / w1 > s2 / w2 {
                blocks.pop();
                if let Some(last) = blocks.last_mut() {
                    *last = (s1 + s2, w1 + w2, n1 + n2);
                }
            } else {
                break;
            }
        }
    }
    let mut out = Vec::with_capacity(n);
    for (s, w, k) in blocks {
        for _ in 0..k {
            let i = out.len();
            out.push(s / w + c[i]);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn isotonic_keeps_order_and_spacing() {
        // Two nodes that both want x = 0 end up centered around it.
        let x = isotonic(&[0.0, 0.0], &[1.0, 1.0], &[10.0]);
        assert_eq!(x, [-5.0, 5.0]);
        // Already far enough apart: unchanged.
        let x = isotonic(&[0.0, 50.0, 51.0], &[1.0, 1.0, 1.0], &[10.0, 10.0]);
        assert_eq!(x, [0.0, 45.5, 55.5]);
        // A heavy node stays put, a light one moves.
        let x = isotonic(&[0.0, 0.0], &[100.0, 1.0], &[10.0]);
        assert!((x[0] + 0.099).abs() < 0.01 && (x[1] - x[0] - 10.0).abs() < 1e-9);
    }

    #[test]
    fn cycles_are_broken_and_ranked() {
        // a -> b -> c -> a, plus b -> d.
        let e = |from, to| LEdge {
            from,
            to,
            label: None,
            id: 0,
        };
        let edges = [e(0, 1), e(1, 2), e(2, 0), e(1, 3)];
        let refs: Vec<&LEdge> = edges.iter().collect();
        assert_eq!(back_edges(4, &refs, &[0]), [false, false, true, false]);
        let geo = sugiyama(&[(50.0, 20.0); 4], &edges, &[0]);
        let ys: Vec<f64> = geo.boxes.iter().map(|b| b.y).collect();
        assert!(ys[0] < ys[1] && ys[1] < ys[2] && ys[1] < ys[3], "{ys:?}");
    }
}
