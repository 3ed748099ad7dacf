//! Retry back-off: `IntervalSeconds * BackoffRate^attempt`, capped by
//! `MaxDelaySeconds`, with optional full jitter.

use stepwell_asl::{Jitter, Retrier};

/// Milliseconds to wait before retry number `attempt + 1` (attempt counts from 0).
/// `random` is a uniform draw in [0, 1), used only for `JitterStrategy: FULL`.
pub fn delay_ms(r: &Retrier, attempt: u32, random: f64) -> i64 {
    let mut secs = r.interval_seconds as f64 * r.backoff_rate.powi(attempt as i32);
    if let Some(max) = r.max_delay_seconds {
        secs = secs.min(max as f64);
    }
    // AWS caps every Retry interval at one year.
    secs = secs.min(31_622_400.0);
    if r.jitter == Jitter::Full {
        secs *= random;
    }
    (secs * 1000.0).round() as i64
}

/// A uniform draw in [0, 1) from 64 random bits.
pub fn unit(bits: u64) -> f64 {
    (bits >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn retrier(interval: u64, rate: f64, max: Option<u64>, jitter: Jitter) -> Retrier {
        Retrier {
            error_equals: vec!["States.ALL".into()],
            interval_seconds: interval,
            max_attempts: 3,
            backoff_rate: rate,
            max_delay_seconds: max,
            jitter,
        }
    }

    #[test]
    fn backoff_and_cap() {
        let r = retrier(2, 2.0, None, Jitter::None);
        let got: Vec<i64> = (0..4).map(|a| delay_ms(&r, a, 0.5)).collect();
        assert_eq!(got, [2000, 4000, 8000, 16000]);
        let capped = retrier(2, 3.0, Some(10), Jitter::None);
        let got: Vec<i64> = (0..4).map(|a| delay_ms(&capped, a, 0.5)).collect();
        assert_eq!(got, [2000, 6000, 10000, 10000]);
    }

    #[test]
    fn full_jitter_stays_in_bounds() {
        let r = retrier(3, 2.0, Some(20), Jitter::Full);
        for attempt in 0..6 {
            let ceiling = delay_ms(&retrier(3, 2.0, Some(20), Jitter::None), attempt, 0.0);
            for bits in [0u64, 1, u64::MAX / 3, u64::MAX / 2, u64::MAX] {
                let d = delay_ms(&r, attempt, unit(bits));
                assert!((0..=ceiling).contains(&d), "{d} not in 0..={ceiling}");
            }
        }
        assert!(unit(u64::MAX) < 1.0);
    }
}
