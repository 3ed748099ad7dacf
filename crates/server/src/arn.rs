//! ARNs in AWS's formats, and AWS's rules for names.

use crate::protocol::ApiError;

/// Region and account the server pretends to be.
#[derive(Debug, Clone)]
pub struct Arns {
    pub region: String,
    pub account: String,
}

/// What a `stateMachine` ARN names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MachineRef {
    Machine(String),
    Version(String, u32),
    Alias(String, String),
}

impl MachineRef {
    pub fn name(&self) -> &str {
        match self {
            MachineRef::Machine(n) | MachineRef::Version(n, _) | MachineRef::Alias(n, _) => n,
        }
    }
}

impl Arns {
    fn prefix(&self, kind: &str) -> String {
        format!("arn:aws:states:{}:{}:{kind}:", self.region, self.account)
    }

    pub fn state_machine(&self, name: &str) -> String {
        format!("{}{name}", self.prefix("stateMachine"))
    }

    pub fn version(&self, name: &str, version: u32) -> String {
        format!("{}{name}:{version}", self.prefix("stateMachine"))
    }

    pub fn alias(&self, name: &str, alias: &str) -> String {
        format!("{}{name}:{alias}", self.prefix("stateMachine"))
    }

    pub fn execution(&self, machine: &str, name: &str) -> String {
        format!("{}{machine}:{name}", self.prefix("execution"))
    }

    pub fn express_execution(&self, machine: &str, name: &str, uuid: &str) -> String {
        format!("{}{machine}:{name}:{uuid}", self.prefix("express"))
    }

    /// TestState's throwaway execution: `express:MACHINE:NAME`, with no
    /// third part (AWS, recorded: `test_state_with_variables[base_expressions]`
    /// shows `express:<machine>:<name>` and the `Name` alone).
    pub fn test_state_execution(&self, machine: &str, name: &str) -> String {
        format!("{}{machine}:{name}", self.prefix("express"))
    }

    pub fn activity(&self, name: &str) -> String {
        format!("{}{name}", self.prefix("activity"))
    }

    /// The rest of an ARN of this region and account after `kind:`; any
    /// other ARN is `InvalidArn`.
    fn rest<'a>(&self, arn: &'a str, kind: &str) -> Result<&'a str, ApiError> {
        let parts: Vec<&str> = arn.splitn(6, ':').collect();
        if parts.len() < 6 || parts[0] != "arn" || parts[2] != "states" {
            return Err(ApiError::invalid_arn(arn));
        }
        if parts[5] != kind && !parts[5].starts_with(&format!("{kind}:")) {
            return Err(ApiError::new(
                "InvalidArn",
                format!(
                    "Invalid Arn: 'Resource type not valid in this context: {}'",
                    parts[5].split(':').next().unwrap_or_default()
                ),
            ));
        }
        let rest = parts[5]
            .strip_prefix(kind)
            .and_then(|r| r.strip_prefix(':'));
        match rest {
            Some(r) if !r.is_empty() => Ok(r),
            _ => Err(ApiError::invalid_arn(arn)),
        }
    }

    /// Parse a state machine, version or alias ARN.
    pub fn parse_machine(&self, arn: &str) -> Result<MachineRef, ApiError> {
        let rest = self.rest(arn, "stateMachine")?;
        let mut it = rest.split(':');
        let name = it.next().unwrap_or_default().to_string();
        let qualifier = it.next();
        if it.next().is_some() || name.is_empty() {
            return Err(ApiError::invalid_arn(arn));
        }
        Ok(match qualifier {
            None => MachineRef::Machine(name),
            Some(q) if !q.is_empty() && q.bytes().all(|b| b.is_ascii_digit()) => {
                MachineRef::Version(name, q.parse().map_err(|_| ApiError::invalid_arn(arn))?)
            }
            Some(q) if !q.is_empty() => MachineRef::Alias(name, q.to_string()),
            Some(_) => return Err(ApiError::invalid_arn(arn)),
        })
    }

    /// The state machine a (checked) state machine, version or alias ARN
    /// belongs to: the ARN without its qualifier. Its region and account
    /// are the ARN's own, so an ARN of another region or account names no
    /// state machine here (`StateMachineDoesNotExist`, as the lookup finds).
    pub fn unqualified(arn: &str) -> &str {
        match arn.match_indices(':').nth(6) {
            Some((i, _)) => &arn[..i],
            None => arn,
        }
    }

    /// Check an execution ARN (standard or express) and return it.
    pub fn check_execution<'a>(&self, arn: &'a str) -> Result<&'a str, ApiError> {
        match self.rest(arn, "execution") {
            Ok(rest) if rest.split(':').count() == 2 => Ok(arn),
            Ok(_) => Err(ApiError::invalid_arn(arn)),
            Err(e) => match self.rest(arn, "express") {
                Ok(_) => Ok(arn),
                Err(_) => Err(e),
            },
        }
    }

    pub fn parse_activity(&self, arn: &str) -> Result<String, ApiError> {
        let rest = self.rest(arn, "activity")?;
        if rest.contains(':') {
            return Err(ApiError::invalid_arn(arn));
        }
        Ok(rest.to_string())
    }
}

/// A Distributed Map's label ARN (`stateMachine:NAME/LABEL`) given where
/// only a state machine, version or alias is meant: AWS answers
/// StartExecution, UpdateStateMachine and DeleteStateMachine with
/// `ValidationException` (the API reference of each). A state machine's
/// own name cannot hold a `/` (`check_name`), so no state machine has it.
pub fn not_a_label(arn: &str) -> Result<(), ApiError> {
    let name = arn.splitn(7, ':').nth(6).unwrap_or_default();
    if name.contains('/') {
        // AWS's wording is not documented.
        return Err(ApiError::new(
            "ValidationException",
            format!("Invalid Arn: a Distributed Map state's ARN is not valid here: '{arn}'"),
        ));
    }
    Ok(())
}

/// AWS's rule for state machine, execution, activity and alias names:
/// 1 to 80 characters, none of whitespace, `< > { } [ ] ? * " # % \ ^ | ~ `
/// `` ` `` `$ & , ; : /` or control characters.
pub fn check_name(name: &str, max: usize) -> Result<(), ApiError> {
    let bad = name.is_empty()
        || name.chars().count() > max
        || name.chars().any(|c| {
            c.is_whitespace()
                || c.is_control()
                || ('\u{7f}'..='\u{9f}').contains(&c)
                || "<>{}[]?*\"#%\\^|~`$&,;:/".contains(c)
        });
    if bad {
        return Err(ApiError::new(
            "InvalidName",
            format!("Invalid Name: '{name}'"),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn arns() -> Arns {
        Arns {
            region: "us-east-1".into(),
            account: "123456789012".into(),
        }
    }

    #[test]
    fn machine_arns_parse_into_machine_version_and_alias() {
        let a = arns();
        let cases = [
            (
                "arn:aws:states:us-east-1:123456789012:stateMachine:M",
                Some(MachineRef::Machine("M".into())),
            ),
            (
                "arn:aws:states:us-east-1:123456789012:stateMachine:M:3",
                Some(MachineRef::Version("M".into(), 3)),
            ),
            (
                "arn:aws:states:us-east-1:123456789012:stateMachine:M:PROD",
                Some(MachineRef::Alias("M".into(), "PROD".into())),
            ),
            ("arn:aws:states:us-east-1:123456789012:activity:M", None),
            ("arn:aws:states:us-east-1:123456789012:stateMachine:", None),
            ("not-an-arn", None),
        ];
        for (arn, want) in cases {
            assert_eq!(a.parse_machine(arn).ok(), want, "{arn}");
        }
    }

    #[test]
    fn unqualified_keeps_the_arns_own_region_and_account() {
        for (arn, want) in [
            (
                "arn:aws:states:us-east-1:123456789012:stateMachine:M",
                "arn:aws:states:us-east-1:123456789012:stateMachine:M",
            ),
            (
                "arn:aws:states:us-east-1:123456789012:stateMachine:M:3",
                "arn:aws:states:us-east-1:123456789012:stateMachine:M",
            ),
            (
                "arn:aws:states:eu-west-1:123456789012:stateMachine:M:PROD",
                "arn:aws:states:eu-west-1:123456789012:stateMachine:M",
            ),
        ] {
            assert_eq!(Arns::unqualified(arn), want, "{arn}");
        }
    }

    #[test]
    fn names_follow_aws_rules() {
        for ok in ["a", "order-123_x", "Ünïcode", &"x".repeat(80)] {
            assert!(check_name(ok, 80).is_ok(), "{ok}");
        }
        for bad in ["", "a b", "a:b", "a/b", "a*", "tab\t", &"x".repeat(81)] {
            assert!(check_name(bad, 80).is_err(), "{bad}");
        }
    }
}
