//! Pull requests on GitHub: found by head branch, opened (labelled, never duplicated),
//! edited, closed, and their head branches deleted.

use http::Method;
use serde_json::{Value, json};
use sluice_core::flow::github::GitHubRepository;
use sluice_core::model::PullRequestState;

use super::{GitHubForge, base, encode, labels, number, parse, view};
use crate::forge::{ForgeError, ForgePullRequest, NewPullRequest};

impl GitHubForge {
    /// PATCHes pull request `id` with `body`; its number and what GitHub says it is now.
    pub(super) async fn patch_pull_request(
        &self,
        repository: &str,
        id: &str,
        body: &Value,
    ) -> Result<(u64, ForgePullRequest), ForgeError> {
        let repo = parse(repository)?;
        let n = number(repository, id)?;
        let path = format!("{}/pulls/{n}", base(&repo));
        let answer = self
            .api
            .call(
                Method::PATCH,
                &path,
                Some(body),
                repository,
                &format!("pull request #{n}"),
            )
            .await?;
        Ok((n, view(repository, &answer.body)?))
    }

    /// `pr`, just opened, with the configured labels on it ([`labels::add`]).
    async fn labelled(
        &self,
        repository: &str,
        repo: &GitHubRepository,
        pr: ForgePullRequest,
    ) -> ForgePullRequest {
        labels::add(&self.api, repository, &base(repo), &pr.id, &self.labels).await;
        pr
    }

    pub(super) async fn find_open(
        &self,
        repository: &str,
        repo: &GitHubRepository,
        head_branch: &str,
    ) -> Result<Option<ForgePullRequest>, ForgeError> {
        let head = encode(&format!("{}:{head_branch}", repo.owner), false);
        let path = format!("{}/pulls?state=open&head={head}&per_page=100", base(repo));
        let what = format!("open pull requests from {head_branch}");
        let answer = self.get(&path, repository, &what).await?;
        let found = answer.body.as_array().and_then(|list| {
            list.iter()
                .find(|pr| pr.pointer("/head/ref").and_then(Value::as_str) == Some(head_branch))
        });
        found.map(|pr| view(repository, pr)).transpose()
    }

    /// Deletes a merged pull request's head branch; failures are logged, not fatal (the
    /// merge happened; a branch left behind is tidied by a person or the next update).
    pub(super) async fn delete_head_branch(
        &self,
        repository: &str,
        repo: &GitHubRepository,
        branch: &str,
    ) {
        let path = format!("{}/git/refs/heads/{}", base(repo), encode(branch, true));
        let what = format!("deleting branch {branch}");
        match self
            .api
            .send(Method::DELETE, &path, None, repository, &what)
            .await
        {
            Ok(answer) if answer.status.is_success() || answer.status.as_u16() == 422 => {}
            Ok(answer) => {
                let error = self.api.failure(&answer, repository, &what);
                tracing::warn!(repository, branch, error = %error, "could not delete the merged head branch");
            }
            Err(error) => {
                tracing::warn!(repository, branch, error = %error, "could not delete the merged head branch");
            }
        }
    }

    /// Opens the pull request `new` with the configured labels; one already open from
    /// its head (an earlier attempt whose answer was lost) is taken instead.
    pub(super) async fn open_pull_request(
        &self,
        new: &NewPullRequest,
    ) -> Result<ForgePullRequest, ForgeError> {
        let repository = new.repository.as_str();
        let repo = parse(repository)?;
        let body = json!({
            "title": new.title,
            "body": new.description,
            "head": new.head_branch,
            "base": new.base_branch,
            "maintainer_can_modify": false,
        });
        let what = format!("new pull request from {}", new.head_branch);
        let path = format!("{}/pulls", base(&repo));
        let error = match self
            .api
            .send(Method::POST, &path, Some(&body), repository, &what)
            .await
        {
            Ok(answer) if answer.status.is_success() => {
                let pr = view(repository, &answer.body)?;
                return Ok(self.labelled(repository, &repo, pr).await);
            }
            // 422: one is open from this head already (an earlier attempt whose answer
            // was lost, or another writer); 5xx: the outcome is unknown. Either way,
            // what is open now is the answer, if anything is.
            Ok(answer) if answer.status.as_u16() == 422 || answer.status.is_server_error() => {
                self.api.failure(&answer, repository, &what)
            }
            Ok(answer) => return Err(self.api.failure(&answer, repository, &what)),
            // The network failed: the request may or may not have been served.
            Err(error) => error,
        };
        match self.find_open(repository, &repo, &new.head_branch).await {
            Ok(Some(pr)) => Ok(self.labelled(repository, &repo, pr).await),
            _ => Err(error),
        }
    }

    /// Closes pull request `id` and deletes its head branch; merged meanwhile is a
    /// conflict.
    pub(super) async fn close(&self, repository: &str, id: &str) -> Result<(), ForgeError> {
        let repo = parse(repository)?;
        let (n, pr) = self
            .patch_pull_request(repository, id, &json!({ "state": "closed" }))
            .await?;
        if pr.state == PullRequestState::Merged {
            return Err(ForgeError::conflict(
                repository,
                id,
                format!("pull request #{n} was merged meanwhile"),
            ));
        }
        // As the git-native forge does: a closed update's branch is not left behind.
        self.delete_head_branch(repository, &repo, &pr.head_branch)
            .await;
        Ok(())
    }
}
