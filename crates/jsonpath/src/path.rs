//! JSONPath parsing and selection with Jayway semantics.

use std::borrow::Cow;
use std::fmt::Write as _;

use serde_json::{Map, Value};

use crate::error::{PathError, SelectError};
use crate::filter::{self, FilterExpr};
use crate::Roots;

/// Deepest nesting of filters inside paths inside filters that the parser accepts.
pub(crate) const MAX_DEPTH: usize = 32;

/// Most segments a path may have. A `ResultPath` write creates one level of
/// nesting per segment, and a state's data may be nested at most 1,000 levels
/// (`stepwell_core::limits::MAX_NESTING`), so a longer path could only fail;
/// refusing it when parsing also keeps every walk over a path's segments
/// shallow.
pub const MAX_SEGMENTS: usize = 1000;

/// Where a path starts.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Root {
    /// `$`: the state input (or effective input, depending on the field).
    Input,
    /// `$$`: the context object.
    Context,
    /// `$name`: a workflow variable.
    Variable(String),
}

/// One step of a path.
#[derive(Debug, Clone)]
pub(crate) enum Segment {
    /// `.name` or `['name']`.
    Name(String),
    /// `['a','b']`.
    Names(Vec<String>),
    /// `[3]`, `[-1]`.
    Index(i64),
    /// `[0,2]`.
    Indexes(Vec<i64>),
    /// `[1:3]`, `[:2]`, `[-1:]`.
    Slice(Option<i64>, Option<i64>),
    /// `.*` or `[*]`.
    Wildcard,
    /// `[?(…)]`.
    Filter(Box<FilterExpr>),
    /// `..` (always followed by another segment).
    Scan,
    /// `.length()` and friends (always last).
    Function(Func),
}

/// Jayway path functions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Func {
    Length,
    Min,
    Max,
    Avg,
    Stddev,
    Sum,
    Keys,
    First,
    Last,
}

impl Func {
    fn from_name(name: &str) -> Option<Func> {
        Some(match name {
            "length" | "size" => Func::Length,
            "min" => Func::Min,
            "max" => Func::Max,
            "avg" => Func::Avg,
            "stddev" => Func::Stddev,
            "sum" => Func::Sum,
            "keys" => Func::Keys,
            "first" => Func::First,
            "last" => Func::Last,
            _ => return None,
        })
    }

    fn name(self) -> &'static str {
        match self {
            Func::Length => "length",
            Func::Min => "min",
            Func::Max => "max",
            Func::Avg => "avg",
            Func::Stddev => "stddev",
            Func::Sum => "sum",
            Func::Keys => "keys",
            Func::First => "first",
            Func::Last => "last",
        }
    }
}

impl Segment {
    /// Jayway's notion of a definite token; `leaf` matters for `['a','b']`, which Jayway
    /// merges into one object when it is the last token.
    fn is_definite(&self, leaf: bool) -> bool {
        match self {
            Segment::Name(_) | Segment::Index(_) | Segment::Function(_) => true,
            Segment::Names(_) => leaf,
            _ => false,
        }
    }

    /// Appends Jayway's rendering of this token (`['a']`, `[0]`, `[*]`, `..`, `[?]`).
    fn write_fragment(&self, out: &mut String) {
        match self {
            Segment::Name(n) => {
                let _ = write!(out, "['{n}']");
            }
            Segment::Names(ns) => {
                out.push('[');
                for (i, n) in ns.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    let _ = write!(out, "'{n}'");
                }
                out.push(']');
            }
            Segment::Index(i) => {
                let _ = write!(out, "[{i}]");
            }
            Segment::Indexes(is) => {
                out.push('[');
                for (k, i) in is.iter().enumerate() {
                    if k > 0 {
                        out.push(',');
                    }
                    let _ = write!(out, "{i}");
                }
                out.push(']');
            }
            Segment::Slice(from, to) => {
                out.push('[');
                if let Some(f) = from {
                    let _ = write!(out, "{f}");
                }
                out.push(':');
                if let Some(t) = to {
                    let _ = write!(out, "{t}");
                }
                out.push(']');
            }
            Segment::Wildcard => out.push_str("[*]"),
            Segment::Filter(_) => out.push_str("[?]"),
            Segment::Scan => out.push_str(".."),
            Segment::Function(f) => {
                let _ = write!(out, ".{}()", f.name());
            }
        }
    }
}

/// A parsed JSONPath as Step Functions uses it (Jayway semantics, not RFC 9535).
#[derive(Debug, Clone)]
pub struct Path {
    text: String,
    root: Root,
    segments: Vec<Segment>,
}

impl PartialEq for Path {
    fn eq(&self, other: &Path) -> bool {
        self.text == other.text
    }
}

impl Path {
    /// Parses `$…`, `$$…` or `$name…`.
    pub fn parse(text: &str) -> Result<Path, PathError> {
        let mut cur = Cursor::new(text, 0);
        let root = cur.parse_root()?;
        let segments = cur.parse_segments(StopAt::End)?;
        if !cur.at_end() {
            return Err(cur.error("unexpected character"));
        }
        Ok(Path {
            text: text.to_string(),
            root,
            segments,
        })
    }

    pub(crate) fn from_parts(text: String, root: Root, segments: Vec<Segment>) -> Path {
        Path {
            text,
            root,
            segments,
        }
    }

    /// The original text.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// Where the path starts.
    pub fn root(&self) -> &Root {
        &self.root
    }

    pub(crate) fn segments(&self) -> &[Segment] {
        &self.segments
    }

    /// True when the path selects at most one value: no wildcard, slice, filter, `..`,
    /// union (Jayway's `isDefinite`).
    pub fn is_definite(&self) -> bool {
        is_definite(&self.segments)
    }

    /// True for a Reference Path: only names and single non-negative indexes.
    pub fn is_reference(&self) -> bool {
        self.segments
            .iter()
            .all(|s| matches!(s, Segment::Name(_)) || matches!(s, Segment::Index(i) if *i >= 0))
    }

    /// Jayway's rendering of the path (`$['a'][0]`), as used in its messages.
    pub fn jayway_string(&self) -> String {
        let mut s = String::from("$");
        for seg in &self.segments {
            seg.write_fragment(&mut s);
        }
        s
    }

    /// Evaluates the path.
    ///
    /// A definite path gives the value (borrowed when possible) or a [`SelectError`] with
    /// Jayway's message. An indefinite path gives an owned array of every match, possibly
    /// empty, and never fails.
    pub fn select<'a>(&self, roots: &Roots<'a>) -> Result<Cow<'a, Value>, SelectError> {
        let root: &'a Value = match &self.root {
            Root::Input => roots.input,
            Root::Context => roots.context,
            Root::Variable(name) => match roots.variables.get(name) {
                Some(v) => v,
                None => {
                    return Err(SelectError {
                        path: self.text.clone(),
                        detail: format!("The variable '{name}' is not defined"),
                    })
                }
            },
        };
        self.select_from(root)
    }

    /// Evaluates the path against one document, whatever the root.
    pub fn select_in<'a>(&self, document: &'a Value) -> Result<Cow<'a, Value>, SelectError> {
        self.select_from(document)
    }

    fn select_from<'a>(&self, root: &'a Value) -> Result<Cow<'a, Value>, SelectError> {
        let (segs, func) = match self.segments.split_last() {
            Some((Segment::Function(f), rest)) => (rest, Some(*f)),
            _ => (&self.segments[..], None),
        };
        let base = if is_definite(segs) {
            self.select_definite(root, segs)?
        } else {
            let mut out = Vec::new();
            collect(root, segs, root, &mut out);
            Cow::Owned(Value::Array(out.into_iter().map(Cow::into_owned).collect()))
        };
        match func {
            None => Ok(base),
            Some(f) => apply_function(f, &base)
                .map(Cow::Owned)
                .map_err(|detail| SelectError {
                    path: self.text.clone(),
                    detail,
                }),
        }
    }

    fn select_definite<'a>(
        &self,
        root: &'a Value,
        segs: &[Segment],
    ) -> Result<Cow<'a, Value>, SelectError> {
        let err = |detail: String| SelectError {
            path: self.text.clone(),
            detail,
        };
        let no_results = || err(format!("No results for path: {}", self.jayway_string()));
        // Jayway's rendering of the segments before `i`, built only for an error
        // message: formatting it on every step was most of a path lookup's cost.
        let at_before = |i: usize| {
            let mut at = String::from("$");
            for seg in &segs[..i] {
                seg.write_fragment(&mut at);
            }
            at
        };
        let mut cur = root;
        for (i, seg) in segs.iter().enumerate() {
            let leaf = i + 1 == segs.len();
            match seg {
                Segment::Name(name) => match cur {
                    Value::Object(map) => match map.get(name) {
                        Some(v) => cur = v,
                        None if leaf => return Err(no_results()),
                        None => {
                            let at = at_before(i + 1);
                            return Err(err(format!("Missing property in path {at}")));
                        }
                    },
                    other => return Err(err(not_an_object(seg, &at_before(i), other))),
                },
                Segment::Names(names) => match cur {
                    Value::Object(map) => {
                        let mut merged = Map::new();
                        for n in names {
                            if let Some(v) = map.get(n) {
                                merged.insert(n.clone(), v.clone());
                            }
                        }
                        return Ok(Cow::Owned(Value::Object(merged)));
                    }
                    other => return Err(err(not_an_object(seg, &at_before(i), other))),
                },
                Segment::Index(index) => match cur {
                    Value::Array(items) => match effective_index(*index, items.len()) {
                        Some(k) => cur = &items[k],
                        None => return Err(no_results()),
                    },
                    Value::Null => return Err(err(format!("The path {} is null", at_before(i)))),
                    other => {
                        let mut frag = String::new();
                        seg.write_fragment(&mut frag);
                        return Err(err(format!(
                            "Filter: {frag} can only be applied to arrays. Current context is: {}",
                            java_string(other)
                        )));
                    }
                },
                // Not reachable for definite segment lists; treat as "nothing found".
                _ => return Err(no_results()),
            }
        }
        Ok(Cow::Borrowed(cur))
    }
}

impl std::fmt::Display for Path {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text)
    }
}

fn is_definite(segs: &[Segment]) -> bool {
    let n = segs.len();
    segs.iter()
        .enumerate()
        .all(|(i, s)| s.is_definite(i + 1 == n))
}

fn not_an_object(seg: &Segment, at: &str, found: &Value) -> String {
    let mut frag = String::new();
    seg.write_fragment(&mut frag);
    format!(
        "Expected to find an object with property {frag} in path {at} but found '{}'. \
         This is not a json object according to the JsonProvider: \
         'com.jayway.jsonpath.spi.json.JsonSmartJsonProvider'.",
        java_class(found)
    )
}

/// The Java class Jayway's default provider would report for a value.
fn java_class(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "java.lang.Boolean",
        Value::Number(n) if n.is_f64() => "java.lang.Double",
        Value::Number(n) => match n.as_i64() {
            Some(i) if i32::try_from(i).is_ok() => "java.lang.Integer",
            Some(_) => "java.lang.Long",
            None => "java.math.BigInteger",
        },
        Value::String(_) => "java.lang.String",
        Value::Array(_) => "net.minidev.json.JSONArray",
        Value::Object(_) => "net.minidev.json.JSONObject",
    }
}

/// Java `toString` of a JSON-smart value: JSON for containers, plain text for scalars.
fn java_string(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => crate::compact(other),
    }
}

pub(crate) fn effective_index(index: i64, len: usize) -> Option<usize> {
    let len_i = i64::try_from(len).ok()?;
    let k = if index < 0 {
        len_i.checked_add(index)?
    } else {
        index
    };
    if k < 0 || k >= len_i {
        None
    } else {
        usize::try_from(k).ok()
    }
}

fn slice_bounds(from: Option<i64>, to: Option<i64>, len: usize) -> (usize, usize) {
    let len_i = i64::try_from(len).unwrap_or(i64::MAX);
    let norm = |v: i64| -> i64 {
        if v < 0 {
            len_i.saturating_add(v).max(0)
        } else {
            v.min(len_i)
        }
    };
    let f = from.map_or(0, norm);
    let t = to.map_or(len_i, norm);
    let f = usize::try_from(f).unwrap_or(0);
    let t = usize::try_from(t).unwrap_or(0);
    (f, t.max(f))
}

/// Collects the matches of an indefinite path (Jayway semantics, missing parts skipped).
fn collect<'a>(node: &'a Value, segs: &[Segment], root: &'a Value, out: &mut Vec<Cow<'a, Value>>) {
    let Some((seg, rest)) = segs.split_first() else {
        out.push(Cow::Borrowed(node));
        return;
    };
    match seg {
        Segment::Name(name) => {
            if let Some(v) = node.as_object().and_then(|m| m.get(name)) {
                collect(v, rest, root, out);
            }
        }
        Segment::Names(names) => {
            if let Value::Object(map) = node {
                if rest.is_empty() {
                    let mut merged = Map::new();
                    for n in names {
                        if let Some(v) = map.get(n) {
                            merged.insert(n.clone(), v.clone());
                        }
                    }
                    out.push(Cow::Owned(Value::Object(merged)));
                } else {
                    for n in names {
                        if let Some(v) = map.get(n) {
                            collect(v, rest, root, out);
                        }
                    }
                }
            }
        }
        Segment::Index(i) => {
            if let Value::Array(items) = node {
                if let Some(k) = effective_index(*i, items.len()) {
                    collect(&items[k], rest, root, out);
                }
            }
        }
        Segment::Indexes(is) => {
            if let Value::Array(items) = node {
                for i in is {
                    if let Some(k) = effective_index(*i, items.len()) {
                        collect(&items[k], rest, root, out);
                    }
                }
            }
        }
        Segment::Slice(from, to) => {
            if let Value::Array(items) = node {
                let (f, t) = slice_bounds(*from, *to, items.len());
                for item in &items[f..t] {
                    collect(item, rest, root, out);
                }
            }
        }
        Segment::Wildcard => match node {
            Value::Object(map) => {
                for v in map.values() {
                    collect(v, rest, root, out);
                }
            }
            Value::Array(items) => {
                for v in items {
                    collect(v, rest, root, out);
                }
            }
            _ => {}
        },
        Segment::Filter(expr) => match node {
            Value::Object(_) if expr.matches(node, root) => collect(node, rest, root, out),
            // AWS: "the @ operator ... does not match scalar values. It only matches objects."
            Value::Array(items) => {
                for v in items {
                    if v.is_object() && expr.matches(v, root) {
                        collect(v, rest, root, out);
                    }
                }
            }
            _ => {}
        },
        Segment::Scan => scan(node, rest, root, out),
        // Functions are applied by `select` after collection.
        Segment::Function(_) => {}
    }
}

/// Jayway's deep scan: visit every node in pre-order and apply the rest of the path.
fn scan<'a>(node: &'a Value, rest: &[Segment], root: &'a Value, out: &mut Vec<Cow<'a, Value>>) {
    match rest.first() {
        // A filter after `..` tests each object itself (Jayway's scan predicate).
        Some(Segment::Filter(expr)) => {
            if node.is_object() && expr.matches(node, root) {
                collect(node, &rest[1..], root, out);
            }
        }
        Some(_) => collect(node, rest, root, out),
        None => out.push(Cow::Borrowed(node)),
    }
    match node {
        Value::Object(map) => {
            for v in map.values() {
                scan(v, rest, root, out);
            }
        }
        Value::Array(items) => {
            for v in items {
                scan(v, rest, root, out);
            }
        }
        _ => {}
    }
}

fn apply_function(f: Func, v: &Value) -> Result<Value, String> {
    match f {
        Func::Length => Ok(match v {
            Value::Array(a) => Value::from(a.len()),
            Value::Object(m) => Value::from(m.len()),
            Value::String(s) => Value::from(s.chars().count()),
            _ => Value::Null,
        }),
        Func::Keys => Ok(match v {
            Value::Object(m) => Value::Array(m.keys().cloned().map(Value::String).collect()),
            _ => Value::Null,
        }),
        Func::First => Ok(v
            .as_array()
            .and_then(|a| a.first())
            .cloned()
            .unwrap_or(Value::Null)),
        Func::Last => Ok(v
            .as_array()
            .and_then(|a| a.last())
            .cloned()
            .unwrap_or(Value::Null)),
        Func::Min | Func::Max | Func::Avg | Func::Stddev | Func::Sum => {
            let nums: Vec<f64> = match v {
                Value::Array(a) => a.iter().filter_map(Value::as_f64).collect(),
                _ => Vec::new(),
            };
            if nums.is_empty() {
                return Err(
                    "Aggregation function attempted to calculate value using empty array".into(),
                );
            }
            let n = nums.len() as f64;
            let sum: f64 = nums.iter().sum();
            let r = match f {
                Func::Min => nums.iter().copied().fold(f64::INFINITY, f64::min),
                Func::Max => nums.iter().copied().fold(f64::NEG_INFINITY, f64::max),
                Func::Avg => sum / n,
                Func::Sum => sum,
                _ => {
                    let mean = sum / n;
                    (nums.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / n).sqrt()
                }
            };
            Ok(serde_json::Number::from_f64(r).map_or(Value::Null, Value::Number))
        }
    }
}

/// Where a path embedded in something else ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum StopAt {
    /// The path is the whole text.
    End,
    /// The path is an operand inside a filter: it ends at whitespace, an operator or `)`.
    FilterOperand,
}

/// A byte cursor over path or filter text.
pub(crate) struct Cursor<'t> {
    pub(crate) text: &'t str,
    pub(crate) pos: usize,
    pub(crate) depth: usize,
}

impl<'t> Cursor<'t> {
    pub(crate) fn new(text: &'t str, depth: usize) -> Cursor<'t> {
        Cursor {
            text,
            pos: 0,
            depth,
        }
    }

    pub(crate) fn error(&self, message: &str) -> PathError {
        PathError::new(self.text, self.pos, message)
    }

    pub(crate) fn at_end(&self) -> bool {
        self.pos >= self.text.len()
    }

    pub(crate) fn peek(&self) -> Option<char> {
        self.text.get(self.pos..).and_then(|s| s.chars().next())
    }

    pub(crate) fn rest(&self) -> &'t str {
        self.text.get(self.pos..).unwrap_or("")
    }

    pub(crate) fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += c.len_utf8();
        Some(c)
    }

    pub(crate) fn eat(&mut self, c: char) -> bool {
        if self.peek() == Some(c) {
            self.pos += c.len_utf8();
            true
        } else {
            false
        }
    }

    pub(crate) fn expect(&mut self, c: char) -> Result<(), PathError> {
        if self.eat(c) {
            Ok(())
        } else {
            Err(self.error(&format!("expected '{c}'")))
        }
    }

    pub(crate) fn skip_ws(&mut self) {
        while matches!(self.peek(), Some(c) if c.is_whitespace()) {
            self.bump();
        }
    }

    /// `$`, `$$` or `$name`.
    pub(crate) fn parse_root(&mut self) -> Result<Root, PathError> {
        if !self.eat('$') {
            return Err(self.error("a path must start with '$'"));
        }
        if self.eat('$') {
            return Ok(Root::Context);
        }
        match self.peek() {
            Some(c) if c.is_alphabetic() || c == '_' => {
                let start = self.pos;
                while matches!(self.peek(), Some(c) if c.is_alphanumeric() || c == '_') {
                    self.bump();
                }
                Ok(Root::Variable(self.text[start..self.pos].to_string()))
            }
            _ => Ok(Root::Input),
        }
    }

    fn ends_operand(c: char) -> bool {
        c.is_whitespace() || matches!(c, '<' | '>' | '=' | '~' | '!' | '&' | '|' | ')' | ',')
    }

    /// Segments up to the end of the text (or of the filter operand).
    pub(crate) fn parse_segments(&mut self, stop: StopAt) -> Result<Vec<Segment>, PathError> {
        let mut segs = Vec::new();
        loop {
            if segs.len() > MAX_SEGMENTS {
                return Err(self.error(&format!("a path has at most {MAX_SEGMENTS} parts")));
            }
            match self.peek() {
                None => break,
                Some(c) if stop == StopAt::FilterOperand && Self::ends_operand(c) => break,
                Some('.') => {
                    if matches!(segs.last(), Some(Segment::Function(_))) {
                        return Err(self.error("a function must be the last part of a path"));
                    }
                    self.bump();
                    if self.eat('.') {
                        segs.push(Segment::Scan);
                        match self.peek() {
                            Some('[') => segs.push(self.parse_bracket()?),
                            Some('*') => {
                                self.bump();
                                segs.push(Segment::Wildcard);
                            }
                            None | Some('.') => {
                                return Err(self.error("path must not end with a '.' or '..'"))
                            }
                            Some(_) => segs.push(self.parse_dot_name(stop)?),
                        }
                    } else if self.eat('*') {
                        segs.push(Segment::Wildcard);
                    } else {
                        match self.peek() {
                            None => return Err(self.error("path must not end with a '.' or '..'")),
                            Some('.') => {
                                return Err(self.error("expected a property name after '.'"))
                            }
                            // Jayway reads whatever token follows a '.', so
                            // `$.abc.['def ghi']` (AWS's own example in "Using
                            // JSONPath paths") is `$.abc['def ghi']`.
                            Some('[') => segs.push(self.parse_bracket()?),
                            Some(_) => segs.push(self.parse_dot_name(stop)?),
                        }
                    }
                }
                Some('[') => {
                    if matches!(segs.last(), Some(Segment::Function(_))) {
                        return Err(self.error("a function must be the last part of a path"));
                    }
                    segs.push(self.parse_bracket()?);
                }
                Some(_) => return Err(self.error("expected '.' or '['")),
            }
        }
        Ok(segs)
    }

    /// A name after `.` (dashes, digits and the like are allowed), or a function call.
    fn parse_dot_name(&mut self, stop: StopAt) -> Result<Segment, PathError> {
        let start = self.pos;
        while let Some(c) = self.peek() {
            if c == '.' || c == '[' || c == '(' {
                break;
            }
            if stop == StopAt::FilterOperand && Self::ends_operand(c) {
                break;
            }
            if c.is_whitespace() {
                return Err(self.error(
                    "use bracket notation ['my prop'] if a property contains blank characters",
                ));
            }
            self.bump();
        }
        let name = &self.text[start..self.pos];
        if name.is_empty() {
            return Err(self.error("expected a property name"));
        }
        if self.eat('(') {
            let Some(func) = Func::from_name(name) else {
                return Err(PathError::new(
                    self.text,
                    start,
                    format!("unknown function '{name}'"),
                ));
            };
            self.skip_ws();
            self.expect(')')?;
            return Ok(Segment::Function(func));
        }
        Ok(Segment::Name(name.to_string()))
    }

    fn parse_bracket(&mut self) -> Result<Segment, PathError> {
        self.expect('[')?;
        self.skip_ws();
        let seg = match self.peek() {
            Some('*') => {
                self.bump();
                Segment::Wildcard
            }
            Some('?') => {
                self.bump();
                self.skip_ws();
                self.expect('(')?;
                if self.depth >= MAX_DEPTH {
                    return Err(self.error("filters are nested too deeply"));
                }
                let expr = filter::parse_filter(self)?;
                self.skip_ws();
                self.expect(')')?;
                Segment::Filter(Box::new(expr))
            }
            Some('\'') | Some('"') => {
                let mut names = vec![self.parse_quoted()?];
                loop {
                    self.skip_ws();
                    if !self.eat(',') {
                        break;
                    }
                    self.skip_ws();
                    names.push(self.parse_quoted()?);
                }
                if names.len() == 1 {
                    Segment::Name(names.pop().unwrap_or_default())
                } else {
                    Segment::Names(names)
                }
            }
            Some(c) if c == '-' || c == ':' || c.is_ascii_digit() => self.parse_indexes()?,
            _ => return Err(self.error("expected '*', '?', a quoted name or an index after '['")),
        };
        self.skip_ws();
        self.expect(']')?;
        Ok(seg)
    }

    pub(crate) fn parse_quoted(&mut self) -> Result<String, PathError> {
        let quote = match self.bump() {
            Some(q @ ('\'' | '"')) => q,
            _ => return Err(self.error("expected a quoted name")),
        };
        let mut s = String::new();
        loop {
            match self.bump() {
                None => return Err(self.error("unterminated quoted name")),
                Some('\\') => match self.bump() {
                    Some(c) => s.push(c),
                    None => return Err(self.error("unterminated quoted name")),
                },
                Some(c) if c == quote => return Ok(s),
                Some(c) => s.push(c),
            }
        }
    }

    fn parse_int(&mut self) -> Result<Option<i64>, PathError> {
        self.skip_ws();
        let start = self.pos;
        self.eat('-');
        while matches!(self.peek(), Some(c) if c.is_ascii_digit()) {
            self.bump();
        }
        let digits = &self.text[start..self.pos];
        if digits.is_empty() {
            return Ok(None);
        }
        digits
            .parse::<i64>()
            .map(Some)
            .map_err(|_| PathError::new(self.text, start, "invalid array index"))
    }

    fn parse_indexes(&mut self) -> Result<Segment, PathError> {
        let first = self.parse_int()?;
        self.skip_ws();
        if self.eat(':') {
            let second = self.parse_int()?;
            self.skip_ws();
            if self.peek() == Some(':') {
                return Err(self.error("slice steps are not supported"));
            }
            return Ok(Segment::Slice(first, second));
        }
        let Some(first) = first else {
            return Err(self.error("expected an array index"));
        };
        let mut all = vec![first];
        loop {
            self.skip_ws();
            if !self.eat(',') {
                break;
            }
            match self.parse_int()? {
                Some(i) => all.push(i),
                None => return Err(self.error("expected an array index")),
            }
        }
        Ok(if all.len() == 1 {
            Segment::Index(first)
        } else {
            Segment::Indexes(all)
        })
    }
}
