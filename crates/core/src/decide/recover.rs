//! After a state's work: result processing, Retry and Catch.

use super::*;

impl Decider<'_> {
    // ----- results and errors ---------------------------------------------

    /// Task/Parallel/Map result -> ResultSelector -> ResultPath -> OutputPath.
    pub(super) fn finish_result(&mut self, f: FrameId, result: Arc<Value>) {
        if self.traced() {
            self.note(vec![("result", (*result).clone())]);
        }
        let plan = self.plan();
        let fr = self.exec.frame(f);
        let st = plan.machine(fr.machine).state(fr.state);
        let traced = self.traced();
        let mut seen = Vec::new();
        let res = if st.query_language == QueryLanguage::Jsonata {
            let raw = fr.input.clone();
            let states = self.states_var(f, st, ContextExtra::default(), Some(&result), None);
            let out = match &st.io.output {
                Some(t) => self.eval_jsonata(f, t, &states, "Output").map(Arc::new),
                None => Ok(result.clone()),
            };
            out.and_then(|out| Ok((out, self.assign(f, st, st.assign.as_ref(), &raw, &states)?)))
        } else {
            self.with_jsonpath(f, st, ContextExtra::default(), |roots, rng, at| {
                let selected = dataflow::render(
                    st.io.result_selector.as_ref(),
                    Cow::Borrowed(&*result),
                    roots,
                    rng,
                    at,
                )?;
                if traced {
                    seen.push(("afterResultSelector", selected.as_ref().clone()));
                }
                let assigned = assign_jsonpath(st.assign.as_ref(), &selected, roots, rng, at)?;
                let passes_through = st.io.result_selector.is_none()
                    && matches!(st.io.result_path, OptPath::Default)
                    && matches!(st.io.output_path, OptPath::Default);
                if passes_through {
                    if traced {
                        seen.push(("afterResultPath", (*result).clone()));
                    }
                    // The output is the result itself (a Map's may be large): share it.
                    return Ok((result.clone(), assigned));
                }
                let out = dataflow::result_path(&st.io.result_path, roots.input, selected, at)?;
                if traced {
                    seen.push(("afterResultPath", out.as_ref().clone()));
                }
                let out = dataflow::output_path(&st.io.output_path, out, roots, at)?;
                Ok((Arc::new(out.into_owned()), assigned))
            })
        };
        drop(result);
        self.note(seen);
        let res = res.and_then(|(out, assigned)| {
            self.check_assigned(f, &assigned, "Assign")?;
            Ok((out, assigned))
        });
        match res {
            Ok((out, assigned)) => self.exit_shared(f, out, Self::next_of(st), assigned),
            Err(e) => {
                self.evaluation_failed(f, &e);
                self.recover(f, e);
            }
        }
    }

    /// Retry, then Catch, then fail the frame.
    /// Whether [`Self::recover`] will retry the state of `f` on `err`.
    pub(super) fn will_retry(&self, f: FrameId, err: &StateError) -> bool {
        let fr = self.exec.frame(f);
        let st = self.exec.plan.machine(fr.machine).state(fr.state);
        err.is_recoverable()
            && st
                .retriers()
                .iter()
                .enumerate()
                .find(|(_, r)| err.matched_by(&r.error_equals))
                .is_some_and(|(i, r)| {
                    u64::from(fr.attempts.get(i).copied().unwrap_or(0)) < r.max_attempts
                })
    }

    pub(super) fn recover(&mut self, f: FrameId, err: StateError) {
        let plan = self.plan();
        let fr = self.exec.frame(f);
        let st = plan.machine(fr.machine).state(fr.state);
        if let Some(t) = self.trace.as_deref_mut() {
            t.error = Some(err.clone());
        }
        if err.is_recoverable() {
            for (i, r) in st.retriers().iter().enumerate() {
                if !err.matched_by(&r.error_equals) {
                    continue;
                }
                let attempts = fr.attempts.get(i).copied().unwrap_or(0);
                if let Some(t) = self.trace.as_deref_mut() {
                    t.retry_index = Some(i);
                }
                if u64::from(attempts) < r.max_attempts {
                    let delay = match self.trace.as_deref_mut() {
                        // TestState reports the back-off without jitter
                        // (see `crate::test_state`).
                        Some(t) => {
                            let delay = retry::delay_ms(r, attempts, 1.0);
                            t.retry_delay_ms = Some(delay);
                            delay
                        }
                        None => {
                            let random = retry::unit(self.entropy.next_u64());
                            retry::delay_ms(r, attempts, random)
                        }
                    };
                    self.start_timer(f, TimerPurpose::Retry(i as u32), self.now + delay);
                    return;
                }
                break;
            }
            for (i, c) in st.catchers().iter().enumerate() {
                if !err.matched_by(&c.error_equals) {
                    continue;
                }
                if let Some(t) = self.trace.as_deref_mut() {
                    t.catch_index = Some(i);
                }
                match self.catch_output(f, st, (i, c), &err) {
                    Ok((out, assigned)) => self.exit(f, out, Some(c.next), assigned),
                    Err(e) => {
                        self.evaluation_failed(f, &e);
                        self.fail_frame(f, e);
                    }
                }
                return;
            }
        }
        self.fail_frame(f, err);
    }

    pub(super) fn catch_output(
        &mut self,
        f: FrameId,
        st: &State,
        (i, c): (usize, &stepwell_asl::Catcher),
        err: &StateError,
    ) -> Result<(Value, Vec<(String, Value)>), StateError> {
        // The catcher's Assign writes the scope the state is in (AWS: "the
        // `Assign` field in a `Catch` can assign values to variables in the
        // outer scope, that is, the scope in which the Parallel/Map state
        // exists"): frame `f`, where a Parallel's or Map's catcher runs.
        let field = format!("Catch[{i}].Assign");
        // A task that reported no error name or cause gives nulls, as AWS shows.
        let absent_as_null = |s: &str| if s.is_empty() { Value::Null } else { json!(s) };
        let error_output = json!({ "Error": absent_as_null(&err.error), "Cause": if err.error.is_empty() { absent_as_null(&err.cause) } else { json!(err.cause) } });
        let raw = self.exec.frame(f).input.clone();
        if st.query_language == QueryLanguage::Jsonata {
            let states = self.states_var(f, st, ContextExtra::default(), None, Some(&error_output));
            let out = match &c.output {
                Some(t) => self.eval_jsonata(f, t, &states, "Output")?,
                None => error_output.clone(),
            };
            let assigned = self.assign(f, st, c.assign.as_ref(), &raw, &states)?;
            self.check_assigned(f, &assigned, &field)?;
            return Ok((out, assigned));
        }
        let (out, assigned) =
            self.with_jsonpath(f, st, ContextExtra::default(), |roots, rng, at| {
                let assigned = assign_jsonpath(c.assign.as_ref(), &error_output, roots, rng, at)?;
                let out = dataflow::result_path(
                    &c.result_path,
                    roots.input,
                    Cow::Owned(error_output),
                    at,
                )?
                .into_owned();
                Ok::<_, StateError>((out, assigned))
            })?;
        self.check_assigned(f, &assigned, &field)?;
        Ok((out, assigned))
    }
}
