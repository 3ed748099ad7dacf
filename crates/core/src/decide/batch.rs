//! A Distributed Map's `ItemBatcher`: the batches its child executions run.
//!
//! AWS ("ItemBatcher (Map)"; the States Language spec, "Processing Items"):
//! the interpreter applies `ItemSelector` to each item, then batches the
//! selected items; each child execution's input is `{"Items": [...]}`, with
//! `"BatchInput"` (evaluated once) beside them when given. A batch holds at
//! most `MaxItemsPerBatch` items and at most `MaxInputBytesPerBatch` bytes,
//! 256 KiB when no byte limit is given.
//!
//! Not documented by AWS, and chosen here:
//! * The byte limit is measured on the whole child input (compact JSON,
//!   `BatchInput` included), the payload the child execution receives, so a
//!   batch never exceeds it.
//! * Batches are filled greedily in item order: a batch closes when the next
//!   item would break either limit.
//! * An item that does not fit in a batch of its own fails the Map state
//!   with `States.Runtime`, rather than passing on a batch over the limit.
//! * A literal limit of 0, which AWS's schema takes, is no limit (as
//!   `MaxConcurrency` 0 and `ReaderConfig.MaxItems` 0 are).
//!
//! The batches are worked out once, in `decide`, and recorded in
//! `MapStateStarted` (see [`EventKind::MapStarted`]), so a replay never
//! evaluates ItemSelector or BatchInput again.

use serde_json::Map as JsonMap;
use stepwell_asl::{BatchInput, ItemBatcher, MAX_INPUT_BYTES_PER_BATCH};
use stepwell_jsonpath::Roots;

use super::*;
use crate::execution::unshare;

/// An `ItemBatcher` with its limits and `BatchInput` evaluated.
#[derive(Debug)]
pub(super) struct BatchPlan {
    max_items: u64,
    max_bytes: usize,
    batch_input: Option<Value>,
}

/// The batches of a Map, each a child execution's input, and how many
/// items each holds.
pub(super) type Batches = (Vec<Arc<Value>>, Vec<u32>);

impl BatchPlan {
    /// A literal limit of 0 (the schema's minimum) counts as not given.
    fn new(max_items: Option<u64>, max_bytes: Option<u64>, batch_input: Option<Value>) -> Self {
        let given = |n: &u64| *n > 0;
        let max_bytes = max_bytes.filter(given).unwrap_or(MAX_INPUT_BYTES_PER_BATCH);
        BatchPlan {
            max_items: max_items.filter(given).unwrap_or(u64::MAX),
            max_bytes: usize::try_from(max_bytes).unwrap_or(usize::MAX),
            batch_input,
        }
    }

    /// A child execution's input: `{"BatchInput": ..., "Items": [...]}`, in
    /// the order of AWS's example.
    fn envelope(&self, items: Vec<Value>) -> Value {
        let mut o = JsonMap::with_capacity(2);
        if let Some(b) = &self.batch_input {
            o.insert("BatchInput".into(), b.clone());
        }
        o.insert("Items".into(), Value::Array(items));
        Value::Object(o)
    }
}

/// A JSONPath Map's batch plan: `...Path` limits read from the Map's
/// effective input (`roots`), `BatchInput` rendered with `$` = that input.
/// Bad `...Path` values fail the state with `States.Runtime`, worded like
/// the other `...Path` fields.
pub(super) fn plan_jsonpath(
    b: &ItemBatcher,
    roots: &Roots<'_>,
    rng: &mut dyn stepwell_jsonpath::Entropy,
    at: At<'_>,
) -> Result<BatchPlan, StateError> {
    let max_items = dynamic_seconds_path(b.max_items.as_ref(), roots, at, "MaxItemsPerBatchPath")?;
    let max_bytes =
        dynamic_seconds_path(b.max_bytes.as_ref(), roots, at, "MaxInputBytesPerBatchPath")?;
    if let (Some(Dynamic::Path(p)), Some(n)) = (&b.max_bytes, max_bytes) {
        if n > MAX_INPUT_BYTES_PER_BATCH {
            return Err(at.runtime(&format!(
                "The MaxInputBytesPerBatchPath field refers to value \"{n}\" which is greater than the maximum of {MAX_INPUT_BYTES_PER_BATCH} bytes (256 KiB): {}",
                p.text()
            )));
        }
    }
    let batch_input = match &b.batch_input {
        Some(BatchInput::JsonPath(t)) => Some(t.render(roots, rng).map_err(|e| at.err(e))?),
        _ => None,
    };
    Ok(BatchPlan::new(max_items, max_bytes, batch_input))
}

impl Decider<'_> {
    /// A JSONata Map's batch plan: limits given as expressions must give
    /// positive integers (`States.QueryEvaluationError` otherwise, like
    /// AWS's other JSONata fields), `BatchInput` is evaluated with the Map's
    /// `$states`.
    pub(super) fn plan_jsonata(
        &mut self,
        f: FrameId,
        b: &ItemBatcher,
        states: &States<'_>,
    ) -> Result<BatchPlan, StateError> {
        let max_items =
            self.integer_jsonata(f, b.max_items.as_ref(), states, "MaxItemsPerBatch", 1, None)?;
        let max_bytes = self.integer_jsonata(
            f,
            b.max_bytes.as_ref(),
            states,
            "MaxInputBytesPerBatch",
            1,
            Some(MAX_INPUT_BYTES_PER_BATCH),
        )?;
        let batch_input = match &b.batch_input {
            Some(BatchInput::Jsonata(t)) => Some(self.eval_jsonata(f, t, states, "BatchInput")?),
            _ => None,
        };
        Ok(BatchPlan::new(max_items, max_bytes, batch_input))
    }

    /// Apply ItemSelector to every item (with its own `$$.Map.Item`), then
    /// cut the selected items into batches by `plan`.
    pub(super) fn batches(
        &mut self,
        f: FrameId,
        items: &[Arc<Value>],
        map_input: &Value,
        plan: &BatchPlan,
    ) -> Result<Batches, StateError> {
        let overhead = limits::json_size(&plan.envelope(Vec::new()));
        let mut batches = Vec::new();
        let mut sizes = Vec::new();
        let mut current: Vec<Value> = Vec::new();
        let mut bytes = overhead;
        for index in 0..items.len() {
            let index = u32::try_from(index).unwrap_or(u32::MAX);
            let selected = self.iteration_input(f, items, map_input, index)?;
            let Ok(size) = limits::measure(&selected) else {
                return Err(at_of(self.exec, f).runtime(&format!(
                    "The item at index {index} is nested deeper than {MAX_NESTING} levels, the most Stepwell accepts."
                )));
            };
            let full = !current.is_empty()
                && (current.len() as u64 >= plan.max_items
                    || bytes.saturating_add(1).saturating_add(size) > plan.max_bytes);
            if full {
                sizes.push(current.len() as u32);
                batches.push(Arc::new(plan.envelope(std::mem::take(&mut current))));
                bytes = overhead;
            }
            if current.is_empty() {
                if overhead.saturating_add(size) > plan.max_bytes {
                    return Err(at_of(self.exec, f).runtime(&format!(
                        "The item at index {index} does not fit in a batch: a batch holding only this item is {} bytes, more than the {} bytes an ItemBatcher batch may hold (MaxInputBytesPerBatch).",
                        overhead.saturating_add(size),
                        plan.max_bytes
                    )));
                }
                bytes = bytes.saturating_add(size);
            } else {
                bytes = bytes.saturating_add(1).saturating_add(size);
            }
            current.push(unshare(selected));
        }
        if !current.is_empty() {
            sizes.push(current.len() as u32);
            batches.push(Arc::new(plan.envelope(current)));
        }
        Ok((batches, sizes))
    }
}

/// A JSONata result read as an integer (`2` and `2.0`), if it is one.
pub(super) fn integer(v: &Value) -> Option<i128> {
    match v {
        Value::Number(n) => n
            .as_i64()
            .map(i128::from)
            .or_else(|| n.as_u64().map(i128::from))
            .or_else(|| {
                n.as_f64()
                    .filter(|x| x.fract() == 0.0 && x.abs() < 1e18)
                    .map(|x| x as i128)
            }),
        _ => None,
    }
}
