//! Expressions inside the decider: JSONPath environments, JSONata with
//! `$states`, Assign, and the numeric fields given as expressions.

use super::*;

impl Decider<'_> {
    /// Run `body` in the JSONPath environment of frame `f`'s current state:
    /// `$` is the state's raw input, `$$` the context object (built only
    /// when the state reads it, or for a Map item), `$name` the variables in
    /// scope. `body` also gets the entropy and where errors are reported.
    pub(super) fn with_jsonpath<R>(
        &mut self,
        f: FrameId,
        st: &State,
        extra: ContextExtra<'_>,
        body: impl FnOnce(&Roots<'_>, &mut Rng<'_>, At<'_>) -> R,
    ) -> R {
        let exec = &*self.exec;
        let raw = exec.frame(f).input.clone();
        let ctx = if st.uses_context || extra.map_item.is_some() {
            context_object(exec, f, extra)
        } else {
            Value::Null
        };
        let scope = Scope { exec, frame: f };
        let roots = Roots {
            input: &raw,
            context: &ctx,
            variables: &scope,
        };
        let mut rng = Rng {
            entropy: &mut *self.entropy,
            now: self.now,
        };
        body(&roots, &mut rng, at_of(exec, f))
    }

    // ----- JSONata helpers --------------------------------------------------

    pub(super) fn states_var<'a>(
        &self,
        f: FrameId,
        st: &State,
        extra: ContextExtra<'_>,
        result: Option<&'a Value>,
        error_output: Option<&'a Value>,
    ) -> States<'a> {
        let input = self.exec.frame(f).input.clone();
        let ctx = if st.uses_context || extra.map_item.is_some() || extra.token.is_some() {
            Some(context_object(self.exec, f, extra))
        } else {
            None
        };
        States::new(input, ctx, result, error_output)
    }

    pub(super) fn eval_jsonata(
        &mut self,
        f: FrameId,
        t: &stepwell_asl::JsonataTemplate,
        states: &States<'_>,
        field: &str,
    ) -> Result<Value, StateError> {
        let exec = &*self.exec;
        let scope = Scope { exec, frame: f };
        let at = at_of(self.exec, f);
        let mut rng = Rng {
            entropy: &mut *self.entropy,
            now: self.now,
        };
        jsonata_eval::eval_template(t, states, &scope, &mut rng, at, field)
    }

    pub(super) fn eval_expr(
        &mut self,
        f: FrameId,
        e: &stepwell_asl::Expr,
        states: &States<'_>,
        field: impl std::fmt::Display,
    ) -> Result<Option<Value>, StateError> {
        let exec = &*self.exec;
        let scope = Scope { exec, frame: f };
        let at = at_of(self.exec, f);
        let mut rng = Rng {
            entropy: &mut *self.entropy,
            now: self.now,
        };
        jsonata_eval::eval_expr(e, states, &scope, &mut rng, at, &field)
    }

    pub(super) fn assign(
        &mut self,
        f: FrameId,
        st: &State,
        assign: Option<&Assign>,
        raw: &Value,
        states: &States<'_>,
    ) -> Result<Vec<(String, Value)>, StateError> {
        self.assign_at(f, st, assign, raw, states, "Assign")
    }

    /// [`Self::assign`] of the `Assign` at `field` (a Choice rule's own,
    /// `Choices[0]/Assign`, as AWS names it in messages).
    pub(super) fn assign_at(
        &mut self,
        f: FrameId,
        st: &State,
        assign: Option<&Assign>,
        raw: &Value,
        states: &States<'_>,
        field: &str,
    ) -> Result<Vec<(String, Value)>, StateError> {
        match assign {
            None => Ok(Vec::new()),
            Some(Assign::Jsonata(t)) => {
                let v = self.eval_jsonata(f, t, states, field)?;
                Ok(match v {
                    Value::Object(m) => m.into_iter().collect(),
                    _ => Vec::new(),
                })
            }
            Some(jsonpath @ Assign::JsonPath(_)) => {
                self.with_jsonpath(f, st, ContextExtra::default(), |roots, rng, at| {
                    assign_jsonpath(Some(jsonpath), raw, roots, rng, at)
                })
            }
        }
    }

    /// Whether frame `f`'s current state may store `assigned`, the values of
    /// its `Assign` at `field` (`Assign`, `Choices[0]/Assign`,
    /// `Catch[1].Assign`), before they take effect.
    ///
    /// * Scope. AWS: "To help avoid common errors, a variable assigned in an
    ///   inner scope cannot have the same name as one assigned in an outer
    ///   scope." AWS does not refuse this when the definition is created: it
    ///   recorded a Parallel whose Catch assigns `inputVar` while a branch
    ///   assigns `inputVar` too (conformance case
    ///   `error_output__parallel_catch_error__parallel_catch_error_variable_sampling`).
    ///   So it is checked here, when a branch or iteration assigns a name an
    ///   enclosing scope holds at that moment; silently shadowing it would
    ///   leave the user believing the outer variable changed. AWS documents
    ///   no error name or cause for it: `States.Runtime` (a definition
    ///   mistake no Retry can fix) with our wording. A Distributed Map's
    ///   iterations, which cannot read outer variables, may reuse their names.
    /// * Sizes: [`limits::MAX_VARIABLE_BYTES`], [`limits::MAX_ASSIGN_BYTES`],
    ///   [`limits::MAX_TOTAL_VARIABLE_BYTES`]. AWS documents the limits but
    ///   not the error; `States.DataLimitExceeded` is the error it raises for
    ///   every other size quota, so a user catching size problems catches
    ///   these too. The wording is ours, shaped like AWS's payload-size causes.
    pub(super) fn check_assigned(
        &self,
        f: FrameId,
        assigned: &[(String, Value)],
        field: &str,
    ) -> Result<(), StateError> {
        if assigned.is_empty() {
            return Ok(());
        }
        let at = at_of(self.exec, f);
        let scope = Scope {
            exec: self.exec,
            frame: f,
        };
        if let Some((name, _)) = assigned.iter().find(|(name, _)| scope.is_outer(name)) {
            return Err(at.runtime(&format!(
                "The variable '{name}' assigned in the field '{field}' is already assigned in an outer scope. A state in a Parallel branch or Map iteration cannot assign a variable of a scope around it."
            )));
        }
        let too_big = |message: String| StateError::new(names::DATA_LIMIT_EXCEEDED, message);
        let own = &self.exec.frame(f).vars;
        let (mut combined, mut replaced) = (0usize, 0usize);
        for (name, value) in assigned {
            let Ok(size) = limits::measure(value) else {
                return Err(at.runtime(&format!(
                    "The value assigned to the variable '{name}' in the field '{field}' is nested deeper than {} levels, the most Stepwell accepts.",
                    limits::MAX_NESTING
                )));
            };
            if size > limits::MAX_VARIABLE_BYTES {
                return Err(too_big(format!(
                    "The state/task '{}' assigned the variable '{name}' in the field '{field}' a value of {size} bytes, exceeding the maximum size of a single variable ({} bytes).",
                    at.state,
                    limits::MAX_VARIABLE_BYTES
                )));
            }
            combined += size;
            replaced += own.get(name).map_or(0, limits::json_size);
        }
        if combined > limits::MAX_ASSIGN_BYTES {
            return Err(too_big(format!(
                "The state/task '{}' assigned variables of {combined} bytes in the field '{field}', exceeding the maximum combined size of the variables of one Assign ({} bytes).",
                at.state,
                limits::MAX_ASSIGN_BYTES
            )));
        }
        let total = (self.exec.vars_bytes.saturating_sub(replaced)).saturating_add(combined);
        if total > limits::MAX_TOTAL_VARIABLE_BYTES {
            return Err(too_big(format!(
                "The state/task '{}' assigned variables in the field '{field}' that bring the execution's stored variables to {total} bytes, exceeding the maximum total size of stored variables ({} bytes).",
                at.state,
                limits::MAX_TOTAL_VARIABLE_BYTES
            )));
        }
        Ok(())
    }

    /// A JSONata state's number field (ToleratedFailureCount and
    /// ToleratedFailurePercentage): a literal, or an expression that must
    /// give a number (AWS's error names the type it expected).
    pub(super) fn number_jsonata(
        &mut self,
        f: FrameId,
        d: Option<&Dynamic<f64>>,
        states: &States<'_>,
        field: &str,
    ) -> Result<Option<f64>, StateError> {
        let e = match d {
            None | Some(Dynamic::Path(_)) => return Ok(None),
            Some(Dynamic::Value(n)) => return Ok(Some(*n)),
            Some(Dynamic::Expr(e)) => e,
        };
        let v = self.eval_expr(f, e, states, field)?;
        match v.as_ref().and_then(Value::as_f64) {
            Some(n) => Ok(Some(n)),
            None => Err(at_of(self.exec, f).runtime_named(names::QUERY_EVALUATION_ERROR, &format!(
                "The JSONata expression '{}' specified for the field '{}' returned an unexpected result type. Expected 'number', but was '{}' for value: {}",
                e.source,
                field,
                jsonata_eval::type_name(v.as_ref()),
                v.map(|v| v.to_string()).unwrap_or_default()
            )).at_field(field)),
        }
    }

    /// A JSONata state's integer field: a literal (checked when the
    /// definition was parsed), or an expression that must give an integer
    /// from `min` (0 or 1) up to `max`. A value of the wrong type is AWS's
    /// "unexpected result type"; an integer out of range says which values
    /// the field takes (AWS's wording for that is not recorded).
    pub(super) fn integer_jsonata(
        &mut self,
        f: FrameId,
        d: Option<&Dynamic<u64>>,
        states: &States<'_>,
        field: &str,
        min: u64,
        max: Option<u64>,
    ) -> Result<Option<u64>, StateError> {
        let e = match d {
            None | Some(Dynamic::Path(_)) => return Ok(None),
            Some(Dynamic::Value(n)) => return Ok(Some(*n)),
            Some(Dynamic::Expr(e)) => e,
        };
        let v = self.eval_expr(f, e, states, field)?;
        let at = at_of(self.exec, f);
        let shown = v.as_ref().map(|v| v.to_string()).unwrap_or_default();
        let Some(n) = v.as_ref().and_then(batch::integer) else {
            return Err(at.runtime_named(names::QUERY_EVALUATION_ERROR, &format!(
                "The JSONata expression '{}' specified for the field '{field}' returned an unexpected result type. Expected 'integer', but was '{}' for value: {shown}",
                e.source,
                jsonata_eval::type_name(v.as_ref()),
            )).at_field(field));
        };
        let limit = max.map_or(i128::from(u64::MAX), i128::from);
        if n < i128::from(min) || n > limit {
            let least = if min == 0 {
                "a non-negative integer"
            } else {
                "a positive integer"
            };
            let expected = match max {
                Some(m) => format!("{least} of at most {m}"),
                None => least.to_string(),
            };
            return Err(at.runtime_named(names::QUERY_EVALUATION_ERROR, &format!(
                "The JSONata expression '{}' specified for the field '{field}' returned an invalid value. Expected {expected}, but was: {shown}",
                e.source,
            )).at_field(field));
        }
        Ok(u64::try_from(n).ok())
    }
}
