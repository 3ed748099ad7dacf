//! A Distributed Map's `ResultWriter`: asking the driver to write the
//! results and taking the answer in.
//!
//! When a Map Run's children are done (it succeeds, or fails with the
//! children that still ran aborted) and its `ResultWriter` exports, the
//! interpreter evaluates `Parameters` / `Arguments` (`Bucket`, `Prefix`),
//! records the internal `ResultsWriteRequested` (whose `apply` renders the
//! files from the recorded children, see `crate::result_writer`), issues
//! `Command::WriteResults` and waits; the answer (`Input::ResultsWritten`)
//! is recorded as the internal `ResultsWritten`, so a replay never writes
//! again. Then `MapRunSucceeded` (the Map's result is the
//! `ResultWriterDetails` object) or `MapRunFailed` follows, as AWS records
//! it: AWS records no event of its own for the write. A write that fails
//! fails the Map Run with `States.ResultWriterFailed`.
//!
//! Not documented by AWS, and chosen here:
//! * DIFFERENCE: `Parameters` / `Arguments` are evaluated when the results
//!   are written, over the Map's (effective) input.
//! * `Bucket` must be a non-empty string and `Prefix`, when given, a
//!   string; otherwise the Map Run fails with `States.ResultWriterFailed`.

use stepwell_asl::ReaderParameters;

use super::*;
use crate::event::WriteId;

impl Decider<'_> {
    /// Whether Map frame `f` exports its results (`ResultWriter` with `Resource`).
    pub(super) fn exports_results(&self, f: FrameId) -> bool {
        self.exec.exports_results(f)
    }

    /// Evaluate where the results go, record the request and ask the
    /// driver to write; `failure`: the error the Map Run then fails with.
    pub(super) fn request_write(&mut self, f: FrameId, failure: Option<StateError>) {
        let target = self.write_target(f);
        let (bucket, prefix) = match target {
            Ok(t) => t,
            Err(e) => {
                // DIFFERENCE: a Map Run failing anyway keeps its own error.
                self.end_failed_fan(f, true, failure.unwrap_or(e));
                return;
            }
        };
        self.emit(
            f,
            EventKind::ResultsWriteRequested {
                bucket,
                prefix,
                failure: failure.map(|e| (e.error, e.cause)),
            },
        );
        if let Phase::Fan(fan) = &self.exec.frame(f).phase {
            if let Write::Pending { request, .. } = &fan.write {
                self.commands
                    .push(Command::WriteResults((**request).clone()));
            }
        }
    }

    /// `Bucket` and `Prefix` from `Parameters` / `Arguments`.
    fn write_target(&mut self, f: FrameId) -> Result<(String, String), StateError> {
        let plan = self.plan();
        let fr = self.exec.frame(f);
        let st = plan.machine(fr.machine).state(fr.state);
        let StateKind::Map(m) = &st.kind else {
            return Err(StateError::new(names::RESULT_WRITER_FAILED, ""));
        };
        let Some(rw) = &m.result_writer else {
            return Err(StateError::new(names::RESULT_WRITER_FAILED, ""));
        };
        let map_input = match &fr.phase {
            Phase::Fan(fan) => fan.input.clone(),
            _ => Arc::new(Value::Null),
        };
        let params = match &rw.parameters {
            Some(ReaderParameters::JsonPath(t)) => {
                self.with_jsonpath(f, st, ContextExtra::default(), |roots, rng, at| {
                    t.render(&dataflow::reroot(roots, &map_input), rng)
                        .map_err(|e| at.err(e))
                })?
            }
            Some(ReaderParameters::Jsonata(t)) => {
                let states = self.states_var(f, st, ContextExtra::default(), None, None);
                self.eval_jsonata(f, t, &states, "Arguments")?
            }
            None => Value::Object(Default::default()),
        };
        let bucket = match params.get("Bucket") {
            Some(Value::String(b)) if !b.is_empty() => b.clone(),
            other => {
                return Err(StateError::new(
                    names::RESULT_WRITER_FAILED,
                    format!(
                        "The ResultWriter field 'Bucket' must be a non-empty string, found {}",
                        other.map_or("nothing".to_string(), Value::to_string)
                    ),
                ))
            }
        };
        let prefix = match params.get("Prefix") {
            None | Some(Value::Null) => String::new(),
            Some(Value::String(p)) => p.clone(),
            Some(other) => {
                return Err(StateError::new(
                    names::RESULT_WRITER_FAILED,
                    format!("The ResultWriter field 'Prefix' must be a string, found {other}"),
                ))
            }
        };
        Ok((bucket, prefix))
    }

    /// The driver answered write `write`: record it; the Map Run then ends.
    pub(super) fn results_written(&mut self, write: WriteId, result: Result<(), String>) {
        // Once per write: a second answer (after a restart) finds none pending.
        let Some(&f) = self.exec.writes.get(&write) else {
            return;
        };
        if self.finished() {
            return;
        }
        self.work.push(f);
        self.emit(
            f,
            EventKind::ResultsWritten {
                error: result.err(),
            },
        );
    }
}
