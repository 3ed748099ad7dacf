//! `$encodeUrl`, `$encodeUrlComponent`, `$decodeUrl` and
//! `$decodeUrlComponent` as jsonata-js has them: JavaScript's `encodeURI`,
//! `encodeURIComponent`, `decodeURI` and `decodeURIComponent`.
//!
//! jsonata-core's own versions differ: `$encodeUrl` leaves spaces, `"`, `%`,
//! `<`, `>`, `[`, `]`, `\`, `^`, `` ` ``, `{`, `|` and `}` as they are
//! (`$encodeUrl("a b")` was `"a b"`, not `"a%20b"`), `$encodeUrlComponent`
//! encodes `- _ . ! ~ * ' ( )`, and `$decodeUrl` decodes the escapes of the
//! characters `decodeURI` keeps (`%2F` stays `%2F`). The reference suite has
//! none of these cases, so they are overridden here.

use jsonata_core::ast::AstNode;

use crate::error::{js_string, JsonataError};

/// The built-ins overridden here.
pub(crate) const FUNCTIONS: [&str; 4] = [
    "encodeUrl",
    "encodeUrlComponent",
    "decodeUrl",
    "decodeUrlComponent",
];

/// Prepare an expression for the overrides, which are host functions and
/// so neither get the context nor have a signature of their own: a call
/// with no argument (`"a b".$encodeUrl()`) is given the context `$` itself,
/// as the `<s-:s>` signature says; the names called directly with more than
/// one argument are returned, and keep jsonata-core's function, which
/// rejects the call with jsonata-js's `T0410`. (Called back by `$map` and
/// the like, an override takes its first argument, as a signature of one
/// parameter does in jsonata-js.)
pub(crate) fn prepare(node: &mut AstNode) -> Vec<&'static str> {
    let mut keep_builtin = Vec::new();
    prepare_node(node, &mut keep_builtin);
    keep_builtin
}

fn prepare_node(node: &mut AstNode, keep_builtin: &mut Vec<&'static str>) {
    if let AstNode::Function {
        name,
        args,
        is_builtin: true,
    } = node
    {
        if let Some(&f) = FUNCTIONS.iter().find(|f| **f == name.as_str()) {
            match args.len() {
                0 => args.push(AstNode::Variable(String::new())),
                1 => {}
                _ => {
                    if !keep_builtin.contains(&f) {
                        keep_builtin.push(f);
                    }
                }
            }
        }
    }
    crate::guard::children_mut(node, &mut |c| prepare_node(c, keep_builtin));
}

/// Characters `encodeURIComponent` writes as they are.
pub(crate) fn component_keeps(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"-_.!~*'()".contains(&b)
}

/// Characters `encodeURI` writes as they are.
pub(crate) fn uri_keeps(b: u8) -> bool {
    component_keeps(b) || b";,/?:@&=+$#".contains(&b)
}

/// Characters whose escapes `decodeURI` leaves escaped.
fn uri_reserved(b: u8) -> bool {
    b";/?:@&=+$,#".contains(&b)
}

/// Percent-encode the UTF-8 bytes of `s` that `keeps` does not keep.
pub(crate) fn encode(s: &str, keeps: fn(u8) -> bool) -> String {
    let mut out = String::with_capacity(s.len());
    for &b in s.as_bytes() {
        if keeps(b) {
            out.push(char::from(b));
        } else {
            out.push('%');
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 15)]));
        }
    }
    out
}

const HEX: &[u8; 16] = b"0123456789ABCDEF";

fn hex(b: u8) -> Option<u8> {
    char::from(b)
        .to_digit(16)
        .and_then(|d| u8::try_from(d).ok())
}

/// Decode `%XX` escapes as `decodeURIComponent` (`whole: false`) or
/// `decodeURI` (`whole: true`, which leaves the escapes of reserved
/// characters as written). Malformed escapes or UTF-8 are `D3140`.
pub(crate) fn decode(s: &str, whole: bool, function: &str) -> Result<String, JsonataError> {
    let malformed = || {
        JsonataError::templated(
            "D3140",
            &[("functionName", function), ("value", &js_string(s))],
        )
    };
    let bytes = s.as_bytes();
    let mut out: Vec<u8> = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'%' {
            out.push(bytes[i]);
            i += 1;
            continue;
        }
        let byte = |at: usize| -> Option<u8> {
            Some(hex(*bytes.get(at + 1)?)? << 4 | hex(*bytes.get(at + 2)?)?)
        };
        let first = byte(i).ok_or_else(malformed)?;
        // The length of the UTF-8 sequence this escape starts.
        let len = match first {
            0x00..=0x7f => 1,
            0xc2..=0xdf => 2,
            0xe0..=0xef => 3,
            0xf0..=0xf4 => 4,
            _ => return Err(malformed()),
        };
        if len == 1 {
            if whole && uri_reserved(first) {
                out.extend_from_slice(&bytes[i..i + 3]);
            } else {
                out.push(first);
            }
            i += 3;
            continue;
        }
        let mut seq = vec![first];
        for k in 1..len {
            let at = i + 3 * k;
            if bytes.get(at) != Some(&b'%') {
                return Err(malformed());
            }
            let b = byte(at).ok_or_else(malformed)?;
            if b & 0xc0 != 0x80 {
                return Err(malformed());
            }
            seq.push(b);
        }
        std::str::from_utf8(&seq).map_err(|_| malformed())?;
        out.extend_from_slice(&seq);
        i += 3 * len;
    }
    String::from_utf8(out).map_err(|_| malformed())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_as_javascript_does() {
        let all = "a b-_.!~*'();,/?:@&=+$#%\"<>[]\\^`{|}é";
        assert_eq!(
            encode(all, uri_keeps),
            "a%20b-_.!~*'();,/?:@&=+$#%25%22%3C%3E%5B%5D%5C%5E%60%7B%7C%7D%C3%A9"
        );
        assert_eq!(
            encode(all, component_keeps),
            "a%20b-_.!~*'()%3B%2C%2F%3F%3A%40%26%3D%2B%24%23%25%22%3C%3E%5B%5D%5C%5E%60%7B%7C%7D%C3%A9"
        );
    }

    #[test]
    fn decodes_as_javascript_does() {
        let d = |s: &str, whole| decode(s, whole, "decodeUrl").map_err(|e| e.code);
        assert_eq!(d("a%20b%C3%A9", false), Ok("a b\u{e9}".into()));
        assert_eq!(d("%3B%2f%41%23", true), Ok("%3B%2fA%23".into()));
        assert_eq!(d("%3B%2f%41%23", false), Ok(";/A#".into()));
        for bad in ["%", "%4", "%zz", "%C3", "%C3%41", "%FF", "%ED%A0%80"] {
            assert_eq!(d(bad, false), Err("D3140".to_string()), "{bad}");
        }
    }
}
