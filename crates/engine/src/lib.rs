//! Where the pure interpreter meets the world: task runners, clocks, and the
//! drivers that feed inputs to [`stepwell_core::Execution::decide`] and carry
//! out the commands it returns.
//!
//! This driver is [`local::run_to_completion`], which runs one
//! execution in-process (used by `stepwell run`).

#![forbid(unsafe_code)]

pub mod local;
pub mod mock;
pub mod s3;

pub use local::{
    run_to_completion, Clock, LocalOptions, MockRunner, SplitMix, SystemClock, TaskOutcome,
    TaskRunner,
};
pub use mock::{MockCase, MockError, MockResponse};
pub use s3::LocalS3;
