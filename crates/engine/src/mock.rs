//! Mocked task responses in AWS Step Functions Local's MockConfigFile format.
//!
//! ```json
//! {"StateMachines": {"MyMachine": {"TestCases": {"HappyPath": {"TaskState": "MockedOk"}}}},
//!  "MockedResponses": {"MockedOk": {"0": {"Return": {"x": 1}}, "1-2": {"Throw": {"Error": "E", "Cause": "C"}}}}}
//! ```
//! Response keys are invocation numbers (0-based) or inclusive ranges.

use std::collections::HashMap;

use serde_json::Value;

/// What a mocked task does on one invocation.
#[derive(Debug, Clone, PartialEq)]
pub enum MockResponse {
    Return(Value),
    Throw { error: String, cause: String },
}

/// The mocks of one test case: state name -> responses by invocation.
#[derive(Debug, Clone, Default)]
pub struct MockCase {
    name: String,
    states: HashMap<String, Vec<(u32, u32, MockResponse)>>,
    calls: HashMap<String, u32>,
}

/// Why a mock file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum MockError {
    #[error("mock config: {0}")]
    Invalid(String),
    #[error("mock config has no state machine '{0}'")]
    NoMachine(String),
    #[error("mock config has no test case '{case}' for state machine '{machine}'")]
    NoCase { machine: String, case: String },
}

impl MockCase {
    /// Select test case `case` of state machine `machine` from a MockConfigFile.
    pub fn from_config(config: &Value, machine: &str, case: &str) -> Result<MockCase, MockError> {
        let machines = config
            .get("StateMachines")
            .and_then(Value::as_object)
            .ok_or_else(|| MockError::Invalid("missing object 'StateMachines'".into()))?;
        let m = machines
            .get(machine)
            .ok_or_else(|| MockError::NoMachine(machine.into()))?;
        let cases = m
            .get("TestCases")
            .and_then(Value::as_object)
            .ok_or_else(|| {
                MockError::Invalid(format!(
                    "state machine '{machine}' has no object 'TestCases'"
                ))
            })?;
        let tc = cases
            .get(case)
            .and_then(Value::as_object)
            .ok_or_else(|| MockError::NoCase {
                machine: machine.into(),
                case: case.into(),
            })?;
        let responses = config
            .get("MockedResponses")
            .and_then(Value::as_object)
            .ok_or_else(|| MockError::Invalid("missing object 'MockedResponses'".into()))?;
        let mut states = HashMap::new();
        for (state, name) in tc {
            let name = name.as_str().ok_or_else(|| {
                MockError::Invalid(format!(
                    "test case '{case}': the mock for state '{state}' must be a response name"
                ))
            })?;
            let r = responses
                .get(name)
                .and_then(Value::as_object)
                .ok_or_else(|| MockError::Invalid(format!("no mocked response named '{name}'")))?;
            let mut list = Vec::new();
            for (key, resp) in r {
                let (lo, hi) = parse_range(key)
                    .ok_or_else(|| MockError::Invalid(format!("mocked response '{name}': '{key}' is not an invocation number or range like \"1-2\"")))?;
                list.push((
                    lo,
                    hi,
                    parse_response(resp).map_err(|m| {
                        MockError::Invalid(format!("mocked response '{name}' key '{key}': {m}"))
                    })?,
                ));
            }
            states.insert(state.clone(), list);
        }
        Ok(MockCase {
            name: case.to_owned(),
            states,
            calls: HashMap::new(),
        })
    }

    /// The test case's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Whether `state` is mocked at all.
    pub fn covers(&self, state: &str) -> bool {
        self.states.contains_key(state)
    }

    /// What the next invocation of `state` (a Task of `resource`) gets:
    /// its mocked response, or, once the responses ran out, a
    /// `States.Runtime` failure (AWS: "If you do not specify a mocked
    /// response, the state machine execution will fail"). `None` when the
    /// test case does not mock `state`. `stepwell run` and `stepwell serve`
    /// both answer through it, so they fail alike.
    pub fn answer(&mut self, state: &str, resource: &str) -> Option<MockResponse> {
        if !self.covers(state) {
            return None;
        }
        Some(self.next(state).unwrap_or_else(|| MockResponse::Throw {
            error: "States.Runtime".into(),
            cause: format!(
                "the mocked responses for state '{state}' ran out (resource {resource})"
            ),
        }))
    }

    /// The response for the next invocation of `state`.
    pub fn next(&mut self, state: &str) -> Option<MockResponse> {
        let list = self.states.get(state)?;
        let n = self.calls.entry(state.to_owned()).or_insert(0);
        let call = *n;
        *n = n.saturating_add(1);
        list.iter()
            .find(|(lo, hi, _)| (*lo..=*hi).contains(&call))
            .map(|(_, _, r)| r.clone())
    }
}

/// The cause of the failure of a Task state that test case `case` does
/// not mock and no backend runs (`stepwell run` and `stepwell serve`).
pub fn unmocked_cause(state: &str, resource: &str, case: &str) -> String {
    format!(
        "no local runner for state '{state}': test case '{case}' has no mock for it, and no backend runs resource {resource}"
    )
}

fn parse_range(key: &str) -> Option<(u32, u32)> {
    match key.split_once('-') {
        Some((a, b)) => {
            let (a, b) = (a.trim().parse().ok()?, b.trim().parse().ok()?);
            (a <= b).then_some((a, b))
        }
        None => {
            let n = key.trim().parse().ok()?;
            Some((n, n))
        }
    }
}

/// One invocation's response. AWS: "A response must contain a single
/// field named `Return` or `Throw`"; "The value of `Throw` must be an
/// object containing an `Error` and `Cause` fields with string values".
/// DIFFERENCE: a `Throw` may leave out `Error` or `Cause` (the failure
/// then records none): the conformance cases' mocks stand for failures
/// AWS recorded without them.
fn parse_response(v: &Value) -> Result<MockResponse, String> {
    let fields = v
        .as_object()
        .filter(|o| !o.is_empty())
        .ok_or_else(|| "a response needs 'Return' or 'Throw'".to_string())?;
    if fields.len() > 1 {
        let names: Vec<String> = fields.keys().map(|k| format!("'{k}'")).collect();
        return Err(format!(
            "a response must contain a single field, 'Return' or 'Throw'; found {}",
            names.join(", ")
        ));
    }
    if let Some(r) = fields.get("Return") {
        return Ok(MockResponse::Return(r.clone()));
    }
    let Some(t) = fields.get("Throw") else {
        let found = fields.keys().next().cloned().unwrap_or_default();
        return Err(format!(
            "a response needs 'Return' or 'Throw', found '{found}'"
        ));
    };
    let t = t.as_object().ok_or_else(|| {
        format!(
            "'Throw' must be an object with 'Error' and 'Cause' strings, found {}",
            stepwell_core::json_kind(t)
        )
    })?;
    let field = |k: &str| match t.get(k) {
        None => Ok(String::new()),
        Some(Value::String(s)) => Ok(s.clone()),
        Some(other) => Err(format!(
            "'Throw' field '{k}' must be a string, found {}",
            stepwell_core::json_kind(other)
        )),
    };
    Ok(MockResponse::Throw {
        error: field("Error")?,
        cause: field("Cause")?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn ranges_and_order() {
        let cfg = json!({
            "StateMachines": {"M": {"TestCases": {"T": {"S": "R"}}}},
            "MockedResponses": {"R": {
                "0": {"Throw": {"Error": "E", "Cause": "C"}},
                "1-2": {"Return": 7}
            }}
        });
        let mut c = MockCase::from_config(&cfg, "M", "T").unwrap();
        assert!(matches!(c.next("S"), Some(MockResponse::Throw { .. })));
        assert_eq!(c.next("S"), Some(MockResponse::Return(json!(7))));
        assert_eq!(c.next("S"), Some(MockResponse::Return(json!(7))));
        assert_eq!(c.next("S"), None);
        assert_eq!(c.next("Other"), None);
        assert!(MockCase::from_config(&cfg, "M", "Nope").is_err());
    }

    #[test]
    fn the_last_invocation_number_does_not_overflow() {
        let cfg = json!({
            "StateMachines": {"M": {"TestCases": {"T": {"S": "R"}}}},
            "MockedResponses": {"R": {"4294967295": {"Return": 1}}}
        });
        let mut c = MockCase::from_config(&cfg, "M", "T").unwrap();
        c.calls.insert("S".into(), u32::MAX);
        assert_eq!(c.next("S"), Some(MockResponse::Return(json!(1))));
        assert_eq!(c.next("S"), Some(MockResponse::Return(json!(1))));
    }

    /// AWS's docs ("Configuration file for mocked service integrations"):
    /// "A response must contain a single field named `Return` or `Throw`";
    /// "`Throw` must be an object containing an `Error` and `Cause` fields
    /// with string values". Refused where the file is read, naming the
    /// response and its key.
    #[test]
    fn malformed_responses_are_refused() {
        let refused = |response: Value| {
            let cfg = json!({
                "StateMachines": {"M": {"TestCases": {"T": {"S": "R"}}}},
                "MockedResponses": {"R": {"0": response}}
            });
            match MockCase::from_config(&cfg, "M", "T") {
                Ok(_) => String::from("accepted"),
                Err(e) => e.to_string(),
            }
        };
        let rows = [
            (
                json!({"Return": 1, "Throw": {"Error": "E", "Cause": "C"}}),
                "mock config: mocked response 'R' key '0': a response must contain a single field, 'Return' or 'Throw'; found 'Return', 'Throw'",
            ),
            (
                json!({"Return": 1, "Comment": "x"}),
                "mock config: mocked response 'R' key '0': a response must contain a single field, 'Return' or 'Throw'; found 'Return', 'Comment'",
            ),
            (
                json!({}),
                "mock config: mocked response 'R' key '0': a response needs 'Return' or 'Throw'",
            ),
            (
                json!(7),
                "mock config: mocked response 'R' key '0': a response needs 'Return' or 'Throw'",
            ),
            (
                json!({"Retrun": 1}),
                "mock config: mocked response 'R' key '0': a response needs 'Return' or 'Throw', found 'Retrun'",
            ),
            (
                json!({"Throw": "E"}),
                "mock config: mocked response 'R' key '0': 'Throw' must be an object with 'Error' and 'Cause' strings, found a string",
            ),
            (
                json!({"Throw": {"Error": 1, "Cause": "c"}}),
                "mock config: mocked response 'R' key '0': 'Throw' field 'Error' must be a string, found a number",
            ),
            (
                json!({"Throw": {"Error": "E", "Cause": null}}),
                "mock config: mocked response 'R' key '0': 'Throw' field 'Cause' must be a string, found null",
            ),
            // DIFFERENCE (see `parse_response`): a missing field is none.
            (json!({"Throw": {"Error": "States.Timeout"}}), "accepted"),
            (json!({"Throw": {}}), "accepted"),
        ];
        for (response, want) in rows {
            assert_eq!(refused(response.clone()), want, "{response}");
        }
    }

    /// One answer for `run` and `serve`: the responses, then a
    /// `States.Runtime` failure once they ran out; none for a state the
    /// test case does not mock.
    #[test]
    fn answers_run_out_with_a_runtime_failure() {
        let cfg = json!({
            "StateMachines": {"M": {"TestCases": {"T": {"S": "R"}}}},
            "MockedResponses": {"R": {"0": {"Return": 1}}}
        });
        let mut c = MockCase::from_config(&cfg, "M", "T").unwrap();
        assert_eq!(c.name(), "T");
        assert_eq!(c.answer("S", "arn:r"), Some(MockResponse::Return(json!(1))));
        assert_eq!(
            c.answer("S", "arn:r"),
            Some(MockResponse::Throw {
                error: "States.Runtime".into(),
                cause: "the mocked responses for state 'S' ran out (resource arn:r)".into()
            })
        );
        assert_eq!(c.answer("Other", "arn:r"), None);
    }
}
