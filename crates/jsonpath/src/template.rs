//! Payload templates: `Parameters`, `ResultSelector`, `ItemSelector`, `Assign`.

use serde_json::{Map, Value};

use crate::error::{RenderError, TemplateError};
use crate::{Entropy, Intrinsic, Path, Roots};

#[derive(Debug, Clone)]
enum Node {
    /// A subtree without any `.$` key: copied as is.
    Literal(Value),
    Object(Vec<(String, Node)>),
    Array(Vec<Node>),
    /// `"key.$": "$.path"`; `field` is the key as written (with `.$`).
    Path {
        path: Path,
        field: String,
    },
    /// `"key.$": "States.X(…)"`.
    Intrinsic {
        call: Intrinsic,
    },
}

/// A compiled payload template. Keys ending in `.$` take a path (`$.x`, `$$.y`, `$var`) or
/// an intrinsic call; the key is emitted without the `.$`. Everything else is copied,
/// and `.$` keys are processed at any depth, inside arrays too.
#[derive(Debug, Clone)]
pub struct Template {
    root: Node,
}

impl Template {
    /// Compiles a template, reporting every bad field at once.
    pub fn compile(value: &Value) -> Result<Template, Vec<TemplateError>> {
        let mut errors = Vec::new();
        let mut pointer = String::new();
        let root = compile_node(value, &mut pointer, &mut errors);
        if errors.is_empty() {
            Ok(Template { root })
        } else {
            Err(errors)
        }
    }

    /// True when there is no `.$` key anywhere: rendering gives back the template itself.
    pub fn is_constant(&self) -> bool {
        matches!(self.root, Node::Literal(_))
    }

    /// The literal value of a constant template.
    pub fn constant(&self) -> Option<&Value> {
        match &self.root {
            Node::Literal(v) => Some(v),
            _ => None,
        }
    }

    /// Builds the payload.
    pub fn render(
        &self,
        roots: &Roots<'_>,
        entropy: &mut dyn Entropy,
    ) -> Result<Value, RenderError> {
        render_node(&self.root, roots, entropy)
    }
}

fn escape_pointer(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

fn compile_node(value: &Value, pointer: &mut String, errors: &mut Vec<TemplateError>) -> Node {
    match value {
        Value::Object(map) => {
            let mut fields = Vec::with_capacity(map.len());
            let mut dynamic = false;
            for (key, v) in map {
                let len = pointer.len();
                pointer.push('/');
                pointer.push_str(&escape_pointer(key));
                let node = match key.strip_suffix(".$") {
                    Some(name) => {
                        dynamic = true;
                        (name.to_string(), compile_dynamic(key, v, pointer, errors))
                    }
                    None => {
                        let node = compile_node(v, pointer, errors);
                        dynamic |= !matches!(node, Node::Literal(_));
                        (key.clone(), node)
                    }
                };
                fields.push(node);
                pointer.truncate(len);
            }
            if dynamic {
                Node::Object(aws_field_order(map, fields))
            } else {
                Node::Literal(value.clone())
            }
        }
        Value::Array(items) => {
            let mut nodes = Vec::with_capacity(items.len());
            for (i, v) in items.iter().enumerate() {
                let len = pointer.len();
                pointer.push('/');
                pointer.push_str(&i.to_string());
                nodes.push(compile_node(v, pointer, errors));
                pointer.truncate(len);
            }
            if nodes.iter().all(|n| matches!(n, Node::Literal(_))) {
                Node::Literal(value.clone())
            } else {
                Node::Array(nodes)
            }
        }
        other => Node::Literal(other.clone()),
    }
}

/// Put a dynamic object's fields in the order AWS renders them: the fields
/// without `.$` first, as written, then the `.$` ones in the iteration order
/// of a Java `HashMap` holding them (by name without the `.$`). AWS's
/// recorded outputs show it: a Map's `Parameters` with `original_input.$`,
/// `iteration_input_value.$`, `iteration_index.$`, `from_input_constant.$`
/// and `constant_value` gives `constant_value`, `iteration_input_value`,
/// `from_input_constant`, `iteration_index`, `original_input`
/// (`map_state_parameters_singleton_legacy`), and thirteen `$$` fields come
/// out in a 32-bucket table's order (`test_query_context_object_values`).
/// The order is known when the template is compiled, so rendering pays
/// nothing for it.
fn aws_field_order(
    written: &Map<String, Value>,
    fields: Vec<(String, Node)>,
) -> Vec<(String, Node)> {
    let (mut statics, mut paths) = (Vec::new(), Vec::new());
    for (key, field) in written.keys().zip(fields) {
        if key.ends_with(".$") {
            paths.push(Some(field));
        } else {
            statics.push(field);
        }
    }
    let order =
        stepwell_java::hash_map_order(paths.iter().flatten().map(|(name, _)| name.as_str()));
    statics.extend(
        order
            .into_iter()
            .filter_map(|i| paths.get_mut(i).and_then(Option::take)),
    );
    statics
}

fn compile_dynamic(
    key: &str,
    value: &Value,
    pointer: &str,
    errors: &mut Vec<TemplateError>,
) -> Node {
    let fail = |errors: &mut Vec<TemplateError>, detail: String| {
        errors.push(TemplateError {
            pointer: pointer.to_string(),
            field: key.to_string(),
            detail,
        });
        Node::Literal(Value::Null)
    };
    let Value::String(text) = value else {
        return fail(
            errors,
            "the value of a '.$' field must be a string".to_string(),
        );
    };
    if text.starts_with('$') {
        match Path::parse(text) {
            Ok(path) => Node::Path {
                path,
                field: key.to_string(),
            },
            Err(e) => fail(errors, e.to_string()),
        }
    } else {
        match Intrinsic::parse(text) {
            Ok(call) => Node::Intrinsic { call },
            Err(e) => fail(errors, e.to_string()),
        }
    }
}

fn render_node(
    node: &Node,
    roots: &Roots<'_>,
    entropy: &mut dyn Entropy,
) -> Result<Value, RenderError> {
    match node {
        Node::Literal(v) => Ok(v.clone()),
        Node::Object(fields) => {
            let mut map = Map::with_capacity(fields.len());
            for (key, child) in fields {
                map.insert(key.clone(), render_node(child, roots, entropy)?);
            }
            Ok(Value::Object(map))
        }
        Node::Array(items) => {
            let mut out = Vec::with_capacity(items.len());
            for child in items {
                out.push(render_node(child, roots, entropy)?);
            }
            Ok(Value::Array(out))
        }
        Node::Path { path, field } => crate::select_for_field(path, roots)
            .map(std::borrow::Cow::into_owned)
            .map_err(|e| e.with_field(field)),
        Node::Intrinsic { call } => call.eval(roots, entropy),
    }
}
