//! Jayway filter expressions: `[?(@.price < 10 && @.tag =~ /a.*/i)]`.

use std::borrow::Cow;

use serde_json::Value;

use crate::error::PathError;
use crate::path::{Cursor, Path, Root, StopAt, MAX_DEPTH};

/// A parsed filter expression.
#[derive(Debug, Clone)]
pub(crate) enum FilterExpr {
    Or(Box<FilterExpr>, Box<FilterExpr>),
    And(Box<FilterExpr>, Box<FilterExpr>),
    Not(Box<FilterExpr>),
    /// `@.x` alone: true when the path finds something.
    Exists(Operand),
    Compare(Operand, Op, Operand),
}

#[derive(Debug, Clone)]
pub(crate) enum Operand {
    /// `@…`: relative to the item being tested.
    Current(Path),
    /// `$…`: relative to the document root.
    Root(Path),
    Literal(Value),
    Regex(Regex),
}

/// A compiled `/pattern/flags` literal; Jayway matches the whole input (`Matcher.matches`).
#[derive(Debug, Clone)]
pub(crate) struct Regex {
    compiled: regex_lite::Regex,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Op {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Match,
    In,
    Nin,
    Contains,
    SubsetOf,
    AnyOf,
    NoneOf,
    Size,
    Empty,
}

/// An operand after evaluation.
enum Val<'a> {
    Undefined,
    Json(Cow<'a, Value>),
    Regex(&'a regex_lite::Regex),
}

impl FilterExpr {
    /// Does `item` pass the filter? `root` is the document the whole path runs on.
    pub(crate) fn matches(&self, item: &Value, root: &Value) -> bool {
        match self {
            FilterExpr::Or(a, b) => a.matches(item, root) || b.matches(item, root),
            FilterExpr::And(a, b) => a.matches(item, root) && b.matches(item, root),
            FilterExpr::Not(e) => !e.matches(item, root),
            FilterExpr::Exists(op) => match op.eval(item, root) {
                Val::Undefined => false,
                Val::Json(v) => match (op, v.as_ref()) {
                    // An indefinite path "exists" when it found something.
                    (Operand::Current(p) | Operand::Root(p), Value::Array(a))
                        if !p.is_definite() =>
                    {
                        !a.is_empty()
                    }
                    _ => true,
                },
                Val::Regex(_) => true,
            },
            FilterExpr::Compare(l, op, r) => {
                let lv = l.eval(item, root);
                let rv = r.eval(item, root);
                compare(&lv, *op, &rv)
            }
        }
    }
}

impl Operand {
    fn eval<'a>(&'a self, item: &'a Value, root: &'a Value) -> Val<'a> {
        match self {
            Operand::Current(p) => p.select_in(item).map_or(Val::Undefined, Val::Json),
            Operand::Root(p) => p.select_in(root).map_or(Val::Undefined, Val::Json),
            Operand::Literal(v) => Val::Json(Cow::Borrowed(v)),
            Operand::Regex(r) => Val::Regex(&r.compiled),
        }
    }
}

fn as_number(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        _ => None,
    }
}

/// Jayway's `==`: numbers compare by value, and a number equals a string that parses
/// to the same number.
fn json_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(_), Value::Number(_)) => as_number(a) == as_number(b),
        (Value::Number(_), Value::String(s)) | (Value::String(s), Value::Number(_)) => {
            let n = as_number(if a.is_number() { a } else { b });
            s.trim().parse::<f64>().ok() == n
        }
        _ => a == b,
    }
}

fn compare(l: &Val<'_>, op: Op, r: &Val<'_>) -> bool {
    use Val::{Json, Regex, Undefined};
    match op {
        Op::Eq => matches!((l, r), (Json(a), Json(b)) if json_eq(a, b)),
        Op::Ne => !compare(l, Op::Eq, r),
        Op::Lt | Op::Le | Op::Gt | Op::Ge => {
            let (Json(a), Json(b)) = (l, r) else {
                return false;
            };
            let ord = match (a.as_ref(), b.as_ref()) {
                (Value::Number(_), Value::Number(_)) => {
                    as_number(a).and_then(|x| as_number(b).and_then(|y| x.partial_cmp(&y)))
                }
                (Value::String(x), Value::String(y)) => Some(stepwell_java::compare_utf16(x, y)),
                _ => None,
            };
            let Some(ord) = ord else { return false };
            match op {
                Op::Lt => ord.is_lt(),
                Op::Le => ord.is_le(),
                Op::Gt => ord.is_gt(),
                _ => ord.is_ge(),
            }
        }
        Op::Match => {
            let (re, input) = match (l, r) {
                (Regex(re), Json(v)) | (Json(v), Regex(re)) => (re, v),
                _ => return false,
            };
            let text = match input.as_ref() {
                Value::String(s) => s.clone(),
                Value::Number(_) | Value::Bool(_) => crate::compact(input),
                _ => return false,
            };
            re.is_match(&text)
        }
        Op::In | Op::Nin => {
            let found = match (l, r) {
                (Json(a), Json(b)) => match b.as_ref() {
                    Value::Array(items) => items.iter().any(|x| json_eq(a, x)),
                    _ => return false,
                },
                _ => false,
            };
            if op == Op::In {
                found
            } else {
                !found
            }
        }
        Op::Contains => match (l, r) {
            (Json(a), Json(b)) => match (a.as_ref(), b.as_ref()) {
                (Value::String(s), Value::String(t)) => s.contains(t.as_str()),
                (Value::Array(items), x) => items.iter().any(|i| json_eq(i, x)),
                _ => false,
            },
            _ => false,
        },
        Op::SubsetOf | Op::AnyOf | Op::NoneOf => {
            let (Json(a), Json(b)) = (l, r) else {
                return false;
            };
            let (Value::Array(left), Value::Array(right)) = (a.as_ref(), b.as_ref()) else {
                return false;
            };
            let inside = |x: &Value| right.iter().any(|y| json_eq(x, y));
            match op {
                Op::SubsetOf => left.iter().all(inside),
                Op::AnyOf => left.iter().any(inside),
                _ => !left.iter().any(inside),
            }
        }
        Op::Size => match (l, r) {
            (Json(a), Json(b)) => {
                let len = match a.as_ref() {
                    Value::Array(x) => x.len(),
                    Value::String(s) => s.chars().count(),
                    _ => return false,
                };
                as_number(b) == Some(len as f64)
            }
            _ => false,
        },
        Op::Empty => match (l, r) {
            (Json(a), Json(b)) => {
                let empty = match a.as_ref() {
                    Value::Array(x) => x.is_empty(),
                    Value::String(s) => s.is_empty(),
                    _ => return false,
                };
                b.as_bool() == Some(empty)
            }
            (Undefined, _) => false,
            _ => false,
        },
    }
}

/// Parses the inside of `[?( … )]`; the cursor stops before the closing `)`.
pub(crate) fn parse_filter(cur: &mut Cursor<'_>) -> Result<FilterExpr, PathError> {
    parse_or(cur)
}

fn enter(cur: &mut Cursor<'_>) -> Result<(), PathError> {
    if cur.depth >= MAX_DEPTH {
        return Err(cur.error("filter is nested too deeply"));
    }
    cur.depth += 1;
    Ok(())
}

fn parse_or(cur: &mut Cursor<'_>) -> Result<FilterExpr, PathError> {
    enter(cur)?;
    let mut left = parse_and(cur)?;
    loop {
        cur.skip_ws();
        if cur.rest().starts_with("||") {
            cur.pos += 2;
            let right = parse_and(cur)?;
            left = FilterExpr::Or(Box::new(left), Box::new(right));
        } else {
            break;
        }
    }
    cur.depth -= 1;
    Ok(left)
}

fn parse_and(cur: &mut Cursor<'_>) -> Result<FilterExpr, PathError> {
    let mut left = parse_unary(cur)?;
    loop {
        cur.skip_ws();
        if cur.rest().starts_with("&&") {
            cur.pos += 2;
            let right = parse_unary(cur)?;
            left = FilterExpr::And(Box::new(left), Box::new(right));
        } else {
            break;
        }
    }
    Ok(left)
}

fn parse_unary(cur: &mut Cursor<'_>) -> Result<FilterExpr, PathError> {
    cur.skip_ws();
    match cur.peek() {
        Some('!') => {
            cur.bump();
            enter(cur)?;
            let inner = parse_unary(cur)?;
            cur.depth -= 1;
            Ok(FilterExpr::Not(Box::new(inner)))
        }
        Some('(') => {
            cur.bump();
            let inner = parse_or(cur)?;
            cur.skip_ws();
            cur.expect(')')?;
            Ok(inner)
        }
        _ => parse_relation(cur),
    }
}

fn parse_relation(cur: &mut Cursor<'_>) -> Result<FilterExpr, PathError> {
    let left = parse_operand(cur)?;
    cur.skip_ws();
    let Some(op) = parse_op(cur) else {
        return match left {
            Operand::Current(_) | Operand::Root(_) => Ok(FilterExpr::Exists(left)),
            _ => Err(cur.error("expected a comparison operator")),
        };
    };
    cur.skip_ws();
    let right = parse_operand(cur)?;
    Ok(FilterExpr::Compare(left, op, right))
}

fn parse_op(cur: &mut Cursor<'_>) -> Option<Op> {
    const SYMBOLS: [(&str, Op); 7] = [
        ("==", Op::Eq),
        ("!=", Op::Ne),
        ("<=", Op::Le),
        (">=", Op::Ge),
        ("=~", Op::Match),
        ("<", Op::Lt),
        (">", Op::Gt),
    ];
    const WORDS: [(&str, Op); 8] = [
        ("nin", Op::Nin),
        ("in", Op::In),
        ("contains", Op::Contains),
        ("subsetof", Op::SubsetOf),
        ("anyof", Op::AnyOf),
        ("noneof", Op::NoneOf),
        ("size", Op::Size),
        ("empty", Op::Empty),
    ];
    let rest = cur.rest();
    for (s, op) in SYMBOLS {
        if rest.starts_with(s) {
            cur.pos += s.len();
            return Some(op);
        }
    }
    for (w, op) in WORDS {
        if let Some(after) = rest.strip_prefix(w) {
            if after
                .chars()
                .next()
                .is_none_or(|c| !c.is_alphanumeric() && c != '_')
            {
                cur.pos += w.len();
                return Some(op);
            }
        }
    }
    None
}

fn parse_operand(cur: &mut Cursor<'_>) -> Result<Operand, PathError> {
    cur.skip_ws();
    let start = cur.pos;
    match cur.peek() {
        Some(c @ ('@' | '$')) => {
            cur.bump();
            enter(cur)?;
            let segs = cur.parse_segments(StopAt::FilterOperand)?;
            cur.depth -= 1;
            let text = cur.text[start..cur.pos].to_string();
            let path = Path::from_parts(text, Root::Input, segs);
            Ok(if c == '@' {
                Operand::Current(path)
            } else {
                Operand::Root(path)
            })
        }
        Some('/') => parse_regex(cur).map(Operand::Regex),
        _ => parse_literal(cur).map(Operand::Literal),
    }
}

fn parse_regex(cur: &mut Cursor<'_>) -> Result<Regex, PathError> {
    cur.expect('/')?;
    let mut pattern = String::new();
    loop {
        match cur.bump() {
            None => return Err(cur.error("unterminated regular expression")),
            Some('\\') => match cur.bump() {
                Some('/') => pattern.push('/'),
                Some(c) => {
                    pattern.push('\\');
                    pattern.push(c);
                }
                None => return Err(cur.error("unterminated regular expression")),
            },
            Some('/') => break,
            Some(c) => pattern.push(c),
        }
    }
    let mut flags = String::new();
    while let Some(c) = cur.peek() {
        if !c.is_ascii_alphabetic() {
            break;
        }
        cur.bump();
        if matches!(c, 'i' | 'm' | 's' | 'x') {
            flags.push(c);
        }
    }
    let source = if flags.is_empty() {
        format!(r"\A(?:{pattern})\z")
    } else {
        format!(r"(?{flags})\A(?:{pattern})\z")
    };
    let compiled = regex_lite::Regex::new(&source)
        .map_err(|e| cur.error(&format!("invalid regular expression: {e}")))?;
    Ok(Regex { compiled })
}

/// Numbers, quoted strings, `true`/`false`/`null`, and `[…]`/`{…}` JSON-ish literals.
fn parse_literal(cur: &mut Cursor<'_>) -> Result<Value, PathError> {
    cur.skip_ws();
    match cur.peek() {
        Some('\'') | Some('"') => cur.parse_quoted().map(Value::String),
        Some(c) if c == '-' || c.is_ascii_digit() => {
            let start = cur.pos;
            cur.bump();
            while matches!(cur.peek(), Some(c) if c.is_ascii_digit() || matches!(c, '.' | 'e' | 'E' | '+' | '-'))
            {
                cur.bump();
            }
            let text = &cur.text[start..cur.pos];
            serde_json::from_str::<serde_json::Number>(text)
                .map(Value::Number)
                .map_err(|_| PathError::new(cur.text, start, "invalid number"))
        }
        Some('[') => {
            cur.bump();
            enter(cur)?;
            let mut items = Vec::new();
            cur.skip_ws();
            if !cur.eat(']') {
                loop {
                    items.push(parse_literal(cur)?);
                    cur.skip_ws();
                    if cur.eat(']') {
                        break;
                    }
                    cur.expect(',')?;
                }
            }
            cur.depth -= 1;
            Ok(Value::Array(items))
        }
        Some('{') => {
            cur.bump();
            enter(cur)?;
            let mut map = serde_json::Map::new();
            cur.skip_ws();
            if !cur.eat('}') {
                loop {
                    cur.skip_ws();
                    let key = cur.parse_quoted()?;
                    cur.skip_ws();
                    cur.expect(':')?;
                    let value = parse_literal(cur)?;
                    map.insert(key, value);
                    cur.skip_ws();
                    if cur.eat('}') {
                        break;
                    }
                    cur.expect(',')?;
                }
            }
            cur.depth -= 1;
            Ok(Value::Object(map))
        }
        _ => {
            for (word, value) in [
                ("true", Value::Bool(true)),
                ("false", Value::Bool(false)),
                ("null", Value::Null),
            ] {
                if cur.rest().starts_with(word) {
                    cur.pos += word.len();
                    return Ok(value);
                }
            }
            Err(cur.error("expected a value"))
        }
    }
}
