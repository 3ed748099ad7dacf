//! What the credential chain reads (`stepwell_aws::credentials`): the
//! shared config/credentials files and a profile's provider, a
//! `credential_process`'s output, the container endpoint's and IMDS's
//! JSON, STS's XML, SSO's JSON and cached token. Any text gives a value or
//! an error, never a panic. The first byte picks the parser.
#![no_main]

use std::time::SystemTime;

use libfuzzer_sys::fuzz_target;
use stepwell_aws::credentials::{
    parse_container_json, parse_process_output, parse_sso_json, parse_sso_token, parse_sts_xml,
    resolve,
};

fuzz_target!(|data: &[u8]| {
    let [pick, rest @ ..] = data else {
        return;
    };
    let text = String::from_utf8_lossy(rest);
    match pick % 6 {
        0 => {
            // The text as both files, with a few profiles asked for.
            for profile in [None, Some("dev"), Some("default"), Some("a b")] {
                let env = |name: &str| match name {
                    "HOME" => Some("/h".to_string()),
                    "AWS_PROFILE" => profile.map(str::to_string),
                    _ => None,
                };
                let _ = resolve(&env, &|_| Some(text.to_string()));
            }
        }
        1 => drop(parse_process_output(&text)),
        2 => drop(parse_container_json(&text)),
        3 => drop(parse_sts_xml(&text)),
        4 => drop(parse_sso_json(&text)),
        _ => drop(parse_sso_token(&text, SystemTime::UNIX_EPOCH)),
    }
});
