//! RedriveExecution: the execution continues from the state that stopped it;
//! a Parallel or Map there reruns only its children that did not succeed
//! (see [`crate::redrive`] for what AWS documents and what we chose).

use super::*;
use crate::redrive::{too_many_redrives, Plan, MAX_MAP_RUN_REDRIVES};

impl Decider<'_> {
    pub(super) fn redrive(&mut self) {
        if !matches!(
            self.exec.status,
            Status::Failed | Status::TimedOut | Status::Aborted
        ) {
            return;
        }
        let redrive_count = self.exec.redrive_count + 1;
        self.emit(0, EventKind::ExecutionRedriven { redrive_count });
        if let Some(t) = self.exec.plan.timeout_seconds {
            self.start_timer(0, TimerPurpose::Execution, self.now + t as i64 * 1000);
        }
        self.redrive_frame(0);
        self.work.push(0);
    }

    /// Continue frame `f` in the state it stopped in: enter it again with
    /// the input it had; a Parallel or Map there takes back its children.
    pub(super) fn redrive_frame(&mut self, f: FrameId) {
        let plan = self.exec.redrive_plan(f);
        let fr = self.exec.frame(f);
        let (state, input) = (fr.state, fr.input.clone());
        // The input was entered once already: it is within the limits.
        self.enter_sized(f, state, input, true);
        match plan {
            Plan::Afresh => {}
            Plan::Children => {
                self.emit(f, EventKind::FanRedriven);
            }
            Plan::MapRun { count, .. } if count >= MAX_MAP_RUN_REDRIVES => {
                let err = too_many_redrives();
                let retried = self.will_retry(f, &err);
                self.emit(
                    f,
                    EventKind::MapFailed {
                        error: err.error,
                        cause: err.cause,
                        retried,
                    },
                );
            }
            Plan::MapRun { arn, count } => {
                self.emit(f, EventKind::FanRedriven);
                self.emit(
                    f,
                    EventKind::MapRunRedriven {
                        arn,
                        redrive_count: count + 1,
                    },
                );
            }
        }
    }

    /// Rerun child `c` of the Parallel or Map in frame `f`, waiting for a
    /// redrive.
    pub(super) fn redrive_child(&mut self, f: FrameId, c: FrameId) {
        self.work.push(f);
        self.redrive_frame(c);
        self.work.push(c);
    }
}
