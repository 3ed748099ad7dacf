//! Text helpers: estimated widths (no font files are read), wrapping,
//! shortening and escaping for each output format.

/// Estimated width in pixels of `s` set in a sans-serif font of `size` px.
///
/// An estimate from character classes, good enough to size boxes: wide
/// (CJK, emoji) characters count a full em, capitals and `m`/`w` a bit more
/// than average, narrow letters less.
pub(crate) fn width(s: &str, size: f64) -> f64 {
    s.chars()
        .map(|c| {
            let em = match c {
                'i' | 'j' | 'l' | '.' | ',' | ':' | ';' | '\'' | '|' | '!' | ' ' => 0.3,
                'f' | 't' | 'r' | '(' | ')' | '[' | ']' | '{' | '}' | '"' | '-' => 0.4,
                'm' | 'w' | 'M' | 'W' | '@' | '%' => 0.85,
                'A'..='Z' => 0.68,
                c if is_wide(c) => 1.0,
                _ => 0.56,
            };
            em * size
        })
        .sum()
}

fn is_wide(c: char) -> bool {
    matches!(c as u32,
        0x1100..=0x115F | 0x2E80..=0xA4CF | 0xAC00..=0xD7A3 | 0xF900..=0xFAFF
        | 0xFE30..=0xFE4F | 0xFF00..=0xFF60 | 0xFFE0..=0xFFE6 | 0x1F300..=0x1FAFF
        | 0x20000..=0x3FFFD)
}

/// Shorten `s` to at most `max` characters, ending with `…` when cut.
pub(crate) fn shorten(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_owned();
    }
    let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// Break `s` into at most `max_lines` lines no wider than `max_width` px,
/// preferring breaks after spaces, `-`, `_`, `.`, `/` and `:`, and before a
/// capital that follows a lower-case letter (`ChargeCard` -> `Charge|Card`).
/// The last line ends with `…` when the text does not fit.
pub(crate) fn wrap(s: &str, size: f64, max_width: f64, max_lines: usize) -> Vec<String> {
    let chars: Vec<char> = s.chars().collect();
    let mut lines = Vec::new();
    let mut start = 0;
    while start < chars.len() && lines.len() < max_lines {
        let last = lines.len() + 1 == max_lines;
        // The longest prefix that fits.
        let mut end = start;
        let mut w = 0.0;
        while end < chars.len() {
            let cw = width(&chars[end].to_string(), size);
            if w + cw > max_width && end > start {
                break;
            }
            w += cw;
            end += 1;
        }
        if end < chars.len() {
            if last {
                // Make room for the ellipsis.
                let mut cut = end;
                let ell = width("…", size);
                while cut > start + 1 && width(&collect(&chars[start..cut]), size) + ell > max_width
                {
                    cut -= 1;
                }
                let mut line = collect(&chars[start..cut]);
                line.push('…');
                lines.push(line.trim().to_owned());
                return lines;
            }
            // Prefer a natural break in the second half of the line.
            let min = start + (end - start) / 2;
            if let Some(b) = (min.max(start + 1)..end)
                .rev()
                .find(|&i| is_break(&chars, i))
            {
                end = b;
            }
        }
        lines.push(collect(&chars[start..end]).trim().to_owned());
        start = end;
        while start < chars.len() && chars[start] == ' ' {
            start += 1;
        }
    }
    lines
}

/// Whether a line may break before `chars[i]`.
fn is_break(chars: &[char], i: usize) -> bool {
    let (Some(&prev), Some(&cur)) = (chars.get(i.wrapping_sub(1)), chars.get(i)) else {
        return false;
    };
    matches!(prev, ' ' | '-' | '_' | '.' | '/' | ':') || (prev.is_lowercase() && cur.is_uppercase())
}

fn collect(chars: &[char]) -> String {
    chars.iter().collect()
}

/// Escape text for XML content and attribute values. Characters XML 1.0
/// cannot carry at all (most control characters) become U+FFFD.
pub(crate) fn xml(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\t' | '\n' | '\r' => out.push(' '),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

/// Escape text inside a DOT double-quoted string; newlines become `\n`.
pub(crate) fn dot(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// Escape text inside a Mermaid quoted label, with Mermaid's entity codes
/// (it would otherwise read `"`, `<`, `>` and `#` itself).
pub(crate) fn mermaid(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '"' => out.push_str("#quot;"),
            '#' => out.push_str("#35;"),
            '<' => out.push_str("#lt;"),
            '>' => out.push_str("#gt;"),
            '&' => out.push_str("#amp;"),
            '`' => out.push_str("#96;"),
            '|' => out.push_str("#124;"),
            '\n' | '\r' => out.push(' '),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrapping() {
        let cases: &[(&str, f64, usize, &[&str])] = &[
            ("Short", 200.0, 2, &["Short"]),
            (
                "ChargeCustomerCreditCard",
                100.0,
                2,
                &["ChargeCustomer", "CreditCard"],
            ),
            (
                "process the incoming order now and ship it",
                120.0,
                2,
                &["process the", "incoming order now…"],
            ),
            (
                "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
                60.0,
                1,
                &["aaaaaaa…"],
            ),
            ("", 100.0, 2, &[]),
        ];
        for (text, max, lines, want) in cases {
            assert_eq!(wrap(text, 12.0, *max, *lines), *want, "{text}");
        }
    }

    #[test]
    fn wrapped_lines_fit() {
        let name =
            "A_very_long_state_name_that_goes_on_and_on_ValidateTheIncomingPayloadAgainstTheSchema";
        for line in wrap(name, 13.0, 200.0, 2) {
            assert!(width(&line, 13.0) <= 200.0, "{line}");
        }
    }

    #[test]
    fn escaping() {
        assert_eq!(
            xml("a<b & \"c\" \u{1}"),
            "a&lt;b &amp; &quot;c&quot; \u{FFFD}"
        );
        assert_eq!(dot("say \"hi\"\\"), "say \\\"hi\\\"\\\\");
        assert_eq!(mermaid("$.x > \"a#\""), "$.x #gt; #quot;a#35;#quot;");
        assert_eq!(shorten("abcdef", 4), "abc…");
        assert_eq!(shorten("abc", 4), "abc");
    }
}
