//! Parallel and Map: starting branches and iterations, collecting their
//! results, tolerating failures.

use super::*;

impl Decider<'_> {
    pub(super) fn run_parallel(&mut self, f: FrameId, st: &State) -> Result<(), StateError> {
        let input = self.effective_input(f, st, "Arguments")?;
        self.emit(
            f,
            EventKind::ParallelStarted {
                input: Arc::new(input),
            },
        );
        Ok(())
    }

    /// InputPath + Parameters (JSONPath) or Arguments (JSONata).
    pub(super) fn effective_input(
        &mut self,
        f: FrameId,
        st: &State,
        field: &str,
    ) -> Result<Value, StateError> {
        let raw = self.exec.frame(f).input.clone();
        if st.query_language == QueryLanguage::Jsonata {
            let states = self.states_var(f, st, ContextExtra::default(), None, None);
            return match &st.io.arguments {
                Some(t) => self.eval_jsonata(f, t, &states, field),
                None => Ok((*raw).clone()),
            };
        }
        let traced = self.traced();
        let mut seen = Vec::new();
        let done = self.with_jsonpath(f, st, ContextExtra::default(), |roots, rng, at| {
            let eff = dataflow::input_path(&st.io.input_path, roots, at)?;
            if traced {
                seen.push(("afterInputPath", eff.as_ref().clone()));
            }
            let eff =
                dataflow::render(st.io.parameters.as_ref(), eff, roots, rng, at)?.into_owned();
            if traced {
                seen.push(("afterParameters", eff.clone()));
            }
            Ok(eff)
        });
        self.note(seen);
        done
    }

    pub(super) fn run_map(
        &mut self,
        f: FrameId,
        st: &State,
        m: &stepwell_asl::Map,
    ) -> Result<(), StateError> {
        // AWS reads the tolerated failure thresholds after the Map has
        // started (a bad one fails it after `MapStateStarted`, as recorded),
        // the items and MaxConcurrency before. An ItemBatcher's limits and
        // BatchInput are read with the thresholds (AWS does not say when).
        let (input, items, max_concurrency, tolerated, plan, reader);
        if st.query_language == QueryLanguage::Jsonata {
            let raw = self.exec.frame(f).input.clone();
            let states = self.states_var(f, st, ContextExtra::default(), None, None);
            // DIFFERENCE: with an ItemReader the items come from the reader
            // and `Items` is not evaluated (AWS does not say what it means then).
            let list = match (&m.items, &m.item_reader) {
                (_, Some(_)) => Value::Array(Vec::new()),
                (Some(t), None) => self.eval_jsonata(f, t, &states, "Items")?,
                (None, None) => (*raw).clone(),
            };
            items = match list {
                Value::Array(a) => a,
                other => {
                    let at = at_of(self.exec, f);
                    // AWS's wording, from its recorded executions: without
                    // `Items` the input itself is meant; with it, the
                    // expression is quoted and every number is a 'number'.
                    let Some(items) = &m.items else {
                        return Err(at.runtime_named(
                            names::QUERY_EVALUATION_ERROR,
                            &format!("Map state input must be an array but was: {other}"),
                        ));
                    };
                    let expr = match items {
                        stepwell_asl::JsonataTemplate::Expr(e) => format!("'{}' ", e.source),
                        _ => String::new(),
                    };
                    let kind = match jsonata_eval::type_name(Some(&other)) {
                        "integer" => "number",
                        kind => kind,
                    };
                    return Err(at.runtime_named(names::QUERY_EVALUATION_ERROR, &format!(
                        "The JSONata expression {expr}specified for the field 'Items' returned an unexpected result type. Expected 'array', but was '{kind}' for value: {other}"
                    )).at_field("Items"));
                }
            };
            input = (*raw).clone();
            reader = match &m.item_reader {
                Some(r) => Some(self.reader_jsonata(f, r, &states)?),
                None => None,
            };
            max_concurrency = self
                .integer_jsonata(
                    f,
                    m.max_concurrency.as_ref(),
                    &states,
                    "MaxConcurrency",
                    0,
                    None,
                )?
                .unwrap_or(0);
            tolerated = self
                .number_jsonata(
                    f,
                    m.tolerated_failure_count.as_ref(),
                    &states,
                    "ToleratedFailureCount",
                )
                .and_then(|count| {
                    let percentage = self.number_jsonata(
                        f,
                        m.tolerated_failure_percentage.as_ref(),
                        &states,
                        "ToleratedFailurePercentage",
                    )?;
                    // AWS's causes for these values out of range, recorded
                    // for the ...Path fields (conformance cases
                    // base_scenarios__map_state_tolerated_failure_*_path__*).
                    let at = at_of(self.exec, f);
                    if count.is_some_and(|c| c < 0.0) {
                        return Err(at.runtime("ToleratedFailureCount cannot be negative."));
                    }
                    if percentage.is_some_and(|p| !(0.0..=100.0).contains(&p)) {
                        return Err(
                            at.runtime("ToleratedFailurePercentage must be between 0 and 100.")
                        );
                    }
                    Ok((count.map(|c| c as u64), percentage))
                });
            // With an ItemReader, the batches are cut when the items arrive.
            plan = match (&tolerated, &m.item_batcher, &m.item_reader) {
                (Ok(_), Some(b), None) => Some(self.plan_jsonata(f, b, &states)),
                _ => None,
            };
        } else {
            let traced = self.traced();
            let mut seen = Vec::new();
            let done =
                self.with_jsonpath(f, st, ContextExtra::default(), |roots, rng, at| {
                    let eff = dataflow::input_path(&st.io.input_path, roots, at)?;
                    if traced {
                        seen.push(("afterInputPath", eff.as_ref().clone()));
                    }
                    let eff_roots = dataflow::reroot(roots, &eff);
                let parameters = match &m.item_reader {
                    Some(r) => Some(reader::parameters_jsonpath(r, &eff_roots, rng, at)?),
                    None => None,
                };
                // DIFFERENCE: with an ItemReader the items come from the
                // reader and `ItemsPath` is not applied (AWS does not say
                // what it would select then).
                let empty = Value::Array(Vec::new());
                let list = match (&m.items_path, &parameters) {
                    (_, Some(_)) => Cow::Borrowed(&empty),
                    (OptPath::Path(p), None) => p.select(&eff_roots).map_err(|e| at.err(e))?,
                    _ => Cow::Borrowed(eff_roots.input),
                };
                if traced && parameters.is_none() {
                    seen.push(("afterItemsPath", list.as_ref().clone()));
                }
                let items = match list.into_owned() {
                    Value::Array(a) => a,
                    other => {
                        return Err(at.runtime(&format!(
                            "Invalid path '{}' : the value at the path is not an array: {}",
                            match &m.items_path {
                                OptPath::Path(p) => p.text(),
                                _ => "$",
                            },
                            other
                        )))
                    }
                };
                let max_concurrency = match &m.max_concurrency {
                    None => 0,
                    Some(Dynamic::Value(n)) => *n,
                    Some(Dynamic::Path(p)) => {
                        path_integer(p, &eff_roots, at, "MaxConcurrencyPath")?.max(0) as u64
                    }
                    Some(Dynamic::Expr(_)) => 0,
                };
                let tolerated = || -> Result<_, StateError> {
                let tolerated_count = match &m.tolerated_failure_count {
                    None => None,
                    Some(Dynamic::Value(n)) => Some(*n as u64),
                    Some(Dynamic::Path(p)) => {
                        let n = path_integer(p, &eff_roots, at, "ToleratedFailureCountPath")?;
                        if n < 0 {
                            return Err(at.runtime("ToleratedFailureCount cannot be negative."));
                        }
                        Some(n as u64)
                    }
                    Some(Dynamic::Expr(_)) => None,
                };
                let tolerated_percentage = match &m.tolerated_failure_percentage {
                    None => None,
                    Some(Dynamic::Value(n)) => Some(*n),
                    Some(Dynamic::Path(p)) => {
                        let v = p.select(&eff_roots).map_err(|e| at.err(e))?;
                        let n = match v.as_ref() {
                            Value::String(s) => s.trim().parse::<f64>().ok(),
                            other => other.as_f64(),
                        };
                        let n = n.ok_or_else(|| {
                            at.runtime(&format!(
                                "The ToleratedFailurePercentagePath field refers to value \"{}\" which is not a valid float: {}",
                                plain(&v),
                                p.text()
                            ))
                        })?;
                        if !(0.0..=100.0).contains(&n) {
                            return Err(
                                at.runtime("ToleratedFailurePercentage must be between 0 and 100.")
                            );
                        }
                        Some(n)
                    }
                    Some(Dynamic::Expr(_)) => None,
                };
                Ok((tolerated_count, tolerated_percentage))
                };
                    // `MaxItemsPath` is read after `MapStateStarted` too:
                    // AWS records a value that is not an integer there.
                    let limit = match &m.item_reader {
                        Some(r) => reader::limit_jsonpath(r, &eff_roots, at).map(Some),
                        None => Ok(None),
                    };
                    let (tolerated, reader) = match limit {
                        Ok(limit) => (tolerated(), parameters.zip(limit)),
                        Err(e) => (Err(e), None),
                    };
                    let plan = match (&tolerated, &m.item_batcher, &reader) {
                        (Ok(_), Some(b), None) => {
                            Some(batch::plan_jsonpath(b, &eff_roots, rng, at))
                        }
                        _ => None,
                    };
                    Ok((eff.into_owned(), items, max_concurrency, tolerated, plan, reader))
                });
            self.note(seen);
            (input, items, max_concurrency, tolerated, plan, reader) = done?;
        }
        let (tolerated_count, tolerated_percentage) = match &tolerated {
            Ok(t) => *t,
            Err(_) => (None, None),
        };
        let mut items: Vec<Arc<Value>> = items.into_iter().map(Arc::new).collect();
        let mut batch_sizes = Vec::new();
        let mut started = tolerated.map(|_| ());
        match plan {
            None => {}
            Some(Err(e)) => started = Err(e),
            Some(Ok(plan)) => match self.batches(f, &items, &input, &plan) {
                Ok((batches, sizes)) => (items, batch_sizes) = (batches, sizes),
                Err(e) => started = Err(e),
            },
        }
        self.emit(
            f,
            EventKind::MapStarted {
                input: Arc::new(input),
                items: Arc::new(items),
                max_concurrency,
                tolerated_count,
                tolerated_percentage,
                batch_sizes,
            },
        );
        if started.is_ok() && m.distributed {
            // The thresholds are read after `MapStateStarted` and before the
            // Map Run starts, as AWS records a bad one.
            let id = uuid(self.entropy);
            let label_id = match &m.label {
                Some(_) => String::new(),
                None => uuid(self.entropy),
            };
            let arn = map_run::new_arn(&self.exec.info, m.label.as_deref(), &id, &label_id);
            self.emit(f, EventKind::MapRunStarted { arn });
            if let (Some(r), Some((parameters, limit))) = (&m.item_reader, reader) {
                match limit {
                    Ok(max_items) => self.request_items(f, r, parameters, max_items),
                    // A `MaxItems` the read refuses: the Map Run fails at once.
                    Err(e) => self.fail_fan(f, true, e),
                }
            }
        }
        started
    }

    /// TestState with a mocked Map or Parallel: the children never run.
    /// Once a Map's items are known (an `ItemReader`'s read answered), note
    /// what its iterations would start with and hand the frame back to
    /// [`crate::test_state`], which sets the mocked result or error.
    pub(super) fn fan_mocked(&mut self, f: FrameId) {
        let Phase::Fan(fan) = &self.exec.frame(f).phase else {
            return;
        };
        if matches!(fan.read, Read::Pending(_)) {
            return;
        }
        let (is_map, batched, items, input) = (
            fan.is_map,
            !fan.batch_sizes.is_empty(),
            fan.items.clone(),
            fan.input.clone(),
        );
        let mut steps = Vec::new();
        let selects = match &self.exec.state_of(f).kind {
            StateKind::Map(m) => m.item_selector.is_some() || m.item_selector_jsonata.is_some(),
            _ => false,
        };
        if is_map && batched {
            let batches = items.iter().map(|b| (**b).clone()).collect();
            steps.push(("afterItemBatcher", Value::Array(batches)));
        } else if is_map && selects {
            let mut selected = Vec::with_capacity(items.len());
            for index in 0..items.len() {
                let index = u32::try_from(index).unwrap_or(u32::MAX);
                match self.iteration_input(f, &items, &input, index) {
                    Ok(v) => selected.push((*v).clone()),
                    Err(e) => {
                        // As an execution would: the Map fails before
                        // its iteration starts.
                        self.note(steps);
                        if let Some(t) = self.trace.as_deref_mut() {
                            t.fan_error = Some(e);
                        }
                        return;
                    }
                }
            }
            steps.push(("afterItemSelector", Value::Array(selected)));
        }
        self.note(steps);
        if let Some(t) = self.trace.as_deref_mut() {
            t.fan_ready = true;
        }
    }

    /// Drive a running Parallel or Map.
    pub(super) fn advance_fan(&mut self, f: FrameId) -> Fanned {
        let Phase::Fan(fan) = &self.exec.frame(f).phase else {
            return Fanned::Blocked;
        };
        if matches!(fan.read, Read::Pending(_)) || matches!(fan.write, Write::Pending { .. }) {
            return Fanned::Blocked;
        }
        let is_map = fan.is_map;
        let map_run = fan.map_run.is_some();
        // The results were written: the Map Run ends as it was going to.
        if let Write::Done { failure, .. } = &fan.write {
            match failure.clone() {
                Some(err) => self.end_failed_fan(f, true, err),
                None => {
                    self.emit(f, EventKind::MapRunSucceeded);
                    self.emit(f, EventKind::MapSucceeded);
                }
            }
            return Fanned::Progress;
        }
        if fan.failed > 0 && !tolerated(fan) {
            let failure = fan
                .failure
                .clone()
                .unwrap_or_else(|| StateError::new(names::BRANCH_FAILED, ""));
            // A Distributed Map's threshold defaults to zero failures, so
            // any failure beyond it is the Map Run's, not the child's (AWS:
            // "the Map Run fails ... States.ExceedToleratedFailureThreshold").
            let err = if is_map
                && (map_run || fan.tolerated_count.is_some() || fan.tolerated_percentage.is_some())
            {
                StateError::new(
                    names::EXCEED_TOLERATED_FAILURE_THRESHOLD,
                    "The specified tolerated failure threshold was exceeded",
                )
            } else {
                failure
            };
            self.fail_fan(f, is_map, err);
            return Fanned::Progress;
        }
        if fan.finished == fan.total {
            if map_run && self.exports_results(f) {
                self.request_write(f, None);
                return Fanned::Progress;
            }
            let kind = if is_map {
                if map_run {
                    self.emit(f, EventKind::MapRunSucceeded);
                }
                EventKind::MapSucceeded
            } else {
                EventKind::ParallelSucceeded
            };
            self.emit(f, kind);
            return Fanned::Progress;
        }
        if !is_map {
            let idle = fan
                .children
                .iter()
                .copied()
                .find(|&c| matches!(self.exec.frame(c).phase, Phase::Idle | Phase::Redrive(_)));
            let input = fan.input.clone();
            return match idle {
                Some(child) if matches!(self.exec.frame(child).phase, Phase::Idle) => {
                    self.start_child(f, child, input, false);
                    Fanned::Yield
                }
                Some(child) => {
                    self.redrive_child(f, child);
                    Fanned::Yield
                }
                None => Fanned::Blocked,
            };
        }
        if fan.max_concurrency > 0 && u64::from(fan.running) >= fan.max_concurrency {
            return Fanned::Blocked;
        }
        // A redrive reruns the iterations that did not succeed first.
        if let Some(&child) = fan.to_redrive.front() {
            let index = self.exec.frame(child).index;
            self.emit(child, EventKind::MapIterationRedriven { index });
            // An EXPRESS child starts again from its first state (its
            // `first_input` was dropped when it was redriven).
            if self.exec.frame(child).first_input.is_some() {
                self.redrive_child(f, child);
                return Fanned::Yield;
            }
            // It never entered a state: it starts at its start state.
            return match self.iteration_start(f, index) {
                Ok((input, within_limit)) => {
                    self.start_child(f, child, input, within_limit);
                    Fanned::Yield
                }
                Err(e) => {
                    self.fail_fan(f, true, e);
                    Fanned::Progress
                }
            };
        }
        let next = fan.children.len() as u32;
        if next >= fan.total {
            return Fanned::Blocked;
        }
        match self.iteration_start(f, next) {
            Ok((input, within_limit)) => {
                self.emit(f, EventKind::MapIterationStarted { index: next });
                let child = (self.exec.frames.len() - 1) as FrameId;
                self.start_child(f, child, input, within_limit);
                Fanned::Yield
            }
            Err(e) => {
                self.fail_fan(f, true, e);
                Fanned::Progress
            }
        }
    }

    /// The input Map iteration `index` starts with (its item through
    /// ItemSelector, or its batch), and whether it is known to be within
    /// the payload limit.
    fn iteration_start(
        &mut self,
        f: FrameId,
        index: u32,
    ) -> Result<(Arc<Value>, bool), StateError> {
        let Phase::Fan(fan) = &self.exec.frame(f).phase else {
            return Ok((Arc::new(Value::Null), false));
        };
        let next = index;
        let (items, input) = (fan.items.clone(), fan.input.clone());
        // A batched Map's items are its batches, ItemSelector applied.
        let batched = !fan.batch_sizes.is_empty();
        let read = fan.read != Read::None;
        let input = if batched {
            Ok(items
                .get(next as usize)
                .cloned()
                .unwrap_or_else(|| Arc::new(Value::Null)))
        } else {
            self.iteration_input(f, &items, &input, next)
        };
        let input = input?;
        // A JSONPath item passed on as it is lies inside the Map's input,
        // which was checked on entry; JSONata `Items` may have computed new
        // values, and batches are new, so those are checked.
        let within_limit = !batched
            && !read
            && self.exec.state_of(f).query_language == QueryLanguage::JsonPath
            && items
                .get(next as usize)
                .is_some_and(|i| Arc::ptr_eq(i, &input));
        Ok((input, within_limit))
    }

    /// StopExecution of child `index` of the Map Run `arn`: a child that
    /// runs ends ABORTED (its history's `ExecutionAborted`, with `error`
    /// and `cause`) and counts as a failed one; anything else is left as it
    /// is. AWS counts Map Run children "stopped by the user" as aborted
    /// (`MapRunExecutionCounts`). DIFFERENCE: AWS does not say how they
    /// weigh against the tolerated failures; here like failed ones, and
    /// the Map fails with the stop's error and cause when they are not
    /// tolerated, as it does with a failed child's.
    pub(super) fn stop_child(&mut self, arn: &str, index: u32, error: String, cause: String) {
        if self.finished() {
            return;
        }
        let found = self
            .exec
            .frames
            .iter()
            .enumerate()
            .find_map(|(f, fr)| match &fr.phase {
                Phase::Fan(fan) if fan.map_run.as_deref() == Some(arn) => fan
                    .children
                    .iter()
                    .copied()
                    .find(|&c| self.exec.frame(c).index == index)
                    .map(|c| (f as FrameId, c)),
                _ => None,
            });
        let Some((f, child)) = found else {
            return;
        };
        let phase = &self.exec.frame(child).phase;
        if phase.is_final() || matches!(phase, Phase::Idle | Phase::Redrive(_)) {
            return;
        }
        self.cancel_below(child);
        self.emit(
            child,
            EventKind::MapIterationAborted {
                index,
                stopped: Some((error, cause)),
            },
        );
        self.work.push(f);
    }

    /// Abort the children of the failing Parallel or Map `f` that still run
    /// and whose index `pick` selects, in index order. A Map records each
    /// iteration's `MapIterationAborted`, then (inline) the
    /// `<Type>StateAborted` of the state the iteration was in; a Parallel
    /// branch only the latter. Inline, these follow `previous`, the failing
    /// child's last event: floci's measurements of AWS (ap-northeast-1,
    /// 2026-09-29 and 09-30: a Wait cut by a failing sibling records
    /// `WaitStateAborted`, and a Map's `MapIterationAborted`s of lower
    /// indices come before the failing iteration's `MapIterationFailed`)
    /// and LocalStack's recording `test_service_lambda_map_timeout`. A Map
    /// Run's child execution ends alone, as a stopped execution does.
    pub(super) fn abort_children(&mut self, f: FrameId, previous: u64, pick: impl Fn(u32) -> bool) {
        let (children, is_map) = match &self.exec.frame(f).phase {
            Phase::Fan(fan) => (fan.children.clone(), fan.is_map),
            _ => return,
        };
        for c in children {
            let fr = self.exec.frame(c);
            // One waiting for a redrive never ran again: it stays as it ended.
            if fr.phase.is_final() || matches!(fr.phase, Phase::Redrive(_)) || !pick(fr.index) {
                continue;
            }
            let (index, state) = (fr.index, fr.state);
            let inline = self.exec.child_execution(c).is_none();
            let in_state = inline
                && !matches!(fr.phase, Phase::Idle | Phase::Exited { .. })
                && matches!(
                    self.exec.state_of(c).kind,
                    StateKind::Task(_)
                        | StateKind::Wait(_)
                        | StateKind::Parallel(_)
                        | StateKind::Map(_)
                );
            let after = inline.then_some(previous);
            self.cancel_below(c);
            if is_map {
                let aborted = EventKind::MapIterationAborted {
                    index,
                    stopped: None,
                };
                self.emit_after(c, aborted, after);
            }
            if in_state {
                self.emit_after(c, EventKind::StateAborted { state }, after);
            }
        }
    }

    /// End a Parallel or Map with `err`, cancelling what still runs below it.
    pub(super) fn fail_fan(&mut self, f: FrameId, is_map: bool, err: StateError) {
        // Inline children follow the chain of the child that failed, which
        // the Parallel's or Map's now is.
        let chain = self.exec.frame(f).last_id;
        self.abort_children(f, chain, |_| true);
        let map_run = matches!(&self.exec.frame(f).phase, Phase::Fan(fan) if fan.map_run.is_some());
        // A failing Map Run writes its results too (not when its items
        // could not be read: it ran nothing).
        let reads =
            matches!(&self.exec.state_of(f).kind, StateKind::Map(m) if m.item_reader.is_some());
        let read_failed = reads
            && matches!(
                &self.exec.frame(f).phase,
                Phase::Fan(fan) if fan.read != Read::Done
            );
        if is_map && map_run && !read_failed && self.exports_results(f) {
            self.request_write(f, Some(err));
            return;
        }
        self.end_failed_fan(f, is_map, err);
    }

    /// Record the end of a failed Parallel or Map (its Map Run's, then its own).
    pub(super) fn end_failed_fan(&mut self, f: FrameId, is_map: bool, err: StateError) {
        let map_run = matches!(&self.exec.frame(f).phase, Phase::Fan(fan) if fan.map_run.is_some());
        let retried = self.will_retry(f, &err);
        if is_map {
            if map_run {
                self.emit(
                    f,
                    EventKind::MapRunFailed {
                        error: err.error.clone(),
                        cause: err.cause.clone(),
                    },
                );
            }
            self.emit(
                f,
                EventKind::MapFailed {
                    error: err.error,
                    cause: err.cause,
                    retried,
                },
            );
        } else {
            self.emit(
                f,
                EventKind::ParallelFailed {
                    error: err.error,
                    cause: err.cause,
                    retried,
                },
            );
        }
    }

    pub(super) fn start_child(
        &mut self,
        parent: FrameId,
        child: FrameId,
        input: Arc<Value>,
        within_limit: bool,
    ) {
        let start = self
            .exec
            .plan
            .machine(self.exec.frame(child).machine)
            .start_at;
        self.work.push(parent);
        self.enter_sized(child, start, input, within_limit);
        self.work.push(child);
    }

    /// The input of Map iteration `index`: the item, through ItemSelector.
    pub(super) fn iteration_input(
        &mut self,
        f: FrameId,
        items: &[Arc<Value>],
        map_input: &Value,
        index: u32,
    ) -> Result<Arc<Value>, StateError> {
        let plan = self.plan();
        let fr = self.exec.frame(f);
        let st = plan.machine(fr.machine).state(fr.state);
        let StateKind::Map(m) = &st.kind else {
            return Ok(Arc::new(Value::Null));
        };
        let shared = items
            .get(index as usize)
            .cloned()
            .unwrap_or_else(|| Arc::new(Value::Null));
        let item: &Value = &shared;
        let extra = ContextExtra {
            token: None,
            map_item: Some((index, item)),
        };
        if st.query_language == QueryLanguage::Jsonata {
            return match &m.item_selector_jsonata {
                None => Ok(shared.clone()),
                Some(t) => {
                    let states = self.states_var(f, st, extra, None, None);
                    Ok(Arc::new(self.eval_jsonata(
                        f,
                        t,
                        &states,
                        "ItemSelector",
                    )?))
                }
            };
        }
        match &m.item_selector {
            None => Ok(shared.clone()),
            Some(t) => self.with_jsonpath(f, st, extra, |roots, rng, at| {
                // `$` in an ItemSelector is the Map's effective input.
                t.render(&dataflow::reroot(roots, map_input), rng)
                    .map(Arc::new)
                    .map_err(|e| at.err(e))
            }),
        }
    }
}
