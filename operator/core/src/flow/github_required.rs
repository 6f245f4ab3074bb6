//! Checks a GitHub branch requires (classic branch protection and rulesets) are waited
//! for even before they first report: a required check missing from a head commit's
//! checks counts as pending, so a fast check can never merge an update ahead of a slow
//! one that has not started. The GitHub forge fetches the rules; these functions read
//! them and decide.

use serde_json::Value;

use super::github::SLUICE_CHECK_RUN;
use super::types::{Check, CheckState};

fn contexts<'a>(list: Option<&'a Value>, field: &'a str) -> impl Iterator<Item = String> + 'a {
    list.and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(move |item| match item {
            Value::String(name) => Some(name.clone()),
            other => other.get(field).and_then(Value::as_str).map(str::to_string),
        })
}

/// The check names a branch protection's `required_status_checks` answer requires
/// (`contexts` and `checks[].context`).
pub fn required_by_protection(body: &Value) -> Vec<String> {
    let mut names: Vec<String> = contexts(body.get("contexts"), "context")
        .chain(contexts(body.get("checks"), "context"))
        .collect();
    names.sort();
    names.dedup();
    names
}

/// The check names the rules of a branch (`GET /repos/{o}/{r}/rules/branches/{b}`)
/// require: every `required_status_checks` rule's `required_status_checks[].context`.
pub fn required_by_rules(body: &Value) -> Vec<String> {
    let mut names: Vec<String> = body
        .as_array()
        .into_iter()
        .flatten()
        .filter(|rule| rule.get("type").and_then(Value::as_str) == Some("required_status_checks"))
        .flat_map(|rule| {
            contexts(
                rule.pointer("/parameters/required_status_checks"),
                "context",
            )
            .collect::<Vec<_>>()
        })
        .collect();
    names.sort();
    names.dedup();
    names
}

/// `checks` with a pending check for each `required` name that has not reported (sluice's
/// own check run is never waited for).
pub fn with_required(mut checks: Vec<Check>, required: &[String]) -> Vec<Check> {
    for name in required {
        let reported = checks.iter().any(|c| &c.name == name);
        if !reported && name != SLUICE_CHECK_RUN {
            checks.push(Check {
                name: name.clone(),
                state: CheckState::Pending,
            });
        }
    }
    checks
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flow::policy;
    use crate::model::{MergePolicy, PolicyResult};
    use serde_json::json;

    fn check(name: &str, state: CheckState) -> Check {
        Check {
            name: name.into(),
            state,
        }
    }

    #[test]
    fn required_names_are_read_from_protection_and_rulesets() {
        let protection = json!({
            "strict": true,
            "contexts": ["build", "legacy"],
            "checks": [{"context": "build", "app_id": 1}, {"context": "slow", "app_id": null}],
        });
        assert_eq!(
            required_by_protection(&protection),
            ["build", "legacy", "slow"]
        );
        assert!(required_by_protection(&json!({})).is_empty());
        let rules = json!([
            {"type": "pull_request", "parameters": {}},
            {"type": "required_status_checks", "parameters": {
                "strict_required_status_checks_policy": false,
                "required_status_checks": [{"context": "e2e"}, {"context": "build", "integration_id": 5}],
            }},
            {"type": "required_status_checks", "parameters": {"required_status_checks": [{"context": "e2e"}]}},
        ]);
        assert_eq!(required_by_rules(&rules), ["build", "e2e"]);
        assert!(required_by_rules(&json!({"message": "Not Found"})).is_empty());
    }

    #[test]
    fn a_required_check_that_has_not_reported_keeps_all_checks_successful_pending() {
        use CheckState::*;
        let policies: Vec<MergePolicy> =
            serde_json::from_value(json!([{"name": "AllChecksSuccessful"}])).unwrap();
        let ignoring: Vec<MergePolicy> = serde_json::from_value(
            json!([{"name": "AllChecksSuccessful", "properties": {"ignoreChecks": ["slow"]}}]),
        )
        .unwrap();
        let required = |names: &[&str]| names.iter().map(|n| n.to_string()).collect::<Vec<_>>();
        // (reported, required, policies, expected)
        type Row<'a> = (Vec<Check>, Vec<String>, &'a [MergePolicy], PolicyResult);
        let table: Vec<Row> = vec![
            (
                vec![check("fast", Success)],
                required(&[]),
                &policies,
                PolicyResult::Passed,
            ),
            (
                vec![check("fast", Success)],
                required(&["slow"]),
                &policies,
                PolicyResult::Pending,
            ),
            (
                vec![check("fast", Success), check("slow", Success)],
                required(&["slow"]),
                &policies,
                PolicyResult::Passed,
            ),
            (
                vec![check("fast", Success), check("slow", Failure)],
                required(&["slow"]),
                &policies,
                PolicyResult::Failed,
            ),
            (
                vec![],
                required(&["slow"]),
                &policies,
                PolicyResult::Pending,
            ),
            (
                vec![check("fast", Success)],
                required(&["slow"]),
                &ignoring,
                PolicyResult::Passed,
            ),
            (
                vec![check("fast", Success)],
                required(&[SLUICE_CHECK_RUN]),
                &policies,
                PolicyResult::Passed,
            ),
        ];
        for (reported, required, policies, expected) in table {
            let checks = with_required(reported.clone(), &required);
            let evals = policy::evaluate(policies, &checks, &[], &[]);
            assert_eq!(
                evals[0].result, expected,
                "{reported:?} requiring {required:?}"
            );
        }
        let waiting = with_required(vec![check("fast", Success)], &required(&["slow"]));
        let evals = policy::evaluate(&policies, &waiting, &[], &[]);
        assert!(evals[0].message.contains("slow"), "{}", evals[0].message);
    }
}
