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
            states,
            calls: HashMap::new(),
        })
    }

    /// Whether `state` is mocked at all.
    pub fn covers(&self, state: &str) -> bool {
        self.states.contains_key(state)
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

fn parse_response(v: &Value) -> Result<MockResponse, String> {
    if let Some(r) = v.get("Return") {
        return Ok(MockResponse::Return(r.clone()));
    }
    if let Some(t) = v.get("Throw") {
        let field = |k: &str| {
            t.get(k)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned()
        };
        return Ok(MockResponse::Throw {
            error: field("Error"),
            cause: field("Cause"),
        });
    }
    Err("a response needs 'Return' or 'Throw'".into())
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
}
