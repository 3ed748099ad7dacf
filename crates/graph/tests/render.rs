//! Table-driven rendering tests: exact DOT and Mermaid for small
//! definitions, and structural checks of the SVG for every example and
//! fixture (well-formed XML, one `<g>` per state, nesting kept, every edge
//! drawn, boxes inside the picture, no two boxes of a scope overlapping).

// A test: a fixture that cannot be read or an SVG without its attributes is
// a failure.
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};

use serde_json::{json, Value};
use stepwell_graph::{to_dot, to_mermaid, to_svg, Graph, NodeKind};

struct Case {
    name: &'static str,
    definition: Value,
    dot: &'static str,
    mermaid: &'static str,
}

fn cases() -> Vec<Case> {
    vec![
        Case {
            name: "a pass chain",
            definition: json!({
                "StartAt": "A",
                "States": {"A": {"Type": "Pass", "Next": "B"}, "B": {"Type": "Pass", "End": true}}
            }),
            dot: r##"digraph stepwell {
  graph [compound=true, rankdir=TB, nodesep=0.35, ranksep=0.45, fontname="Helvetica,Arial,sans-serif", fontsize=11];
  node [shape=box, style="rounded,filled", fillcolor="#ffffff", color="#5b6b7f", fontname="Helvetica,Arial,sans-serif", fontsize=11];
  edge [color="#7a8694", fontname="Helvetica,Arial,sans-serif", fontsize=9];
  n0 [label="Start", shape=box, style="rounded,filled", fillcolor="#2d3742", fontcolor="#ffffff"];
  n1 [label="End", shape=box, style="rounded,filled", fillcolor="#2d3742", fontcolor="#ffffff"];
  n2 [label="A\nPass", fillcolor="#f4f5f7", color="#5b6b7f"];
  n3 [label="B\nPass", fillcolor="#f4f5f7", color="#5b6b7f"];
  n0 -> n2;
  n2 -> n3;
  n3 -> n1;
}
"##,
            mermaid: r##"flowchart TD
  n0(["Start"]):::marker
  n1(["End"]):::marker
  n2["A<br/>Pass"]
  n3["B<br/>Pass"]
  n0 --> n2
  n2 --> n3
  n3 --> n1
  classDef pass fill:#f4f5f7,stroke:#5b6b7f
  class n2,n3 pass
  classDef marker fill:#2d3742,stroke:#2d3742,color:#ffffff
  classDef missing fill:#ffffff,stroke:#c0392b,stroke-dasharray:4 3
"##,
        },
        Case {
            name: "choice rules, default, JSONata condition",
            definition: json!({
                "Comment": "route",
                "StartAt": "Route",
                "States": {
                    "Route": {"Type": "Choice", "Choices": [
                        {"Variable": "$.x", "NumericGreaterThan": 10, "Next": "Big"},
                        {"Condition": "{% $states.input.kind = \"a\" %}", "Next": "Done"}
                    ], "Default": "Done"},
                    "Big": {"Type": "Wait", "Seconds": 5, "Next": "Done"},
                    "Done": {"Type": "Succeed"}
                }
            }),
            dot: r##"digraph stepwell {
  // route
  graph [compound=true, rankdir=TB, nodesep=0.35, ranksep=0.45, fontname="Helvetica,Arial,sans-serif", fontsize=11];
  node [shape=box, style="rounded,filled", fillcolor="#ffffff", color="#5b6b7f", fontname="Helvetica,Arial,sans-serif", fontsize=11];
  edge [color="#7a8694", fontname="Helvetica,Arial,sans-serif", fontsize=9];
  n0 [label="Start", shape=box, style="rounded,filled", fillcolor="#2d3742", fontcolor="#ffffff"];
  n1 [label="End", shape=box, style="rounded,filled", fillcolor="#2d3742", fontcolor="#ffffff"];
  n2 [label="Route\nChoice", fillcolor="#fff5e3", color="#c98a16"];
  n3 [label="Big\nWait · 5s", fillcolor="#f3effc", color="#7b5bb7"];
  n4 [label="Done\nSucceed", fillcolor="#e8f5ec", color="#2e8b57"];
  n0 -> n2;
  n2 -> n3 [label="$.x > 10"];
  n2 -> n4 [label="$states.input.kind = \"a\""];
  n2 -> n4 [label="Default", style=dotted];
  n3 -> n4;
  n4 -> n1;
}
"##,
            mermaid: r##"flowchart TD
  %% route
  n0(["Start"]):::marker
  n1(["End"]):::marker
  n2{{"Route<br/>Choice"}}
  n3["Big<br/>Wait · 5s"]
  n4["Done<br/>Succeed"]
  n0 --> n2
  n2 -->|"$.x #gt; 10"| n3
  n2 -->|"$states.input.kind = #quot;a#quot;"| n4
  n2 -->|"Default"| n4
  n3 --> n4
  n4 --> n1
  classDef choice fill:#fff5e3,stroke:#c98a16
  class n2 choice
  classDef succeed fill:#e8f5ec,stroke:#2e8b57
  class n4 succeed
  classDef wait fill:#f3effc,stroke:#7b5bb7
  class n3 wait
  classDef marker fill:#2d3742,stroke:#2d3742,color:#ffffff
  classDef missing fill:#ffffff,stroke:#c0392b,stroke-dasharray:4 3
"##,
        },
        Case {
            name: "retry and catch; a Fail state leads nowhere",
            definition: json!({
                "StartAt": "Charge",
                "States": {
                    "Charge": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                        "Retry": [{"ErrorEquals": ["Busy"], "MaxAttempts": 5}, {"ErrorEquals": ["States.ALL"]}],
                        "Catch": [{"ErrorEquals": ["Declined", "Expired"], "Next": "Rejected"}],
                        "End": true},
                    "Rejected": {"Type": "Fail", "Error": "Rejected"}
                }
            }),
            dot: r##"digraph stepwell {
  graph [compound=true, rankdir=TB, nodesep=0.35, ranksep=0.45, fontname="Helvetica,Arial,sans-serif", fontsize=11];
  node [shape=box, style="rounded,filled", fillcolor="#ffffff", color="#5b6b7f", fontname="Helvetica,Arial,sans-serif", fontsize=11];
  edge [color="#7a8694", fontname="Helvetica,Arial,sans-serif", fontsize=9];
  n0 [label="Start", shape=box, style="rounded,filled", fillcolor="#2d3742", fontcolor="#ffffff"];
  n1 [label="End", shape=box, style="rounded,filled", fillcolor="#2d3742", fontcolor="#ffffff"];
  n2 [label="Charge\nTask · lambda:invoke\nretry Busy ×5; States.ALL ×3", fillcolor="#eaf2fc", color="#3f73b5"];
  n3 [label="Rejected\nFail · Rejected", fillcolor="#fdecec", color="#c0392b"];
  n0 -> n2;
  n2 -> n3 [label="catch Declined, Expired", style=dashed, color="#c0392b", fontcolor="#a93226"];
  n2 -> n1;
}
"##,
            mermaid: r##"flowchart TD
  n0(["Start"]):::marker
  n1(["End"]):::marker
  n2["Charge<br/>Task · lambda:invoke<br/>retry Busy ×5; States.ALL ×3"]
  n3["Rejected<br/>Fail · Rejected"]
  n0 --> n2
  n2 -.->|"catch Declined, Expired"| n3
  n2 --> n1
  classDef fail fill:#fdecec,stroke:#c0392b
  class n3 fail
  classDef task fill:#eaf2fc,stroke:#3f73b5
  class n2 task
  classDef marker fill:#2d3742,stroke:#2d3742,color:#ffffff
  classDef missing fill:#ffffff,stroke:#c0392b,stroke-dasharray:4 3
"##,
        },
        Case {
            name: "a Map inside a Parallel",
            definition: json!({
                "StartAt": "Both",
                "States": {
                    "Both": {"Type": "Parallel", "End": true, "Branches": [
                        {"StartAt": "Each", "States": {"Each": {"Type": "Map", "End": true,
                            "ItemProcessor": {"StartAt": "Work", "States": {"Work": {"Type": "Pass", "End": true}}}}}},
                        {"StartAt": "Other", "States": {"Other": {"Type": "Pass", "End": true}}}
                    ]}
                }
            }),
            dot: r##"digraph stepwell {
  graph [compound=true, rankdir=TB, nodesep=0.35, ranksep=0.45, fontname="Helvetica,Arial,sans-serif", fontsize=11];
  node [shape=box, style="rounded,filled", fillcolor="#ffffff", color="#5b6b7f", fontname="Helvetica,Arial,sans-serif", fontsize=11];
  edge [color="#7a8694", fontname="Helvetica,Arial,sans-serif", fontsize=9];
  n0 [label="Start", shape=box, style="rounded,filled", fillcolor="#2d3742", fontcolor="#ffffff"];
  n1 [label="End", shape=box, style="rounded,filled", fillcolor="#2d3742", fontcolor="#ffffff"];
  subgraph cluster_n2 {
    label="Both\nParallel"; style="rounded,dashed"; color="#8a96a3"; fontsize=12;
    subgraph cluster_s1 {
      label="Branch 1"; style=rounded; color="#c6ccd2"; fontsize=10;
      subgraph cluster_n3 {
        label="Each\nMap"; style="rounded,dashed"; color="#8a96a3"; fontsize=12;
        subgraph cluster_s2 {
          label="ItemProcessor"; style=rounded; color="#c6ccd2"; fontsize=10;
          n4 [label="Work\nPass", fillcolor="#f4f5f7", color="#5b6b7f"];
        }
      }
    }
    subgraph cluster_s3 {
      label="Branch 2"; style=rounded; color="#c6ccd2"; fontsize=10;
      n5 [label="Other\nPass", fillcolor="#f4f5f7", color="#5b6b7f"];
    }
  }
  n0 -> n4 [lhead=cluster_n2];
  n5 -> n1 [ltail=cluster_n2];
}
"##,
            mermaid: r##"flowchart TD
  n0(["Start"]):::marker
  n1(["End"]):::marker
  subgraph n2["Both · Parallel"]
    direction TB
    subgraph n2_s1["Branch 1"]
      direction TB
      subgraph n3["Each · Map"]
        direction TB
        subgraph n3_s2["ItemProcessor"]
          direction TB
          n4["Work<br/>Pass"]
        end
      end
    end
    subgraph n2_s3["Branch 2"]
      direction TB
      n5["Other<br/>Pass"]
    end
  end
  n0 --> n2
  n2 --> n1
  classDef pass fill:#f4f5f7,stroke:#5b6b7f
  class n4,n5 pass
  classDef marker fill:#2d3742,stroke:#2d3742,color:#ffffff
  classDef missing fill:#ffffff,stroke:#c0392b,stroke-dasharray:4 3
"##,
        },
        Case {
            name: "a missing target and names that need escaping",
            definition: json!({
                "StartAt": "Say \"hi\" <now>",
                "States": {"Say \"hi\" <now>": {"Type": "Pass", "Next": "Nowhere"}}
            }),
            dot: r##"digraph stepwell {
  graph [compound=true, rankdir=TB, nodesep=0.35, ranksep=0.45, fontname="Helvetica,Arial,sans-serif", fontsize=11];
  node [shape=box, style="rounded,filled", fillcolor="#ffffff", color="#5b6b7f", fontname="Helvetica,Arial,sans-serif", fontsize=11];
  edge [color="#7a8694", fontname="Helvetica,Arial,sans-serif", fontsize=9];
  n0 [label="Start", shape=box, style="rounded,filled", fillcolor="#2d3742", fontcolor="#ffffff"];
  n1 [label="End", shape=box, style="rounded,filled", fillcolor="#2d3742", fontcolor="#ffffff"];
  n2 [label="Say \"hi\" <now>\nPass", fillcolor="#f4f5f7", color="#5b6b7f"];
  n3 [label="Nowhere\n(missing state)", style="rounded,dashed", color="#c0392b"];
  n0 -> n2;
  n2 -> n3;
}
"##,
            mermaid: r##"flowchart TD
  n0(["Start"]):::marker
  n1(["End"]):::marker
  n2["Say #quot;hi#quot; #lt;now#gt;<br/>Pass"]
  n3["Nowhere<br/>(missing state)"]:::missing
  n0 --> n2
  n2 --> n3
  classDef pass fill:#f4f5f7,stroke:#5b6b7f
  class n2 pass
  classDef marker fill:#2d3742,stroke:#2d3742,color:#ffffff
  classDef missing fill:#ffffff,stroke:#c0392b,stroke-dasharray:4 3
"##,
        },
    ]
}

#[test]
fn dot_and_mermaid() {
    for case in cases() {
        let g = Graph::from_definition(&case.definition);
        assert_eq!(to_dot(&g), case.dot, "DOT of {}", case.name);
        assert_eq!(to_mermaid(&g), case.mermaid, "Mermaid of {}", case.name);
        check_svg(case.name, &case.definition);
    }
}

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn read_definition(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn svg_of_every_example_and_fixture() {
    let mut paths: Vec<PathBuf> = Vec::new();
    for dir in [
        repo().join("examples"),
        repo().join("crates/graph/tests/fixtures"),
    ] {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let p = entry.unwrap().path();
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            if name.ends_with(".asl.json") {
                paths.push(p);
            }
        }
    }
    paths.sort();
    assert!(paths.len() >= 6, "{paths:?}");
    for p in paths {
        let def = read_definition(&p);
        check_svg(&p.display().to_string(), &def);
    }
}

#[test]
fn svg_stays_sane_on_stress_shapes() {
    // A 300-state chain, a Choice with 60 rules, Map in Parallel 6 deep,
    // loops and self-loops, very long names.
    let mut chain = serde_json::Map::new();
    for i in 0..300 {
        let next = if i + 1 < 300 {
            json!({"Type": "Pass", "Next": format!("S{}", i + 1)})
        } else {
            json!({"Type": "Pass", "End": true})
        };
        chain.insert(format!("S{i}"), next);
    }
    check_svg("chain", &json!({"StartAt": "S0", "States": chain}));

    let mut states = serde_json::Map::new();
    let mut rules = Vec::new();
    for i in 0..60 {
        rules.push(json!({"Variable": "$.n", "NumericEquals": i, "Next": format!("T{i}")}));
        states.insert(format!("T{i}"), json!({"Type": "Pass", "Next": "Pick"}));
    }
    states.insert(
        "Pick".into(),
        json!({"Type": "Choice", "Choices": rules, "Default": "Pick"}),
    );
    check_svg("wide choice", &json!({"StartAt": "Pick", "States": states}));

    let mut inner = json!({"StartAt": "Leaf", "States": {"Leaf": {"Type": "Pass", "End": true}}});
    for depth in 0..6 {
        let state = if depth % 2 == 0 {
            json!({"Type": "Map", "End": true, "ItemProcessor": inner})
        } else {
            json!({"Type": "Parallel", "End": true, "Branches": [inner.clone(), inner]})
        };
        inner =
            json!({"StartAt": format!("Level{depth}"), "States": {format!("Level{depth}"): state}});
    }
    check_svg("deep nesting", &inner);

    let long = "ThisIsAVeryLongStateNameThatSomebodyWroteToDescribeEverythingTheStateDoes_AndThenSome_AndMore";
    check_svg(
        "long names and self loops",
        &json!({"StartAt": long, "States": {
            long: {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                   "Retry": [{"ErrorEquals": ["A", "B", "C", "D", "E", "F", "G"], "MaxAttempts": 10}],
                   "Catch": [{"ErrorEquals": ["States.ALL"], "Next": long}], "Next": "漢字の名前"},
            "漢字の名前": {"Type": "Choice", "Choices": [{"Variable": "$.again", "BooleanEquals": true, "Next": long}], "Default": "漢字の名前"}
        }}),
    );
}

/// Structural checks of the SVG of one definition.
fn check_svg(name: &str, def: &Value) {
    let g = Graph::from_definition(def);
    let svg = to_svg(&g);
    let doc = roxmltree::Document::parse(&svg)
        .unwrap_or_else(|e| panic!("{name}: the SVG is not well-formed XML: {e}"));
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "svg", "{name}");

    // One <g data-state> per state, named after it, nested where it belongs.
    let groups: Vec<roxmltree::Node<'_, '_>> = doc
        .descendants()
        .filter(|n| n.has_tag_name("g") && n.attribute("data-state").is_some())
        .collect();
    let mut want: Vec<(&str, usize)> = g.states().map(|s| (s.name.as_str(), s.depth)).collect();
    let mut got: Vec<(&str, usize)> = groups
        .iter()
        .map(|group| {
            let nesting = group
                .ancestors()
                .filter(|a| a.has_tag_name("g") && a.attribute("data-state").is_some())
                .count()
                - 1;
            (group.attribute("data-state").unwrap_or(""), nesting)
        })
        .collect();
    want.sort_unstable();
    got.sort_unstable();
    assert_eq!(got, want, "{name}: one <g> per state, at its nesting depth");
    // Every edge is drawn once.
    let edges = doc
        .descendants()
        .filter(|n| n.has_tag_name("g") && n.attribute("data-kind").is_some())
        .count();
    assert_eq!(edges, g.edges.len(), "{name}: edges");

    // Boxes: inside the picture, and no two nodes of a scope overlap.
    let (w, h) = (
        root.attribute("width").unwrap().parse::<f64>().unwrap(),
        root.attribute("height").unwrap().parse::<f64>().unwrap(),
    );
    let boxes: Vec<(f64, f64, f64, f64, Option<&str>)> = doc
        .descendants()
        .filter(|n| n.has_tag_name("g") && n.attribute("id").is_some_and(|i| i.starts_with("sw-n")))
        .map(|n| {
            let r = n.children().find(|c| c.has_tag_name("rect")).unwrap();
            let f = |a: &str| r.attribute(a).unwrap().parse::<f64>().unwrap();
            let scope = n.parent().and_then(|p| p.attribute("data-scope"));
            (f("x"), f("y"), f("width"), f("height"), scope)
        })
        .collect();
    assert_eq!(boxes.len(), g.nodes.len(), "{name}: one box per node");
    for &(x, y, bw, bh, _) in &boxes {
        assert!(
            x >= 0.0 && y >= 0.0 && x + bw <= w + 0.5 && y + bh <= h + 0.5,
            "{name}: box outside"
        );
    }
    for (i, a) in boxes.iter().enumerate() {
        for b in &boxes[i + 1..] {
            if a.4 != b.4 {
                continue;
            }
            let apart =
                a.0 + a.2 <= b.0 || b.0 + b.2 <= a.0 || a.1 + a.3 <= b.1 || b.1 + b.3 <= a.1;
            assert!(apart, "{name}: boxes overlap: {a:?} {b:?}");
        }
    }
    // Markers exist only at the top level.
    let markers = g
        .nodes
        .iter()
        .filter(|n| matches!(n.kind, NodeKind::Start | NodeKind::End))
        .count();
    assert_eq!(markers, 2, "{name}");
}
