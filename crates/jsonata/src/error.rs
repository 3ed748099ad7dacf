//! JSONata errors: a code (`T2001`) plus the reference implementation's message.
//!
//! The codes and message templates are those of jsonata-js 2.0.6, the version
//! AWS Step Functions runs. jsonata-core reports the same codes but not always
//! with the same wording, so messages whose template has no inserts are
//! replaced by the reference text; messages with inserts keep the library's
//! rendering when it already has the reference shape.

use std::fmt;

use jsonata_core::evaluator::EvaluatorError;
use jsonata_core::parser::ParserError;

/// An error raised while compiling or evaluating a JSONata expression.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JsonataError {
    /// The JSONata error code, e.g. `T2001`, `S0202`, `D3137`, `U1001`.
    pub code: String,
    /// The message, in jsonata-js 2.0.6 wording where we know it.
    pub message: String,
}

/// The code of the errors that bound evaluation (depth, time, memory): the
/// one jsonata-js's test suite gives its depth and time bounds. jsonata-js
/// itself never raises it.
const BOUNDS: &str = "U1001";

impl JsonataError {
    /// An error with the given code and message.
    pub fn new(code: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            code: code.into(),
            message: message.into(),
        }
    }

    /// An error whose message is the reference template for `code`, with
    /// `inserts` (`name`, already rendered value) substituted.
    pub(crate) fn templated(code: &str, inserts: &[(&str, &str)]) -> Self {
        let mut message = template(code).unwrap_or("").to_string();
        for (name, value) in inserts {
            message = message.replace(&format!("{{{{{{{name}}}}}}}"), value);
            message = message.replace(&format!("{{{{{name}}}}}"), value);
        }
        Self::new(code, message)
    }

    /// The argument a `T0410` names ("Argument 2 of function ...").
    pub(crate) fn context_argument(&self) -> Option<usize> {
        leading_number(self.message.strip_prefix("Argument ")?)
    }

    /// `"<CODE>: <message>"`, as jsonata-js renders an error.
    pub fn cause(&self) -> String {
        format!("{}: {}", self.code, self.message)
    }

    /// What AWS writes after "threw an error during evaluation" in a
    /// `States.QueryEvaluationError` cause: `". T1006: Attempted to invoke a
    /// non-function"`; for the bounds on evaluation (`U1001`), which AWS
    /// reports with no code, `": Stack overflow error: ..."`.
    pub fn evaluation_cause(&self) -> String {
        if self.code == BOUNDS {
            format!(": {}", self.message)
        } else {
            format!(". {}", self.cause())
        }
    }

    /// The error for evaluation nested too deeply, in AWS's words.
    pub(crate) fn stack_overflow() -> Self {
        Self::new(
            BOUNDS,
            "Stack overflow error: Check for non-terminating recursive function. \
             Consider rewriting as tail-recursive.",
        )
    }

    /// The error for evaluation running too long.
    pub(crate) fn timeout() -> Self {
        Self::new(
            BOUNDS,
            "Expression evaluation timeout: Check for infinite loop",
        )
    }

    /// AWS's error for a value past its memory limit (see `guard::MAX_STRING`
    /// and `guard::MAX_SEQUENCE`).
    pub(crate) fn memory_limit() -> Self {
        Self::new(
            BOUNDS,
            "Expression evaluation memory limit exceeded: Check for excessive memory usage",
        )
    }

    /// Signature mismatch on argument `index` (1-based) of function `name`.
    pub(crate) fn signature(index: usize, name: &str) -> Self {
        Self::templated(
            "T0410",
            &[("index", &index.to_string()), ("token", &js_string(name))],
        )
    }
}

impl fmt::Display for JsonataError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl std::error::Error for JsonataError {}

/// `JSON.stringify` of a string, as jsonata-js renders `{{token}}` inserts.
pub(crate) fn js_string(s: &str) -> String {
    serde_json::Value::String(s.to_string()).to_string()
}

/// Split a library message of the form `"X0000: text"`, possibly behind a
/// prefix (`"Signature validation failed: T0410: ..."`).
fn split_coded(msg: &str) -> Option<(&str, &str)> {
    std::iter::once(0)
        .chain(msg.match_indices(": ").map(|(i, _)| i + 2))
        .find_map(|start| {
            let rest = &msg[start..];
            let code = jsonata_core::evaluator::error_code_prefix(rest)?;
            Some((code, rest[code.len() + 1..].trim_start()))
        })
}

/// What an expression contains, to fill message inserts the library's
/// messages leave out (the function of a signature error, the operator of a
/// comparison error). Best effort: with several candidates the first in
/// source order is used.
#[derive(Debug, Default)]
pub(crate) struct Hints {
    /// Built-in and AWS function calls: name and number of arguments written.
    pub calls: Vec<(String, usize)>,
    /// Ordering comparison operators (`<`, `<=`, `>`, `>=`).
    pub comparisons: Vec<&'static str>,
}

/// Text of a jsonata-core token kind (its `Debug` form) as jsonata-js
/// renders the token in a message: `JSON.stringify` of its value.
fn token_text(kind: &str) -> String {
    let sym = match kind {
        "Plus" => "+",
        "Minus" => "-",
        "Star" => "*",
        "StarStar" => "**",
        "Slash" => "/",
        "Percent" => "%",
        "Equal" => "=",
        "NotEqual" => "!=",
        "LessThan" => "<",
        "LessThanOrEqual" => "<=",
        "GreaterThan" => ">",
        "GreaterThanOrEqual" => ">=",
        "And" => "and",
        "Or" => "or",
        "In" => "in",
        "Ampersand" => "&",
        "Dot" => ".",
        "DotDot" => "..",
        "Question" => "?",
        "QuestionQuestion" => "??",
        "QuestionColon" => "?:",
        "Colon" => ":",
        "ColonEqual" => ":=",
        "TildeArrow" => "~>",
        "LeftParen" => "(",
        "RightParen" => ")",
        "LeftBracket" => "[",
        "RightBracket" => "]",
        "LeftBrace" => "{",
        "RightBrace" => "}",
        "Comma" => ",",
        "Semicolon" => ";",
        "Caret" => "^",
        "Pipe" => "|",
        "Hash" => "#",
        "At" => "@",
        "True" => return "true".into(),
        "False" => return "false".into(),
        "Null" => return "null".into(),
        "Undefined" => "undefined",
        other => {
            // `Identifier("rr")`, `String("x")`, `Variable("v")`, `Number(5.0)`, ...
            if let Some((variant, rest)) = other.split_once('(') {
                let inner = rest.strip_suffix(')').unwrap_or(rest);
                if variant == "Number" {
                    return inner
                        .parse::<f64>()
                        .ok()
                        .and_then(crate::convert::number)
                        .map_or_else(|| inner.to_string(), |n| n.to_string());
                }
                let unquoted: String =
                    serde_json::from_str(inner).unwrap_or_else(|_| inner.to_string());
                return js_string(&unquoted);
            }
            other
        }
    };
    js_string(sym)
}

/// The number at the start of `s`.
fn leading_number(s: &str) -> Option<usize> {
    let end = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    s[..end].parse().ok()
}

/// Reference wording for a message whose template has inserts, rebuilt from
/// the library's message (and `hints`); `None` keeps the library's text.
fn rebuild(code: &str, msg: &str, hints: &Hints) -> Option<JsonataError> {
    let t = |inserts: &[(&str, &str)]| Some(JsonataError::templated(code, inserts));
    match code {
        "S0201" => t(&[("token", &token_text(msg.strip_prefix("Syntax error: ")?))]),
        "S0202" => {
            let (exp, got) = msg.strip_prefix("Expected ")?.split_once(", got ")?;
            t(&[("value", &token_text(exp)), ("token", &token_text(got))])
        }
        "S0203" => t(&[(
            "value",
            &token_text(
                msg.strip_prefix("Expected ")?
                    .strip_suffix(" before end of expression")?,
            ),
        )]),
        "S0204" => t(&[("token", &js_string(msg.strip_prefix("Unknown operator: ")?))]),
        "S0211" => {
            let kind = msg
                .strip_prefix("The symbol ")?
                .strip_suffix(" cannot be used as a unary operator")?;
            t(&[("token", &token_text(kind))])
        }
        "S0214" => {
            let sym = msg.rsplit(' ').next()?;
            t(&[("token", &js_string(sym))])
        }
        "S0102" => t(&[(
            "token",
            &js_string(msg.strip_prefix("Number out of range: ")?),
        )]),
        "S0103" => t(&[(
            "token",
            &js_string(msg.strip_prefix("Unsupported escape sequence: \\")?),
        )]),
        "T2001" | "T2002" => {
            let op = msg.split_once("side of the ")?.1.split_once(" operator")?.0;
            t(&[("token", &js_string(op))])
        }
        "T2010" => {
            let op = hints.comparisons.first()?;
            t(&[("token", &js_string(op))])
        }
        "T0410" | "T0411" | "T0412" => signature_message(code, msg, hints),
        "D1001" if msg.ends_with("inf") || msg.ends_with("NaN") => t(&[("value", "null")]),
        "D3030" => {
            let v = msg
                .strip_prefix("Cannot convert '")?
                .strip_suffix("' to number")?;
            t(&[("value", &js_string(v))])
        }
        "D3100" => t(&[("value", msg.rsplit(' ').next()?)]),
        _ => None,
    }
}

/// T0410/T0411/T0412 in jsonata-js wording, naming the function from `hints`.
fn signature_message(code: &str, msg: &str, hints: &Hints) -> Option<JsonataError> {
    // (argument index, syntactic argument counts that fit)
    let (index, fits): (usize, Box<dyn Fn(usize) -> bool>) = if code == "T0411" {
        (1, Box::new(|n| n == 0))
    } else if let Some(rest) = msg.strip_prefix("Argument count mismatch: expected ") {
        let (expected, got) = rest.split_once(", got ")?;
        let (expected, got) = (leading_number(expected)?, leading_number(got)?);
        (
            expected.min(got) + 1,
            Box::new(move |n| n == got || n + 1 == got),
        )
    } else {
        let n = leading_number(msg.strip_prefix("Argument ")?)?;
        (n, Box::new(move |argc| argc + 1 >= n))
    };
    let name = hints
        .calls
        .iter()
        .find(|(_, argc)| fits(*argc))
        .or(hints.calls.first())
        .map(|(name, _)| name.as_str())?;
    let mut inserts = vec![("index", index.to_string()), ("token", js_string(name))];
    if code == "T0412" {
        let ty = msg.rsplit(' ').next()?;
        let plural = match ty {
            "Number" => "numbers",
            "String" => "strings",
            "Boolean" => "booleans",
            "Object" => "objects",
            "Array" => "arrays",
            "Function" => "functions",
            _ => return None,
        };
        inserts.push(("type", js_string(plural)));
    }
    let inserts: Vec<(&str, &str)> = inserts.iter().map(|(k, v)| (*k, v.as_str())).collect();
    Some(JsonataError::templated(code, &inserts))
}

/// Map a parse error from jsonata-core.
pub(crate) fn from_parser(err: &ParserError) -> JsonataError {
    match err {
        ParserError::UnclosedComment => JsonataError::templated("S0106", &[]),
        ParserError::UnexpectedEnd => JsonataError::templated("S0207", &[]),
        other => {
            let text = other.to_string();
            match split_coded(&text) {
                Some((code, message)) => normalize(code, message, &Hints::default()),
                None => JsonataError::new("S0201", format!("Syntax error: {text}")),
            }
        }
    }
}

/// Map an evaluation error from jsonata-core.
pub(crate) fn from_evaluator(err: &EvaluatorError, hints: &Hints) -> JsonataError {
    let msg = err.message();
    match split_coded(msg) {
        Some(("U1001" | "D1011", _)) => JsonataError::stack_overflow(),
        Some(("D1012", _)) => JsonataError::timeout(),
        // jsonata-core's bound on sequences (`max_sequence_length`).
        Some(("D2015", _)) => JsonataError::memory_limit(),
        // jsonata-core's message is the value alone: a picture (which may
        // start or end with spaces) or a component.
        Some((code @ ("D3130" | "D3132" | "D3133"), _)) => {
            let value = msg.split_once(&format!("{code}: ")).map_or("", |(_, v)| v);
            JsonataError::templated(code, &[("value", &js_string(value))])
        }
        Some((code, message)) => normalize(code, message, hints),
        // Errors raised by our own functions carry a pre-rendered cause.
        None => match msg.split_once('\u{0}') {
            Some((code, message)) => JsonataError::new(code, message),
            None => JsonataError::new("D1000", msg),
        },
    }
}

/// Encode a [`JsonataError`] as an `EvaluatorError` for a host function to
/// return; [`from_evaluator`] decodes it again.
pub(crate) fn to_evaluator(err: JsonataError) -> EvaluatorError {
    EvaluatorError::EvaluationError(format!("{}\u{0}{}", err.code, err.message))
}

/// Reference wording for a code reported by the library.
fn normalize(code: &str, message: &str, hints: &Hints) -> JsonataError {
    let message = message.trim_end();
    match template(code) {
        // No inserts: the reference text is fixed.
        Some(t) if !t.contains("{{") => JsonataError::new(code, t),
        _ => rebuild(code, message, hints).unwrap_or_else(|| JsonataError::new(code, message)),
    }
}

/// The jsonata-js 2.0.6 message template for `code`.
pub(crate) fn template(code: &str) -> Option<&'static str> {
    MESSAGES
        .binary_search_by(|(c, _)| c.cmp(&code))
        .ok()
        .map(|i| MESSAGES[i].1)
}

/// jsonata-js 2.0.6 `errorCodes`, sorted by code. `{{x}}` inserts are
/// JSON-stringified values, `{{{x}}}` raw ones.
const MESSAGES: &[(&str, &str)] = &[
    ("D1001", "Number out of range: {{value}}"),
    ("D1002", "Cannot negate a non-numeric value: {{value}}"),
    ("D1004", "Regular expression matches zero length string"),
    ("D1009", "Multiple key definitions evaluate to same key: {{value}}"),
    ("D2005", "The left side of := must be a variable name (start with $)"),
    ("D2014", "The size of the sequence allocated by the range operator (..) must not exceed 1e6.  Attempted to allocate {{value}}."),
    ("D3001", "Attempting to invoke string function on Infinity or NaN"),
    ("D3010", "Second argument of replace function cannot be an empty string"),
    ("D3011", "Fourth argument of replace function must evaluate to a positive number"),
    ("D3012", "Attempted to replace a matched string with a non-string value"),
    ("D3020", "Third argument of split function must evaluate to a positive number"),
    ("D3030", "Unable to cast value to a number: {{value}}"),
    ("D3040", "Third argument of match function must evaluate to a positive number"),
    ("D3050", "The second argument of reduce function must be a function with at least two arguments"),
    ("D3060", "The sqrt function cannot be applied to a negative number: {{value}}"),
    ("D3061", "The power function has resulted in a value that cannot be represented as a JSON number: base={{value}}, exponent={{exp}}"),
    ("D3070", "The single argument form of the sort function can only be applied to an array of strings or an array of numbers.  Use the second argument to specify a comparison function"),
    ("D3080", "The picture string must only contain a maximum of two sub-pictures"),
    ("D3081", "The sub-picture must not contain more than one instance of the 'decimal-separator' character"),
    ("D3082", "The sub-picture must not contain more than one instance of the 'percent' character"),
    ("D3083", "The sub-picture must not contain more than one instance of the 'per-mille' character"),
    ("D3084", "The sub-picture must not contain both a 'percent' and a 'per-mille' character"),
    ("D3085", "The mantissa part of a sub-picture must contain at least one character that is either an 'optional digit character' or a member of the 'decimal digit family'"),
    ("D3086", "The sub-picture must not contain a passive character that is preceded by an active character and that is followed by another active character"),
    ("D3087", "The sub-picture must not contain a 'grouping-separator' character that appears adjacent to a 'decimal-separator' character"),
    ("D3088", "The sub-picture must not contain a 'grouping-separator' at the end of the integer part"),
    ("D3089", "The sub-picture must not contain two adjacent instances of the 'grouping-separator' character"),
    ("D3090", "The integer part of the sub-picture must not contain a member of the 'decimal digit family' that is followed by an instance of the 'optional digit character'"),
    ("D3091", "The fractional part of the sub-picture must not contain an instance of the 'optional digit character' that is followed by a member of the 'decimal digit family'"),
    ("D3092", "A sub-picture that contains a 'percent' or 'per-mille' character must not contain a character treated as an 'exponent-separator'"),
    ("D3093", "The exponent part of the sub-picture must comprise only of one or more characters that are members of the 'decimal digit family'"),
    ("D3100", "The radix of the formatBase function must be between 2 and 36.  It was given {{value}}"),
    ("D3110", "The argument of the toMillis function must be an ISO 8601 formatted timestamp. Given {{value}}"),
    ("D3120", "Syntax error in expression passed to function eval: {{value}}"),
    ("D3121", "Dynamic error evaluating the expression passed to function eval: {{value}}"),
    ("D3130", "Formatting or parsing an integer as a sequence starting with {{value}} is not supported by this implementation"),
    ("D3131", "In a decimal digit pattern, all digits must be from the same decimal group"),
    ("D3132", "Unknown component specifier {{value}} in date/time picture string"),
    ("D3133", "The 'name' modifier can only be applied to months and days in the date/time picture string, not {{value}}"),
    ("D3134", "The timezone integer format specifier cannot have more than four digits"),
    ("D3135", "No matching closing bracket ']' in date/time picture string"),
    ("D3136", "The date/time picture string is missing specifiers required to parse the timestamp"),
    ("D3137", "{{{message}}}"),
    ("D3138", "The $single() function expected exactly 1 matching result.  Instead it matched more."),
    ("D3139", "The $single() function expected exactly 1 matching result.  Instead it matched 0."),
    ("D3140", "Malformed URL passed to ${{{functionName}}}(): {{value}}"),
    ("D3141", "{{{message}}}"),
    ("S0101", "String literal must be terminated by a matching quote"),
    ("S0102", "Number out of range: {{token}}"),
    ("S0103", "Unsupported escape sequence: \\{{token}}"),
    ("S0104", "The escape sequence \\u must be followed by 4 hex digits"),
    ("S0105", "Quoted property name must be terminated with a backquote (`)"),
    ("S0106", "Comment has no closing tag"),
    ("S0201", "Syntax error: {{token}}"),
    ("S0202", "Expected {{value}}, got {{token}}"),
    ("S0203", "Expected {{value}} before end of expression"),
    ("S0204", "Unknown operator: {{token}}"),
    ("S0205", "Unexpected token: {{token}}"),
    ("S0206", "Unknown expression type: {{token}}"),
    ("S0207", "Unexpected end of expression"),
    ("S0208", "Parameter {{value}} of function definition must be a variable name (start with $)"),
    ("S0209", "A predicate cannot follow a grouping expression in a step"),
    ("S0210", "Each step can only have one grouping expression"),
    ("S0211", "The symbol {{token}} cannot be used as a unary operator"),
    ("S0212", "The left side of := must be a variable name (start with $)"),
    ("S0213", "The literal value {{value}} cannot be used as a step within a path expression"),
    ("S0214", "The right side of {{token}} must be a variable name (start with $)"),
    ("S0215", "A context variable binding must precede any predicates on a step"),
    ("S0216", "A context variable binding must precede the 'order-by' clause on a step"),
    ("S0217", "The object representing the 'parent' cannot be derived from this expression"),
    ("S0301", "Empty regular expressions are not allowed"),
    ("S0302", "No terminating / in regular expression"),
    ("S0401", "Type parameters can only be applied to functions and arrays"),
    ("S0402", "Choice groups containing parameterized types are not supported"),
    ("S0500", "Attempted to evaluate an expression containing syntax error(s)"),
    ("T0410", "Argument {{index}} of function {{token}} does not match function signature"),
    ("T0411", "Context value is not a compatible type with argument {{index}} of function {{token}}"),
    ("T0412", "Argument {{index}} of function {{token}} must be an array of {{type}}"),
    ("T1003", "Key in object structure must evaluate to a string; got: {{value}}"),
    ("T1005", "Attempted to invoke a non-function. Did you mean ${{{token}}}?"),
    ("T1006", "Attempted to invoke a non-function"),
    ("T1007", "Attempted to partially apply a non-function. Did you mean ${{{token}}}?"),
    ("T1008", "Attempted to partially apply a non-function"),
    ("T1010", "The matcher function argument passed to function {{token}} does not return the correct object structure"),
    ("T2001", "The left side of the {{token}} operator must evaluate to a number"),
    ("T2002", "The right side of the {{token}} operator must evaluate to a number"),
    ("T2003", "The left side of the range operator (..) must evaluate to an integer"),
    ("T2004", "The right side of the range operator (..) must evaluate to an integer"),
    ("T2006", "The right side of the function application operator ~> must be a function"),
    ("T2007", "Type mismatch when comparing values {{value}} and {{value2}} in order-by clause"),
    ("T2008", "The expressions within an order-by clause must evaluate to numeric or string values"),
    ("T2009", "The values {{value}} and {{value2}} either side of operator {{token}} must be of the same data type"),
    ("T2010", "The expressions either side of operator {{token}} must evaluate to numeric or string values"),
    ("T2011", "The insert/update clause of the transform expression must evaluate to an object: {{value}}"),
    ("T2012", "The delete clause of the transform expression must evaluate to a string or array of strings: {{value}}"),
    ("T2013", "The transform expression clones the input object using the $clone() function.  This has been overridden in the current scope by a non-function."),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_sorted_for_binary_search() {
        assert!(MESSAGES.windows(2).all(|w| w[0].0 < w[1].0));
    }

    #[test]
    fn rendering() {
        for (err, want) in [
            (
                JsonataError::templated("T1006", &[]),
                "T1006: Attempted to invoke a non-function",
            ),
            (
                JsonataError::signature(1, "range"),
                "T0410: Argument 1 of function \"range\" does not match function signature",
            ),
            (
                JsonataError::templated("S0211", &[("token", &js_string("?"))]),
                "S0211: The symbol \"?\" cannot be used as a unary operator",
            ),
            (
                JsonataError::templated("D3137", &[("message", "boom")]),
                "D3137: boom",
            ),
        ] {
            assert_eq!(err.cause(), want);
            assert_eq!(err.to_string(), want);
        }
    }
}
