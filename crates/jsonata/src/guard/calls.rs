//! Guards of single built-in calls whose output can be far larger than
//! their arguments: `$split` (one item per character), `$encodeUrl` and
//! `$encodeUrlComponent` (three characters per byte), `$formatInteger` with
//! a Roman-numeral picture (one `M` per thousand), `$fromMillis` with
//! width modifiers (`[M,1000000000]` pads to a billion digits), and
//! `$uppercase`/`$lowercase` (up to three characters per character).
//!
//! Each check looks at the arguments as jsonata-core will take them and
//! fails only when the output it is about to build would pass the bound: a
//! cheap bound settles the usual case, and only when it does not is the
//! exact figure counted, without building anything.

use jsonata_core::functions::string::build_regex;
use jsonata_core::value::JValue;

use super::{too_large, too_long, MAX_STRING};
use crate::error::JsonataError;

/// `$split` called with `values` (and `context`, the string when the call
/// leaves it out): fail when the array would have more than `max_sequence`
/// items. Arguments jsonata-core rejects, and matcher functions, are left
/// to it.
///
/// jsonata-core builds every piece and only then keeps as many as the limit
/// asks for, so the count that matters is the one without the limit: a
/// limited split of a string of more than `max_sequence` pieces fails too
/// (where jsonata-js gives the first pieces).
pub(super) fn split(
    values: &[JValue],
    context: Option<&JValue>,
    max_sequence: usize,
) -> Result<(), JsonataError> {
    // Which argument is which, as the signature `<s-(sf)n?:a<s>>` takes
    // them: a number second means the string was left to the context.
    let (s, separator, limit) = match (values, context) {
        ([s, p, l], _) => (s, p, Some(l)),
        ([p, l @ JValue::Number(_)], Some(s)) => (s, p, Some(l)),
        ([s, p], _) => (s, p, None),
        ([p], Some(s)) => (s, p, None),
        _ => return Ok(()),
    };
    let JValue::String(s) = s else {
        return Ok(());
    };
    match limit {
        None | Some(JValue::Undefined) => {}
        Some(JValue::Number(n)) if *n >= 0.0 => {}
        // jsonata-core rejects it before splitting.
        Some(_) => return Ok(()),
    }
    // Never more than one item per byte, plus two (a regex matching the
    // empty string splits before the first and after the last character).
    if s.len().saturating_add(2) <= max_sequence {
        return Ok(());
    }
    // Count up to one past the bound.
    let most = max_sequence.saturating_add(1);
    let items = match separator {
        JValue::String(p) if p.is_empty() => s.chars().take(most).count(),
        JValue::String(p) => s.matches(&**p).take(most).count().saturating_add(1),
        JValue::Regex { pattern, flags } => match build_regex(pattern, flags) {
            Ok(re) => re.find_iter(s).take(most).count().saturating_add(1),
            // jsonata-core reports it.
            Err(_) => return Ok(()),
        },
        _ => return Ok(()),
    };
    if items > max_sequence {
        return Err(too_long());
    }
    Ok(())
}

/// `$encodeUrl(value)` (`component`: `$encodeUrlComponent`): fail when the
/// encoded string would pass [`MAX_STRING`]. Each byte encoded becomes
/// `%XX`, every other byte stays as it is, all in ASCII.
pub(super) fn url(value: &JValue, component: bool) -> Result<(), JsonataError> {
    let JValue::String(s) = value else {
        return Ok(());
    };
    if s.len().saturating_mul(3) <= MAX_STRING {
        return Ok(());
    }
    // The sets `crate::url` keeps (the bytes of non-ASCII characters are
    // always encoded).
    let kept = |b: &u8| {
        if component {
            crate::url::component_keeps(*b)
        } else {
            crate::url::uri_keeps(*b)
        }
    };
    let encoded = s.bytes().filter(|b| !kept(b)).count();
    if s.len().saturating_add(encoded.saturating_mul(2)) > MAX_STRING {
        return Err(too_large());
    }
    Ok(())
}

/// `$uppercase(value)` (`upper`) or `$lowercase(value)`: fail when the
/// result would pass [`MAX_STRING`]. A character can change into up to
/// three (`ΐ` into `Ϊ́`), so only strings longer than a third of the bound
/// are counted, character by character, as Rust's case mapping (which
/// jsonata-core uses) writes them.
pub(super) fn case(value: &JValue, upper: bool) -> Result<(), JsonataError> {
    let JValue::String(s) = value else {
        return Ok(());
    };
    if s.len().saturating_mul(3) <= MAX_STRING {
        return Ok(());
    }
    let len: usize = if upper {
        s.chars()
            .map(|c| c.to_uppercase().map(char::len_utf16).sum::<usize>())
            .sum()
    } else {
        s.chars()
            .map(|c| c.to_lowercase().map(char::len_utf16).sum::<usize>())
            .sum()
    };
    if len > MAX_STRING {
        return Err(too_large());
    }
    Ok(())
}

/// Whether `picture` may be a Roman-numeral `$formatInteger` picture
/// (primary token `I` or `i`), the only one whose output grows with the
/// number's size rather than its digits.
pub(super) fn is_roman(picture: &str) -> bool {
    let primary = picture.rfind(';').map_or(picture, |i| &picture[..i]);
    matches!(primary, "I" | "i")
}

/// Characters jsonata-core moves per unit of [`super::Bounds::work`]
/// when it inserts into a string one character at a time (a comparison
/// costs about as much as moving 30: `$fromMillis(0, '[M#,##0,300000]')`
/// moves 3 * 10^10 in 3.3 s, `$formatNumber(1, $pad('', 300000, '0'))`
/// 4.5 * 10^10 in 2 s, in a release build).
const MOVES_PER_UNIT: f64 = 30.0;

/// A picture that makes jsonata-core insert up to `len` characters (grouping
/// separators, padding zeros) one at a time into a string of up to `len`,
/// each insertion moving what follows: fail with `U1001` when `len^2`
/// moves pass the work the timeout allows, so that a picture that would
/// keep one call busy far past the timeout fails at once.
pub(super) fn insertions(len: usize, work: usize) -> Result<(), JsonataError> {
    let moves = len as f64 * len as f64;
    if moves / MOVES_PER_UNIT > work as f64 {
        return Err(JsonataError::timeout());
    }
    Ok(())
}

/// Whether a decimal picture (`#,##0`) has grouping separators: anything
/// but digits and `#`.
fn grouped(picture: &str) -> bool {
    picture.chars().any(|c| !c.is_numeric() && c != '#')
}

/// `$formatNumber`'s picture (or its number, which is harmless): jsonata-core
/// pads the integer part to its mandatory digits one zero at a time, at the
/// front, so the picture's length bounds [`insertions`]; and its fraction
/// digits are bounded ([`fraction_digits`]).
pub(super) fn number_picture(value: &JValue, work: usize) -> Result<(), JsonataError> {
    match value {
        JValue::String(p) => {
            fraction_digits(p)?;
            insertions(p.chars().count(), work)
        }
        _ => Ok(()),
    }
}

/// The most fraction digits jsonata-js formats (JavaScript's `toFixed`).
const MAX_FRACTION_DIGITS: usize = 100;

/// A `$formatNumber` picture asking for more than [`MAX_FRACTION_DIGITS`]
/// digits after the decimal separator, in either sub-picture, fails as
/// jsonata-js fails ("toFixed() digits argument must be between 0 and
/// 100"); jsonata-core wrote wrong digits from 101 on, and `NaN` from 309.
/// The picture is read with the default characters (`.`, `#`, `0`-`9`, `e`,
/// `;`), whatever options the call gives.
pub(super) fn fraction_digits(picture: &str) -> Result<(), JsonataError> {
    for sub in picture.split(';') {
        let Some((_, fraction)) = sub.split_once('.') else {
            continue;
        };
        let mantissa = fraction.split('e').next().unwrap_or_default();
        let digits = mantissa
            .chars()
            .filter(|c| c.is_ascii_digit() || *c == '#')
            .count();
        if digits > MAX_FRACTION_DIGITS {
            return Err(JsonataError::new(
                "U1000",
                "Internal error in the JSONata evaluator: toFixed() digits argument must be between 0 and 100",
            ));
        }
    }
    Ok(())
}

/// The value and the picture of a `$formatInteger` or `$parseInteger` call
/// given `values`, the value being `context` when the call leaves it out.
pub(super) fn with_picture<'a>(
    values: &'a [JValue],
    context: Option<&'a JValue>,
) -> Option<(&'a JValue, &'a JValue)> {
    match (values, context) {
        ([value, picture], _) => Some((value, picture)),
        ([picture], Some(value)) => Some((value, picture)),
        _ => None,
    }
}

/// `$formatInteger` called with `values` (and `context`, the number when the
/// call leaves it out): a Roman numeral has one `M` per thousand, and a
/// decimal picture with grouping separators has them inserted one at a
/// time ([`insertions`]).
pub(super) fn roman(
    values: &[JValue],
    context: Option<&JValue>,
    work: usize,
) -> Result<(), JsonataError> {
    let Some((JValue::Number(n), JValue::String(picture))) = with_picture(values, context) else {
        return Ok(());
    };
    if !is_roman(picture) && grouped(picture) {
        insertions(picture.chars().count(), work)?;
    }
    // jsonata-core formats the floor's magnitude as an `i64` (saturating).
    let value = n.floor().abs().min(i64::MAX as f64);
    if is_roman(picture) && value / 1000.0 > MAX_STRING as f64 {
        return Err(too_large());
    }
    Ok(())
}

/// The widest year jsonata-core can format: it reduces the year modulo
/// `10^width` in `i64`, which overflows from 19 digits on (a panic in a
/// debug build, a wrong modulus in a release build, and a zero divisor, so
/// a panic, from 64 digits on).
const MAX_YEAR_WIDTH: usize = 18;

/// A `$fromMillis` picture (or any other string argument of the call, which
/// is harmless to read as one): fail when its width modifiers ask for more
/// digits than [`MAX_STRING`], or for a year too wide for jsonata-core, or
/// for so many digits with grouping separators that inserting them would
/// run past the timeout ([`insertions`]). Read as a time zone, its offset
/// must be in range ([`super::overflow::zone`]).
pub(super) fn picture(value: &JValue, work: usize) -> Result<(), JsonataError> {
    match value {
        JValue::String(s) => {
            picture_text(s, work)?;
            super::overflow::zone(s)
        }
        _ => Ok(()),
    }
}

/// The milliseconds JavaScript's `Date` makes of `n`: a finite fraction
/// truncated toward zero (`-0.5` is `0`); and a time far outside any date
/// brought within jsonata-core's range ([`super::overflow::millis`]).
pub(super) fn whole_millis(n: f64) -> f64 {
    let n = if n.is_finite() && n.fract() != 0.0 {
        n.trunc() + 0.0
    } else {
        n
    };
    super::overflow::millis(n)
}

/// A `$fromMillis` picture with each marker that has no component
/// (`[,2]`: a width and nothing to apply it to) replaced by the text
/// jsonata-js writes for it, `undefined` (jsonata-core panicked on it);
/// `None` when there is none.
pub(super) fn picture_fixed(picture: &str) -> Option<String> {
    let mut out = String::with_capacity(picture.len());
    let mut rest = picture;
    let mut fixed = false;
    while let Some(open) = rest.find('[') {
        let after = &rest[open + 1..];
        out.push_str(&rest[..open]);
        if let Some(tail) = after.strip_prefix('[') {
            out.push_str("[[");
            rest = tail;
            continue;
        }
        let Some(close) = after.find(']') else {
            break;
        };
        let marker = &after[..close];
        if marker.trim_start().starts_with(',') {
            out.push_str("undefined");
            fixed = true;
        } else {
            out.push('[');
            out.push_str(marker);
            out.push(']');
        }
        rest = &after[close + 1..];
    }
    out.push_str(rest);
    fixed.then_some(out)
}

/// A `$toMillis` picture: a marker with no component fails with
/// jsonata-js's `D3133`, one whose component is not ASCII with its `D3132`
/// (jsonata-core panicked on both).
pub(super) fn parse_picture(value: &JValue) -> Result<(), JsonataError> {
    match value {
        JValue::String(p) if picture_fixed(p).is_some() => {
            Err(JsonataError::templated("D3133", &[("value", "\",\"")]))
        }
        JValue::String(p) => markers(p).flatten().try_for_each(|m| unknown_component(&m)),
        _ => Ok(()),
    }
}

/// Whether a date/time picture has a time zone marker (`[Z]`, `[z]`).
pub(super) fn zoned(picture: &str) -> bool {
    markers(picture)
        .flatten()
        .any(|m| m.starts_with(['Z', 'z']))
}

/// `$toMillis` called with `values`: its picture ([`parse_picture`]), then
/// the time zone offset and the components it would read
/// ([`super::overflow::zone_in_timestamp`],
/// [`super::overflow::components_in_timestamp`]).
pub(super) fn to_millis(values: &[JValue]) -> Result<(), JsonataError> {
    if let Some(picture) = values.get(1) {
        parse_picture(picture)?;
    }
    super::overflow::zone_in_timestamp(values)?;
    super::overflow::components_in_timestamp(values)
}

/// The markers of a date/time picture, without their whitespace (`[[` is a
/// literal `[`); `None` for a marker that is never closed, which ends them.
pub(crate) fn markers(picture: &str) -> impl Iterator<Item = Option<String>> + '_ {
    spans(picture).map(|m| m.map(|(marker, _)| marker))
}

/// [`markers`], each with the text that follows it.
pub(super) fn spans(picture: &str) -> impl Iterator<Item = Option<(String, &str)>> + '_ {
    let mut rest = Some(picture);
    std::iter::from_fn(move || loop {
        let text = rest?;
        let open = text.find('[')?;
        let after = &text[open + 1..];
        if let Some(tail) = after.strip_prefix('[') {
            rest = Some(tail);
            continue;
        }
        let Some(close) = after.find(']') else {
            rest = None;
            return Some(None);
        };
        let following = &after[close + 1..];
        rest = Some(following);
        return Some(Some((
            after[..close].split_whitespace().collect(),
            following,
        )));
    })
}

/// A marker whose component is not ASCII fails with jsonata-js's `D3132`
/// (jsonata-core sliced such a component by bytes, and panicked).
fn unknown_component(marker: &str) -> Result<(), JsonataError> {
    match marker.chars().next() {
        Some(c) if !c.is_ascii() => Err(JsonataError::templated(
            "D3132",
            &[("value", &crate::error::js_string(&c.to_string()))],
        )),
        _ => Ok(()),
    }
}

/// [`picture`] of a picture's text.
pub(super) fn picture_text(picture: &str, work: usize) -> Result<(), JsonataError> {
    let mut digits = 0usize;
    for marker in markers(picture) {
        // An unclosed marker: jsonata-core reports it (D3135).
        let Some(marker) = marker else {
            return Ok(());
        };
        unknown_component(&marker)?;
        let width = marker_width(&marker);
        if width.year > MAX_YEAR_WIDTH {
            return Err(JsonataError::new(
                "D3137",
                format!(
                    "The year component of a date/time picture can be at most \
                     {MAX_YEAR_WIDTH} digits wide, got {}",
                    width.year
                ),
            ));
        }
        digits = digits.saturating_add(width.digits);
        if width.grouped {
            insertions(width.digits, work)?;
        }
    }
    if digits > MAX_STRING {
        return Err(too_large());
    }
    Ok(())
}

/// What one marker of a date/time picture asks for.
struct MarkerWidth {
    /// The fewest digits it writes.
    digits: usize,
    /// For a year, the width jsonata-core reduces it to (0 otherwise).
    year: usize,
    /// Whether grouping separators are inserted among the digits.
    grouped: bool,
}

/// The width of `marker` (the text between `[` and `]`, without spaces), as
/// jsonata-core's `analyse_date_time_picture` reads it: a number written in
/// decimal is padded to at least the minimum width (a year to exactly the
/// maximum, when there is one); names, words, letters and Roman numerals
/// are not padded.
fn marker_width(marker: &str) -> MarkerWidth {
    let none = MarkerWidth {
        digits: 0,
        year: 0,
        grouped: false,
    };
    let mut chars = marker.chars();
    let Some(component) = chars.next() else {
        return none;
    };
    if !"YMDdFWwXxHhmsf".contains(component) {
        return none;
    }
    let body = chars.as_str();
    let (presentation, (min, max)) = match body.rfind(',') {
        Some(i) => (&body[..i], widths(&body[i + 1..])),
        None => (body, (None, None)),
    };
    // A last `a`, `t`, `c` or `o` of two or more characters is a second
    // modifier.
    let presentation = match presentation.char_indices().last() {
        Some((i, c)) if i > 0 && "atco".contains(c) => &presentation[..i],
        _ => presentation,
    };
    let names =
        presentation.starts_with(['n', 'N']) || (presentation.is_empty() && component == 'F');
    if names {
        return none;
    }
    let primary = presentation
        .rfind(';')
        .map_or(presentation, |i| &presentation[..i]);
    let decimal = !matches!(primary, "A" | "a" | "I" | "i" | "W" | "Ww" | "w");
    // The digits and `#`s of a decimal picture: its mandatory and optional
    // digits (counting any numeric character as a digit, as many as or more
    // than jsonata-core's decimal digit groups).
    let (written, optional) = if decimal {
        let hashes = primary.chars().filter(|c| *c == '#').count();
        let digits = primary.chars().filter(|c| c.is_numeric()).count();
        (digits, hashes)
    } else {
        (0, 0)
    };
    let mandatory = min.map_or(written, |m| m.max(written));
    let digits = match (component, max) {
        ('Y', Some(max)) => max,
        _ => mandatory,
    };
    let year = match (component, max) {
        ('Y', Some(max)) => max,
        ('Y', None) => mandatory.saturating_add(optional),
        _ => 0,
    };
    let digits = if decimal { digits } else { 0 };
    MarkerWidth {
        digits,
        year,
        grouped: decimal && grouped(primary),
    }
}

/// A width modifier `min`, `min-max`, `*-max` (`*` or nothing: none). A
/// number too large for `usize` is none too, as jsonata-core parses it.
fn widths(modifier: &str) -> (Option<usize>, Option<usize>) {
    let parse = |s: &str| match s {
        "" | "*" => None,
        _ => s.parse::<usize>().ok(),
    };
    match modifier.split_once('-') {
        Some((min, max)) => (parse(min), parse(max)),
        None => (parse(modifier), None),
    }
}
