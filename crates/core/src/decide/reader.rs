//! A Distributed Map's `ItemReader`: asking the driver for the items and
//! taking them in.
//!
//! AWS ("ItemReader (Map)"): the Map reads its dataset (an S3 object, or
//! the objects under a prefix) instead of taking the items from its input.
//! The interpreter evaluates `Parameters` (JSONPath, a payload template over
//! the effective input) or `Arguments` (JSONata) when the Map starts, before
//! `MapStateStarted` (a failure there fails the state like its other
//! fields). The read happens in the Map Run: after `MapRunStarted` the
//! interpreter records the internal `ItemsRequested`, issues
//! `Command::ReadItems` and waits; the items come back as `Input::ItemsRead`
//! and are recorded in the internal `ItemsRead` (so a replay never reads
//! again), the batches already cut when there is an `ItemBatcher`. A read
//! that fails ends the Map Run with `States.ItemReaderFailed`
//! (`MapRunFailed`, then `MapStateFailed`), which the Map's Retry and Catch
//! handle like any Map error. AWS records no event of its own for the read,
//! so the parent's visible history stays `MapStateStarted`, `MapRunStarted`,
//! then `MapRunSucceeded`/`MapRunFailed`.
//!
//! `MaxItems`, as AWS recorded it with `MaxItemsPath` (LocalStack's
//! `test_map_item_reader_csv_max_items_paths`): 0 means no limit, a value
//! above 100,000,000 reads at most that many ("The Distributed Map state
//! stops reading items beyond 100_000_000"), a negative one fails the Map
//! Run (`MapRunStarted`, then `MapRunFailed` with `States.ItemReaderFailed`,
//! "field MaxItems must be positive"), and a value that is not an integer
//! fails the execution after `MapStateStarted` (`States.Runtime`), when the
//! tolerated failure thresholds are read. A literal `MaxItems` may be 0 (the
//! schema's minimum, also recorded).
//!
//! Not documented by AWS, and chosen here:
//! * `MaxItems` is applied by the reader (it stops early) and again here,
//!   so a reader that ignores it still cannot pass on more.
//! * A JSONata `MaxItems` means what the JSONPath value means (0, above the
//!   maximum, negative); one that is not an integer fails the state before
//!   it starts, like the Map's other JSONata fields (`EvaluationFailed`,
//!   `States.QueryEvaluationError`).
//! * An `ItemBatcher`'s limits and `BatchInput` are evaluated when the items
//!   arrive (they read the Map's input, which has not changed); an error
//!   there fails the Map Run like a read failure, with its own error name.

use stepwell_asl::{ItemReader, ReaderParameters, MAX_READER_ITEMS};
use stepwell_jsonpath::Roots;

use super::*;
use crate::event::ReadId;

/// What a read asks for: the evaluated parameters and how many items it
/// may read.
pub(super) type Request = (Value, Limit);

/// `MaxItems` as the read applies it: the most items to read (`None`: all),
/// or the `States.ItemReaderFailed` the Map Run fails with instead.
pub(super) type Limit = Result<Option<u64>, StateError>;

/// A JSONPath Map's `Parameters`, rendered with `$` = the Map's effective
/// input, before the Map starts.
pub(super) fn parameters_jsonpath(
    r: &ItemReader,
    roots: &Roots<'_>,
    rng: &mut dyn stepwell_jsonpath::Entropy,
    at: At<'_>,
) -> Result<Value, StateError> {
    match &r.parameters {
        Some(ReaderParameters::JsonPath(t)) => t.render(roots, rng).map_err(|e| at.err(e)),
        _ => Ok(Value::Object(Default::default())),
    }
}

/// A JSONPath Map's `MaxItems` / `MaxItemsPath` (read from the effective
/// input). An error is the state's (`States.Runtime`, a value that is not an
/// integer), raised after `MapStateStarted`.
pub(super) fn limit_jsonpath(
    r: &ItemReader,
    roots: &Roots<'_>,
    at: At<'_>,
) -> Result<Limit, StateError> {
    match &r.max_items {
        None | Some(Dynamic::Expr(_)) => Ok(Ok(None)),
        Some(Dynamic::Value(n)) => Ok(limit(i128::from(*n))),
        Some(Dynamic::Path(p)) => Ok(limit(i128::from(path_integer(
            p,
            roots,
            at,
            "MaxItemsPath",
        )?))),
    }
}

/// What a `MaxItems` value `n` asks of the read (see the module's docs).
fn limit(n: i128) -> Limit {
    if n < 0 {
        return Err(StateError::new(
            names::ITEM_READER_FAILED,
            "field MaxItems must be positive",
        ));
    }
    let n = u64::try_from(n).unwrap_or(u64::MAX);
    Ok((n > 0).then_some(n.min(MAX_READER_ITEMS)))
}

impl Decider<'_> {
    /// A JSONata Map's read request: `Arguments` and `MaxItems` evaluated
    /// with the Map's `$states`, before the Map starts.
    pub(super) fn reader_jsonata(
        &mut self,
        f: FrameId,
        r: &ItemReader,
        states: &States<'_>,
    ) -> Result<Request, StateError> {
        let parameters = match &r.parameters {
            Some(ReaderParameters::Jsonata(t)) => self.eval_jsonata(f, t, states, "Arguments")?,
            _ => Value::Object(Default::default()),
        };
        let e = match &r.max_items {
            None | Some(Dynamic::Path(_)) => return Ok((parameters, Ok(None))),
            Some(Dynamic::Value(n)) => return Ok((parameters, limit(i128::from(*n)))),
            Some(Dynamic::Expr(e)) => e,
        };
        let v = self.eval_expr(f, e, states, "MaxItems")?;
        match v.as_ref().and_then(batch::integer) {
            Some(n) => Ok((parameters, limit(n))),
            None => Err(at_of(self.exec, f)
                .runtime_named(
                    names::QUERY_EVALUATION_ERROR,
                    &format!(
                        "The JSONata expression '{}' specified for the field 'MaxItems' returned an unexpected result type. Expected 'integer', but was '{}' for value: {}",
                        e.source,
                        jsonata_eval::type_name(v.as_ref()),
                        v.as_ref().map(|v| v.to_string()).unwrap_or_default(),
                    ),
                )
                .at_field("MaxItems")),
        }
    }

    /// Record the request (after `MapRunStarted`) and ask the driver to read.
    pub(super) fn request_items(
        &mut self,
        f: FrameId,
        r: &ItemReader,
        parameters: Value,
        max_items: Option<u64>,
    ) {
        self.emit(
            f,
            EventKind::ItemsRequested {
                resource: r.resource.arn().to_string(),
                parameters: Arc::new(parameters),
                max_items,
            },
        );
        if let Phase::Fan(fan) = &self.exec.frame(f).phase {
            if let Read::Pending(req) = &fan.read {
                self.commands.push(Command::ReadItems((**req).clone()));
            }
        }
    }

    /// The driver answered read `read`: record the items (batched when the
    /// Map has an `ItemBatcher`), or fail the Map Run.
    pub(super) fn items_read(&mut self, read: ReadId, result: Result<Vec<Value>, String>) {
        // Once per read: a second answer (after a restart) finds none pending.
        let Some(&f) = self.exec.reads.get(&read) else {
            return;
        };
        if self.finished() {
            return;
        }
        self.work.push(f);
        let (max_items, map_input) = match &self.exec.frame(f).phase {
            Phase::Fan(fan) => match &fan.read {
                Read::Pending(r) => (r.max_items, fan.input.clone()),
                _ => return,
            },
            _ => return,
        };
        let mut items = match result {
            Ok(items) => items,
            Err(cause) => {
                self.fail_fan(f, true, StateError::new(names::ITEM_READER_FAILED, cause));
                return;
            }
        };
        if let Some(n) = max_items {
            items.truncate(usize::try_from(n).unwrap_or(usize::MAX));
        }
        let items: Vec<Arc<Value>> = items.into_iter().map(Arc::new).collect();
        let (items, batch_sizes) = match self.reader_batches(f, &items, &map_input) {
            Ok(Some(batched)) => batched,
            Ok(None) => (items, Vec::new()),
            Err(e) => {
                self.fail_fan(f, true, e);
                return;
            }
        };
        self.emit(
            f,
            EventKind::ItemsRead {
                items: Arc::new(items),
                batch_sizes,
            },
        );
    }

    /// The batches of the items read, when the Map has an `ItemBatcher`.
    fn reader_batches(
        &mut self,
        f: FrameId,
        items: &[Arc<Value>],
        map_input: &Value,
    ) -> Result<Option<batch::Batches>, StateError> {
        let plan = self.plan();
        let fr = self.exec.frame(f);
        let st = plan.machine(fr.machine).state(fr.state);
        let StateKind::Map(m) = &st.kind else {
            return Ok(None);
        };
        let Some(b) = &m.item_batcher else {
            return Ok(None);
        };
        let batch_plan = if st.query_language == QueryLanguage::Jsonata {
            let states = self.states_var(f, st, ContextExtra::default(), None, None);
            self.plan_jsonata(f, b, &states)?
        } else {
            self.with_jsonpath(f, st, ContextExtra::default(), |roots, rng, at| {
                let eff = dataflow::input_path(&st.io.input_path, roots, at)?;
                let eff_roots = dataflow::reroot(roots, &eff);
                batch::plan_jsonpath(b, &eff_roots, rng, at)
            })?
        };
        self.batches(f, items, map_input, &batch_plan).map(Some)
    }
}
