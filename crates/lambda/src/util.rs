//! Small helpers: request ids, trace ids, HTTP dates, percent-encoding.
//!
//! Ids only need to be unique and look like AWS's; they are not secrets, so a
//! xorshift generator seeded from the standard library's per-process random
//! hasher keys is enough and saves a dependency.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// 64 random-looking bits: a fresh `RandomState` hash of a counter and the
/// clock, run through splitmix64.
pub(crate) fn random_u64() -> u64 {
    let mut hasher = RandomState::new().build_hasher();
    hasher.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    hasher.write_u128(now_nanos());
    let mut z = hasher.finish().wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

fn now_nanos() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0)
}

/// Milliseconds since the Unix epoch.
pub(crate) fn now_millis() -> u64 {
    u64::try_from(now_nanos() / 1_000_000).unwrap_or(u64::MAX)
}

/// A version-4 UUID in its usual text form, as Lambda uses for request ids.
pub(crate) fn uuid_v4() -> String {
    let bits = (u128::from(random_u64()) << 64) | u128::from(random_u64());
    uuid::Builder::from_random_bytes(bits.to_be_bytes())
        .into_uuid()
        .to_string()
}

/// An X-Ray style trace header value: `Root=1-<epoch hex>-<96 bits>;Parent=<64 bits>;Sampled=0`.
pub(crate) fn trace_id() -> String {
    let seconds = now_millis() / 1000;
    let root = format!("{:08x}{:016x}", random_u64() as u32, random_u64());
    format!(
        "Root=1-{seconds:08x}-{root};Parent={:016x};Sampled=0",
        random_u64()
    )
}

/// The current time as an HTTP date (`Tue, 23 Jan 2024 10:00:00 GMT`).
pub(crate) fn http_date() -> String {
    let format = time::macros::format_description!(
        "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
    );
    time::OffsetDateTime::now_utc()
        .format(&format)
        .unwrap_or_default()
}

/// Today as `YYYY/MM/DD`, the prefix of Lambda's log stream names.
pub(crate) fn log_stream_date() -> String {
    let format = time::macros::format_description!("[year]/[month]/[day]");
    time::OffsetDateTime::now_utc()
        .format(&format)
        .unwrap_or_default()
}

/// Percent-encodes everything but RFC 3986's unreserved characters.
pub(crate) fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn uuids_have_the_v4_shape_and_differ() {
        let a = uuid_v4();
        let b = uuid_v4();
        assert_ne!(a, b);
        assert_eq!(a.len(), 36);
        assert_eq!(&a[14..15], "4");
        assert!(matches!(&a[19..20], "8" | "9" | "a" | "b"));
    }

    #[test]
    fn trace_ids_look_like_xray() {
        let t = trace_id();
        assert!(t.starts_with("Root=1-"), "{t}");
        assert!(t.ends_with(";Sampled=0"), "{t}");
    }

    #[test]
    fn percent_encoding_keeps_unreserved() {
        assert_eq!(percent_encode("a b&c=d~"), "a%20b%26c%3Dd~");
        assert_eq!(percent_encode("é"), "%C3%A9");
    }

    #[test]
    fn http_date_ends_in_gmt() {
        assert!(http_date().ends_with(" GMT"));
    }
}
