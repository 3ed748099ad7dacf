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
        let mut rng = Rng(&mut *self.entropy);
        body(&roots, &mut rng, at_of(exec, f))
    }

    // ----- JSONata helpers --------------------------------------------------

    pub(super) fn states_var(
        &self,
        f: FrameId,
        st: &State,
        extra: ContextExtra<'_>,
        result: Option<&Value>,
        error_output: Option<&Value>,
    ) -> Value {
        let input = &*self.exec.frame(f).input;
        let ctx = if st.uses_context || extra.map_item.is_some() || extra.token.is_some() {
            Some(context_object(self.exec, f, extra))
        } else {
            None
        };
        jsonata_eval::states_value(StatesVar {
            input,
            context: ctx,
            result,
            error_output,
        })
    }

    pub(super) fn eval_jsonata(
        &mut self,
        f: FrameId,
        t: &stepwell_asl::JsonataTemplate,
        states: &Value,
        field: &str,
    ) -> Result<Value, StateError> {
        let exec = &*self.exec;
        let scope = Scope { exec, frame: f };
        let at = at_of(self.exec, f);
        let mut rng = Rng(&mut *self.entropy);
        jsonata_eval::eval_template(t, states, &scope, &mut rng, at, field)
    }

    pub(super) fn eval_expr(
        &mut self,
        f: FrameId,
        e: &stepwell_asl::Expr,
        states: &Value,
        field: impl std::fmt::Display,
    ) -> Result<Option<Value>, StateError> {
        let exec = &*self.exec;
        let scope = Scope { exec, frame: f };
        let at = at_of(self.exec, f);
        let mut rng = Rng(&mut *self.entropy);
        jsonata_eval::eval_expr(e, states, &scope, &mut rng, at, &field)
    }

    pub(super) fn assign(
        &mut self,
        f: FrameId,
        st: &State,
        assign: Option<&Assign>,
        raw: &Value,
        states: &Value,
    ) -> Result<Vec<(String, Value)>, StateError> {
        match assign {
            None => Ok(Vec::new()),
            Some(Assign::Jsonata(t)) => {
                let v = self.eval_jsonata(f, t, states, "Assign")?;
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

    /// A JSONata state's numeric field: a literal, or an expression whose
    /// value `convert` accepts (AWS's error names the type it `expected`).
    pub(super) fn dynamic_jsonata<T: Copy>(
        &mut self,
        f: FrameId,
        d: Option<&Dynamic<T>>,
        states: &Value,
        field: &str,
        (convert, expected): NumberKind<T>,
    ) -> Result<Option<T>, StateError> {
        let e = match d {
            None | Some(Dynamic::Path(_)) => return Ok(None),
            Some(Dynamic::Value(n)) => return Ok(Some(*n)),
            Some(Dynamic::Expr(e)) => e,
        };
        let v = self.eval_expr(f, e, states, field)?;
        match v.as_ref().and_then(convert) {
            Some(n) => Ok(Some(n)),
            None => Err(at_of(self.exec, f).runtime_named(names::QUERY_EVALUATION_ERROR, &format!(
                "The JSONata expression '{}' specified for the field '{}' returned an unexpected result type. Expected '{}', but was '{}' for value: {}",
                e.source,
                field,
                expected,
                jsonata_eval::type_name(v.as_ref()),
                v.map(|v| v.to_string()).unwrap_or_default()
            ))),
        }
    }
}
