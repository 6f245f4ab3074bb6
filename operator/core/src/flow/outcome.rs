//! What a cycle concluded for one subscription: a typed [`Reason`] and a sentence. Each
//! reason belongs to exactly one kstatus condition ([`Reason::condition`]), so an outcome
//! cannot be, say, stalled for a reason that means "merging". [`super::status`] turns
//! outcomes into the conditions the store, the API and the status subresource show.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::model::ConditionType;

/// Why a subscription is where it is. Serialized (and displayed) as its CamelCase name,
/// the `reason` of the kstatus conditions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Reason {
    /// Ready: the wanted build is applied, or none was requested yet.
    UpToDate,
    /// Ready: the wanted build changes nothing in the target's manifests.
    NothingToUpdate,
    /// Ready: a person closed the pull request for the wanted build; a newer build is awaited.
    UpdateRejected,
    /// Ready: the subscription is disabled, so nothing is done for it.
    Disabled,
    /// Reconciling: the update is being pushed and its pull request opened.
    PullRequestOpening,
    /// Reconciling: the open pull request is being rebuilt (new build or moved target).
    PullRequestUpdating,
    /// Reconciling: the pull request has no merge policies; a person merges it.
    AwaitingMerge,
    /// Reconciling: every merge policy passed; the pull request is being merged.
    Merging,
    /// Reconciling: a merge policy failed; the pull request waits for a fix or a person.
    PoliciesFailed,
    /// Reconciling: merge policies are still pending (checks running, no review yet).
    PoliciesPending,
    /// Reconciling: a person added commits to the head branch; sluice no longer pushes it.
    UpdatesPausedForManualCommits,
    /// Reconciling: the pull request merged; its outcome is being recorded.
    PullRequestMerged,
    /// Reconciling: the pull request was closed unmerged; its outcome is being recorded.
    PullRequestClosed,
    /// Reconciling: a transient failure (network, forge, timeout); retried with backoff.
    Retrying,
    /// Stalled: the target branch does not exist.
    TargetBranchMissing,
    /// Stalled: the wanted build is not in the store.
    UnknownBuild,
    /// Stalled: a subscribed directory holds no dependency manifest.
    NoManifest,
    /// Stalled: a manifest is malformed (the message names file, line and column).
    ManifestInvalid,
    /// Stalled: a build's value would change a manifest's structure, so it is refused.
    ManifestRefused,
    /// Stalled: the target repository cannot be used as configured (a bad URL, say).
    TargetUnreachable,
    /// Stalled: an action failed in a way retrying cannot fix.
    ActionFailed,
    /// Stalled: the build may not flow into a public target (internal channel, a commit
    /// not in the source's public repository, assets only on internal feeds).
    InternalToPublic,
}

impl Reason {
    /// Every reason, grouped by condition (Ready, then Reconciling, then Stalled).
    pub const ALL: [Reason; 22] = [
        Reason::UpToDate,
        Reason::NothingToUpdate,
        Reason::UpdateRejected,
        Reason::Disabled,
        Reason::PullRequestOpening,
        Reason::PullRequestUpdating,
        Reason::AwaitingMerge,
        Reason::Merging,
        Reason::PoliciesFailed,
        Reason::PoliciesPending,
        Reason::UpdatesPausedForManualCommits,
        Reason::PullRequestMerged,
        Reason::PullRequestClosed,
        Reason::Retrying,
        Reason::TargetBranchMissing,
        Reason::UnknownBuild,
        Reason::NoManifest,
        Reason::ManifestInvalid,
        Reason::ManifestRefused,
        Reason::TargetUnreachable,
        Reason::ActionFailed,
        Reason::InternalToPublic,
    ];

    /// The CamelCase name, e.g. `ManifestInvalid`.
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::UpToDate => "UpToDate",
            Reason::NothingToUpdate => "NothingToUpdate",
            Reason::UpdateRejected => "UpdateRejected",
            Reason::Disabled => "Disabled",
            Reason::PullRequestOpening => "PullRequestOpening",
            Reason::PullRequestUpdating => "PullRequestUpdating",
            Reason::AwaitingMerge => "AwaitingMerge",
            Reason::Merging => "Merging",
            Reason::PoliciesFailed => "PoliciesFailed",
            Reason::PoliciesPending => "PoliciesPending",
            Reason::UpdatesPausedForManualCommits => "UpdatesPausedForManualCommits",
            Reason::PullRequestMerged => "PullRequestMerged",
            Reason::PullRequestClosed => "PullRequestClosed",
            Reason::Retrying => "Retrying",
            Reason::TargetBranchMissing => "TargetBranchMissing",
            Reason::UnknownBuild => "UnknownBuild",
            Reason::NoManifest => "NoManifest",
            Reason::ManifestInvalid => "ManifestInvalid",
            Reason::ManifestRefused => "ManifestRefused",
            Reason::TargetUnreachable => "TargetUnreachable",
            Reason::ActionFailed => "ActionFailed",
            Reason::InternalToPublic => "InternalToPublic",
        }
    }

    /// The condition this reason makes true: `Ready` (converged), `Reconciling` (work in
    /// progress, including retries) or `Stalled` (no progress until the input changes).
    pub fn condition(self) -> ConditionType {
        match self {
            Reason::UpToDate
            | Reason::NothingToUpdate
            | Reason::UpdateRejected
            | Reason::Disabled => ConditionType::Ready,
            Reason::PullRequestOpening
            | Reason::PullRequestUpdating
            | Reason::AwaitingMerge
            | Reason::Merging
            | Reason::PoliciesFailed
            | Reason::PoliciesPending
            | Reason::UpdatesPausedForManualCommits
            | Reason::PullRequestMerged
            | Reason::PullRequestClosed
            | Reason::Retrying => ConditionType::Reconciling,
            Reason::TargetBranchMissing
            | Reason::UnknownBuild
            | Reason::NoManifest
            | Reason::ManifestInvalid
            | Reason::ManifestRefused
            | Reason::TargetUnreachable
            | Reason::ActionFailed
            | Reason::InternalToPublic => ConditionType::Stalled,
        }
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A subscription's outcome after a cycle: why, and a sentence naming repository, branch,
/// file and line where they matter. Its condition follows from the reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Outcome {
    /// Why.
    pub reason: Reason,
    /// A sentence.
    pub message: String,
}

impl Outcome {
    /// An outcome for `reason`.
    pub fn new(reason: Reason, message: impl Into<String>) -> Outcome {
        Outcome {
            reason,
            message: message.into(),
        }
    }

    /// The outcome of a disabled subscription.
    pub fn disabled() -> Outcome {
        Outcome::new(Reason::Disabled, "the subscription is disabled")
    }

    /// The condition this outcome makes true.
    pub fn condition(&self) -> ConditionType {
        self.reason.condition()
    }

    /// This outcome for each of `names` (every subscription of a key, say).
    pub fn for_each<'a>(
        &self,
        names: impl IntoIterator<Item = &'a String>,
    ) -> BTreeMap<String, Outcome> {
        names
            .into_iter()
            .map(|name| (name.clone(), self.clone()))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_reason_has_its_name_and_one_condition() {
        use ConditionType::{Ready, Reconciling, Stalled};
        let table = [
            ("UpToDate", Ready),
            ("NothingToUpdate", Ready),
            ("UpdateRejected", Ready),
            ("Disabled", Ready),
            ("PullRequestOpening", Reconciling),
            ("PullRequestUpdating", Reconciling),
            ("AwaitingMerge", Reconciling),
            ("Merging", Reconciling),
            ("PoliciesFailed", Reconciling),
            ("PoliciesPending", Reconciling),
            ("UpdatesPausedForManualCommits", Reconciling),
            ("PullRequestMerged", Reconciling),
            ("PullRequestClosed", Reconciling),
            ("Retrying", Reconciling),
            ("TargetBranchMissing", Stalled),
            ("UnknownBuild", Stalled),
            ("NoManifest", Stalled),
            ("ManifestInvalid", Stalled),
            ("ManifestRefused", Stalled),
            ("TargetUnreachable", Stalled),
            ("ActionFailed", Stalled),
            ("InternalToPublic", Stalled),
        ];
        assert_eq!(table.len(), Reason::ALL.len());
        for (reason, (name, condition)) in Reason::ALL.into_iter().zip(table) {
            assert_eq!(reason.as_str(), name);
            assert_eq!(reason.to_string(), name);
            assert_eq!(reason.condition(), condition, "{name}");
            let json = serde_json::to_string(&reason).unwrap();
            assert_eq!(json, format!("\"{name}\""));
            assert_eq!(serde_json::from_str::<Reason>(&json).unwrap(), reason);
        }
    }

    #[test]
    fn one_outcome_for_every_name() {
        let names = ["a".to_string(), "b".to_string()];
        let outcome = Outcome::new(Reason::ActionFailed, "push refused");
        let map = outcome.for_each(&names);
        assert_eq!(map.keys().collect::<Vec<_>>(), ["a", "b"]);
        assert!(map.values().all(|o| *o == outcome));
        assert_eq!(outcome.condition(), ConditionType::Stalled);
        assert_eq!(Outcome::disabled().condition(), ConditionType::Ready);
        assert!(Outcome::new(Reason::Merging, "").for_each(&[]).is_empty());
    }
}
