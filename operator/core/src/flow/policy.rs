//! Merge policy evaluation: whether an update pull request may merge by itself.

use std::collections::BTreeMap;

use crate::manifest::DependencyUpdate;
use crate::model::{MergePolicy, MergePolicyName, PolicyEvaluation, PolicyResult};

use super::markdown;
use super::types::{Check, CheckState, Review, ReviewState};
use super::version::is_downgrade;

/// Evaluates every configured policy against a pull request's checks, reviews and the
/// dependency updates it carries. `Standard` expands into its members, each reported under
/// its own name with the composite's `ignoreChecks`. A policy listed twice is reported
/// twice. Policies sluice cannot evaluate yet are `Pending`, so they block auto-merge.
pub fn evaluate(
    policies: &[MergePolicy],
    checks: &[Check],
    reviews: &[Review],
    updates: &[DependencyUpdate],
) -> Vec<PolicyEvaluation> {
    let mut out = Vec::new();
    for policy in policies {
        for member in policy.name.members() {
            let (result, message) = match member {
                MergePolicyName::AllChecksSuccessful => {
                    all_checks_successful(checks, &policy.properties.ignore_checks)
                }
                MergePolicyName::NoRequestedChanges => no_requested_changes(reviews),
                MergePolicyName::DontAutomergeDowngrades => dont_automerge_downgrades(updates),
                MergePolicyName::ValidateCoherency
                | MergePolicyName::VersionDetailsProps
                | MergePolicyName::CodeflowConsistency
                | MergePolicyName::Standard => (
                    PolicyResult::Pending,
                    "not supported yet; merge by hand".to_string(),
                ),
            };
            out.push(PolicyEvaluation {
                name: member.as_str().to_string(),
                result,
                message,
            });
        }
    }
    out
}

fn all_checks_successful(checks: &[Check], ignore: &[String]) -> (PolicyResult, String) {
    let counted: Vec<&Check> = checks
        .iter()
        .filter(|c| !ignore.iter().any(|i| i == &c.name))
        .collect();
    if counted.is_empty() {
        return (PolicyResult::Pending, "no checks reported yet".to_string());
    }
    let named = |state: CheckState| -> Vec<&str> {
        let mut names: Vec<&str> = counted
            .iter()
            .filter(|c| c.state == state)
            .map(|c| c.name.as_str())
            .collect();
        names.sort_unstable();
        names.dedup();
        names
    };
    let failed = named(CheckState::Failure);
    if !failed.is_empty() {
        return (
            PolicyResult::Failed,
            format!("failed checks: {}", failed.join(", ")),
        );
    }
    let pending = named(CheckState::Pending);
    if !pending.is_empty() {
        return (
            PolicyResult::Pending,
            format!("waiting for checks: {}", pending.join(", ")),
        );
    }
    (
        PolicyResult::Passed,
        format!("all {} checks succeeded", counted.len()),
    )
}

fn no_requested_changes(reviews: &[Review]) -> (PolicyResult, String) {
    let mut latest: BTreeMap<&str, ReviewState> = BTreeMap::new();
    for review in reviews {
        // Reviews arrive in submission order; a comment does not withdraw a verdict.
        if review.state == ReviewState::Commented && latest.contains_key(review.reviewer.as_str()) {
            continue;
        }
        latest.insert(review.reviewer.as_str(), review.state);
    }
    let requesting: Vec<&str> = latest
        .iter()
        .filter(|(_, s)| **s == ReviewState::ChangesRequested)
        .map(|(r, _)| *r)
        .collect();
    if requesting.is_empty() {
        (PolicyResult::Passed, "no changes requested".to_string())
    } else {
        (
            PolicyResult::Failed,
            format!("changes requested by {}", requesting.join(", ")),
        )
    }
}

fn dont_automerge_downgrades(updates: &[DependencyUpdate]) -> (PolicyResult, String) {
    let downgrades: Vec<String> = updates
        .iter()
        .filter(|u| is_downgrade(&u.from_version, &u.to_version))
        .map(|u| format!("{} {} -> {}", u.name, u.from_version, u.to_version))
        .collect();
    if downgrades.is_empty() {
        (PolicyResult::Passed, "no downgrades".to_string())
    } else {
        (
            PolicyResult::Failed,
            format!("downgrades: {}", downgrades.join(", ")),
        )
    }
}

/// True when there is at least one evaluation and every one passed. No policy at all means
/// a person merges, so it is false then.
pub fn all_passed(evals: &[PolicyEvaluation]) -> bool {
    !evals.is_empty() && evals.iter().all(|e| e.result == PolicyResult::Passed)
}

/// The comment posted once when a policy failed: each failed policy with its message
/// (check names, reviewer names and versions in it quoted as [`markdown::text`] does), and
/// the notification tags, which are meant to mention. `None` when nothing failed.
pub fn failure_comment(evals: &[PolicyEvaluation], tags: &[String]) -> Option<String> {
    let failed: Vec<&PolicyEvaluation> = evals
        .iter()
        .filter(|e| e.result == PolicyResult::Failed)
        .collect();
    if failed.is_empty() {
        return None;
    }
    let mut body =
        String::from("Merge policies failed; this pull request will not merge by itself.\n\n");
    for eval in failed {
        body.push_str(&format!(
            "- **{}**: {}\n",
            markdown::text(&eval.name),
            markdown::text(&eval.message)
        ));
    }
    if !tags.is_empty() {
        body.push_str(&format!("\nNotifying {}\n", tags.join(" ")));
    }
    Some(body)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::MergePolicyProperties;
    use PolicyResult::{Failed, Passed, Pending};

    fn policy(name: MergePolicyName, ignore: &[&str]) -> MergePolicy {
        MergePolicy {
            name,
            properties: MergePolicyProperties {
                ignore_checks: ignore.iter().map(|s| s.to_string()).collect(),
            },
        }
    }

    fn check(name: &str, state: CheckState) -> Check {
        Check {
            name: name.into(),
            state,
        }
    }

    fn review(reviewer: &str, state: ReviewState) -> Review {
        Review {
            reviewer: reviewer.into(),
            state,
        }
    }

    fn update(name: &str, from: &str, to: &str) -> DependencyUpdate {
        DependencyUpdate {
            name: name.into(),
            from_version: from.into(),
            to_version: to.into(),
            from_commit: "a".into(),
            to_commit: "b".into(),
            repository: "https://example.com/r".into(),
        }
    }

    #[test]
    fn checks_table() {
        use CheckState::{Failure, Pending as Running, Success};
        let cases: Vec<(Vec<Check>, Vec<&str>, PolicyResult, &str)> = vec![
            (vec![], vec![], Pending, "no checks reported yet"),
            (
                vec![check("lint", Failure)],
                vec!["lint"],
                Pending,
                "no checks reported yet",
            ),
            (
                vec![check("a", Success), check("b", Success)],
                vec![],
                Passed,
                "all 2 checks succeeded",
            ),
            (
                vec![
                    check("b", Failure),
                    check("a", Failure),
                    check("c", Running),
                ],
                vec![],
                Failed,
                "failed checks: a, b",
            ),
            (
                vec![check("a", Success), check("c", Running)],
                vec![],
                Pending,
                "waiting for checks: c",
            ),
            (
                vec![check("a", Success), check("flaky", Failure)],
                vec!["flaky"],
                Passed,
                "all 1 checks succeeded",
            ),
        ];
        for (checks, ignore, result, message) in cases {
            let got = evaluate(
                &[policy(MergePolicyName::AllChecksSuccessful, &ignore)],
                &checks,
                &[],
                &[],
            );
            assert_eq!(got.len(), 1);
            assert_eq!(
                (got[0].result, got[0].message.as_str()),
                (result, message),
                "{checks:?}"
            );
        }
    }

    #[test]
    fn reviews_table() {
        use ReviewState::{Approved, ChangesRequested, Commented};
        let cases: Vec<(Vec<Review>, PolicyResult, &str)> = vec![
            (vec![], Passed, "no changes requested"),
            (
                vec![review("ann", Approved)],
                Passed,
                "no changes requested",
            ),
            (
                vec![
                    review("bob", ChangesRequested),
                    review("ann", ChangesRequested),
                ],
                Failed,
                "changes requested by ann, bob",
            ),
            (
                vec![review("bob", ChangesRequested), review("bob", Approved)],
                Passed,
                "no changes requested",
            ),
            (
                vec![review("bob", Approved), review("bob", ChangesRequested)],
                Failed,
                "changes requested by bob",
            ),
            (
                vec![review("bob", ChangesRequested), review("bob", Commented)],
                Failed,
                "changes requested by bob",
            ),
        ];
        for (reviews, result, message) in cases {
            let got = evaluate(
                &[policy(MergePolicyName::NoRequestedChanges, &[])],
                &[],
                &reviews,
                &[],
            );
            assert_eq!(
                (got[0].result, got[0].message.as_str()),
                (result, message),
                "{reviews:?}"
            );
        }
    }

    #[test]
    fn downgrades_table() {
        let cases: Vec<(Vec<DependencyUpdate>, PolicyResult, &str)> = vec![
            (vec![], Passed, "no downgrades"),
            (vec![update("A", "1.0.0", "1.0.1")], Passed, "no downgrades"),
            (
                vec![
                    update("A", "2.0.0", "1.0.0"),
                    update("B", "1.0.0", "1.0.0-rc.1"),
                    update("C", "1", "2"),
                ],
                Failed,
                "downgrades: A 2.0.0 -> 1.0.0, B 1.0.0 -> 1.0.0-rc.1",
            ),
        ];
        for (updates, result, message) in cases {
            let got = evaluate(
                &[policy(MergePolicyName::DontAutomergeDowngrades, &[])],
                &[],
                &[],
                &updates,
            );
            assert_eq!((got[0].result, got[0].message.as_str()), (result, message));
        }
    }

    #[test]
    fn standard_expands_and_carries_ignore_checks() {
        let checks = [
            check("a", CheckState::Success),
            check("x", CheckState::Failure),
        ];
        let got = evaluate(
            &[policy(MergePolicyName::Standard, &["x"])],
            &checks,
            &[],
            &[],
        );
        let summary: Vec<(&str, PolicyResult)> =
            got.iter().map(|e| (e.name.as_str(), e.result)).collect();
        assert_eq!(
            summary,
            [
                ("AllChecksSuccessful", Passed),
                ("NoRequestedChanges", Passed),
                ("DontAutomergeDowngrades", Passed),
                ("ValidateCoherency", Pending),
            ]
        );
        assert_eq!(got[3].message, "not supported yet; merge by hand");
        assert!(!all_passed(&got));
    }

    #[test]
    fn unsupported_policies_block() {
        for name in [
            MergePolicyName::ValidateCoherency,
            MergePolicyName::VersionDetailsProps,
            MergePolicyName::CodeflowConsistency,
        ] {
            let got = evaluate(&[policy(name, &[])], &[], &[], &[]);
            assert_eq!(got[0].name, name.as_str());
            assert_eq!(got[0].result, Pending);
        }
    }

    #[test]
    fn all_passed_table() {
        let e = |result| PolicyEvaluation {
            name: "p".into(),
            result,
            message: String::new(),
        };
        assert!(!all_passed(&[]));
        assert!(all_passed(&[e(Passed), e(Passed)]));
        assert!(!all_passed(&[e(Passed), e(Pending)]));
        assert!(!all_passed(&[e(Failed)]));
    }

    #[test]
    fn failure_comments() {
        let evals = evaluate(
            &[
                policy(MergePolicyName::AllChecksSuccessful, &[]),
                policy(MergePolicyName::NoRequestedChanges, &[]),
            ],
            &[check("build", CheckState::Failure)],
            &[],
            &[],
        );
        let tags = vec!["@contoso/sdk-owners".to_string(), "@ann".to_string()];
        assert_eq!(
            failure_comment(&evals, &tags).unwrap(),
            "Merge policies failed; this pull request will not merge by itself.\n\n\
             - **AllChecksSuccessful**: failed checks: build\n\n\
             Notifying @contoso/sdk-owners @ann\n"
        );
        assert!(!failure_comment(&evals, &[]).unwrap().contains("Notifying"));
        let passing = evaluate(
            &[policy(MergePolicyName::NoRequestedChanges, &[])],
            &[],
            &[],
            &[],
        );
        assert_eq!(failure_comment(&passing, &tags), None);
    }
}
