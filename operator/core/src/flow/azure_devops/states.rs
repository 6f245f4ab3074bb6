//! How Azure DevOps reports a pull request's health, read as the engine's checks and
//! reviews, and what a refused completion means.

use std::collections::BTreeMap;

use crate::flow::types::{Check, CheckState, Review, ReviewState};

/// A policy evaluation's state: `approved` passes; `queued` and `running` are pending;
/// `rejected` and `broken` fail; `notApplicable` does not count (`None`). Anything else
/// is pending (a state this version does not know yet blocks nothing for good).
pub fn policy_state(status: &str) -> Option<CheckState> {
    match status.to_ascii_lowercase().as_str() {
        "approved" => Some(CheckState::Success),
        "rejected" | "broken" => Some(CheckState::Failure),
        "notapplicable" => None,
        _ => Some(CheckState::Pending),
    }
}

/// A pull request status's state: `succeeded` passes; `failed` and `error` fail;
/// `pending`, `notSet` and anything unknown are pending; `notApplicable` does not count.
pub fn status_state(state: &str) -> Option<CheckState> {
    match state.to_ascii_lowercase().as_str() {
        "succeeded" => Some(CheckState::Success),
        "failed" | "error" => Some(CheckState::Failure),
        "notapplicable" => None,
        _ => Some(CheckState::Pending),
    }
}

/// A policy evaluation as listed: the policy's display name and its status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyEvaluation {
    /// The policy's name (`Build`, `Minimum number of reviewers`, a build policy's
    /// display name).
    pub name: String,
    /// `approved`, `queued`, `running`, `rejected`, `broken`, `notApplicable`.
    pub status: String,
    /// Whether the policy blocks completion (non-blocking ones are advice).
    pub blocking: bool,
}

/// A pull request status as listed, oldest first: `GENRE/NAME` of its context and state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PullRequestStatus {
    /// `genre/name`, or `name` without a genre.
    pub context: String,
    /// `succeeded`, `failed`, `error`, `pending`, `notSet`, `notApplicable`.
    pub state: String,
}

/// The checks of a pull request: its blocking policy evaluations (non-applicable ones
/// left out) named `policy: NAME`, and the latest status per context. Non-blocking
/// policies are left out too: Azure DevOps completes without them.
pub fn checks(evaluations: &[PolicyEvaluation], statuses: &[PullRequestStatus]) -> Vec<Check> {
    let policies = evaluations.iter().filter(|e| e.blocking).filter_map(|e| {
        policy_state(&e.status).map(|state| Check {
            name: format!("policy: {}", e.name),
            state,
        })
    });
    let mut latest: BTreeMap<&str, &str> = BTreeMap::new();
    for status in statuses {
        latest.insert(&status.context, &status.state);
    }
    let statuses = latest.into_iter().filter_map(|(context, state)| {
        status_state(state).map(|state| Check {
            name: context.to_string(),
            state,
        })
    });
    policies.chain(statuses).collect()
}

/// A reviewer's vote as a verdict: 10 (approved) and 5 (approved with suggestions)
/// approve; -5 (waiting for the author) and -10 (rejected) request changes; 0 (no vote)
/// is no verdict.
pub fn vote_state(vote: i64) -> Option<ReviewState> {
    match vote {
        v if v > 0 => Some(ReviewState::Approved),
        v if v < 0 => Some(ReviewState::ChangesRequested),
        _ => None,
    }
}

/// The reviews of a pull request from its reviewers (`uniqueName` or display name, vote),
/// sorted by reviewer; reviewers without a vote are left out.
pub fn reviews(votes: &[(String, i64)]) -> Vec<Review> {
    let mut by_reviewer: BTreeMap<&str, ReviewState> = BTreeMap::new();
    for (reviewer, vote) in votes {
        if let Some(state) = vote_state(*vote) {
            by_reviewer.insert(reviewer, state);
        }
    }
    by_reviewer
        .into_iter()
        .map(|(reviewer, state)| Review {
            reviewer: reviewer.to_string(),
            state,
        })
        .collect()
}

/// What a refused completion (or a completion the service gave up on) means.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Completion {
    /// The branch policies (approvals, builds, required reviewers) do not allow it yet:
    /// retrying will not help until a policy changes; the pull request is blocked.
    Blocked,
    /// The pull request moved: another source commit than the evaluated one, a merge
    /// conflict, a pull request no longer active. Observe again and re-plan.
    Conflict,
    /// Neither: the answer's status says what it is.
    Other,
}

/// What a refused completion answer (`status`, Azure DevOps's `typeKey` and `message`)
/// means: a refusal by the branch policies (a message or type about policies or
/// approvals) is [`Completion::Blocked`]; a stale source commit (409, or a message about
/// `lastMergeSourceCommit`) or a pull request no longer active is a
/// [`Completion::Conflict`]; anything else is [`Completion::Other`].
///
/// The codes, and what is known of them:
/// - `TF401027` is Azure DevOps's generic missing-permission refusal, "You need the Git
///   '<permission>' permission to perform this action" (public reports show it naming
///   `PullRequestContribute`, `GenericContribute`, `CreateRepository`,
///   `PullRequestBypassPolicy`). The code alone therefore means nothing about policies:
///   only the permission it names decides. `PullRequestBypassPolicy` is read as
///   Blocked: that completing while a policy is not satisfied asks for that permission
///   is an assumption, not documented; the others are [`Completion::Other`] (a token
///   lacking a permission, which the 403 already says).
/// - `TF401181`: no public documentation of this code was found; that it is the stale
///   `lastMergeSourceCommit` refusal is an assumption. The mapping does not rest on it:
///   a 409, or a message naming `lastMergeSourceCommit`, is a Conflict either way.
pub fn completion_refusal(status: u16, type_key: &str, message: &str) -> Completion {
    let message = message.to_ascii_lowercase();
    let type_key = type_key.to_ascii_lowercase();
    let blocked = ["pullrequestbypasspolicy", "bypasspolicy", "polic", "approv"]
        .iter()
        .any(|w| message.contains(w) || type_key.contains(w));
    if blocked && status != 409 {
        return Completion::Blocked;
    }
    let stale = [
        "tf401181",
        "lastmergesourcecommit",
        "source branch has been updated",
        "not active",
        "stale",
    ]
    .iter()
    .any(|w| message.contains(w) || type_key.contains(w));
    if status == 409 || stale {
        return Completion::Conflict;
    }
    Completion::Other
}

/// What a pull request's `mergeStatus` says after a completion was asked for:
/// `rejectedByPolicy` is [`Completion::Blocked`]; `conflicts` and `failure` are a
/// [`Completion::Conflict`]; `queued`, `succeeded` and `notSet` are none of those
/// ([`Completion::Other`]: the completion is under way or done).
pub fn merge_status(merge_status: &str) -> Completion {
    match merge_status.to_ascii_lowercase().as_str() {
        "rejectedbypolicy" => Completion::Blocked,
        "conflicts" | "failure" => Completion::Conflict,
        _ => Completion::Other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy_evaluations_and_statuses_map_to_check_states() {
        use CheckState::*;
        for (status, state) in [
            ("approved", Some(Success)),
            ("queued", Some(Pending)),
            ("running", Some(Pending)),
            ("rejected", Some(Failure)),
            ("broken", Some(Failure)),
            ("notApplicable", None),
            ("somethingNew", Some(Pending)),
        ] {
            assert_eq!(policy_state(status), state, "{status}");
        }
        for (status, state) in [
            ("succeeded", Some(Success)),
            ("pending", Some(Pending)),
            ("notSet", Some(Pending)),
            ("failed", Some(Failure)),
            ("error", Some(Failure)),
            ("notApplicable", None),
        ] {
            assert_eq!(status_state(status), state, "{status}");
        }
    }

    #[test]
    fn checks_keep_blocking_policies_and_the_latest_status_per_context() {
        let policy = |name: &str, status: &str, blocking| PolicyEvaluation {
            name: name.into(),
            status: status.into(),
            blocking,
        };
        let status = |context: &str, state: &str| PullRequestStatus {
            context: context.into(),
            state: state.into(),
        };
        let checks = checks(
            &[
                policy("Build", "rejected", true),
                policy("Comment requirements", "notApplicable", true),
                policy("Advice", "rejected", false),
            ],
            &[
                status("ci/tests", "pending"),
                status("ci/lint", "failed"),
                status("ci/tests", "succeeded"),
            ],
        );
        let seen: Vec<_> = checks.iter().map(|c| (c.name.as_str(), c.state)).collect();
        assert_eq!(
            seen,
            [
                ("policy: Build", CheckState::Failure),
                ("ci/lint", CheckState::Failure),
                ("ci/tests", CheckState::Success),
            ]
        );
    }

    #[test]
    fn votes_read_as_reviews() {
        use ReviewState::*;
        for (vote, state) in [
            (10, Some(Approved)),
            (5, Some(Approved)),
            (0, None),
            (-5, Some(ChangesRequested)),
            (-10, Some(ChangesRequested)),
        ] {
            assert_eq!(vote_state(vote), state, "{vote}");
        }
        let reviews = reviews(&[("zoe".into(), -5), ("al".into(), 10), ("bo".into(), 0)]);
        let seen: Vec<_> = reviews
            .iter()
            .map(|r| (r.reviewer.as_str(), r.state))
            .collect();
        assert_eq!(seen, [("al", Approved), ("zoe", ChangesRequested)]);
    }

    #[test]
    fn completion_refusals_are_blocked_conflicts_or_other() {
        use Completion::*;
        for (status, key, message, meaning) in [
            (
                403,
                "",
                "TF401027: You need the Git 'PullRequestBypassPolicy' permission to perform this action.",
                Blocked,
            ),
            (
                400,
                "GitPullRequestPolicyRejectedException",
                "The pull request cannot be completed",
                Blocked,
            ),
            (400, "", "Required approvals are missing", Blocked),
            (
                409,
                "GitPullRequestStaleException",
                "TF401181: The pull request cannot be completed because lastMergeSourceCommit does not match",
                Conflict,
            ),
            (
                400,
                "InvalidArgumentValueException",
                "You must specify a valid LastMergeSourceCommit to perform this operation.",
                Conflict,
            ),
            (
                409,
                "",
                "policy evaluation in progress on a moved head",
                Conflict,
            ),
            (400, "", "The pull request is not active", Conflict),
            (403, "", "Access denied", Other),
            // TF401027 names a missing permission: only the bypass one is about policies.
            (
                403,
                "",
                "TF401027: You need the Git 'PullRequestContribute' permission to perform this action.",
                Other,
            ),
            (
                403,
                "",
                "TF401027: You need the Git 'GenericContribute' permission to perform this action.",
                Other,
            ),
            (500, "", "Internal error", Other),
        ] {
            assert_eq!(
                completion_refusal(status, key, message),
                meaning,
                "{status} {key} {message}"
            );
        }
        assert_eq!(merge_status("rejectedByPolicy"), Blocked);
        assert_eq!(merge_status("conflicts"), Conflict);
        assert_eq!(merge_status("queued"), Other);
        assert_eq!(merge_status("succeeded"), Other);
    }
}
