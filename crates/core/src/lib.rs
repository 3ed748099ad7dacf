//! The Stepwell interpreter: a pure function from (history, input) to
//! (new events, commands).
//!
//! * [`Execution`] is one execution's state. It changes only through
//!   [`Execution::apply`], one [`Event`] at a time.
//! * [`Execution::decide`] handles an [`Input`] (start, a task result, a
//!   timer firing...) at a given time with given entropy, and returns the
//!   events it recorded and the [`Command`]s (run a task, start a timer) the
//!   caller must carry out.
//! * [`Execution::replay`] rebuilds the state from a stored history; since
//!   `decide` itself goes through `apply`, a replay reaches exactly the state
//!   the live run had, and [`Execution::pending`] tells what was outstanding.
//!
//! No clock, randomness, IO or async here: time and entropy are arguments.

#![forbid(unsafe_code)]

mod aws;
mod choice;
mod context;
mod dataflow;
mod decide;
mod errors;
mod event;
mod execution;
mod input;
mod jsonata_eval;
mod limits;
pub mod map_run;
mod redrive;
mod result_writer;
mod retry;
pub mod test_state;

pub use aws::{render_child_history, render_history, render_history_from, HistoryRenderer};
pub use context::iso8601;
pub use decide::{uuid, Decision, Entropy};
pub use errors::{error_matches, names, StateError};
pub use event::{
    Event, EventKind, FrameId, ReadId, TaskFlavor, TaskId, TimerId, TimerPurpose, WriteId,
};
pub use execution::{Execution, Outcome, ReplayError, Status};
pub use input::{Command, ExecutionInfo, Input, ReadRequest, TaskRequest, WriteRequest};
pub use limits::{
    from_slice_unbounded, json_kind, json_size, parse_json, MAX_NESTING, MAX_PAYLOAD_BYTES,
};
pub use retry::delay_ms;
