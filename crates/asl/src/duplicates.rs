//! State names given twice in one `States` object.
//!
//! A JSON reader keeps only the last of two equal keys, so once the text is
//! a [`Value`](serde_json::Value) the first state is gone without a trace.
//! AWS refuses such a definition (`DUPLICATE_STATE_NAME`), so the text is
//! read once more here, following only the definition's structure: the
//! `States` object of the top level, of each Parallel branch and of each Map's
//! `ItemProcessor` (or `Iterator`). Keys elsewhere (a `Parameters` object,
//! say) may repeat as in any JSON.

use std::collections::HashSet;
use std::fmt;

use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

/// Where a value sits in the definition's structure.
#[derive(Clone, Copy)]
enum Role {
    /// An object with `StartAt` and `States`.
    Machine,
    /// A `States` object: its keys are state names.
    States,
    /// One state.
    State,
    /// A Parallel state's `Branches` array.
    Branches,
    /// Anything else: not looked into.
    Other,
}

/// Each state name that appears again in the same `States` object, with the
/// location of the `States` object (`/States/P/Branches[0]/States`), in
/// document order. Text that is not JSON has none (the reader says why).
pub(crate) fn repeated_state_names(text: &str) -> Vec<(String, String)> {
    let mut found = Vec::new();
    // With the reader's nesting limit: deeper text is refused when read.
    let mut de = serde_json::Deserializer::from_str(text);
    let seed = Scan {
        role: Role::Machine,
        loc: String::new(),
        found: &mut found,
    };
    // A reading error is the JSON reader's to report, not this scan's.
    let _ = seed.deserialize(&mut de);
    found
}

struct Scan<'a> {
    role: Role,
    loc: String,
    found: &'a mut Vec<(String, String)>,
}

impl<'de> DeserializeSeed<'de> for Scan<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        match self.role {
            Role::Other => d.deserialize_ignored_any(IgnoredAny).map(|_| ()),
            _ => d.deserialize_any(self),
        }
    }
}

impl<'de> Visitor<'de> for Scan<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut names = HashSet::new();
        while let Some(key) = map.next_key::<String>()? {
            let role = match (self.role, key.as_str()) {
                (Role::Machine, "States") => Role::States,
                (Role::States, _) => {
                    if !names.insert(key.clone()) {
                        self.found.push((key.clone(), self.loc.clone()));
                    }
                    Role::State
                }
                (Role::State, "Branches") => Role::Branches,
                (Role::State, "ItemProcessor" | "Iterator") => Role::Machine,
                _ => Role::Other,
            };
            map.next_value_seed(Scan {
                role,
                loc: format!("{}/{key}", self.loc),
                found: self.found,
            })?;
        }
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut i = 0;
        loop {
            let role = match self.role {
                Role::Branches => Role::Machine,
                _ => Role::Other,
            };
            let seed = Scan {
                role,
                loc: format!("{}[{i}]", self.loc),
                found: self.found,
            };
            if seq.next_element_seed(seed)?.is_none() {
                return Ok(());
            }
            i += 1;
        }
    }

    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        Ok(())
    }
    fn visit_i64<E>(self, _: i64) -> Result<(), E> {
        Ok(())
    }
    fn visit_u64<E>(self, _: u64) -> Result<(), E> {
        Ok(())
    }
    fn visit_f64<E>(self, _: f64) -> Result<(), E> {
        Ok(())
    }
    fn visit_str<E>(self, _: &str) -> Result<(), E> {
        Ok(())
    }
    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::repeated_state_names;

    #[test]
    fn finds_a_name_given_twice_in_one_states_object_only() {
        let text = r#"{"StartAt":"A","States":{
            "A":{"Type":"Pass","Parameters":{"k":1,"k":2},"Next":"P"},
            "P":{"Type":"Parallel","End":true,"Branches":[
                {"StartAt":"X","States":{"X":{"Type":"Pass","End":true},"X":{"Type":"Succeed"}}}]},
            "A":{"Type":"Pass","End":true}}}"#;
        assert_eq!(
            repeated_state_names(text),
            vec![
                ("X".to_string(), "/States/P/Branches[0]/States".to_string()),
                ("A".to_string(), "/States".to_string()),
            ]
        );
    }

    #[test]
    fn has_nothing_to_say_about_text_that_is_not_json() {
        assert!(repeated_state_names("{\"States\":{\"A\":1,").is_empty());
        assert!(repeated_state_names("StartAt: A").is_empty());
    }
}
