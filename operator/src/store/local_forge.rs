//! The git-native forge's tables: its pull requests, their comments, checks and reviews.
//! Only a deployment running that forge needs them, so they have a trait of their own
//! beside [`super::Store`].

use serde::{Deserialize, Serialize};
use sluice_core::flow::{Check, Review};
use sluice_core::model::PullRequestState;

use super::StoreError;

/// A pull request of the git-native (local) forge.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LocalPullRequest {
    /// Number, unique across the store, assigned on creation.
    pub number: i64,
    /// Target repository URL.
    pub repository: String,
    /// Target branch.
    pub base_branch: String,
    /// Head branch.
    pub head_branch: String,
    /// Title.
    pub title: String,
    /// Description (markdown).
    pub description: String,
    /// Open, merged or closed.
    pub state: PullRequestState,
    /// The squash commit on the target branch, once merged.
    pub merge_commit: Option<String>,
    /// Comments, oldest first.
    pub comments: Vec<String>,
    /// When it was opened (RFC 3339).
    pub created_at: String,
    /// When it was last changed (RFC 3339).
    pub updated_at: String,
}

/// A page of the git-native forge's pull requests, newest first.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PullRequestQuery {
    /// At most this many (default 100).
    pub limit: Option<u32>,
    /// Only pull requests numbered below this one: the next page after a page whose last
    /// pull request it is.
    pub before: Option<i64>,
}

/// Storage of the git-native forge. Implementations are internally synchronized; every
/// method is atomic.
pub trait LocalForgeStore: Send + Sync + 'static {
    /// Creates a local pull request; returns it with its number. Creating one while an
    /// open one exists for the same repository and head branch returns the existing one.
    fn create_local_pull_request(
        &self,
        repository: &str,
        base_branch: &str,
        head_branch: &str,
        title: &str,
        description: &str,
    ) -> Result<LocalPullRequest, StoreError>;
    /// One local pull request.
    fn local_pull_request(&self, number: i64) -> Result<Option<LocalPullRequest>, StoreError>;
    /// The open local pull request of a repository's head branch.
    fn find_local_pull_request(
        &self,
        repository: &str,
        head_branch: &str,
    ) -> Result<Option<LocalPullRequest>, StoreError>;
    /// One page of local pull requests, newest first.
    fn local_pull_request_page(
        &self,
        query: &PullRequestQuery,
    ) -> Result<Vec<LocalPullRequest>, StoreError>;
    /// Replaces a local pull request's mutable fields (title, description, state, merge commit).
    fn save_local_pull_request(&self, pr: &LocalPullRequest) -> Result<(), StoreError>;
    /// Like [`LocalForgeStore::save_local_pull_request`], only while the stored state is still
    /// `expected`; returns false (changing nothing) when someone changed it meanwhile, so a
    /// stale copy never undoes a person's close or a merge.
    fn save_local_pull_request_if(
        &self,
        pr: &LocalPullRequest,
        expected: PullRequestState,
    ) -> Result<bool, StoreError>;
    /// Appends a comment to a local pull request.
    fn comment_local_pull_request(&self, number: i64, body: &str) -> Result<(), StoreError>;
    /// Records a check result for a commit of a local pull request (latest per name wins).
    fn report_check(&self, number: i64, head_commit: &str, check: &Check)
    -> Result<(), StoreError>;
    /// Checks reported for a commit.
    fn checks(&self, number: i64, head_commit: &str) -> Result<Vec<Check>, StoreError>;
    /// Records a review (latest per reviewer wins).
    fn report_review(&self, number: i64, review: &Review) -> Result<(), StoreError>;
    /// Current reviews.
    fn reviews(&self, number: i64) -> Result<Vec<Review>, StoreError>;
}
