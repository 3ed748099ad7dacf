//! The simple states: Pass, Succeed, Task, Choice, Wait, Fail.

use super::*;
use stepwell_asl::Credentials;

impl Decider<'_> {
    pub(super) fn run_pass(
        &mut self,
        f: FrameId,
        st: &State,
        result: Option<&Value>,
    ) -> Result<(), StateError> {
        let (output, assigned) = if st.query_language == QueryLanguage::Jsonata {
            let raw = self.exec.frame(f).input.clone();
            let states = self.states_var(f, st, ContextExtra::default(), None, None);
            let out = match &st.io.output {
                Some(t) => Output::New(self.eval_jsonata(f, t, &states, "Output")?),
                None => Output::Input,
            };
            let assigned = self.assign(f, st, st.assign.as_ref(), &raw, &states)?;
            (out, assigned)
        } else {
            let traced = self.traced();
            let mut seen = Vec::new();
            let done = self.with_jsonpath(f, st, ContextExtra::default(), |roots, rng, at| {
                let eff = dataflow::input_path(&st.io.input_path, roots, at)?;
                // TestState shows a Pass with `Result` from its result on
                // (AWS leaves out afterInputPath and afterParameters then).
                if traced && result.is_none() {
                    seen.push(("afterInputPath", eff.as_ref().clone()));
                }
                let eff = dataflow::render(st.io.parameters.as_ref(), eff, roots, rng, at)?;
                let result: Cow<'_, Value> = match result {
                    Some(r) => {
                        if traced {
                            seen.push(("result", r.clone()));
                        }
                        Cow::Borrowed(r)
                    }
                    None => {
                        if traced {
                            seen.push(("afterParameters", eff.as_ref().clone()));
                        }
                        eff
                    }
                };
                if traced {
                    seen.push(("afterResultSelector", result.as_ref().clone()));
                }
                let assigned = assign_jsonpath(st.assign.as_ref(), &result, roots, rng, at)?;
                let out = dataflow::result_path(&st.io.result_path, roots.input, result, at)?;
                if traced {
                    seen.push(("afterResultPath", out.as_ref().clone()));
                }
                let out = dataflow::output_path(&st.io.output_path, out, roots, at)?;
                Ok::<_, StateError>((Output::of(out, roots.input), assigned))
            });
            self.note(seen);
            done?
        };
        self.check_assigned(f, &assigned, "Assign")?;
        self.exit_output(f, output, Self::next_of(st), assigned);
        Ok(())
    }

    pub(super) fn run_succeed(&mut self, f: FrameId, st: &State) -> Result<(), StateError> {
        let output = self.simple_output(f, st)?;
        self.exit_output(f, output, None, Vec::new());
        Ok(())
    }

    /// Output of a state that does no work: InputPath then OutputPath
    /// (JSONPath), or `Output` with the input as default (JSONata).
    pub(super) fn simple_output(&mut self, f: FrameId, st: &State) -> Result<Output, StateError> {
        if st.query_language == QueryLanguage::Jsonata {
            return match &st.io.output {
                Some(t) => {
                    let states = self.states_var(f, st, ContextExtra::default(), None, None);
                    self.eval_jsonata(f, t, &states, "Output").map(Output::New)
                }
                None => Ok(Output::Input),
            };
        }
        let traced = self.traced();
        let mut seen = Vec::new();
        let done = self.with_jsonpath(f, st, ContextExtra::default(), |roots, _, at| {
            let eff = dataflow::input_path(&st.io.input_path, roots, at)?;
            if traced {
                seen.push(("afterInputPath", eff.as_ref().clone()));
            }
            let out = dataflow::output_path(&st.io.output_path, eff, roots, at)?;
            Ok(Output::of(out, roots.input))
        });
        self.note(seen);
        done
    }

    pub(super) fn run_task(
        &mut self,
        f: FrameId,
        st: &State,
        task: &stepwell_asl::Task,
    ) -> Result<(), StateError> {
        let resource = task.resource.as_str();
        let flavor = if resource.starts_with("arn:aws:lambda:") {
            TaskFlavor::Lambda
        } else if resource.contains(":activity:") {
            TaskFlavor::Activity
        } else {
            TaskFlavor::Service
        };
        // A token for the tasks that may be completed with one: callbacks,
        // activities and `.sync` jobs ("Context object contains 'Task' when
        // the state is a Task state with a '.sync' or '.waitForTaskToken'
        // resource"). A request-response task has none (recorded: its `$$`
        // has no `Task`).
        let token = (resource.ends_with(".waitForTaskToken")
            || resource.contains(".sync")
            || flavor == TaskFlavor::Activity)
            .then(|| uuid(&mut *self.entropy));
        let extra = ContextExtra {
            token: token.as_deref(),
            map_item: None,
        };
        let (payload, timeout, heartbeat, credentials) =
            if st.query_language == QueryLanguage::Jsonata {
                let raw = self.exec.frame(f).input.clone();
                let states = self.states_var(f, st, extra, None, None);
                let credentials = match &task.credentials {
                    Some(Credentials::Jsonata(t)) => {
                        Some(self.eval_jsonata(f, t, &states, "Credentials")?)
                    }
                    _ => None,
                };
                let payload = match &st.io.arguments {
                    Some(t) => self.eval_jsonata(f, t, &states, "Arguments")?,
                    None => (*raw).clone(),
                };
                let timeout = self.integer_jsonata(
                    f,
                    task.timeout_seconds.as_ref(),
                    &states,
                    "TimeoutSeconds",
                    1,
                    None,
                )?;
                let heartbeat = self.integer_jsonata(
                    f,
                    task.heartbeat_seconds.as_ref(),
                    &states,
                    "HeartbeatSeconds",
                    1,
                    None,
                )?;
                if self.traced() {
                    self.note(vec![("afterArguments", payload.clone())]);
                }
                (payload, timeout, heartbeat, credentials)
            } else {
                let traced = self.traced();
                let mut seen = Vec::new();
                let done = self.with_jsonpath(f, st, extra, |roots, rng, at| {
                    let eff = dataflow::input_path(&st.io.input_path, roots, at)?;
                    if traced {
                        seen.push(("afterInputPath", eff.as_ref().clone()));
                    }
                    // `Credentials` reads the input `Parameters` reads.
                    let credentials = match &task.credentials {
                        Some(Credentials::JsonPath(t)) => Some(
                            dataflow::render(Some(t), Cow::Borrowed(eff.as_ref()), roots, rng, at)?
                                .into_owned(),
                        ),
                        _ => None,
                    };
                    let payload = dataflow::render(st.io.parameters.as_ref(), eff, roots, rng, at)?
                        .into_owned();
                    if traced {
                        seen.push(("afterParameters", payload.clone()));
                    }
                    let timeout = dynamic_seconds_path(
                        task.timeout_seconds.as_ref(),
                        roots,
                        at,
                        "TimeoutSecondsPath",
                    )?;
                    let heartbeat = dynamic_seconds_path(
                        task.heartbeat_seconds.as_ref(),
                        roots,
                        at,
                        "HeartbeatSecondsPath",
                    )?;
                    Ok::<_, StateError>((payload, timeout, heartbeat, credentials))
                });
                self.note(seen);
                done?
            };
        // AWS measures a Task's input again once Parameters (Arguments)
        // have built it.
        if let Err(limits::Exceeded::Size(_)) = limits::check_size(&payload) {
            return Err(StateError::new(
                names::DATA_LIMIT_EXCEEDED,
                format!(
                    "The state/task '{}' has an input with a size exceeding the maximum number of bytes service limit ({MAX_PAYLOAD_BYTES} bytes).",
                    st.name
                ),
            ));
        }
        // An activity that does not exist fails the execution before
        // anything is scheduled (AWS: `TaskStateEntered`, then
        // `ExecutionFailed`; localstack/localstack
        // tests/aws/services/stepfunctions/v2/activities,
        // test_activity_task_on_deleted).
        if flavor == TaskFlavor::Activity
            && self.exec.missing_activities.iter().any(|a| a == resource)
        {
            let at = at_of(self.exec, f);
            return Err(StateError::new(
                names::RUNTIME,
                dataflow::runtime_cause(
                    at.state,
                    at.entered_id,
                    &format!("The activity {resource} does not exist."),
                ),
            ));
        }
        let task_id = self.emit(
            f,
            EventKind::TaskScheduled {
                flavor,
                resource: resource.to_owned(),
                parameters: Arc::new(payload),
                timeout,
                heartbeat,
                token,
                role_arn: credentials.as_ref().and_then(role_arn),
            },
        );
        if let Some((_, req)) = self.exec.tasks.get(&task_id) {
            self.commands.push(Command::RunTask(req.clone()));
        }
        if let Some(t) = timeout {
            self.start_timer(
                f,
                TimerPurpose::TaskTimeout(task_id),
                self.now + t as i64 * 1000,
            );
        }
        if let Some(h) = heartbeat {
            self.start_timer(
                f,
                TimerPurpose::Heartbeat(task_id),
                self.now + h as i64 * 1000,
            );
        }
        if flavor != TaskFlavor::Activity {
            self.emit(
                f,
                EventKind::TaskStarted {
                    task: task_id,
                    worker: None,
                },
            );
        }
        Ok(())
    }

    pub(super) fn run_choice(
        &mut self,
        f: FrameId,
        st: &State,
        c: &stepwell_asl::Choice,
    ) -> Result<(), StateError> {
        if st.query_language == QueryLanguage::Jsonata {
            let raw = self.exec.frame(f).input.clone();
            let states = self.states_var(f, st, ContextExtra::default(), None, None);
            for (i, b) in c.choices.iter().enumerate() {
                let stepwell_asl::Rule::Condition(expr) = &b.rule else {
                    continue;
                };
                let v = self.eval_expr(f, expr, &states, format_args!("Choices[{i}]/Condition"))?;
                let truth = match v {
                    Some(Value::Bool(b)) => b,
                    _ => {
                        let at = at_of(self.exec, f);
                        return Err(StateError::new(
                            names::QUERY_EVALUATION_ERROR,
                            dataflow::runtime_cause(at.state, at.entered_id, &format!(
                                "The Condition field's JSONata expression '{}' must evaluate to a boolean value.",
                                expr.source
                            )),
                        ));
                    }
                };
                if truth {
                    // A rule's own Output and Assign are named under it
                    // (floci-io/floci pull request 2689, measured on AWS).
                    let output = match (&b.output, &st.io.output) {
                        (Some(t), _) => {
                            let field = format!("Choices[{i}]/Output");
                            Output::New(self.eval_jsonata(f, t, &states, &field)?)
                        }
                        (None, Some(t)) => Output::New(self.eval_jsonata(f, t, &states, "Output")?),
                        (None, None) => Output::Input,
                    };
                    let (assign, field) = choice_assign(st, b, i);
                    let assigned = self.assign_at(f, st, assign, &raw, &states, &field)?;
                    self.check_assigned(f, &assigned, &field)?;
                    self.exit_output(f, output, Some(b.next), assigned);
                    return Ok(());
                }
            }
            let Some(default) = c.default else {
                return Err(no_choice(at_of(self.exec, f)));
            };
            let output = match &st.io.output {
                Some(t) => Output::New(self.eval_jsonata(f, t, &states, "Output")?),
                None => Output::Input,
            };
            let assigned = self.assign(f, st, st.assign.as_ref(), &raw, &states)?;
            self.check_assigned(f, &assigned, "Assign")?;
            self.exit_output(f, output, Some(default), assigned);
            return Ok(());
        }
        let traced = self.traced();
        let mut seen = Vec::new();
        let done = self.with_jsonpath(f, st, ContextExtra::default(), |roots, rng, at| {
            let eff = dataflow::input_path(&st.io.input_path, roots, at)?;
            if traced {
                seen.push(("afterInputPath", eff.as_ref().clone()));
            }
            let eff_roots = dataflow::reroot(roots, &eff);
            let mut chosen = None;
            for (i, b) in c.choices.iter().enumerate() {
                if choice::evaluate(&b.rule, &eff_roots, at)? {
                    let (assign, field) = choice_assign(st, b, i);
                    chosen = Some((b.next, assign, field));
                    break;
                }
            }
            let (next, assign, field) = match chosen {
                Some(x) => x,
                None => match c.default {
                    Some(d) => (d, st.assign.as_ref(), Cow::Borrowed("Assign")),
                    None => return Err(no_choice(at)),
                },
            };
            let assigned = assign_jsonpath(assign, &eff, &eff_roots, rng, at)?;
            let out = dataflow::output_path(&st.io.output_path, eff, roots, at)?;
            Ok((Output::of(out, roots.input), next, assigned, field))
        });
        self.note(seen);
        let (out, next, assigned, field) = done?;
        self.check_assigned(f, &assigned, &field)?;
        self.exit_output(f, out, Some(next), assigned);
        Ok(())
    }

    pub(super) fn run_wait(&mut self, f: FrameId, st: &State, w: &Wait) -> Result<(), StateError> {
        let fire_at = if st.query_language == QueryLanguage::Jsonata {
            let states = self.states_var(f, st, ContextExtra::default(), None, None);
            match w {
                Wait::Seconds(Dynamic::Value(s)) => self.now + *s as i64 * 1000,
                Wait::Seconds(d @ Dynamic::Expr(_)) => {
                    let secs = self.integer_jsonata(f, Some(d), &states, "Seconds", 0, None)?;
                    let ms = secs.unwrap_or(0).saturating_mul(1000);
                    self.now
                        .saturating_add(i64::try_from(ms).unwrap_or(i64::MAX))
                }
                Wait::Timestamp(Dynamic::Value(s)) => timestamp_ms(s).unwrap_or(self.now),
                Wait::Timestamp(Dynamic::Expr(e)) => {
                    let v = self.eval_expr(f, e, &states, "Timestamp")?;
                    let at = at_of(self.exec, f);
                    match v.as_ref() {
                        Some(Value::String(s)) => match timestamp_ms(s) {
                            Some(ms) => ms,
                            None => return Err(at.runtime_named(names::QUERY_EVALUATION_ERROR, &format!(
                                "The Timestamp field cannot be parsed as an ISO-8601 extended offset date-time format string: {s}"
                            )).at_field("Timestamp")),
                        },
                        other => return Err(at.runtime_named(names::QUERY_EVALUATION_ERROR, &format!(
                            "The JSONata expression '{}' specified for the field 'Timestamp' returned an unexpected result type. Expected 'string', but was '{}' for value: {}",
                            e.source,
                            jsonata_eval::type_name(other),
                            other.map(Value::to_string).unwrap_or_default()
                        )).at_field("Timestamp")),
                    }
                }
                _ => self.now,
            }
        } else {
            let now = self.now;
            self.with_jsonpath(f, st, ContextExtra::default(), |roots, _, at| {
                let eff = dataflow::input_path(&st.io.input_path, roots, at)?;
                let eff_roots = dataflow::reroot(roots, &eff);
                Ok(match w {
                    Wait::Seconds(Dynamic::Value(s)) => now + *s as i64 * 1000,
                    Wait::Seconds(Dynamic::Path(p)) => {
                        let v = p.select(&eff_roots).map_err(|_| {
                            at.runtime(&format!(
                                "The SecondsPath parameter does not reference an input value: {}",
                                p.text()
                            ))
                        })?;
                        let secs = match v.as_ref() {
                            Value::Number(n) if n.as_i64().is_some() || n.as_u64().is_some() => {
                                n.as_i64().unwrap_or(i64::MAX)
                            }
                            other => {
                                return Err(at.runtime(&format!(
                                "The SecondsPath parameter cannot be parsed as a long value: {} == {}",
                                p.text(),
                                plain(other)
                            )))
                            }
                        };
                        if secs < 0 {
                            return Err(at.runtime(&format!(
                                "The SecondsPath parameter references a negative value: {} == {}",
                                p.text(),
                                secs
                            )));
                        }
                        now.saturating_add(secs.saturating_mul(1000))
                    }
                    Wait::Timestamp(Dynamic::Value(s)) => timestamp_ms(s).unwrap_or(now),
                    Wait::Timestamp(Dynamic::Path(p)) => {
                        let v = p.select(&eff_roots).map_err(|_| {
                            at.runtime(&format!(
                                "The TimestampPath parameter does not reference an input value: {}",
                                p.text()
                            ))
                        })?;
                        match v.as_str().and_then(timestamp_ms) {
                            Some(ms) => ms,
                            None => {
                                return Err(at.runtime(&format!(
                                    "The TimestampPath parameter does not reference a valid ISO-8601 extended offset date-time format string: {} == {}",
                                    p.text(),
                                    plain(&v)
                                )))
                            }
                        }
                    }
                    _ => now,
                })
            })?
        };
        self.start_timer(f, TimerPurpose::Wait, fire_at);
        Ok(())
    }

    pub(super) fn finish_wait(&mut self, f: FrameId) {
        let plan = self.plan();
        let fr = self.exec.frame(f);
        let st = plan.machine(fr.machine).state(fr.state);
        let res = self.simple_output(f, st).and_then(|out| {
            let assigned = match &st.assign {
                None => Vec::new(),
                // AWS, "Passing data between states with variables": "In
                // Choice and Wait state, `$` refers to the effective input,
                // which is the value after InputPath has been applied."
                Some(a @ Assign::JsonPath(_)) => {
                    self.with_jsonpath(f, st, ContextExtra::default(), |roots, rng, at| {
                        let eff = dataflow::input_path(&st.io.input_path, roots, at)?;
                        assign_jsonpath(Some(a), &eff, roots, rng, at)
                    })?
                }
                Some(a) => {
                    let raw = self.exec.frame(f).input.clone();
                    let states = self.states_var(f, st, ContextExtra::default(), None, None);
                    self.assign(f, st, Some(a), &raw, &states)?
                }
            };
            self.check_assigned(f, &assigned, "Assign")?;
            Ok((out, assigned))
        });
        match res {
            Ok((out, assigned)) => self.exit_output(f, out, Self::next_of(st), assigned),
            Err(e) => {
                self.evaluation_failed(f, &e);
                self.recover(f, e);
            }
        }
    }

    pub(super) fn fail_error(
        &mut self,
        f: FrameId,
        st: &State,
        fail: &stepwell_asl::Fail,
    ) -> Result<StateError, StateError> {
        let field = |d: &mut Self,
                     v: Option<&FailField>,
                     name: &str|
         -> Result<Option<String>, StateError> {
            let Some(v) = v else {
                return Ok(None);
            };
            match v {
                FailField::Value(s) => Ok(Some(s.clone())),
                FailField::Path(p) => {
                    let field_name = format!("{name}Path");
                    let value =
                        d.with_jsonpath(f, st, ContextExtra::default(), |roots, rng, at| {
                            p.eval_field(&field_name, roots, rng).map_err(|e| at.err(e))
                        })?;
                    Ok(Some(match value {
                        Value::String(s) => s,
                        other => other.to_string(),
                    }))
                }
                FailField::Expr(e) => {
                    let states = d.states_var(f, st, ContextExtra::default(), None, None);
                    // Nothing is an error, as in every other JSONata field
                    // (floci-io/floci #2665/#2689, measured on AWS).
                    match d.eval_expr(f, e, &states, name)? {
                        Some(Value::String(s)) => Ok(Some(s)),
                        Some(other) => Ok(Some(other.to_string())),
                        None => Err(at_of(d.exec, f)
                            .runtime_named(
                                names::QUERY_EVALUATION_ERROR,
                                &format!(
                                    "The JSONata expression '{}' specified for the field '{name}' returned nothing (undefined).",
                                    e.source.trim()
                                ),
                            )
                            .at_field(name)),
                    }
                }
            }
        };
        let error = field(self, fail.error.as_ref(), "Error")?;
        let cause = field(self, fail.cause.as_ref(), "Cause")?;
        Ok(StateError::new(
            error.unwrap_or_default(),
            cause.unwrap_or_default(),
        ))
    }
}

/// The Assign a matched Choice rule applies (its own, else the state's) and
/// the field it sits at, for messages.
fn choice_assign<'a>(
    st: &'a State,
    b: &'a stepwell_asl::ChoiceBranch,
    i: usize,
) -> (Option<&'a Assign>, Cow<'static, str>) {
    match &b.assign {
        Some(a) => (Some(a), Cow::Owned(format!("Choices[{i}]/Assign"))),
        None => (st.assign.as_ref(), Cow::Borrowed("Assign")),
    }
}

/// The role an evaluated `Credentials` object names: its `RoleArn`, a
/// value other than a string as its JSON text.
fn role_arn(credentials: &Value) -> Option<String> {
    match credentials.get("RoleArn")? {
        Value::String(s) => Some(s.clone()),
        other => Some(other.to_string()),
    }
}
