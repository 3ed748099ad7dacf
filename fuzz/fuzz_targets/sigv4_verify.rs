//! SigV4 verification of requests as they come from the network
//! (`stepwell_server::auth`): any method, URI, header names and values and
//! body must be accepted or refused with an AWS error, never panic. Also
//! the shared credentials file and `--access-key` parsers.
//!
//! Input: the first byte picks what to fuzz. For a request, the bytes are
//! fields split at `0xFE`: method, URI, `Authorization` (raw, or built
//! around fuzzed `SignedHeaders` and `Signature` so the signer is reached),
//! `X-Amz-Date` (raw, or a valid date near the server's clock), more
//! headers (`name:value` lines), then the body.
//!
//! Linking `stepwell-server` brings SQLite in, whose globals AddressSanitizer
//! reports as an ODR violation at start-up: run with
//! `ASAN_OPTIONS=detect_odr_violation=0`.
#![no_main]

use std::time::{Duration, UNIX_EPOCH};

use http::{HeaderMap, HeaderName, HeaderValue, Method, Uri};
use libfuzzer_sys::fuzz_target;
use stepwell_server::auth::{parse_credentials_file, AccessKey, Verifier};
use time::macros::format_description;
use time::OffsetDateTime;

/// 2024-01-02T03:04:05Z, the server's clock unless the input moves it.
const NOW: u64 = 1_704_164_645;

fn verifier() -> &'static Verifier {
    static V: std::sync::OnceLock<Verifier> = std::sync::OnceLock::new();
    V.get_or_init(|| {
        let keys = vec![
            AccessKey::new(
                "AKIDEXAMPLE",
                "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
                None,
            )
            .expect("a key"),
            AccessKey::new("ASIATEMP", "temp/secret", Some("IQoJ==".into())).expect("a key"),
        ];
        Verifier::new(keys, "us-east-1").expect("a verifier")
    })
}

fn amz_date(secs: i64) -> (String, String) {
    let t = OffsetDateTime::from_unix_timestamp(secs).unwrap_or(OffsetDateTime::UNIX_EPOCH);
    let long = t
        .format(format_description!(
            "[year][month][day]T[hour][minute][second]Z"
        ))
        .unwrap_or_default();
    let short = long.get(..8).unwrap_or_default().to_string();
    (long, short)
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, data)) = data.split_first() else {
        return;
    };
    if mode % 8 == 7 {
        let text = String::from_utf8_lossy(data);
        if let Ok(keys) = parse_credentials_file(&text) {
            if !keys.is_empty() {
                let _ = Verifier::new(keys, "us-east-1");
            }
        }
        let _ = AccessKey::parse(&text);
        return;
    }
    let mut fields = data.split(|b| *b == 0xFE);
    let mut next = || fields.next().unwrap_or_default();
    let (method, uri, auth, date, extra) = (next(), next(), next(), next(), next());
    let body = next();
    // What the HTTP server hands the middleware: a method token and the
    // path and query of a URI it parsed.
    let Ok(method) = Method::from_bytes(if method.is_empty() { b"POST" } else { method }) else {
        return;
    };
    let uri = Uri::try_from(uri).unwrap_or_default();
    let uri = uri.path_and_query().map_or("/", |p| p.as_str());

    // The server's clock: NOW, moved by up to about six minutes each way.
    let skew = i64::from(mode >> 3) * 24 - 372;
    let now = UNIX_EPOCH + Duration::from_secs(NOW);
    let now = if skew >= 0 {
        now + Duration::from_secs(skew.unsigned_abs())
    } else {
        now - Duration::from_secs(skew.unsigned_abs())
    };
    let (long, short) = amz_date(NOW as i64);

    let mut headers = HeaderMap::new();
    if mode & 1 == 0 {
        headers.insert("host", HeaderValue::from_static("127.0.0.1:8083"));
    }
    let date_value = if mode & 2 == 0 {
        HeaderValue::from_str(&long).ok()
    } else {
        HeaderValue::from_bytes(date).ok()
    };
    if let Some(v) = date_value {
        headers.insert("x-amz-date", v);
    }
    let auth_value = if mode & 4 == 0 {
        // Credential scope right, SignedHeaders and Signature fuzzed.
        let text = String::from_utf8_lossy(auth);
        let (signed, signature) = text.split_once(' ').unwrap_or((&text, ""));
        HeaderValue::from_str(&format!(
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/{short}/us-east-1/states/aws4_request, SignedHeaders={signed}, Signature={signature}"
        ))
        .ok()
    } else {
        HeaderValue::from_bytes(auth).ok()
    };
    if let Some(v) = auth_value {
        headers.insert("authorization", v);
    }
    for line in extra.split(|b| *b == b'\n') {
        let (name, value) = match line.iter().position(|b| *b == b':') {
            Some(i) => (&line[..i], &line[i + 1..]),
            None => (line, &b""[..]),
        };
        if let (Ok(n), Ok(v)) = (HeaderName::from_bytes(name), HeaderValue::from_bytes(value)) {
            headers.append(n, v);
        }
    }

    let _ = verifier().verify(method.as_str(), uri, &headers, body, now);
});
