//! Parsing and evaluation of `States.*` intrinsic function calls.

use std::borrow::Cow;

use serde_json::Value;

use crate::error::{PathError, RenderError};
use crate::functions::{self, Function};
use crate::path::MAX_DEPTH;
use crate::{Entropy, Path, Roots};

/// One character of a string literal, remembering whether a brace was escaped
/// (`\{` is a literal brace in `States.Format`, `{` is a placeholder delimiter).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Piece {
    Char(char),
    Open,
    Close,
}

#[derive(Debug, Clone)]
pub(crate) struct StrLit {
    pub(crate) value: String,
    pub(crate) pieces: Vec<Piece>,
    /// The literal as written, quotes included.
    source: String,
}

#[derive(Debug, Clone)]
pub(crate) enum Expr {
    Call(Call),
    Path(Path),
    Str(StrLit),
    /// Numbers, booleans, `null` (with their source text).
    Literal(Value, String),
}

#[derive(Debug, Clone)]
pub(crate) struct Call {
    pub(crate) function: Function,
    pub(crate) args: Vec<Expr>,
}

/// An evaluated argument, with the brace information of a string literal.
pub(crate) struct Arg<'a> {
    pub(crate) value: Cow<'a, Value>,
    pub(crate) pieces: Option<&'a [Piece]>,
}

impl Expr {
    fn render(&self, out: &mut String) {
        match self {
            Expr::Call(c) => c.render(out),
            Expr::Path(p) => out.push_str(p.text()),
            Expr::Str(s) => out.push_str(&s.source),
            Expr::Literal(_, src) => out.push_str(src),
        }
    }
}

impl Call {
    fn render(&self, out: &mut String) {
        out.push_str(self.function.name());
        out.push('(');
        for (i, a) in self.args.iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            a.render(out);
        }
        out.push(')');
    }

    fn rendered(&self) -> String {
        let mut s = String::new();
        self.render(&mut s);
        s
    }

    fn eval<'a>(
        &'a self,
        roots: &Roots<'a>,
        entropy: &mut dyn Entropy,
    ) -> Result<Value, RenderError> {
        let mut args = Vec::with_capacity(self.args.len());
        for a in &self.args {
            let arg = match a {
                Expr::Call(inner) => Arg { value: Cow::Owned(inner.eval(roots, entropy)?), pieces: None },
                Expr::Path(p) => match p.select(roots) {
                    Ok(v) => Arg { value: v, pieces: None },
                    Err(_) => {
                        return Err(RenderError::Intrinsic {
                            call: self.rendered(),
                            detail: format!(
                                "The JsonPath argument for the field '{}' could not be found in the input '{}'",
                                p.text(),
                                crate::compact(roots.input)
                            ),
                        })
                    }
                },
                Expr::Str(s) => Arg {
                    value: Cow::Owned(Value::String(s.value.clone())),
                    pieces: Some(&s.pieces),
                },
                Expr::Literal(v, _) => Arg { value: Cow::Borrowed(v), pieces: None },
            };
            args.push(arg);
        }
        functions::call(self.function, &args, entropy).map_err(|detail| RenderError::Intrinsic {
            call: self.rendered(),
            detail,
        })
    }
}

/// A parsed intrinsic function call such as `States.Format('{} {}', $.a, $$.b)`.
#[derive(Debug, Clone)]
pub struct Intrinsic {
    text: String,
    call: Call,
}

impl PartialEq for Intrinsic {
    fn eq(&self, other: &Intrinsic) -> bool {
        self.text == other.text
    }
}

impl Intrinsic {
    /// Parses a call; the text must be exactly one `States.X(…)` call.
    pub fn parse(text: &str) -> Result<Intrinsic, PathError> {
        let mut p = Parser {
            text,
            pos: 0,
            depth: 0,
        };
        p.skip_ws();
        let call = p.call()?;
        p.skip_ws();
        if p.pos < text.len() {
            return Err(p.error("unexpected text after the intrinsic function call"));
        }
        Ok(Intrinsic {
            text: text.to_string(),
            call,
        })
    }

    /// The original text.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// Evaluates the call. Failures are `States.Runtime` errors with AWS-like causes.
    pub fn eval(&self, roots: &Roots<'_>, entropy: &mut dyn Entropy) -> Result<Value, RenderError> {
        self.call.eval(roots, entropy)
    }

    /// True when the call (or a nested one) draws randomness (`States.UUID`, `States.MathRandom`).
    pub fn uses_entropy(&self) -> bool {
        fn walk(c: &Call) -> bool {
            matches!(c.function, Function::Uuid | Function::MathRandom)
                || c.args
                    .iter()
                    .any(|a| matches!(a, Expr::Call(inner) if walk(inner)))
        }
        walk(&self.call)
    }
}

/// The value of a field that accepts either a path or an intrinsic call.
#[derive(Debug, Clone, PartialEq)]
pub enum PathOrIntrinsic {
    /// `$…`, `$$…`, `$var…`.
    Path(Path),
    /// `States.…(…)`.
    Intrinsic(Intrinsic),
}

impl PathOrIntrinsic {
    /// Parses text starting with `$` as a path and anything else as an intrinsic call.
    pub fn parse(text: &str) -> Result<PathOrIntrinsic, PathError> {
        if text.starts_with('$') {
            Path::parse(text).map(PathOrIntrinsic::Path)
        } else {
            Intrinsic::parse(text).map(PathOrIntrinsic::Intrinsic)
        }
    }

    /// The original text.
    pub fn text(&self) -> &str {
        match self {
            PathOrIntrinsic::Path(p) => p.text(),
            PathOrIntrinsic::Intrinsic(i) => i.text(),
        }
    }

    /// Evaluates to an owned value. A definite path that finds nothing gives
    /// [`RenderError::PathNotFound`] without a field name: add it with
    /// [`RenderError::with_field`] (or use [`PathOrIntrinsic::eval_field`]).
    pub fn eval(&self, roots: &Roots<'_>, entropy: &mut dyn Entropy) -> Result<Value, RenderError> {
        match self {
            PathOrIntrinsic::Path(p) => crate::select_for_field(p, roots).map(Cow::into_owned),
            PathOrIntrinsic::Intrinsic(i) => i.eval(roots, entropy),
        }
    }

    /// [`PathOrIntrinsic::eval`], naming the field in a path-not-found error
    /// (`The JSONPath '$.x' specified for the field 'ErrorPath' could not be found …`).
    pub fn eval_field(
        &self,
        field: &str,
        roots: &Roots<'_>,
        entropy: &mut dyn Entropy,
    ) -> Result<Value, RenderError> {
        self.eval(roots, entropy).map_err(|e| e.with_field(field))
    }
}

struct Parser<'t> {
    text: &'t str,
    pos: usize,
    depth: usize,
}

impl Parser<'_> {
    fn error(&self, message: &str) -> PathError {
        PathError::new(self.text, self.pos, message)
    }

    fn peek(&self) -> Option<char> {
        self.text.get(self.pos..).and_then(|s| s.chars().next())
    }

    fn rest(&self) -> &str {
        self.text.get(self.pos..).unwrap_or("")
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += c.len_utf8();
        Some(c)
    }

    fn skip_ws(&mut self) {
        while matches!(self.peek(), Some(c) if c.is_whitespace()) {
            self.bump();
        }
    }

    fn call(&mut self) -> Result<Call, PathError> {
        if self.depth >= MAX_DEPTH {
            return Err(self.error("intrinsic functions are nested too deeply"));
        }
        let start = self.pos;
        while matches!(self.peek(), Some(c) if c.is_ascii_alphanumeric() || c == '.' || c == '_') {
            self.bump();
        }
        let name = &self.text[start..self.pos];
        let Some(function) = Function::from_name(name) else {
            return Err(PathError::new(
                self.text,
                start,
                format!("unknown intrinsic function '{name}'"),
            ));
        };
        self.skip_ws();
        if self.bump() != Some('(') {
            return Err(self.error("expected '(' after the function name"));
        }
        self.depth += 1;
        let mut args = Vec::new();
        self.skip_ws();
        if self.peek() == Some(')') {
            self.bump();
        } else {
            loop {
                self.skip_ws();
                args.push(self.expr()?);
                self.skip_ws();
                match self.bump() {
                    Some(',') => continue,
                    Some(')') => break,
                    _ => return Err(self.error("expected ',' or ')'")),
                }
            }
        }
        self.depth -= 1;
        Ok(Call { function, args })
    }

    fn expr(&mut self) -> Result<Expr, PathError> {
        match self.peek() {
            Some('\'') => self.string().map(Expr::Str),
            Some('$') => self.path().map(Expr::Path),
            Some(c) if c == '-' || c.is_ascii_digit() => self.number(),
            Some('S') if self.rest().starts_with("States.") => self.call().map(Expr::Call),
            _ => {
                for (word, value) in [
                    ("true", Value::Bool(true)),
                    ("false", Value::Bool(false)),
                    ("null", Value::Null),
                ] {
                    if let Some(after) = self.rest().strip_prefix(word) {
                        if after
                            .chars()
                            .next()
                            .is_none_or(|c| !c.is_alphanumeric() && c != '_')
                        {
                            self.pos += word.len();
                            return Ok(Expr::Literal(value, word.to_string()));
                        }
                    }
                }
                Err(self
                    .error("expected an argument: a string, a number, a path or a function call"))
            }
        }
    }

    fn string(&mut self) -> Result<StrLit, PathError> {
        let start = self.pos;
        self.bump();
        let mut value = String::new();
        let mut pieces = Vec::new();
        loop {
            match self.bump() {
                None => {
                    return Err(PathError::new(
                        self.text,
                        start,
                        "unterminated string literal",
                    ))
                }
                Some('\'') => break,
                Some('\\') => match self.bump() {
                    Some(c @ ('\'' | '{' | '}' | '\\')) => {
                        value.push(c);
                        pieces.push(Piece::Char(c));
                    }
                    _ => {
                        return Err(PathError::new(
                            self.text,
                            self.pos.saturating_sub(1),
                            "invalid escape: only \\', \\{, \\} and \\\\ are allowed",
                        ))
                    }
                },
                Some(c) => {
                    value.push(c);
                    pieces.push(match c {
                        '{' => Piece::Open,
                        '}' => Piece::Close,
                        c => Piece::Char(c),
                    });
                }
            }
        }
        Ok(StrLit {
            value,
            pieces,
            source: self.text[start..self.pos].to_string(),
        })
    }

    /// A path argument runs to the next `,` or `)` outside brackets, parentheses and quotes.
    fn path(&mut self) -> Result<Path, PathError> {
        let start = self.pos;
        let mut nesting = 0usize;
        let mut quote: Option<char> = None;
        while let Some(c) = self.peek() {
            match quote {
                Some(q) => {
                    if c == '\\' {
                        self.bump();
                    } else if c == q {
                        quote = None;
                    }
                }
                None => match c {
                    '\'' | '"' => quote = Some(c),
                    '[' | '(' => nesting += 1,
                    ']' | ')' if nesting > 0 => nesting -= 1,
                    ',' | ')' if nesting == 0 => break,
                    _ => {}
                },
            }
            self.bump();
        }
        let text = self.text[start..self.pos].trim_end();
        Path::parse(text).map_err(|e| PathError::new(self.text, start + e.position(), e.message()))
    }

    fn number(&mut self) -> Result<Expr, PathError> {
        let start = self.pos;
        self.bump();
        while matches!(self.peek(), Some(c) if c.is_ascii_digit() || matches!(c, '.' | 'e' | 'E' | '+' | '-'))
        {
            self.bump();
        }
        let text = &self.text[start..self.pos];
        match serde_json::from_str::<serde_json::Number>(text) {
            Ok(n) => Ok(Expr::Literal(Value::Number(n), text.to_string())),
            Err(_) => Err(PathError::new(self.text, start, "invalid number")),
        }
    }
}
