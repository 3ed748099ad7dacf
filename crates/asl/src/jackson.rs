//! JSON syntax errors in the words of Jackson, the parser AWS reads
//! definitions and execution inputs with.
//!
//! Only the two serde_json errors whose Jackson counterpart is certain are
//! translated: a word where a value belongs ("Unrecognized token") and a
//! field name that does not start with a double quote ("Unexpected
//! character"). Both are recorded against AWS; anything else keeps
//! serde_json's wording.

/// A syntax error as Jackson reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JacksonError {
    /// The message without its location.
    pub message: String,
    /// Where Jackson stopped: its line (from 1) and column (in characters,
    /// from 1). Jackson has read the whole token, or the one character it
    /// refuses, by then.
    pub line: usize,
    pub column: usize,
}

impl JacksonError {
    /// Jackson's location for the error in `text` read as a string:
    /// `[Source: (String)"…"; line: 1, column: 4]` (recorded against AWS
    /// for a definition; Jackson cuts the text after 500 characters).
    pub fn location(&self, text: &str) -> String {
        const SNIPPET_CHARS: usize = 500;
        let total = text.chars().count();
        let snippet: String = text.chars().take(SNIPPET_CHARS).collect();
        let cut = if total > SNIPPET_CHARS {
            format!("[truncated {} chars]", total - SNIPPET_CHARS)
        } else {
            String::new()
        };
        format!(
            "[Source: (String)\"{snippet}\"{cut}; line: {}, column: {}]",
            self.line, self.column
        )
    }
}

/// Jackson's words for `e`, serde_json's error reading `text`, when they
/// are certain; `None` otherwise.
pub fn jackson_error(text: &str, e: &serde_json::Error) -> Option<JacksonError> {
    let what = e.to_string();
    let bytes = text.as_bytes();
    // serde_json's line and column (in bytes, from 1) point at the byte
    // it stopped at.
    let line_start = if e.line() <= 1 {
        0
    } else {
        bytes
            .iter()
            .enumerate()
            .filter(|(_, b)| **b == b'\n')
            .nth(e.line() - 2)?
            .0
            + 1
    };
    let at = (line_start + e.column()).checked_sub(1)?;
    let byte = *bytes.get(at)?;
    // Jackson's column counts the characters of the line it has read.
    let column_after = |end: usize| Some(text.get(line_start..end)?.chars().count() + 1);
    if what.starts_with("key must be a string") {
        // Jackson names the character it found (printable ASCII only
        // here: it describes others differently).
        if !(0x21..0x7f).contains(&byte) {
            return None;
        }
        let c = char::from(byte);
        return Some(JacksonError {
            message: format!(
                "Unexpected character ('{c}' (code {byte})): was expecting double-quote to start field name"
            ),
            line: e.line(),
            column: column_after(at + 1)?,
        });
    }
    // A word where a value belongs: Jackson quotes the whole run of
    // identifier characters it starts (`nul` of `null` too). serde_json
    // stops at the word's first byte ("expected value"), or at the first
    // byte that does not spell `null`, `true` or `false` ("expected
    // ident"), which may follow the word.
    let word_char = |b: u8| b.is_ascii_alphanumeric() || b == b'_' || b == b'$';
    let in_word = word_char(byte);
    let ident = what.starts_with("expected ident");
    if !((in_word && what.starts_with("expected value")) || ident) {
        return None;
    }
    let start = bytes[..at]
        .iter()
        .rposition(|b| !word_char(*b))
        .map_or(0, |i| i + 1);
    let end = bytes[at..]
        .iter()
        .position(|b| !word_char(*b))
        .map_or(bytes.len(), |i| at + i);
    if start >= end {
        return None;
    }
    // Jackson takes non-ASCII letters and some control characters into
    // the word, cuts long words, and has its own message for `NaN` and
    // `Infinity`: those keep serde_json's wording.
    let next_is_boundary = bytes
        .get(end)
        .is_none_or(|b| b.is_ascii() && (*b >= 0x20 || b.is_ascii_whitespace()) && *b != 0x7f);
    let word = text.get(start..end)?;
    let starts_like_a_word = bytes
        .get(start)
        .is_some_and(|b| b.is_ascii_alphabetic() || *b == b'_' || *b == b'$');
    if !next_is_boundary
        || !starts_like_a_word
        || word.len() >= 256
        || word == "NaN"
        || word == "Infinity"
    {
        return None;
    }
    Some(JacksonError {
        message: format!(
            "Unrecognized token '{word}': was expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false')"
        ),
        line: e.line(),
        column: column_after(end)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jackson(text: &str) -> Option<JacksonError> {
        let e = serde_json::from_str::<serde_json::Value>(text).expect_err(text);
        jackson_error(text, &e)
    }

    #[test]
    fn a_word_where_a_value_belongs_is_an_unrecognized_token_read_to_its_end() {
        let e = jackson("not a definition").unwrap();
        assert_eq!(
            e.message,
            "Unrecognized token 'not': was expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false')"
        );
        // Recorded against AWS (ValidateStateMachineDefinition).
        assert_eq!(
            e.location("not a definition"),
            "[Source: (String)\"not a definition\"; line: 1, column: 4]"
        );
        for (text, word, line, column) in [
            ("nul ", "nul", 1, 4),
            ("[nulx, 1]", "nulx", 1, 6),
            ("{\"a\": fals}", "fals", 1, 11),
            ("xyz_1$", "xyz_1$", 1, 7),
            ("[1, tru]", "tru", 1, 8),
            ("{\"a\":\n  [\n  hello ]}", "hello", 3, 8),
            ("{\"é\": nope}", "nope", 1, 11),
        ] {
            let e = jackson(text).unwrap();
            assert!(e.message.contains(&format!("'{word}'")), "{text:?}");
            assert_eq!((e.line, e.column), (line, column), "{text:?}");
        }
    }

    #[test]
    fn a_field_name_without_a_double_quote_names_the_character() {
        let e = jackson("{'not': 'json'").unwrap();
        assert_eq!(
            e.message,
            "Unexpected character (''' (code 39)): was expecting double-quote to start field name"
        );
        assert_eq!((e.line, e.column), (1, 3));
        let e = jackson("{\"a\": 1,\n a: 2}").unwrap();
        assert!(e
            .message
            .starts_with("Unexpected character ('a' (code 97))"));
        assert_eq!((e.line, e.column), (2, 3));
    }

    #[test]
    fn errors_jackson_words_otherwise_keep_serde_jsons() {
        for text in [
            "NaN",
            "Infinity",
            "{\"a\": }",
            "[1,]",
            "{\"a\" 1}",
            "ab\u{e9}",
        ] {
            assert_eq!(jackson(text), None, "{text:?}");
        }
    }

    #[test]
    fn the_source_is_cut_after_500_characters() {
        let text = format!("nope {}", "x".repeat(600));
        let e = jackson(&text).unwrap();
        let loc = e.location(&text);
        assert!(
            loc.ends_with("\"[truncated 105 chars]; line: 1, column: 5]"),
            "{loc}"
        );
    }
}
