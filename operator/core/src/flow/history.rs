//! The flow history's vocabulary: what can happen to a build and a subscription. The
//! store keeps these events; the HTTP API lists them and the controller turns them into
//! Kubernetes Events.

use serde::{Deserialize, Serialize};

/// Kinds of flow event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum EventKind {
    /// A build was published.
    BuildPublished,
    /// A trigger asked a subscription to apply a build.
    Fired,
    /// An update pull request was opened.
    PullRequestCreated,
    /// An open pull request got a new commit.
    PullRequestUpdated,
    /// A pull request merged.
    PullRequestMerged,
    /// A pull request was closed unmerged.
    PullRequestClosed,
    /// A build needed no change in the target.
    NothingToDo,
    /// Something failed (message says what).
    Failed,
    /// A subscription left the configuration.
    SubscriptionRemoved,
}
