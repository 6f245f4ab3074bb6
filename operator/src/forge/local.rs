//! The git-native forge: pull requests live in the store, head branches on the target
//! remote. Checks and reviews are reported through `sluice pr check` / `sluice pr review`
//! or the HTTP API. Merging writes one squash commit on the target branch with a
//! compare-and-swap push, then deletes the head branch.

use std::sync::Arc;

use async_trait::async_trait;
use sluice_core::flow::repository_identity;
use sluice_core::flow::{Check, Review};
use sluice_core::model::PullRequestState;

use super::{Forge, ForgeError, ForgePullRequest, NewPullRequest};
use crate::git::{Author, CommitError, Expected, Git, GitError, ObjectId, PushError, RemoteRepo};
use crate::remotes::Remotes;
use crate::store::{LocalForgeStore, LocalPullRequest, StoreError};
use sluice_core::flow::failure::FailureClass;

/// The git-native forge.
pub struct LocalForge {
    store: Arc<dyn LocalForgeStore>,
    git: Arc<Git>,
    remotes: Remotes,
    base_url: String,
    author: Author,
}

impl LocalForge {
    /// A forge keeping pull requests in `store`; `base_url` prefixes pull request URLs
    /// (the server's address, e.g. `http://127.0.0.1:8080`).
    pub fn new(
        store: Arc<dyn LocalForgeStore>,
        git: Arc<Git>,
        remotes: Remotes,
        base_url: &str,
        author: Author,
    ) -> Self {
        LocalForge {
            store,
            git,
            remotes,
            base_url: base_url.trim_end_matches('/').to_string(),
            author,
        }
    }

    /// Where its pull requests, comments, checks and reviews are kept.
    pub fn store(&self) -> &Arc<dyn LocalForgeStore> {
        &self.store
    }

    fn url(&self, number: i64) -> String {
        format!("{}/pull-requests/{number}", self.base_url)
    }

    fn view(&self, pr: &LocalPullRequest) -> ForgePullRequest {
        ForgePullRequest {
            id: pr.number.to_string(),
            url: self.url(pr.number),
            state: pr.state,
            head_branch: pr.head_branch.clone(),
        }
    }

    fn load(&self, repository: &str, id: &str) -> Result<LocalPullRequest, ForgeError> {
        let not_found = || ForgeError::NotFound {
            repository: repository.to_string(),
            what: format!("pull request {id:?}"),
        };
        let number: i64 = id.parse().map_err(|_| not_found())?;
        let pr = self
            .store
            .local_pull_request(number)
            .map_err(|e| store_error(repository, e))?;
        match pr {
            Some(pr) if repository_identity(&pr.repository) == repository_identity(repository) => {
                Ok(pr)
            }
            _ => Err(not_found()),
        }
    }

    fn repo(&self, repository: &str) -> Result<RemoteRepo, ForgeError> {
        let remote = self
            .remotes
            .resolve(repository)
            .map_err(|e| ForgeError::rejected(repository, e.to_string()))?;
        Ok(self.git.remote(remote))
    }

    /// Finishes a merge whose push landed before a crash: the target branch is at the
    /// recorded squash commit, so the pull request is merged.
    async fn recover_merge(
        &self,
        mut pr: LocalPullRequest,
    ) -> Result<LocalPullRequest, ForgeError> {
        let Some(squash) = pr.merge_commit.clone() else {
            return Ok(pr);
        };
        if pr.state != PullRequestState::Open {
            return Ok(pr);
        }
        let repository = pr.repository.clone();
        let repository = repository.as_str();
        let repo = self.repo(repository)?;
        let base = repo
            .head(&pr.base_branch)
            .await
            .map_err(|e| git_error(repository, e))?;
        if base.map(|b| b.to_string()).as_deref() == Some(squash.as_str()) {
            pr.state = PullRequestState::Merged;
            self.store
                .save_local_pull_request_if(&pr, PullRequestState::Open)
                .map_err(|e| store_error(repository, e))?;
            self.delete_head_branch(&repo, &pr).await;
        }
        Ok(pr)
    }

    async fn delete_head_branch(&self, repo: &RemoteRepo, pr: &LocalPullRequest) {
        match repo.head(&pr.head_branch).await {
            Ok(Some(head)) => {
                if let Err(err) = repo.delete_branch(&pr.head_branch, head).await {
                    tracing::warn!(pull_request = pr.number, error = %err, "could not delete head branch");
                }
            }
            Ok(None) => {}
            Err(err) => {
                tracing::warn!(pull_request = pr.number, error = %err, "could not read head branch")
            }
        }
    }
}

fn store_error(repository: &str, err: StoreError) -> ForgeError {
    ForgeError::unavailable(repository, format!("local forge: {err}"))
}

fn git_error(repository: &str, err: impl Into<GitError>) -> ForgeError {
    let err = err.into();
    match err.class() {
        FailureClass::Conflict => ForgeError::Conflict {
            repository: repository.to_string(),
            pull_request: None,
            message: err.to_string(),
        },
        FailureClass::Retryable => ForgeError::unavailable(repository, err.to_string()),
        FailureClass::Permanent => ForgeError::rejected(repository, err.to_string()),
    }
}

fn parse_commit(repository: &str, commit: &str) -> Result<ObjectId, ForgeError> {
    ObjectId::from_hex(commit.as_bytes())
        .map_err(|_| ForgeError::rejected(repository, format!("{commit:?} is not a commit id")))
}

#[async_trait]
impl Forge for LocalForge {
    async fn find_pull_request(
        &self,
        repository: &str,
        head_branch: &str,
    ) -> Result<Option<ForgePullRequest>, ForgeError> {
        let pr = self
            .store
            .find_local_pull_request(repository, head_branch)
            .map_err(|e| store_error(repository, e))?;
        match pr {
            Some(pr) => Ok(Some(self.view(&self.recover_merge(pr).await?))),
            None => Ok(None),
        }
    }

    async fn pull_request(
        &self,
        repository: &str,
        id: &str,
    ) -> Result<ForgePullRequest, ForgeError> {
        let pr = self.load(repository, id)?;
        Ok(self.view(&self.recover_merge(pr).await?))
    }

    async fn create_pull_request(
        &self,
        new: &NewPullRequest,
    ) -> Result<ForgePullRequest, ForgeError> {
        let pr = self
            .store
            .create_local_pull_request(
                &new.repository,
                &new.base_branch,
                &new.head_branch,
                &new.title,
                &new.description,
            )
            .map_err(|e| store_error(&new.repository, e))?;
        Ok(self.view(&pr))
    }

    async fn update_pull_request(
        &self,
        repository: &str,
        id: &str,
        title: &str,
        description: &str,
    ) -> Result<(), ForgeError> {
        let mut pr = self.load(repository, id)?;
        let seen = pr.state;
        pr.title = title.to_string();
        pr.description = description.to_string();
        // A person may close it meanwhile: never write that back to open.
        match self.store.save_local_pull_request_if(&pr, seen) {
            Ok(true) => Ok(()),
            Ok(false) => Err(ForgeError::conflict(
                repository,
                id,
                format!("pull request #{} changed state meanwhile", pr.number),
            )),
            Err(err) => Err(store_error(repository, err)),
        }
    }

    async fn merge_pull_request(
        &self,
        repository: &str,
        id: &str,
        head_commit: &str,
    ) -> Result<(), ForgeError> {
        let mut pr = self.recover_merge(self.load(repository, id)?).await?;
        if pr.state != PullRequestState::Open {
            return Err(ForgeError::conflict(
                repository,
                id,
                format!("pull request #{} is {:?}, not open", pr.number, pr.state),
            ));
        }
        let repo = self.repo(repository)?;
        let expected_head = parse_commit(repository, head_commit)?;
        let head = repo
            .head(&pr.head_branch)
            .await
            .map_err(|e| git_error(repository, e))?;
        if head != Some(expected_head) {
            return Err(ForgeError::conflict(
                repository,
                id,
                format!("pull request #{}: head branch moved", pr.number),
            ));
        }
        let Some(base) = repo
            .head(&pr.base_branch)
            .await
            .map_err(|e| git_error(repository, e))?
        else {
            return Err(ForgeError::rejected(
                repository,
                format!("branch {} does not exist", pr.base_branch),
            ));
        };
        repo.fetch(&pr.head_branch)
            .await
            .map_err(|e| git_error(repository, e))?;
        let message = format!("{} (#{})\n\n{}", pr.title, pr.number, pr.description);
        let squash = match repo
            .squash(expected_head, base, &message, &self.author)
            .await
        {
            Ok(commit) => commit,
            Err(CommitError::NotBasedOn { .. }) => {
                return Err(ForgeError::conflict(
                    repository,
                    id,
                    format!(
                        "pull request #{}: {} moved; the update must be rebuilt",
                        pr.number, pr.base_branch
                    ),
                ));
            }
            Err(err) => return Err(git_error(repository, err)),
        };
        // Record the intent first: if the process dies after the push, the next look at
        // this pull request sees the target at the squash commit and finishes the merge.
        pr.merge_commit = Some(squash.to_string());
        let still_open = self
            .store
            .save_local_pull_request_if(&pr, PullRequestState::Open)
            .map_err(|e| store_error(repository, e))?;
        if !still_open {
            return Err(ForgeError::conflict(
                repository,
                id,
                format!("pull request #{} was closed meanwhile", pr.number),
            ));
        }
        match repo.push(squash, &pr.base_branch, Expected::At(base)).await {
            Ok(()) => {}
            Err(PushError::Conflict { .. }) => {
                pr.merge_commit = None;
                self.store
                    .save_local_pull_request_if(&pr, PullRequestState::Open)
                    .map_err(|e| store_error(repository, e))?;
                return Err(ForgeError::conflict(
                    repository,
                    id,
                    format!(
                        "pull request #{}: {} moved during the merge",
                        pr.number, pr.base_branch
                    ),
                ));
            }
            Err(err) => return Err(git_error(repository, err)),
        }
        pr.state = PullRequestState::Merged;
        self.store
            .save_local_pull_request(&pr)
            .map_err(|e| store_error(repository, e))?;
        self.delete_head_branch(&repo, &pr).await;
        Ok(())
    }

    async fn close_pull_request(&self, repository: &str, id: &str) -> Result<(), ForgeError> {
        let mut pr = self.load(repository, id)?;
        if pr.state == PullRequestState::Open {
            pr.state = PullRequestState::Closed;
            let closed = self
                .store
                .save_local_pull_request_if(&pr, PullRequestState::Open)
                .map_err(|e| store_error(repository, e))?;
            if !closed {
                return Err(ForgeError::conflict(
                    repository,
                    id,
                    format!("pull request #{} is no longer open", pr.number),
                ));
            }
            let repo = self.repo(repository)?;
            self.delete_head_branch(&repo, &pr).await;
        }
        Ok(())
    }

    async fn comment(&self, repository: &str, id: &str, body: &str) -> Result<(), ForgeError> {
        let pr = self.load(repository, id)?;
        self.store
            .comment_local_pull_request(pr.number, body)
            .map_err(|e| store_error(repository, e))
    }

    async fn checks(
        &self,
        repository: &str,
        id: &str,
        head_commit: &str,
    ) -> Result<Vec<Check>, ForgeError> {
        let pr = self.load(repository, id)?;
        self.store
            .checks(pr.number, head_commit)
            .map_err(|e| store_error(repository, e))
    }

    async fn reviews(&self, repository: &str, id: &str) -> Result<Vec<Review>, ForgeError> {
        let pr = self.load(repository, id)?;
        self.store
            .reviews(pr.number)
            .map_err(|e| store_error(repository, e))
    }
}
