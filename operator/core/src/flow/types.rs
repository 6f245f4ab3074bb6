//! The values the planner reads and returns. Adapters fill the inputs from the store, git
//! and the forge; the engine executes the returned [`Action`]s.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::head_branch::TipAncestry;
use super::outcome::Outcome;
use crate::model::{Asset, MergePolicy, PolicyEvaluation, PullRequestState, SubscriptionSpec};

/// Store-assigned identity of a build (increasing in publication order).
pub type BuildId = i64;

/// A published build as the planner sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BuildInfo {
    /// Store id.
    pub id: BuildId,
    /// Source repository URL, as published.
    pub repository: String,
    /// Source branch.
    pub branch: String,
    /// Source commit (full SHA).
    pub commit: String,
    /// CI build number.
    pub build_number: String,
    /// When it was produced (RFC 3339, UTC).
    pub produced_at: String,
    /// Assets produced.
    pub assets: Vec<Asset>,
    /// Channels it is on (explicit and default).
    pub channels: Vec<String>,
}

/// Persisted per-subscription progress.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SubscriptionState {
    /// The build whose update merged (or needed no change) last.
    pub last_applied_build: Option<BuildId>,
    /// The build a trigger asked to apply; the planner works towards it.
    pub requested_build: Option<BuildId>,
    /// Apply `requested_build` even if it is not newer than what was applied.
    pub force: bool,
    /// The newest build whose pull request a person closed without merging: not proposed
    /// again until a newer build is requested.
    pub rejected_build: Option<BuildId>,
}

/// A subscription with its name and state.
#[derive(Debug, Clone, PartialEq)]
pub struct SubscriptionView {
    /// `metadata.name`.
    pub name: String,
    /// The declared spec.
    pub spec: SubscriptionSpec,
    /// Progress so far.
    pub state: SubscriptionState,
}

/// The unit the engine serializes on: one subscription, or every batchable subscription
/// into one target repository branch.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", tag = "type")]
pub enum UpdateKey {
    /// A non-batchable subscription.
    Subscription {
        /// Its name.
        name: String,
    },
    /// Batchable subscriptions sharing a target branch.
    Batch {
        /// Target repository identity ([`crate::model::RepositoryUrl::identity`]).
        repository: String,
        /// Target branch.
        branch: String,
    },
}

/// The last state sluice saw of a target branch.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TargetObservation {
    /// Head commit of the target branch; `None` when the branch does not exist.
    pub head: Option<String>,
    /// Manifest files at `head`, keyed by repository path (including any directory
    /// prefix such as `src/tool/eng/Version.Details.xml`). Absent files are absent.
    pub files: BTreeMap<String, Vec<u8>>,
    /// Where the key's update branch is when no open pull request uses it (a push that
    /// landed before a crash, a branch a settled pull request left): observed only when
    /// the key has no open pull request; `None` when the branch does not exist.
    pub update_branch: Option<String>,
}

/// State of one check run on a pull request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum CheckState {
    /// Queued or running.
    Pending,
    /// Finished successfully (or neutral/skipped).
    Success,
    /// Finished with a failure, error or cancellation.
    Failure,
}

/// One check run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Check {
    /// Check name, e.g. `build (linux)`.
    pub name: String,
    /// Its state.
    pub state: CheckState,
}

/// A reviewer's verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum ReviewState {
    /// Approved.
    Approved,
    /// Requested changes.
    ChangesRequested,
    /// Commented without a verdict.
    Commented,
}

/// One review (the latest per reviewer counts).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Review {
    /// Who reviewed.
    pub reviewer: String,
    /// The verdict.
    pub state: ReviewState,
}

/// The update pull request of a key, as last recorded and observed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PullRequestObservation {
    /// Forge identity (a number on most forges).
    pub id: String,
    /// Where a person finds it.
    pub url: String,
    /// Open, merged or closed.
    pub state: PullRequestState,
    /// The commit sluice last pushed to the head branch.
    pub head_commit: String,
    /// The target head that commit was built on.
    pub base_commit: String,
    /// Where the head branch is on the remote now (`None`: it does not exist). It differs
    /// from `head_commit` when a push landed but was not recorded, or someone else moved
    /// or deleted the branch ([`super::head_branch::classify`] tells which).
    pub head_branch_tip: Option<String>,
    /// How that tip relates to `head_commit` and the target, when it differs from
    /// `head_commit`.
    pub tip_ancestry: TipAncestry,
    /// Builds the pull request carries, per subscription.
    pub carried: BTreeMap<String, BuildId>,
    /// Check runs on the head branch's tip (on `head_commit` when the branch is missing).
    pub checks: Vec<Check>,
    /// Reviews.
    pub reviews: Vec<Review>,
    /// True once the failing-policy comment was posted for `head_commit`.
    pub failure_commented: bool,
    /// True once sluice commented that it stopped updating the pull request because a
    /// person added commits to its head branch (reset by sluice's next push).
    pub manual_commits_noticed: bool,
    /// True once a merged or closed pull request's outcome was recorded in the
    /// subscriptions' state; such a pull request needs nothing more.
    pub settled: bool,
}

/// What the engine must do, as a value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Write one commit on `parent` with `files` and move `branch` to it, if the branch is
    /// still at `expected` (`None`: the branch must not exist).
    PushUpdate {
        /// The update branch, `sluice/<target-branch>/<key>`.
        branch: String,
        /// The target head to build on.
        parent: String,
        /// New contents of the changed files.
        files: BTreeMap<String, Vec<u8>>,
        /// Commit message.
        message: String,
        /// The branch's current commit, or `None` to create it.
        expected: Option<String>,
    },
    /// Open a pull request from `head_branch` into the target branch.
    OpenPullRequest {
        /// Source branch of the pull request.
        head_branch: String,
        /// Title.
        title: String,
        /// Description (markdown).
        description: String,
        /// Builds carried, per subscription.
        carried: BTreeMap<String, BuildId>,
    },
    /// Refresh an open pull request's title, description and carried builds after a push.
    UpdatePullRequest {
        /// Forge identity.
        id: String,
        /// Title.
        title: String,
        /// Description.
        description: String,
        /// Builds carried, per subscription.
        carried: BTreeMap<String, BuildId>,
    },
    /// Merge (squash) the pull request if its head is still `head_commit`.
    Merge {
        /// Forge identity.
        id: String,
        /// Expected head.
        head_commit: String,
    },
    /// Close a pull request that no longer has anything to propose.
    Close {
        /// Forge identity.
        id: String,
        /// Why, for the closing comment.
        reason: String,
    },
    /// Post a comment once (failing policies tag the notification tags).
    Comment {
        /// Forge identity.
        id: String,
        /// Markdown body.
        body: String,
    },
    /// Post, once, why sluice stopped updating a pull request whose head branch carries
    /// commits a person added.
    NoticeManualCommits {
        /// Forge identity.
        id: String,
        /// Markdown body.
        body: String,
    },
    /// Record that `build` is now applied to the subscription's target (merged, or
    /// nothing needed to change).
    RecordApplied {
        /// Subscription name.
        subscription: String,
        /// The build.
        build: BuildId,
    },
    /// Record that a person closed the pull request carrying `build` unmerged.
    RecordRejected {
        /// Subscription name.
        subscription: String,
        /// The build.
        build: BuildId,
    },
    /// Mark a merged or closed pull request as fully processed.
    Settle {
        /// Forge identity.
        id: String,
    },
}

/// Everything the planner decided for one key.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Plan {
    /// Actions in execution order.
    pub actions: Vec<Action>,
    /// Condition per subscription of the key.
    pub outcomes: BTreeMap<String, Outcome>,
    /// Merge policy evaluation of the open pull request, if any.
    pub policies: Vec<PolicyEvaluation>,
    /// Product graph nodes below the update that `ValidateCoherency` with `graph: true`
    /// still needs read: read them into [`KeyInput::product_manifests`] and plan again.
    pub graph_reads: Vec<crate::graph::RepoAt>,
}

/// Everything the planner needs for one key.
#[derive(Debug, Clone)]
pub struct KeyInput {
    /// The key.
    pub key: UpdateKey,
    /// Target repository URL (as declared).
    pub target_repository: String,
    /// Target branch.
    pub target_branch: String,
    /// The key's enabled subscriptions, sorted by name.
    pub subscriptions: Vec<SubscriptionView>,
    /// Every build the subscriptions' state refers to.
    pub builds: BTreeMap<BuildId, BuildInfo>,
    /// Effective merge policies: the subscription's own, or the RepositoryPolicy's for a batch.
    pub merge_policies: Vec<MergePolicy>,
    /// Tags for the failing-policy comment.
    pub failure_notification_tags: Vec<String>,
    /// The target branch.
    pub target: TargetObservation,
    /// The key's latest pull request, if any.
    pub pull_request: Option<PullRequestObservation>,
    /// `eng/Version.Details.xml` of each coherent parent's repository at the commit the
    /// update moves it to (see [`super::coherency::parent_reads`]); empty when no
    /// dependency follows a parent.
    pub parent_manifests: crate::graph::Manifests,
    /// `eng/Version.Details.xml` of the product graph's nodes below the update, read so
    /// far for `ValidateCoherency` with `graph: true` (see [`Plan::graph_reads`]); empty
    /// when no policy asks for the graph.
    pub product_manifests: crate::graph::Manifests,
    /// The target's visibility, the subscriptions' channels' and where the wanted builds'
    /// commits stand ([`super::visibility`]); the default is an internal target.
    pub visibility: super::visibility::KeyVisibility,
}
