//! What AWS's Java service does that Step Functions' outputs show, for the
//! crates that must give the same: the iteration order of a
//! `java.util.HashMap` (a payload template's path fields,
//! `States.JsonMerge`, an integration's `AllHttpHeaders`),
//! `String.compareTo` (Choice rules, JSONPath filters) and
//! `java.util.Random` (seeded `States.MathRandom` and `$random`).

use std::cmp::Ordering;

/// The order a Java `HashMap` iterates `keys` in, when they were put into
/// it one by one in this order: as indices into `keys`. Buckets come in
/// order, and the keys of one bucket in insertion order; the table has 16
/// buckets, doubled whenever it holds more than three quarters of them.
/// (Java also turns a bucket of 8 or more keys into a tree, or grows the
/// table instead while it is smaller than 64; not modelled.)
pub fn hash_map_order<'a>(keys: impl Iterator<Item = &'a str>) -> Vec<usize> {
    let hashes: Vec<u32> = keys.map(string_hash).collect();
    let mut capacity = 16;
    while hashes.len() > capacity / 4 * 3 {
        capacity *= 2;
    }
    let mut order: Vec<usize> = (0..hashes.len()).collect();
    // Stable: one bucket's keys keep their insertion order.
    order.sort_by_key(|&i| {
        let h = hashes[i];
        ((h ^ (h >> 16)) as usize) & (capacity - 1)
    });
    order
}

/// Java's `String.hashCode`, over UTF-16 code units.
fn string_hash(key: &str) -> u32 {
    key.encode_utf16().fold(0u32, |h, unit| {
        h.wrapping_mul(31).wrapping_add(u32::from(unit))
    })
}

/// Java's `String.compareTo`: strings ordered by UTF-16 code units, as
/// AWS's `StringLessThan` and the like compare them. It differs from
/// Rust's order (by code points) only where a character beyond U+FFFF
/// (a surrogate pair, D800..DBFF first) meets one in U+E000..=U+FFFF.
pub fn compare_utf16(a: &str, b: &str) -> Ordering {
    let (mut left, mut right) = (a.chars(), b.chars());
    loop {
        match (left.next(), right.next()) {
            (Some(x), Some(y)) if x == y => {}
            (Some(x), Some(y)) if x.len_utf16() == y.len_utf16() => return x.cmp(&y),
            (Some(x), Some(y)) => {
                let first = |c: char| c.encode_utf16(&mut [0; 2])[0];
                return first(x).cmp(&first(y));
            }
            (None, None) => return Ordering::Equal,
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
        }
    }
}

/// `java.util.Random`, so that seeded `States.MathRandom` is deterministic.
pub struct Random(u64);

impl Random {
    const MULTIPLIER: u64 = 0x5_DEEC_E66D;
    const MASK: u64 = (1 << 48) - 1;

    pub fn new(seed: i64) -> Random {
        Random((seed as u64 ^ Self::MULTIPLIER) & Self::MASK)
    }

    fn next(&mut self, bits: u32) -> i32 {
        self.0 = self.0.wrapping_mul(Self::MULTIPLIER).wrapping_add(0xB) & Self::MASK;
        (self.0 >> (48 - bits)) as u32 as i32
    }

    fn next_int(&mut self, bound: i32) -> i32 {
        let mut r = self.next(31);
        let m = bound - 1;
        if bound & m == 0 {
            return ((i64::from(bound) * i64::from(r)) >> 31) as i32;
        }
        let mut u = r;
        loop {
            r = u % bound;
            if u.wrapping_sub(r).wrapping_add(m) >= 0 {
                return r;
            }
            u = self.next(31);
        }
    }

    /// `nextDouble()`: a value in `[0, 1)` from 53 random bits.
    pub fn next_double(&mut self) -> f64 {
        let high = i64::from(self.next(26)) << 27;
        let bits = high + i64::from(self.next(27));
        bits as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// A value in `0..range` (`range` > 0).
    pub fn next_below(&mut self, range: u64) -> u64 {
        match i32::try_from(range) {
            Ok(bound) => u64::try_from(self.next_int(bound)).unwrap_or(0),
            Err(_) => {
                let hi = i64::from(self.next(32)) << 32;
                let long = hi.wrapping_add(i64::from(self.next(32)));
                (long as u64) % range
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_map_order_is_javas() {
        // Java: new HashMap<>() with these put in this order iterates
        // iteration_input_value, from_input_constant, iteration_index,
        // original_input (AWS's recording of a Map's Parameters).
        let keys = [
            "original_input",
            "iteration_input_value",
            "iteration_index",
            "from_input_constant",
        ];
        assert_eq!(hash_map_order(keys.into_iter()), [1, 3, 2, 0]);
        assert_eq!(string_hash("a"), 97);
        assert_eq!(string_hash("ab"), 97 * 31 + 98);
        assert_eq!(string_hash("Content-Type"), 949_037_134);
        // Beyond the basic plane: two UTF-16 units.
        assert_eq!(string_hash("\u{1F600}"), 0xD83D * 31 + 0xDE00);
    }

    #[test]
    fn random_is_javas() {
        // `new java.util.Random(42).nextDouble()`; floci measured AWS's
        // `$random(42)` giving it bit for bit (floci-io/floci issue 2662).
        assert_eq!(Random::new(42).next_double(), 0.7275636800328681);
        assert_eq!(Random::new(0).next_double(), 0.730967787376657);
    }

    #[test]
    fn strings_compare_by_utf16_units() {
        // U+1F600 is D83D DE00 in UTF-16, below U+FF5E: Java puts it first.
        assert_eq!(compare_utf16("\u{1F600}", "\u{FF5E}"), Ordering::Less);
        assert_eq!("\u{1F600}".cmp("\u{FF5E}"), Ordering::Greater);
        assert_eq!(compare_utf16("a\u{1F600}", "a\u{1F601}"), Ordering::Less);
        assert_eq!(compare_utf16("ab", "abc"), Ordering::Less);
        assert_eq!(compare_utf16("b", "abc"), Ordering::Greater);
        assert_eq!(compare_utf16("same", "same"), Ordering::Equal);
        assert_eq!(compare_utf16("\u{E000}", "\u{7FF}"), Ordering::Greater);
    }
}
