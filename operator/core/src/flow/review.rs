//! Reviewing an open pull request whose head needs no rebuild: merge policies, the
//! failing-policy comment, the merge itself, and the pull request a person took over.

use crate::manifest::DependencyUpdate;
use crate::model::{PolicyEvaluation, PolicyResult};

use super::head_branch;
use super::outcome::{Outcome, Reason};
use super::policy::{self, UpdateFacts};
use super::types::{Action, KeyInput, Plan, PullRequestObservation};

/// Evaluates the merge policies on `head` (the commit the observed checks ran on) and
/// merges exactly that head when they all pass; comments once when they fail.
pub(super) fn review(
    input: &KeyInput,
    pr: &PullRequestObservation,
    head: &str,
    facts: &UpdateFacts<'_>,
    plan: &mut Plan,
) -> Outcome {
    plan.policies = policy::evaluate_update(&input.merge_policies, &pr.checks, &pr.reviews, facts);
    if plan.policies.is_empty() {
        Outcome::new(
            Reason::AwaitingMerge,
            format!("no merge policies: a person merges {}", pr.url),
        )
    } else if policy::all_passed(&plan.policies) {
        plan.actions.push(Action::Merge {
            id: pr.id.clone(),
            head_commit: head.to_string(),
        });
        Outcome::new(
            Reason::Merging,
            format!("merge policies passed: merging {}", pr.url),
        )
    } else if plan
        .policies
        .iter()
        .any(|e| e.result == PolicyResult::Failed)
    {
        if !pr.failure_commented
            && let Some(body) =
                policy::failure_comment(&plan.policies, &input.failure_notification_tags)
        {
            plan.actions.push(Action::Comment {
                id: pr.id.clone(),
                body,
            });
        }
        Outcome::new(
            Reason::PoliciesFailed,
            format!(
                "merge policies failed on {}: {}",
                pr.url,
                summary(&plan.policies, PolicyResult::Failed)
            ),
        )
    } else {
        Outcome::new(
            Reason::PoliciesPending,
            format!(
                "waiting for merge policies on {}: {}",
                pr.url,
                summary(&plan.policies, PolicyResult::Pending)
            ),
        )
    }
}

/// A pull request whose head branch carries a person's commits.
pub(super) struct Paused<'a> {
    /// The head branch's tip.
    pub tip: &'a str,
    /// The tip contains the target head.
    pub contains_target: bool,
    /// A build newer than the carried one waits for the pull request.
    pub waiting: bool,
}

/// Plans a pull request a person added commits to: never pushed again; a notice once;
/// policies on the real tip, which merges as it is when they pass and it contains the
/// target head. Its status says why sluice stopped.
pub(super) fn persons_commits(
    input: &KeyInput,
    pr: &PullRequestObservation,
    paused: &Paused<'_>,
    updates: &[DependencyUpdate],
    plan: &mut Plan,
) -> Outcome {
    let tip = paused.tip;
    notice_once(input, pr, tip, plan);
    // The tip holds commits sluice did not write: what coherency and props files are
    // there is not what sluice worked out, so those policies stay pending.
    let facts = UpdateFacts {
        updates,
        ..UpdateFacts::default()
    };
    let reviewed = review(input, pr, tip, &facts, plan);
    if !paused.contains_target {
        plan.actions.retain(|a| !matches!(a, Action::Merge { .. }));
    }
    if plan
        .actions
        .iter()
        .any(|a| matches!(a, Action::Merge { .. }))
    {
        return reviewed;
    }
    let detail = if paused.contains_target {
        reviewed.message
    } else {
        format!(
            "{tip} does not contain the head of {}, so it cannot merge as it is",
            input.target_branch
        )
    };
    let waiting = if paused.waiting {
        "; a newer build waits until it is merged or closed"
    } else {
        ""
    };
    Outcome::new(
        Reason::UpdatesPausedForManualCommits,
        format!(
            "sluice stopped updating {}: its head branch {} is at {tip}, with commits sluice \
             did not write{waiting}; close it or reset the branch to {} to hand it back ({detail})",
            pr.url,
            input.key.head_branch(&input.target_branch),
            pr.head_commit
        ),
    )
}

/// Posts, once, why sluice stopped updating `pr`, whose head branch is at `tip`.
pub(super) fn notice_once(
    input: &KeyInput,
    pr: &PullRequestObservation,
    tip: &str,
    plan: &mut Plan,
) {
    if !pr.manual_commits_noticed {
        plan.actions.push(Action::NoticeManualCommits {
            id: pr.id.clone(),
            body: head_branch::notice(
                &input.key.head_branch(&input.target_branch),
                tip,
                &pr.head_commit,
            ),
        });
    }
}

/// `Name (message); ...` of the evaluations with `result`.
fn summary(evals: &[PolicyEvaluation], result: PolicyResult) -> String {
    evals
        .iter()
        .filter(|e| e.result == result)
        .map(|e| format!("{} ({})", e.name, e.message))
        .collect::<Vec<_>>()
        .join("; ")
}
