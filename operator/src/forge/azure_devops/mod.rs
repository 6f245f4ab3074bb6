//! The Azure DevOps forge: pull requests, checks and reviews on Azure DevOps Services
//! or Server, through the REST API (version 7.1) over reqwest ([`api`]).
//!
//! Every repository URL names its own API (the organization or collection); what a URL
//! and an answer mean is the core's [`sluice_core::flow::azure_devops`]. Pull requests
//! are found by source branch before one is opened (adopted, never duplicated).
//! Completion squashes, deletes the source branch and sends the head commit the
//! policies were evaluated on (`lastMergeSourceCommit`): a head that moved is a
//! [`ForgeError::Conflict`]; branch policies that refuse the completion are a refusal
//! saying the pull request is blocked, not a retry loop. Calls that create something
//! (opening, completing) are never repeated blindly: when their outcome is unknown, the
//! result is looked up first. sluice keeps one comment thread per pull request
//! ([`threads`]).

pub mod api;
mod checks;
mod completion;
mod projects;
mod threads;

pub use projects::PROJECT_VISIBILITY_TTL;

use async_trait::async_trait;
use http::Method;
use serde_json::{Value, json};
use sluice_core::flow::azure_devops::{self as rules, AzureRepository, encode};
use sluice_core::flow::{Check, Review};
use sluice_core::model::{PullRequestState, Visibility};

use super::ttl_cache::TtlCache;
use super::{Forge, ForgeError, ForgePullRequest, NewPullRequest};
pub use api::ApiSetupError;
use api::{Answer, Api};

/// Azure DevOps refuses longer pull request descriptions.
const MAX_DESCRIPTION: usize = 4000;

/// The Azure DevOps forge (any organization or server the registry routes to it).
pub struct AzureDevOpsForge {
    api: Api,
    /// Projects' visibility by API base and project, kept for
    /// [`PROJECT_VISIBILITY_TTL`].
    visibility: TtlCache<Option<Visibility>>,
}

/// A repository's parsed URL and the URLs of its API.
struct Target {
    repo: AzureRepository,
}

impl Target {
    fn parse(repository: &str) -> Result<Target, ForgeError> {
        rules::repository(repository)
            .map(|repo| Target { repo })
            .map_err(|e| ForgeError::rejected(repository, e.to_string()))
    }

    fn project_url(&self) -> String {
        format!("{}/{}", self.repo.api_base, encode(&self.repo.project))
    }

    fn repo_url(&self) -> String {
        format!(
            "{}/_apis/git/repositories/{}",
            self.project_url(),
            encode(&self.repo.name)
        )
    }

    fn pull_url(&self, id: u64) -> String {
        format!("{}/pullrequests/{id}", self.repo_url())
    }

    fn web_url(&self, id: u64) -> String {
        format!(
            "{}/_git/{}/pullrequest/{id}",
            self.project_url(),
            encode(&self.repo.name)
        )
    }
}

/// A pull request id from its forge id.
fn number(repository: &str, id: &str) -> Result<u64, ForgeError> {
    id.parse().map_err(|_| ForgeError::NotFound {
        repository: repository.to_string(),
        what: format!("pull request {id:?}"),
    })
}

fn text<'a>(pr: &'a Value, pointer: &str) -> &'a str {
    pr.pointer(pointer)
        .and_then(Value::as_str)
        .unwrap_or_default()
}

/// The forge's view of a pull request's JSON.
fn view(target: &Target, repository: &str, pr: &Value) -> Result<ForgePullRequest, ForgeError> {
    let Some(id) = pr.get("pullRequestId").and_then(Value::as_u64) else {
        return Err(ForgeError::unavailable(
            repository,
            "Azure DevOps answered a pull request without an id",
        ));
    };
    let state = match text(pr, "/status") {
        "active" => PullRequestState::Open,
        "completed" => PullRequestState::Merged,
        _ => PullRequestState::Closed,
    };
    let source = text(pr, "/sourceRefName");
    Ok(ForgePullRequest {
        id: id.to_string(),
        url: target.web_url(id),
        state,
        head_branch: source
            .strip_prefix("refs/heads/")
            .unwrap_or(source)
            .to_string(),
    })
}

/// `text` cut to at most `max` characters.
fn shortened(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    text.chars().take(max - 1).collect::<String>() + "…"
}

impl AzureDevOpsForge {
    /// A forge authenticating with the personal access token `token` (a [`crate::git::Secret`], or a
    /// [`crate::secret_source::SecretSource`] followed as it rotates).
    pub fn new(
        token: impl Into<crate::secret_source::SecretSource>,
    ) -> Result<AzureDevOpsForge, ApiSetupError> {
        Ok(AzureDevOpsForge {
            api: Api::new(token)?,
            visibility: TtlCache::new(PROJECT_VISIBILITY_TTL),
        })
    }

    async fn get_pull(
        &self,
        target: &Target,
        repository: &str,
        id: u64,
    ) -> Result<Answer, ForgeError> {
        let what = format!("pull request {id}");
        self.api.get(&target.pull_url(id), repository, &what).await
    }

    async fn find_active(
        &self,
        target: &Target,
        repository: &str,
        head_branch: &str,
    ) -> Result<Option<ForgePullRequest>, ForgeError> {
        let source = format!("refs/heads/{head_branch}");
        let url = format!(
            "{}/pullrequests?searchCriteria.sourceRefName={}&searchCriteria.status=active",
            target.repo_url(),
            encode(&source)
        );
        let what = format!("active pull requests from {head_branch}");
        let answer = self.api.get(&url, repository, &what).await?;
        let found = answer
            .body
            .get("value")
            .and_then(Value::as_array)
            .and_then(|list| list.iter().find(|pr| text(pr, "/sourceRefName") == source));
        found.map(|pr| view(target, repository, pr)).transpose()
    }

    /// PATCHes pull request `id` with `body`; what Azure DevOps says it is now.
    async fn patch(
        &self,
        target: &Target,
        repository: &str,
        id: u64,
        body: &Value,
        what: &str,
    ) -> Result<Answer, ForgeError> {
        self.api
            .send(
                Method::PATCH,
                &target.pull_url(id),
                Some(body),
                repository,
                what,
            )
            .await
    }

    /// Deletes an abandoned pull request's source branch if it is still at `commit`;
    /// failures are logged, not fatal (a branch left behind is tidied by the next update).
    async fn delete_branch(&self, target: &Target, repository: &str, branch: &str, commit: &str) {
        let body = json!([{
            "name": format!("refs/heads/{branch}"),
            "oldObjectId": commit,
            "newObjectId": "0000000000000000000000000000000000000000",
        }]);
        let what = format!("deleting branch {branch}");
        let url = format!("{}/refs", target.repo_url());
        if let Err(error) = self.api.post(&url, &body, repository, &what).await {
            tracing::warn!(repository, branch, error = %error, "could not delete the abandoned pull request's branch");
        }
    }
}

#[async_trait]
impl Forge for AzureDevOpsForge {
    async fn repository_visibility(
        &self,
        repository: &str,
    ) -> Result<Option<Visibility>, ForgeError> {
        self.project_visibility(repository).await
    }

    fn repository_changed(&self, repository: &str) {
        self.forget_project(repository);
    }

    async fn find_pull_request(
        &self,
        repository: &str,
        head_branch: &str,
    ) -> Result<Option<ForgePullRequest>, ForgeError> {
        let target = Target::parse(repository)?;
        self.find_active(&target, repository, head_branch).await
    }

    async fn pull_request(
        &self,
        repository: &str,
        id: &str,
    ) -> Result<ForgePullRequest, ForgeError> {
        let target = Target::parse(repository)?;
        let n = number(repository, id)?;
        let answer = self.get_pull(&target, repository, n).await?;
        view(&target, repository, &answer.body)
    }

    async fn create_pull_request(
        &self,
        new: &NewPullRequest,
    ) -> Result<ForgePullRequest, ForgeError> {
        let repository = new.repository.as_str();
        let target = Target::parse(repository)?;
        let body = json!({
            "sourceRefName": format!("refs/heads/{}", new.head_branch),
            "targetRefName": format!("refs/heads/{}", new.base_branch),
            "title": shortened(&new.title, 400),
            "description": shortened(&new.description, MAX_DESCRIPTION),
        });
        let what = format!("new pull request from {}", new.head_branch);
        let url = format!("{}/pullrequests", target.repo_url());
        let error = match self
            .api
            .send(Method::POST, &url, Some(&body), repository, &what)
            .await
        {
            Ok(answer) if answer.ok() => return view(&target, repository, &answer.body),
            // 409: one is active from this branch already (TF401179: an earlier attempt
            // whose answer was lost, or another writer); 5xx: the outcome is unknown.
            // Either way, what is active now is the answer, if anything is.
            Ok(answer) if answer.status.as_u16() == 409 || answer.status.is_server_error() => {
                self.api.failure(&answer, repository, &what)
            }
            Ok(answer) => return Err(self.api.failure(&answer, repository, &what)),
            Err(error) => error,
        };
        match self
            .find_active(&target, repository, &new.head_branch)
            .await
        {
            Ok(Some(pr)) => Ok(pr),
            _ => Err(error),
        }
    }

    async fn update_pull_request(
        &self,
        repository: &str,
        id: &str,
        title: &str,
        description: &str,
    ) -> Result<(), ForgeError> {
        let target = Target::parse(repository)?;
        let n = number(repository, id)?;
        let body = json!({
            "title": shortened(title, 400),
            "description": shortened(description, MAX_DESCRIPTION),
        });
        let what = format!("pull request {n}");
        let answer = self.patch(&target, repository, n, &body, &what).await?;
        if !answer.ok() {
            return Err(self.api.failure(&answer, repository, &what));
        }
        let state = view(&target, repository, &answer.body)?.state;
        super::error::still_open(repository, id, &n.to_string(), state)
    }

    async fn merge_pull_request(
        &self,
        repository: &str,
        id: &str,
        head_commit: &str,
    ) -> Result<(), ForgeError> {
        self.complete(repository, id, head_commit).await
    }

    async fn close_pull_request(&self, repository: &str, id: &str) -> Result<(), ForgeError> {
        let target = Target::parse(repository)?;
        let n = number(repository, id)?;
        let what = format!("abandoning pull request {n}");
        let answer = self
            .patch(
                &target,
                repository,
                n,
                &json!({ "status": "abandoned" }),
                &what,
            )
            .await?;
        if !answer.ok() {
            return Err(self.api.failure(&answer, repository, &what));
        }
        let pr = view(&target, repository, &answer.body)?;
        if pr.state == PullRequestState::Merged {
            return Err(ForgeError::conflict(
                repository,
                id,
                format!("pull request {n} was completed meanwhile"),
            ));
        }
        // As the git-native forge does: an abandoned update's branch is not left behind.
        let commit = text(&answer.body, "/lastMergeSourceCommit/commitId");
        if !commit.is_empty() {
            self.delete_branch(&target, repository, &pr.head_branch, commit)
                .await;
        }
        Ok(())
    }

    async fn comment(&self, repository: &str, id: &str, body: &str) -> Result<(), ForgeError> {
        let target = Target::parse(repository)?;
        let n = number(repository, id)?;
        threads::upsert(&self.api, repository, &target.pull_url(n), id, body).await
    }

    async fn checks(
        &self,
        repository: &str,
        id: &str,
        head_commit: &str,
    ) -> Result<Vec<Check>, ForgeError> {
        let target = Target::parse(repository)?;
        let n = number(repository, id)?;
        if sluice_core::validate::commit(head_commit).is_err() {
            return Err(ForgeError::rejected(
                repository,
                format!("{head_commit:?} is not a commit id"),
            ));
        }
        let pr = self.get_pull(&target, repository, n).await?.body;
        checks::checks(
            &self.api,
            repository,
            &target.project_url(),
            &target.pull_url(n),
            &pr,
        )
        .await
    }

    async fn reviews(&self, repository: &str, id: &str) -> Result<Vec<Review>, ForgeError> {
        let target = Target::parse(repository)?;
        let n = number(repository, id)?;
        let pr = self.get_pull(&target, repository, n).await?.body;
        Ok(checks::reviews(&pr))
    }
}
