//! RFC 3339 timestamps as Step Functions accepts them.

use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

/// Parse a timestamp the way Step Functions does: RFC 3339 with a `T`
/// separator and an explicit offset (`Z` or `+hh:mm`).
pub fn parse_rfc3339(s: &str) -> Option<OffsetDateTime> {
    let b = s.as_bytes();
    // `time` also accepts a lowercase `t`/`z` and a space; AWS does not.
    if b.get(10) != Some(&b'T') || s.ends_with('z') {
        return None;
    }
    OffsetDateTime::parse(s, &Rfc3339).ok()
}

/// Whether `s` is a timestamp Step Functions accepts.
pub fn is_rfc3339(s: &str) -> bool {
    parse_rfc3339(s).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_and_refuses_like_aws() {
        for ok in [
            "2016-03-14T01:59:00Z",
            "2016-03-14T01:59:00.123Z",
            "2016-03-14T01:59:00+02:00",
        ] {
            assert!(is_rfc3339(ok), "{ok}");
        }
        for bad in [
            "2016-13-05T21:29:29Z",
            "2016-12-05T25:29:29Z",
            "2016-12-05 21:29:29Z",
            "2016-12-05T21:29:29",
            "2016-12-05",
            "",
            "not a date",
        ] {
            assert!(!is_rfc3339(bad), "{bad}");
        }
    }
}
