//! Step Functions service limits.

use std::io;

use serde_json::Value;

/// The largest state input, output or task result: 256 KiB.
pub const MAX_PAYLOAD_BYTES: usize = 256 * 1024;

/// The size of `v` as compact JSON, counted without building the string.
pub fn json_size(v: &Value) -> usize {
    struct Count(usize);
    impl io::Write for Count {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.0 += buf.len();
            Ok(buf.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }
    let mut c = Count(0);
    let _ = serde_json::to_writer(&mut c, v);
    c.0
}

/// `Err(size)` when `v` is over the payload limit.
pub fn check_size(v: &Value) -> Result<(), usize> {
    // Small documents cannot be over the limit; skip the walk for scalars.
    match v {
        Value::Array(_) | Value::Object(_) => {}
        Value::String(s) if s.len() * 6 + 2 > MAX_PAYLOAD_BYTES => {}
        _ => return Ok(()),
    }
    let size = json_size(v);
    if size > MAX_PAYLOAD_BYTES {
        Err(size)
    } else {
        Ok(())
    }
}
