//! Guards of the date and integer arithmetic jsonata-core does in 64-bit
//! integers, where jsonata-js does it in doubles, and of one character
//! conversion it does not check. Past those ranges jsonata-core overflows (a
//! panic in a build with overflow checks, a wrapped, wrong number in a
//! release build) or panics; these checks fail first, with an error that
//! says what was out of range:
//!
//! - `$parseInteger(s, 'A')` (or `'a'`) sums `26^i` per letter in `i64`:
//!   fourteen letters can overflow it, fifteen always do. jsonata-js
//!   answers with a double.
//! - `$parseInteger(s, '#١')`, a decimal picture whose digits are not ASCII,
//!   maps each character `c` of `s` to `c - zero + '0'` unchecked: a
//!   character below the family's zero underflows (jsonata-js fails there
//!   too when the result is negative, "Invalid code point"), and one whose
//!   image is a surrogate has no `char`.
//! - `$parseInteger(s, '0;o')` cuts the ordinal suffix as two bytes, which
//!   may split a character (jsonata-js cuts two UTF-16 units).
//! - `$toMillis(s, '[Y][Z01:01]')` turns the offset's hours and minutes into
//!   milliseconds in `i64`: thirteen digits or more overflow it.
//! - `$toMillis(s, '[Y] [d]')` adds the day of the year as a `chrono`
//!   duration, which panics past about 10^11 days, and `$toMillis(s,
//!   '[h][P]')` adds 12 to the hour in `i64`: a number of twelve digits or
//!   more read by such a marker fails with `D3136`, as jsonata-core fails on
//!   any date or time out of range (jsonata-js answers `NaN`). Words can
//!   write such a number too ("ninety trillion").
//! - `$toMillis(s, '[D١]')`, a marker whose digits are not ASCII, maps the
//!   ASCII digits it reads below the family's zero: jsonata-js fails there
//!   ("Invalid code point"), and jsonata-core panicked.
//! - `$toMillis(s, '[Ya]')`, a component read as letters, sums them as
//!   `$parseInteger` does: fourteen letters or more fail with `D3136`.
//! - `$substring(s, start, length)` adds the start and the length in `i64`
//!   (`$substring('abc', 2, 9223372036854775807)` wrapped to `""`;
//!   jsonata-js answers `"c"`). Both are brought within 2^53, which no
//!   string reaches, so the answer is jsonata-js's.
//! - `$fromMillis(ms, picture, tz)` adds the offset's milliseconds to `ms` in
//!   `i64`: an offset of fifteen digits or more overflows it, and so does a
//!   time far outside any date. Such a time is brought nearer (jsonata-core
//!   fails on it all the same, with `D1000`, naming the nearer time).
//! - `a..b` casts its bounds to `i64` (saturating) and computes the size
//!   `b - a + 1` there: past ±2^63 it overflowed, and in a release build
//!   `[-1e19..1e19]` wrapped to a size of 0, passed the size checks, and
//!   built numbers until the process ran out of memory. jsonata-js computes
//!   the size in doubles and refuses more than 10^7 items with `D2014`; so
//!   does [`range`], with jsonata-js's message.

use jsonata_core::value::JValue;

use crate::error::JsonataError;

/// The zero digit of each family of decimal digits a picture may use, as
/// jsonata-js lists them (the Unicode `Nd` blocks of the Basic Multilingual
/// Plane).
const ZEROS: [u32; 37] = [
    0x30, 0x0660, 0x06F0, 0x07C0, 0x0966, 0x09E6, 0x0A66, 0x0AE6, 0x0B66, 0x0BE6, 0x0C66, 0x0CE6,
    0x0D66, 0x0DE6, 0x0E50, 0x0ED0, 0x0F20, 0x1040, 0x1090, 0x17E0, 0x1810, 0x1946, 0x19D0, 0x1A80,
    0x1A90, 0x1B50, 0x1BB0, 0x1C40, 0x1C50, 0xA620, 0xA8D0, 0xA900, 0xA9D0, 0xA9F0, 0xAA50, 0xABF0,
    0xFF10,
];

/// The zero digit of `c`'s family, when `c` is a decimal digit.
fn family(c: char) -> Option<u32> {
    ZEROS
        .iter()
        .copied()
        .find(|z| (*z..=z + 9).contains(&u32::from(c)))
}

/// The largest time zone offset (`±hhmm` read as one integer) whose
/// milliseconds, added to a time within [`MAX_MILLIS`], stay in `i64`.
const MAX_ZONE: u64 = 100_000_000_000_000;

/// The largest time (milliseconds from the epoch, either way) handed to
/// jsonata-core: far past its last date (year 262,143), and far enough
/// from `i64`'s ends that an offset within [`MAX_ZONE`] (at most 3.6e18
/// milliseconds) can be added.
const MAX_MILLIS: f64 = 5e18;

/// The most digits of an offset `$toMillis` reads whose minutes, in
/// milliseconds, stay in `i64`.
const MAX_ZONE_DIGITS: usize = 12;

/// The error for a value out of jsonata-core's range: an internal error, as
/// a panic inside it is reported (`U1000`), with what was out of range.
fn out_of_range(detail: &str) -> JsonataError {
    JsonataError::new(
        "U1000",
        format!("Internal error in the JSONata evaluator: {detail}"),
    )
}

/// How jsonata-core reads a `$parseInteger` picture, as far as these checks
/// need.
enum IntegerPicture {
    /// `A` or `a`: the letter that is 1.
    Letters(char),
    /// Decimal digits: the family's zero, the characters removed from the
    /// value as grouping separators, and whether an ordinal suffix is cut.
    Decimal {
        zero: u32,
        removed: Vec<char>,
        ordinal: bool,
    },
    /// Roman numerals, words, or a picture jsonata-core refuses.
    Other,
}

impl IntegerPicture {
    fn of(picture: &str) -> Self {
        let (primary, ordinal) = match picture.rfind(';') {
            Some(i) => (&picture[..i], picture[i + 1..].starts_with('o')),
            None => (picture, false),
        };
        match primary {
            "A" => return Self::Letters('A'),
            "a" => return Self::Letters('a'),
            "I" | "i" | "W" | "w" | "Ww" => return Self::Other,
            _ => {}
        }
        // From the last character: each separator's position is the count
        // of digits and `#`s after it.
        let mut zero = None;
        let mut separators: Vec<(usize, char)> = Vec::new();
        let mut position = 0;
        for c in primary.chars().rev() {
            match family(c) {
                // Digits of two families: jsonata-core refuses the picture.
                Some(z) if zero.is_some_and(|known| known != z) => return Self::Other,
                Some(z) => {
                    zero = Some(z);
                    position += 1;
                }
                None if c == '#' => position += 1,
                None => separators.push((position, c)),
            }
        }
        let Some(zero) = zero else {
            return Self::Other;
        };
        // Regular separators are removed as `,` whatever they are, as
        // jsonata-js does.
        let removed = if regular(&separators) {
            vec![',']
        } else {
            separators.iter().map(|(_, c)| *c).collect()
        };
        Self::Decimal {
            zero,
            removed,
            ordinal,
        }
    }
}

/// Whether grouping separators are regular: one character, at every
/// multiple of one spacing.
fn regular(separators: &[(usize, char)]) -> bool {
    let Some(&(_, first)) = separators.first() else {
        return false;
    };
    if separators.iter().any(|(_, c)| *c != first) {
        return false;
    }
    let spacing = separators.iter().fold(0, |g, (p, _)| gcd(g, *p));
    spacing > 0 && (1..=separators.len()).all(|i| separators.iter().any(|(p, _)| *p == i * spacing))
}

fn gcd(a: usize, b: usize) -> usize {
    if b == 0 {
        a
    } else {
        gcd(b, a % b)
    }
}

/// Whether a `$parseInteger` picture may read a value out of range: letters,
/// and decimal digits that are not ASCII or that take an ordinal suffix.
pub(super) fn may_overflow(picture: &str) -> bool {
    match IntegerPicture::of(picture) {
        IntegerPicture::Letters(_) => true,
        IntegerPicture::Decimal { zero, ordinal, .. } => zero != 0x30 || ordinal,
        IntegerPicture::Other => false,
    }
}

/// `$parseInteger` called with `values` (and `context`, the string when the
/// call leaves it out).
pub(super) fn parse_integer(
    values: &[JValue],
    context: Option<&JValue>,
) -> Result<(), JsonataError> {
    let Some((JValue::String(value), JValue::String(picture))) =
        super::calls::with_picture(values, context)
    else {
        return Ok(());
    };
    match IntegerPicture::of(picture) {
        IntegerPicture::Letters(one) => letters(value, one),
        IntegerPicture::Decimal {
            zero,
            removed,
            ordinal,
        } => decimal(value, zero, &removed, ordinal),
        IntegerPicture::Other => Ok(()),
    }
}

/// Letters summed as jsonata-core sums them: `(c - one + 1) * 26^i`.
fn letters(value: &str, one: char) -> Result<(), JsonataError> {
    let one = i64::from(u32::from(one));
    let mut sum = 0i64;
    for (i, c) in value.chars().rev().enumerate() {
        let term = u32::try_from(i)
            .ok()
            .and_then(|i| 26i64.checked_pow(i))
            .and_then(|power| (i64::from(u32::from(c)) - one + 1).checked_mul(power));
        sum = term
            .and_then(|t| sum.checked_add(t))
            .ok_or_else(|| out_of_range("$parseInteger: the letters pass 2^63 - 1"))?;
    }
    Ok(())
}

/// Decimal digits, read as jsonata-core reads them.
fn decimal(value: &str, zero: u32, removed: &[char], ordinal: bool) -> Result<(), JsonataError> {
    let mut digits = value;
    if ordinal && value.len() >= 2 {
        let cut = value.len() - 2;
        digits = value
            .get(..cut)
            .ok_or_else(|| out_of_range("$parseInteger: the ordinal suffix splits a character"))?;
    }
    if zero == 0x30 {
        return Ok(());
    }
    for c in digits.chars().filter(|c| !removed.contains(c)) {
        let image = i64::from(u32::from(c)) - i64::from(zero) + 0x30;
        let mapped = u32::from(c)
            .checked_sub(zero)
            .and_then(|d| char::from_u32(d + 0x30));
        if image < 0 {
            return Err(out_of_range(&format!("Invalid code point {image}")));
        }
        if mapped.is_none() {
            return Err(out_of_range(&format!(
                "$parseInteger: U+{:04X} is not a digit of the picture",
                u32::from(c)
            )));
        }
    }
    Ok(())
}

/// `$toMillis(timestamp, picture)`: with a time zone marker in the picture,
/// no run of more than [`MAX_ZONE_DIGITS`] digits after a sign (the offset
/// the marker reads is a sign, digits, and digits after a separator).
pub(super) fn zone_in_timestamp(values: &[JValue]) -> Result<(), JsonataError> {
    let [JValue::String(timestamp), JValue::String(picture)] = values else {
        return Ok(());
    };
    let zoned = super::calls::zoned(picture);
    let Some(sign) = timestamp.find(['+', '-']) else {
        return Ok(());
    };
    let longest = timestamp[sign..]
        .split(|c: char| !c.is_ascii_digit())
        .map(str::len)
        .max()
        .unwrap_or(0);
    if zoned && longest > MAX_ZONE_DIGITS {
        return Err(out_of_range(&format!(
            "$toMillis: the time zone offset in {} passes the range of a time",
            crate::error::js_string(timestamp)
        )));
    }
    Ok(())
}

/// The fewest letters whose sum (`$parseInteger(s, 'A')`) can pass `i64`.
const MAX_LETTERS: usize = 14;

/// The most digits a day of the year or a 12-hour hour may have for
/// jsonata-core to read it without overflowing (10^11 days is past
/// `chrono`'s longest duration).
const MAX_COMPONENT_DIGITS: usize = 11;

/// Whether a `$toMillis` picture reads anything these checks look at: a
/// time zone offset, a day of the year, a 12-hour hour, digits that are not
/// ASCII, or letters.
pub(super) fn reads_checked_numbers(picture: &str) -> bool {
    super::calls::spans(picture).flatten().any(|(marker, _)| {
        marker.starts_with(['Z', 'z', 'd', 'h'])
            || marker
                .chars()
                .any(|c| family(c).is_some_and(|zero| zero != 0x30))
            || marker.get(1..).is_some_and(|p| p.starts_with(['a', 'A']))
    })
}

/// `$toMillis(timestamp, picture)`: the numbers the picture's markers read
/// stay within what jsonata-core computes with. A marker reads a number of
/// any length unless a numeric marker follows it at once ([`fixes_width`]).
pub(super) fn components_in_timestamp(values: &[JValue]) -> Result<(), JsonataError> {
    let [JValue::String(timestamp), JValue::String(picture)] = values else {
        return Ok(());
    };
    for (marker, following) in super::calls::spans(picture).flatten() {
        let mut chars = marker.chars();
        let Some(component) = chars.next() else {
            continue;
        };
        let presentation: String = chars.take_while(|c| *c != ',').collect();
        let foreign = presentation
            .chars()
            .any(|c| family(c).is_some_and(|zero| zero != 0x30));
        if foreign && !matches!(component, 'Z' | 'z' | 'f') {
            return Err(out_of_range(
                "$toMillis: the picture's digits are not ASCII, and it reads ASCII digits",
            ));
        }
        // Letters are summed as `$parseInteger` sums them ([`letters`]).
        let lettered = matches!(presentation.as_str(), "a" | "A") && component != 'Z';
        if lettered
            && timestamp
                .split(|c: char| !c.is_ascii_alphabetic())
                .any(|run| run.len() >= MAX_LETTERS)
        {
            return Err(JsonataError::templated("D3136", &[]));
        }
        if !matches!(component, 'd' | 'h') || fixes_width(following) {
            continue;
        }
        let words = presentation.starts_with(['w', 'W']);
        let huge = if words {
            timestamp.to_ascii_lowercase().contains("illion")
        } else {
            timestamp
                .split(|c: char| !c.is_ascii_digit())
                .any(|run| run.len() > MAX_COMPONENT_DIGITS)
        };
        if huge {
            return Err(JsonataError::templated("D3136", &[]));
        }
    }
    Ok(())
}

/// Whether the text after a marker starts with a marker that fixes the
/// width of the one before it, as jsonata-core fixes it: a numeric one
/// (a component that takes numbers, and not presented as a name).
fn fixes_width(following: &str) -> bool {
    // The next marker must come at once (`[[` is a literal `[`).
    if !following.starts_with('[') || following.starts_with("[[") {
        return false;
    }
    let Some(next) = super::calls::spans(following).next().flatten() else {
        return false;
    };
    let mut chars = next.0.chars();
    let Some(component) = chars.next() else {
        return false;
    };
    let named = match chars.next() {
        Some(c) if c != ',' => matches!(c, 'n' | 'N'),
        // The default presentation: names for the day of the week only.
        _ => component == 'F',
    };
    "YMDdFWwXxHhmsf".contains(component) && !named
}

/// A `$substring` position or length brought within 2^53: past any string
/// either way, so that the answer does not change, and far enough from
/// `i64`'s ends that jsonata-core can add two.
pub(super) fn position(n: f64) -> f64 {
    const MAX: f64 = 9_007_199_254_740_992.0;
    if n.is_finite() {
        n.clamp(-MAX, MAX)
    } else {
        n
    }
}

/// A `$fromMillis` time as jsonata-core is given it: one far outside any
/// date is brought within [`MAX_MILLIS`], where jsonata-core fails on it as
/// it did (`D1000`, "Invalid timestamp"), after checking the other
/// arguments, and without the offset's addition overflowing.
pub(super) fn millis(ms: f64) -> f64 {
    if ms.is_finite() {
        ms.clamp(-MAX_MILLIS, MAX_MILLIS)
    } else {
        ms
    }
}

/// A string argument of `$fromMillis` other than the time, which may be the
/// time zone: jsonata-core reads a leading integer from it (`+0100`), whose
/// milliseconds must stay in `i64`.
pub(super) fn zone(text: &str) -> Result<(), JsonataError> {
    let trimmed = text.trim();
    let unsigned = trimmed.strip_prefix(['+', '-']).unwrap_or(trimmed);
    let digits = unsigned.len()
        - unsigned
            .trim_start_matches(|c: char| c.is_ascii_digit())
            .len();
    let read = trimmed[..trimmed.len() - unsigned.len() + digits].parse::<i64>();
    match read {
        Ok(offset) if offset.unsigned_abs() >= MAX_ZONE => Err(out_of_range(&format!(
            "$fromMillis: the time zone offset {} passes the range of a time",
            crate::error::js_string(text)
        ))),
        _ => Ok(()),
    }
}

/// jsonata-js's largest range, in items.
pub(super) const MAX_RANGE: f64 = 1e7;

/// `a..b`: fails with `D2014` when the range holds more than 10^7 numbers,
/// as jsonata-js fails, before jsonata-core computes its size. Bounds that
/// are not integers, and an empty range, are left to jsonata-core.
pub(super) fn range(values: &[JValue]) -> Result<(), JsonataError> {
    let [JValue::Number(start), JValue::Number(end)] = values else {
        return Ok(());
    };
    let size = end - start + 1.0;
    if start.fract() != 0.0 || end.fract() != 0.0 || size <= MAX_RANGE {
        return Ok(());
    }
    Err(JsonataError::templated(
        "D2014",
        &[("value", &js_integer(size))],
    ))
}

/// A whole number of at least 1 as JavaScript's `String()` writes it: its
/// shortest digits padded with zeros, or in exponent form from 10^21.
fn js_integer(n: f64) -> String {
    let text = format!("{n:e}");
    let (mantissa, exponent) = text.split_once('e').unwrap_or((&text, "0"));
    let exponent: usize = exponent.parse().unwrap_or(0);
    let digits = mantissa.replace('.', "");
    if exponent >= 21 {
        return format!("{mantissa}e+{exponent}");
    }
    format!("{digits:0<width$}", width = exponent + 1)
}
