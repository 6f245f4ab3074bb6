//! Merge policy evaluation: whether an update pull request may merge by itself.

use std::collections::BTreeMap;

use crate::manifest::{self, DependencyUpdate, ManifestFiles};
use crate::model::{MergePolicy, MergePolicyName, PolicyEvaluation, PolicyResult};

use super::coherency::CoherencyReport;
use super::graph_policy::{self, UpdateGraph};
use super::markdown;
use super::render::{directory_view, normalize_directory};
use super::types::{Check, CheckState, Review, ReviewState};
use super::version::is_downgrade;

/// What the merge policies read of an update beyond checks and reviews.
#[derive(Debug, Clone, Copy, Default)]
pub struct UpdateFacts<'a> {
    /// Every dependency update it makes (coherent children included).
    pub updates: &'a [DependencyUpdate],
    /// What following coherent parents found; `None` when it was not worked out, which
    /// leaves `ValidateCoherency` pending.
    pub coherency: Option<&'a CoherencyReport>,
    /// Version.Details.props against the update's Version.Details.xml: `Some(None)` when
    /// no directory of the update uses Version.Details.props, `Some(Some(findings))` with
    /// each disagreement (`file:line:col: message`) otherwise; `None` when not worked out,
    /// which leaves `VersionDetailsProps` pending.
    pub details_props: Option<Option<&'a [String]>>,
    /// The product graph of the target after the update, for `ValidateCoherency` with
    /// `graph: true`; `None` when not worked out, which leaves that policy pending.
    pub product_graph: Option<&'a UpdateGraph>,
}

/// Evaluates every configured policy against a pull request's checks, reviews and the
/// dependency updates it carries, with nothing known of coherency or props files (those
/// two policies stay `Pending`); see [`evaluate_update`].
pub fn evaluate(
    policies: &[MergePolicy],
    checks: &[Check],
    reviews: &[Review],
    updates: &[DependencyUpdate],
) -> Vec<PolicyEvaluation> {
    let facts = UpdateFacts {
        updates,
        ..UpdateFacts::default()
    };
    evaluate_update(policies, checks, reviews, &facts)
}

/// Evaluates every configured policy against a pull request's checks, reviews and what is
/// known of its update. `Standard` expands into its members, each reported under its own
/// name with the composite's `ignoreChecks`. A policy listed twice is reported twice.
/// Policies sluice cannot evaluate are `Pending`, so they block auto-merge.
pub fn evaluate_update(
    policies: &[MergePolicy],
    checks: &[Check],
    reviews: &[Review],
    facts: &UpdateFacts<'_>,
) -> Vec<PolicyEvaluation> {
    let updates = facts.updates;
    let mut out = Vec::new();
    for policy in policies {
        for member in policy.name.members() {
            let (result, message) = match member {
                MergePolicyName::AllChecksSuccessful => {
                    all_checks_successful(checks, &policy.properties.ignore_checks)
                }
                MergePolicyName::NoRequestedChanges => no_requested_changes(reviews),
                MergePolicyName::DontAutomergeDowngrades => dont_automerge_downgrades(updates),
                MergePolicyName::ValidateCoherency if policy.properties.graph => {
                    graph_policy::combine(
                        validate_coherency(facts.coherency),
                        graph_policy::validate_graph(facts.product_graph),
                    )
                }
                MergePolicyName::ValidateCoherency => validate_coherency(facts.coherency),
                MergePolicyName::VersionDetailsProps => version_details_props(facts.details_props),
                MergePolicyName::CodeflowConsistency | MergePolicyName::Standard => (
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

fn validate_coherency(report: Option<&CoherencyReport>) -> (PolicyResult, String) {
    let Some(report) = report else {
        return (
            PolicyResult::Pending,
            "coherency of the update not worked out yet".to_string(),
        );
    };
    if !report.failures.is_empty() {
        let failures: Vec<String> = report.failures.iter().map(|f| f.to_string()).collect();
        return (
            PolicyResult::Failed,
            format!("coherency failures: {}", failures.join("; ")),
        );
    }
    if !report.unchecked.is_empty() {
        return (
            PolicyResult::Pending,
            format!(
                "coherent parents' manifests not read yet for: {}",
                report.unchecked.join(", ")
            ),
        );
    }
    (
        PolicyResult::Passed,
        "every coherent dependency follows its parent".to_string(),
    )
}

fn version_details_props(check: Option<Option<&[String]>>) -> (PolicyResult, String) {
    match check {
        None => (
            PolicyResult::Pending,
            "Version.Details.props not checked yet".to_string(),
        ),
        Some(None) => (
            PolicyResult::Passed,
            "Version.Details.props is not in use".to_string(),
        ),
        Some(Some([])) => (
            PolicyResult::Passed,
            "Version.Details.props matches Version.Details.xml".to_string(),
        ),
        Some(Some(findings)) => (
            PolicyResult::Failed,
            format!(
                "Version.Details.props differs from Version.Details.xml: {}",
                findings.join("; ")
            ),
        ),
    }
}

/// Version.Details.props against Version.Details.xml in each of `directories` (as
/// subscriptions name them) of `files` (an update's files, by repository path) that uses
/// it: `None` when none does, else each disagreement, directory-prefixed (a file that
/// does not parse is one). What [`UpdateFacts::details_props`] holds.
pub fn details_props(files: &ManifestFiles, directories: &[String]) -> Option<Vec<String>> {
    let mut directories: Vec<String> = directories.iter().map(|d| normalize_directory(d)).collect();
    directories.sort();
    directories.dedup();
    let mut used = false;
    let mut findings = Vec::new();
    for directory in directories {
        let shown = if directory.is_empty() {
            String::new()
        } else {
            format!("{directory}/")
        };
        match manifest::verify::details_props(&directory_view(files, &directory)) {
            Ok(None) => {}
            Ok(Some(found)) => {
                used = true;
                findings.extend(found.into_iter().map(|f| format!("{shown}{f}")));
            }
            Err(err) => {
                used = true;
                findings.push(format!("{shown}{err}"));
            }
        }
    }
    used.then_some(findings)
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
#[path = "policy_tests.rs"]
mod tests;
