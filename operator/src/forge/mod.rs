//! Forges: where update pull requests live.
//!
//! [`Forge`] is the interface the engine executes pull-request actions through. Each
//! forge has a file of its own; [`local::LocalForge`] is the git-native one, whose pull
//! requests live in the store and whose head branches live on the target remote.
//! [`ForgeRegistry`] picks the forge of each repository by its URL; every failure is a
//! [`ForgeError`], classified once for the engine.

pub mod azure_devops;
pub mod error;
pub mod github;
pub mod local;
pub mod registry;
pub mod ttl_cache;

pub use error::ForgeError;
pub use registry::{ForgeRegistry, HostedForge};

use async_trait::async_trait;
use sluice_core::flow::{Check, Review};
use sluice_core::model::{MergeMethod, PolicyEvaluation, PullRequestState, Visibility};

/// The hidden marker ending sluice's one comment on a hosted forge's pull request (an
/// HTML comment forges do not render): found by it, the comment is edited in place.
pub const COMMENT_MARKER: &str = "<!-- sluice: this comment is edited in place -->";

/// `body` with the [`COMMENT_MARKER`] at its end.
pub fn marked(body: &str) -> String {
    format!("{body}\n\n{COMMENT_MARKER}")
}

/// Whether a comment's text is sluice's (ends with the [`COMMENT_MARKER`]).
pub fn is_marked(text: &str) -> bool {
    text.trim_end().ends_with(COMMENT_MARKER)
}

/// A pull request as the forge reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForgePullRequest {
    /// Forge identity.
    pub id: String,
    /// Where a person finds it.
    pub url: String,
    /// Open, merged or closed.
    pub state: PullRequestState,
    /// Its head branch.
    pub head_branch: String,
}

/// What a merge did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Merged {
    /// The pull request is merged.
    Now,
    /// The forge merges it by itself later (its auto-merge is on).
    Later,
}

/// What opening a pull request needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPullRequest {
    /// Target repository URL.
    pub repository: String,
    /// Target branch.
    pub base_branch: String,
    /// Source branch (already pushed).
    pub head_branch: String,
    /// Title.
    pub title: String,
    /// Description (markdown).
    pub description: String,
}

/// Pull request operations sluice needs from a forge.
#[async_trait]
pub trait Forge: Send + Sync + 'static {
    /// The open pull request from `head_branch`, if any (adopted instead of opening another).
    async fn find_pull_request(
        &self,
        repository: &str,
        head_branch: &str,
    ) -> Result<Option<ForgePullRequest>, ForgeError>;
    /// One pull request's current state.
    async fn pull_request(
        &self,
        repository: &str,
        id: &str,
    ) -> Result<ForgePullRequest, ForgeError>;
    /// Opens a pull request.
    async fn create_pull_request(
        &self,
        new: &NewPullRequest,
    ) -> Result<ForgePullRequest, ForgeError>;
    /// Changes title and description.
    async fn update_pull_request(
        &self,
        repository: &str,
        id: &str,
        title: &str,
        description: &str,
    ) -> Result<(), ForgeError>;
    /// Squash-merges if the head is still `head_commit`; a moved head or target is a
    /// [`ForgeError::Conflict`]; a forge that asks to wait says so in
    /// [`ForgeError::Unavailable`].
    async fn merge_pull_request(
        &self,
        repository: &str,
        id: &str,
        head_commit: &str,
    ) -> Result<(), ForgeError>;
    /// Merges by `method` if the head is still `head_commit` (see
    /// [`Forge::merge_pull_request`]); [`MergeMethod::Platform`] turns the forge's own
    /// auto-merge on instead ([`Merged::Later`]). A forge that only squashes refuses the
    /// other methods.
    async fn merge_pull_request_by(
        &self,
        repository: &str,
        id: &str,
        head_commit: &str,
        method: MergeMethod,
    ) -> Result<Merged, ForgeError> {
        if method != MergeMethod::Squash {
            return Err(ForgeError::rejected(
                repository,
                format!(
                    "this forge only squash-merges; the RepositoryPolicy asks for mergeMethod {method}"
                ),
            ));
        }
        self.merge_pull_request(repository, id, head_commit).await?;
        Ok(Merged::Now)
    }
    /// Closes without merging.
    async fn close_pull_request(&self, repository: &str, id: &str) -> Result<(), ForgeError>;
    /// Posts a comment.
    async fn comment(&self, repository: &str, id: &str, body: &str) -> Result<(), ForgeError>;
    /// Check runs reported on `head_commit`.
    async fn checks(
        &self,
        repository: &str,
        id: &str,
        head_commit: &str,
    ) -> Result<Vec<Check>, ForgeError>;
    /// Reviews, latest per reviewer.
    async fn reviews(&self, repository: &str, id: &str) -> Result<Vec<Review>, ForgeError>;
    /// Who may see `repository`, when the forge can tell (a private GitHub repository, an
    /// Azure DevOps project's visibility); `None` means unknown, and the forge kind's
    /// default applies.
    async fn repository_visibility(
        &self,
        repository: &str,
    ) -> Result<Option<Visibility>, ForgeError> {
        let _ = repository;
        Ok(None)
    }

    /// Says that `repository` itself changed (a webhook delivery: made private or public,
    /// renamed, its settings edited): what the forge kept of it is forgotten. Nothing by
    /// default.
    fn repository_changed(&self, repository: &str) {
        let _ = repository;
    }

    /// Shows the merge policies' results `policies`, evaluated on `head_commit` of pull
    /// request `id`, where the forge has a place for them (GitHub: sluice's check run);
    /// nowhere by default.
    async fn publish_policies(
        &self,
        _repository: &str,
        _id: &str,
        _head_commit: &str,
        _policies: &[PolicyEvaluation],
    ) -> Result<(), ForgeError> {
        Ok(())
    }
    /// Whether merging a pull request of `repository` leaves its head branch behind for
    /// sluice to delete through git (as it pushed it, with a lease at the merged head, so
    /// a commit a person pushed since is kept). `false` by default: the forge's merge
    /// deletes it (the git-native forge, Azure DevOps's completion option).
    async fn leaves_merged_head(&self, _repository: &str) -> bool {
        false
    }
    /// The permission `login` has on `repository` (GitHub's `admin`, `maintain`, `write`,
    /// `triage`, `read` or `none`), where the forge knows people; `None` by default.
    async fn permission(
        &self,
        _repository: &str,
        _login: &str,
    ) -> Result<Option<String>, ForgeError> {
        Ok(None)
    }
}
