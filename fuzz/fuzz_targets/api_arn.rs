//! ARNs from API requests (`stepwell_server::Arns`): state machine,
//! version and alias ARNs, execution ARNs (standard and express) and
//! activity ARNs must parse or be refused with `InvalidArn`, never panic.
//! An accepted ARN names something non-empty and parses again the same
//! when rebuilt; its unqualified form names the same state machine.
//!
//! Linking `stepwell-server` brings SQLite in, whose globals AddressSanitizer
//! reports as an ODR violation at start-up: run with
//! `ASAN_OPTIONS=detect_odr_violation=0`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use stepwell_server::Arns;

fuzz_target!(|data: &[u8]| {
    let Ok(arn) = std::str::from_utf8(data) else {
        return;
    };
    let arns = Arns {
        region: "us-east-1".into(),
        account: "123456789012".into(),
    };
    if let Ok(m) = arns.parse_machine(arn) {
        assert!(!m.name().is_empty());
        let base = Arns::unqualified(arn);
        assert!(arn.starts_with(base));
        assert_eq!(
            arns.parse_machine(base).ok(),
            Some(stepwell_server::MachineRef::Machine(m.name().to_string()))
        );
        assert_eq!(
            arns.parse_machine(&arns.state_machine(m.name()))
                .ok()
                .map(|r| r.name().to_string()),
            Some(m.name().to_string())
        );
    }
    if let Ok(checked) = arns.check_execution(arn) {
        assert_eq!(checked, arn);
    }
    if let Ok(name) = arns.parse_activity(arn) {
        assert!(!name.is_empty());
        assert_eq!(arns.parse_activity(&arns.activity(&name)).ok(), Some(name));
    }
});
