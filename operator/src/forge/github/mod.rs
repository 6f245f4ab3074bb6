//! The GitHub forge: pull requests, checks and reviews on GitHub or GitHub Enterprise,
//! through the REST API ([`api`]).
//!
//! Pull requests are found by head branch before one is opened (adopted, never
//! duplicated). Merges send the head commit the policies were evaluated on (`sha`), so a
//! head that moved is a [`ForgeError::Conflict`], never a blind merge. A merged pull
//! request's head branch is left to GitHub or to sluice's git
//! ([`Forge::leaves_merged_head`]); a closed one's is deleted here. Calls that create something (opening a pull
//! request, merging) are never repeated blindly: when their outcome is unknown (the
//! network or a 5xx failed), the result is looked up first. Pull requests sluice opens
//! carry the configured labels; sluice's merge-policy results are shown on the head
//! ([`report`]). What the answers mean (checks, reviews,
//! repository names) is the core's [`sluice_core::flow::github`]. sluice keeps one
//! comment per pull request and edits it in place ([`COMMENT_MARKER`]).

pub mod api;
pub mod app;
mod app_key;
mod checks;
mod comments;
mod etags;
mod labels;
mod merge;
mod people;
mod pulls;
mod report;
mod repos;

pub use comments::MARKER as COMMENT_MARKER;
pub use repos::DEFAULT_REPOSITORY_TTL;
pub use sluice_core::flow::github_report::DEFAULT_PENDING_REPORT_AFTER;

use std::time::Duration;

use async_trait::async_trait;
use http::Method;
use serde_json::{Value, json};
use sluice_core::flow::github::{self as rules, GitHubRepository};
use sluice_core::flow::{Check, CheckState, Review};
use sluice_core::model::{MergeMethod, PolicyEvaluation, PullRequestState, Visibility};

use super::{Forge, ForgeError, ForgePullRequest, Merged, NewPullRequest};
use api::{Answer, Api};
pub use api::{ApiSetupError, GitHubAuth};
pub use app::{AppGitTokens, GitHubApp, GitHubAppError};

/// The API URL of github.com.
pub const GITHUB_API_URL: &str = "https://api.github.com";

/// The GitHub forge of one API (github.com or a GitHub Enterprise server).
pub struct GitHubForge {
    api: Api,
    labels: Vec<String>,
    reports: report::Reports,
    repos: repos::RepoCache,
}

/// Percent-encodes `text` for a URL path or query; `/` is kept when `keep_slash`.
fn encode(text: &str, keep_slash: bool) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        let plain = byte.is_ascii_alphanumeric() || b"-._~".contains(&byte);
        if plain || (keep_slash && byte == b'/') {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// `owner/name` of a repository URL, or why it is not a GitHub repository.
fn parse(repository: &str) -> Result<GitHubRepository, ForgeError> {
    rules::repository(repository).map_err(|e| ForgeError::rejected(repository, e.to_string()))
}

fn base(repo: &GitHubRepository) -> String {
    format!(
        "/repos/{}/{}",
        encode(&repo.owner, false),
        encode(&repo.name, false)
    )
}

/// A pull request number from its forge id.
fn number(repository: &str, id: &str) -> Result<u64, ForgeError> {
    id.parse().map_err(|_| ForgeError::NotFound {
        repository: repository.to_string(),
        what: format!("pull request {id:?}"),
    })
}

/// The forge's view of a pull request's JSON.
fn view(repository: &str, pr: &Value) -> Result<ForgePullRequest, ForgeError> {
    let number = pr.get("number").and_then(Value::as_u64);
    let Some(number) = number else {
        return Err(ForgeError::unavailable(
            repository,
            "GitHub answered a pull request without a number",
        ));
    };
    let state = match (
        pr.get("merged").and_then(Value::as_bool).unwrap_or(false)
            || pr.get("merged_at").is_some_and(|v| !v.is_null()),
        pr.get("state").and_then(Value::as_str),
    ) {
        (true, _) => PullRequestState::Merged,
        (false, Some("open")) => PullRequestState::Open,
        _ => PullRequestState::Closed,
    };
    let text = |pointer: &str| {
        pr.pointer(pointer)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    };
    Ok(ForgePullRequest {
        id: number.to_string(),
        url: text("/html_url"),
        state,
        head_branch: text("/head/ref"),
    })
}

impl GitHubForge {
    /// A forge calling the API at `api_url` ([`GITHUB_API_URL`], or
    /// `https://HOST/api/v3` for GitHub Enterprise) with `auth` (a token, or a GitHub
    /// App's installation tokens).
    pub fn new(api_url: &str, auth: impl Into<GitHubAuth>) -> Result<GitHubForge, ApiSetupError> {
        Ok(GitHubForge {
            api: Api::new(api_url, auth)?,
            labels: Vec::new(),
            reports: report::Reports::default(),
            repos: repos::RepoCache::new(DEFAULT_REPOSITORY_TTL),
        })
    }

    /// The forge, putting `labels` on the pull requests it opens (empty names skipped).
    pub fn with_labels(mut self, labels: &[String]) -> GitHubForge {
        self.labels = labels.iter().filter(|l| !l.is_empty()).cloned().collect();
        self
    }

    /// The forge, showing a pending merge-policy report only once a head has waited
    /// `after` ([`DEFAULT_PENDING_REPORT_AFTER`] by default; zero shows it at once).
    pub fn with_pending_report_after(mut self, after: Duration) -> GitHubForge {
        self.reports = report::Reports::new(after);
        self
    }

    /// The forge, using what it read of a repository for `ttl`
    /// ([`DEFAULT_REPOSITORY_TTL`] by default).
    pub fn with_repository_ttl(mut self, ttl: Duration) -> GitHubForge {
        self.repos = repos::RepoCache::new(ttl);
        self
    }

    async fn get(&self, path: &str, repository: &str, what: &str) -> Result<Answer, ForgeError> {
        self.api
            .call(Method::GET, path, None, repository, what)
            .await
    }
}

#[async_trait]
impl Forge for GitHubForge {
    async fn repository_visibility(
        &self,
        repository: &str,
    ) -> Result<Option<Visibility>, ForgeError> {
        let repo = parse(repository)?;
        let settings = self
            .repos
            .settings(&self.api, repository, &repo, &base(&repo))
            .await?;
        Ok(settings.visibility)
    }

    async fn leaves_merged_head(&self, repository: &str) -> bool {
        // GitHub deletes it itself when the repository says so ("Automatically delete
        // head branches", which applies to merges through the API). Unknown (not shown
        // to these credentials, or not read): sluice deletes it, through git, which
        // costs no API call.
        let Ok(repo) = parse(repository) else {
            return true;
        };
        let settings = self
            .repos
            .settings(&self.api, repository, &repo, &base(&repo))
            .await;
        !settings.is_ok_and(|s| s.deletes_merged_heads)
    }

    fn repository_changed(&self, repository: &str) {
        if let Ok(repo) = parse(repository) {
            self.repos.forget(&repo);
        }
    }

    async fn find_pull_request(
        &self,
        repository: &str,
        head_branch: &str,
    ) -> Result<Option<ForgePullRequest>, ForgeError> {
        let repo = parse(repository)?;
        self.find_open(repository, &repo, head_branch).await
    }

    async fn pull_request(
        &self,
        repository: &str,
        id: &str,
    ) -> Result<ForgePullRequest, ForgeError> {
        let repo = parse(repository)?;
        let n = number(repository, id)?;
        let answer = self
            .get(
                &format!("{}/pulls/{n}", base(&repo)),
                repository,
                &format!("pull request #{n}"),
            )
            .await?;
        view(repository, &answer.body)
    }

    async fn create_pull_request(
        &self,
        new: &NewPullRequest,
    ) -> Result<ForgePullRequest, ForgeError> {
        self.open_pull_request(new).await
    }

    async fn update_pull_request(
        &self,
        repository: &str,
        id: &str,
        title: &str,
        description: &str,
    ) -> Result<(), ForgeError> {
        let (n, pr) = self
            .patch_pull_request(
                repository,
                id,
                &json!({ "title": title, "body": description }),
            )
            .await?;
        super::error::still_open(repository, id, &format!("#{n}"), pr.state)
    }

    async fn merge_pull_request(
        &self,
        repository: &str,
        id: &str,
        head_commit: &str,
    ) -> Result<(), ForgeError> {
        self.merge_as(repository, id, head_commit, MergeMethod::Squash)
            .await
    }

    async fn merge_pull_request_by(
        &self,
        repository: &str,
        id: &str,
        head_commit: &str,
        method: MergeMethod,
    ) -> Result<Merged, ForgeError> {
        if method == MergeMethod::Platform {
            return self.auto_merge(repository, id, head_commit).await;
        }
        self.merge_as(repository, id, head_commit, method).await?;
        Ok(Merged::Now)
    }

    async fn close_pull_request(&self, repository: &str, id: &str) -> Result<(), ForgeError> {
        self.close(repository, id).await
    }

    async fn comment(&self, repository: &str, id: &str, body: &str) -> Result<(), ForgeError> {
        let repo = parse(repository)?;
        let n = number(repository, id)?;
        comments::upsert(&self.api, repository, &base(&repo), n, body).await
    }

    async fn checks(
        &self,
        repository: &str,
        id: &str,
        head_commit: &str,
    ) -> Result<Vec<Check>, ForgeError> {
        let repo = parse(repository)?;
        let n = number(repository, id)?;
        let checks = checks::checks(&self.api, repository, &base(&repo), n, head_commit).await?;
        let runs = checks.iter().any(|c| c.state == CheckState::Pending);
        let key = report::Reports::key(repository, head_commit);
        self.reports.note_checks(&key, runs);
        Ok(checks)
    }

    async fn reviews(&self, repository: &str, id: &str) -> Result<Vec<Review>, ForgeError> {
        let repo = parse(repository)?;
        let n = number(repository, id)?;
        checks::reviews(&self.api, repository, &base(&repo), n).await
    }

    async fn permission(
        &self,
        repository: &str,
        login: &str,
    ) -> Result<Option<String>, ForgeError> {
        let repo = parse(repository)?;
        people::permission(&self.api, repository, &base(&repo), login).await
    }

    async fn publish_policies(
        &self,
        repository: &str,
        id: &str,
        head_commit: &str,
        policies: &[PolicyEvaluation],
    ) -> Result<(), ForgeError> {
        let repo = parse(repository)?;
        number(repository, id)?;
        let as_app = matches!(self.api.auth(), GitHubAuth::App(_));
        let at = (repository, base(&repo));
        report::publish(
            &self.api,
            &self.reports,
            as_app,
            (at.0, &at.1),
            head_commit,
            policies,
        )
        .await
    }
}
