//! The graph model: states as nodes, transitions as edges, nested scopes.

use serde_json::{Map, Value};

use crate::choice;

/// Index of a node in [`Graph::nodes`].
pub type NodeId = usize;
/// Index of a scope in [`Graph::scopes`]; the top level is scope 0.
pub type ScopeId = usize;

/// A state machine definition drawn as a graph.
///
/// Nodes and scopes form a tree: every node lives in one scope, and a
/// Parallel or Map state owns child scopes (its branches, or its item
/// processor). Edges never cross scopes: ASL only lets a state name a
/// sibling, which is what lets each scope be laid out on its own.
#[derive(Debug, Clone, PartialEq)]
pub struct Graph {
    /// The definition's top-level `Comment`, if any.
    pub comment: Option<String>,
    /// Every node, in definition order (parents before their children).
    pub nodes: Vec<Node>,
    /// Every edge, grouped by source node in definition order.
    pub edges: Vec<Edge>,
    /// `scopes[0]` is the top level.
    pub scopes: Vec<Scope>,
}

/// One level of states: the top level, a Parallel branch or a Map processor.
#[derive(Debug, Clone, PartialEq)]
pub struct Scope {
    /// `"Branch 1"`, `"ItemProcessor"`, `"Iterator"`; empty at the top level.
    pub label: String,
    /// The Parallel or Map state this scope belongs to (`None` at the top).
    pub owner: Option<NodeId>,
    /// The node `StartAt` names (a [`NodeKind::Missing`] node when it names
    /// no state of this scope).
    pub start: Option<NodeId>,
    /// The scope's nodes, in definition order (markers first).
    pub nodes: Vec<NodeId>,
}

/// What a node stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodeKind {
    /// The start marker (top level only).
    Start,
    /// The end marker (top level only).
    End,
    /// A state of the definition.
    State,
    /// A name a transition points to that is not a state of its scope; drawn
    /// so an invalid definition still shows where it is broken.
    Missing,
}

/// A node: a state, a start/end marker, or a missing target.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// Unique, stable key usable as an identifier in DOT, Mermaid and SVG
    /// (`n0`, `n1`, …).
    pub key: String,
    /// The state name (`"Start"`/`"End"` for markers).
    pub name: String,
    /// What the node stands for.
    pub kind: NodeKind,
    /// The state's `Type` as written (`"Task"`, `"Map"`, …); empty for
    /// markers and missing targets.
    pub state_type: String,
    /// A short second line: the Task resource, the Wait time, the Fail error…
    pub detail: Option<String>,
    /// One summary per retrier: `"States.TaskFailed ×3"`.
    pub retries: Vec<String>,
    /// The scope the node lives in.
    pub scope: ScopeId,
    /// The scopes it owns (Parallel branches, a Map's processor).
    pub children: Vec<ScopeId>,
    /// How many Parallel/Map levels it is nested in (0 at the top).
    pub depth: usize,
}

impl Node {
    /// A Parallel or Map state drawn as a cluster around its scopes.
    pub fn is_compound(&self) -> bool {
        !self.children.is_empty()
    }
}

/// Why an edge exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EdgeKind {
    /// Start marker to the first state.
    Start,
    /// `Next`.
    Next,
    /// A Choice rule.
    Choice,
    /// A Choice state's `Default`.
    Default,
    /// A Catch clause.
    Catch,
    /// A terminal state to the end marker.
    End,
}

impl EdgeKind {
    /// Lowercase name, used as a CSS class and data attribute.
    pub fn as_str(self) -> &'static str {
        match self {
            EdgeKind::Start => "start",
            EdgeKind::Next => "next",
            EdgeKind::Choice => "choice",
            EdgeKind::Default => "default",
            EdgeKind::Catch => "catch",
            EdgeKind::End => "end",
        }
    }
}

/// A transition between two nodes of the same scope.
#[derive(Debug, Clone, PartialEq)]
pub struct Edge {
    /// Source node.
    pub from: NodeId,
    /// Target node.
    pub to: NodeId,
    /// Why the edge exists.
    pub kind: EdgeKind,
    /// The full label: a Choice rule's condition, `"Default"`,
    /// `"catch States.ALL"`. Renderers shorten it for display.
    pub label: Option<String>,
}

/// Build the graph of a definition.
///
/// Never fails: whatever does not fit the Amazon States Language is drawn as
/// well as it can be (a transition to an unknown state points to a
/// [`NodeKind::Missing`] node, a state without a `Type` is drawn untyped), so
/// the graph helps find the problem `stepwell validate` reports.
pub fn build(definition: &Value) -> Graph {
    let mut b = Builder {
        graph: Graph {
            comment: definition
                .get("Comment")
                .and_then(Value::as_str)
                .map(str::to_owned),
            nodes: Vec::new(),
            edges: Vec::new(),
            scopes: Vec::new(),
        },
    };
    let top = b.new_scope(String::new(), None);
    let start = b.add_node(top, "Start", NodeKind::Start, 0);
    let end = b.add_node(top, "End", NodeKind::End, 0);
    b.add_machine(top, definition, 0, Some((start, end)));
    b.graph
}

struct Builder {
    graph: Graph,
}

impl Builder {
    fn new_scope(&mut self, label: String, owner: Option<NodeId>) -> ScopeId {
        self.graph.scopes.push(Scope {
            label,
            owner,
            start: None,
            nodes: Vec::new(),
        });
        let id = self.graph.scopes.len() - 1;
        if let Some(o) = owner {
            if let Some(n) = self.graph.nodes.get_mut(o) {
                n.children.push(id);
            }
        }
        id
    }

    fn add_node(&mut self, scope: ScopeId, name: &str, kind: NodeKind, depth: usize) -> NodeId {
        let id = self.graph.nodes.len();
        self.graph.nodes.push(Node {
            key: format!("n{id}"),
            name: name.to_owned(),
            kind,
            state_type: String::new(),
            detail: None,
            retries: Vec::new(),
            scope,
            children: Vec::new(),
            depth,
        });
        if let Some(s) = self.graph.scopes.get_mut(scope) {
            s.nodes.push(id);
        }
        id
    }

    fn add_edge(&mut self, from: NodeId, to: NodeId, kind: EdgeKind, label: Option<String>) {
        self.graph.edges.push(Edge {
            from,
            to,
            kind,
            label,
        });
    }

    /// Add the states of one `{StartAt, States}` object to `scope`.
    /// `markers` are the start and end nodes (top level only).
    fn add_machine(
        &mut self,
        scope: ScopeId,
        machine: &Value,
        depth: usize,
        markers: Option<(NodeId, NodeId)>,
    ) {
        let empty = Map::new();
        let states = machine
            .get("States")
            .and_then(Value::as_object)
            .unwrap_or(&empty);
        // First every node of this scope, so transitions can be resolved;
        // then each state's edges and children.
        let ids: Vec<(NodeId, &Value)> = states
            .iter()
            .map(|(name, state)| {
                let id = self.add_node(scope, name, NodeKind::State, depth);
                (id, state)
            })
            .collect();
        let mut missing: Vec<(String, NodeId)> = Vec::new();
        let mut resolve = |b: &mut Builder, target: &str| -> NodeId {
            if let Some(&(id, _)) = ids.iter().find(|(id, _)| b.graph.nodes[*id].name == target) {
                return id;
            }
            if let Some(&(_, id)) = missing.iter().find(|(name, _)| name == target) {
                return id;
            }
            let id = b.add_node(scope, target, NodeKind::Missing, depth);
            missing.push((target.to_owned(), id));
            id
        };

        let start_at = machine.get("StartAt").and_then(Value::as_str);
        if let Some(name) = start_at {
            let first = resolve(self, name);
            if let Some(s) = self.graph.scopes.get_mut(scope) {
                s.start = Some(first);
            }
            if let Some((start, _)) = markers {
                self.add_edge(start, first, EdgeKind::Start, None);
            }
        }

        for &(id, state) in &ids {
            let ty = state.get("Type").and_then(Value::as_str).unwrap_or("");
            {
                let node = &mut self.graph.nodes[id];
                node.state_type = ty.to_owned();
                node.detail = detail(ty, state);
                node.retries = retries(state);
            }
            match ty {
                "Choice" => {
                    if let Some(rules) = state.get("Choices").and_then(Value::as_array) {
                        for rule in rules {
                            if let Some(next) = rule.get("Next").and_then(Value::as_str) {
                                let to = resolve(self, next);
                                let label = choice::summarize(rule);
                                self.add_edge(id, to, EdgeKind::Choice, Some(label));
                            }
                        }
                    }
                    if let Some(next) = state.get("Default").and_then(Value::as_str) {
                        let to = resolve(self, next);
                        self.add_edge(id, to, EdgeKind::Default, Some("Default".into()));
                    }
                }
                _ => {
                    if let Some(next) = state.get("Next").and_then(Value::as_str) {
                        let to = resolve(self, next);
                        self.add_edge(id, to, EdgeKind::Next, None);
                    }
                }
            }
            if let Some(catchers) = state.get("Catch").and_then(Value::as_array) {
                for catcher in catchers {
                    if let Some(next) = catcher.get("Next").and_then(Value::as_str) {
                        let to = resolve(self, next);
                        let errors = error_list(catcher.get("ErrorEquals"));
                        self.add_edge(id, to, EdgeKind::Catch, Some(format!("catch {errors}")));
                    }
                }
            }
            // The end marker is where an execution succeeds: a Fail state
            // (drawn red) leads nowhere, which also keeps the long edges from
            // early failure handlers down to the end off the picture.
            let terminal = ty == "Succeed"
                || (ty != "Fail" && state.get("End").and_then(Value::as_bool) == Some(true));
            if let (true, Some((_, end))) = (terminal, markers) {
                self.add_edge(id, end, EdgeKind::End, None);
            }
            match ty {
                "Parallel" => {
                    if let Some(branches) = state.get("Branches").and_then(Value::as_array) {
                        for (i, branch) in branches.iter().enumerate() {
                            let child = self.new_scope(format!("Branch {}", i + 1), Some(id));
                            self.add_machine(child, branch, depth + 1, None);
                        }
                    }
                }
                "Map" => {
                    let processor = ["ItemProcessor", "Iterator"]
                        .into_iter()
                        .find_map(|key| state.get(key).map(|p| (key, p)));
                    if let Some((key, p)) = processor {
                        let child = self.new_scope(key.to_owned(), Some(id));
                        self.add_machine(child, p, depth + 1, None);
                    }
                }
                _ => {}
            }
        }
    }
}

/// `["A", "B"]` -> `"A, B"`.
fn error_list(v: Option<&Value>) -> String {
    match v.and_then(Value::as_array) {
        Some(list) if !list.is_empty() => list
            .iter()
            .map(|e| match e {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            })
            .collect::<Vec<_>>()
            .join(", "),
        _ => "?".into(),
    }
}

fn retries(state: &Value) -> Vec<String> {
    let Some(list) = state.get("Retry").and_then(Value::as_array) else {
        return Vec::new();
    };
    list.iter()
        .map(|r| {
            let errors = error_list(r.get("ErrorEquals"));
            // MaxAttempts defaults to 3; a JSONata string stays as written.
            let attempts = match r.get("MaxAttempts") {
                None => "3".to_owned(),
                Some(Value::String(s)) => s.clone(),
                Some(v) => v.to_string(),
            };
            format!("{errors} ×{attempts}")
        })
        .collect()
}

/// The second line of a state's box.
fn detail(ty: &str, state: &Value) -> Option<String> {
    let s = |k: &str| state.get(k).and_then(Value::as_str);
    match ty {
        "Task" => s("Resource").map(short_resource),
        "Wait" => {
            for key in ["Seconds", "Timestamp", "SecondsPath", "TimestampPath"] {
                if let Some(v) = state.get(key) {
                    let text = match v {
                        Value::String(t) => t.clone(),
                        other => other.to_string(),
                    };
                    let text = if key == "Seconds" && v.is_number() {
                        format!("{text}s")
                    } else {
                        text
                    };
                    return Some(text);
                }
            }
            None
        }
        "Fail" => s("Error").or(s("ErrorPath")).map(str::to_owned),
        "Map" => state.get("MaxConcurrency").and_then(|v| match v {
            Value::Number(n) if n.as_u64() == Some(0) => None,
            Value::Number(n) => Some(format!("max {n} at a time")),
            _ => None,
        }),
        _ => None,
    }
}

/// `arn:aws:states:::lambda:invoke` -> `lambda:invoke`;
/// `arn:aws:lambda:us-east-1:123:function:f` -> `lambda f`;
/// `arn:aws:states:us-east-1:123:activity:a` -> `activity a`.
fn short_resource(resource: &str) -> String {
    if let Some(rest) = resource.strip_prefix("arn:aws:states:::") {
        return rest.to_owned();
    }
    let parts: Vec<&str> = resource.splitn(6, ':').collect();
    match parts.as_slice() {
        ["arn", _, "states", _, _, rest] if rest.starts_with("activity:") => {
            format!("activity {}", rest.trim_start_matches("activity:"))
        }
        ["arn", _, service, _, _, rest] => {
            let name = rest.strip_prefix("function:").unwrap_or(rest);
            format!("{service} {name}")
        }
        _ => resource.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn resources_are_shortened() {
        let cases = [
            ("arn:aws:states:::lambda:invoke", "lambda:invoke"),
            (
                "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
                "sqs:sendMessage.waitForTaskToken",
            ),
            (
                "arn:aws:lambda:us-east-1:123456789012:function:charge-card",
                "lambda charge-card",
            ),
            (
                "arn:aws:states:us-east-1:123456789012:activity:approve",
                "activity approve",
            ),
            ("not-an-arn", "not-an-arn"),
        ];
        for (input, want) in cases {
            assert_eq!(short_resource(input), want, "{input}");
        }
    }

    #[test]
    fn unknown_targets_become_missing_nodes_once() {
        let g = build(&json!({
            "StartAt": "Nowhere",
            "States": {
                "A": {"Type": "Pass", "Next": "Gone"},
                "B": {"Type": "Pass", "Next": "Gone"}
            }
        }));
        let missing: Vec<&str> = g
            .nodes
            .iter()
            .filter(|n| n.kind == NodeKind::Missing)
            .map(|n| n.name.as_str())
            .collect();
        assert_eq!(missing, ["Nowhere", "Gone"]);
    }

    #[test]
    fn anything_that_is_not_a_definition_still_gives_a_graph() {
        for v in [
            json!(null),
            json!([]),
            json!("text"),
            json!({"States": []}),
            json!({"StartAt": 3, "States": {"A": 7}}),
            json!({"StartAt": "A", "States": {"A": {"Type": "Parallel", "Branches": [1, {"States": 2}]}}}),
            json!({"StartAt": "A", "States": {"A": {"Type": "Choice", "Choices": [{"Next": 1}, 5, {"Not": 4, "Next": "A"}]}}}),
        ] {
            let g = build(&v);
            assert_eq!(g.nodes[0].kind, NodeKind::Start);
            assert_eq!(g.nodes[1].kind, NodeKind::End);
        }
    }
}
