//! What the fake GitHub remembers: tokens, pull requests, check runs, commit statuses,
//! reviews, comments and labels, per repository. Branches and commits are not kept here:
//! they are read from (and merges written to) the bare repositories the git server serves.

use std::collections::BTreeMap;

use serde_json::{Value, json};

/// A pull request as the fake keeps it.
#[derive(Debug, Clone)]
pub struct PullRequest {
    /// Its number (shared with issues, as on GitHub).
    pub number: u64,
    /// `open` or `closed`.
    pub state: String,
    /// Title.
    pub title: String,
    /// Description.
    pub body: String,
    /// Head branch (in the same repository).
    pub head: String,
    /// The head branch's commit when last seen (kept once the branch is deleted).
    pub head_sha: String,
    /// Base branch.
    pub base: String,
    /// The squash commit once merged.
    pub merge_commit_sha: Option<String>,
    /// Who opened it.
    pub user: String,
    /// Label names.
    pub labels: Vec<String>,
    /// The merge method once auto-merge is on (`SQUASH`).
    pub auto_merge: Option<String>,
}

/// A check run.
#[derive(Debug, Clone)]
pub struct CheckRun {
    /// Its id.
    pub id: u64,
    /// Name, e.g. `build`.
    pub name: String,
    /// The commit it reports on.
    pub head_sha: String,
    /// `queued`, `in_progress` or `completed`.
    pub status: String,
    /// Set once completed: `success`, `failure`, `neutral`, ...
    pub conclusion: Option<String>,
    /// Output title and summary.
    pub output: Value,
    /// Who created it (the token's login).
    pub app: String,
}

/// A commit status.
#[derive(Debug, Clone)]
pub struct Status {
    /// Its id.
    pub id: u64,
    /// The commit.
    pub sha: String,
    /// `pending`, `success`, `failure` or `error`.
    pub state: String,
    /// Its context, e.g. `ci/legacy`.
    pub context: String,
}

/// A review.
#[derive(Debug, Clone)]
pub struct Review {
    /// Its id.
    pub id: u64,
    /// The pull request.
    pub number: u64,
    /// Reviewer login.
    pub user: String,
    /// `APPROVED`, `CHANGES_REQUESTED` or `COMMENTED`.
    pub state: String,
    /// Head commit when submitted.
    pub commit_id: String,
}

/// An issue comment.
#[derive(Debug, Clone)]
pub struct Comment {
    /// Its id.
    pub id: u64,
    /// The pull request (issue) number.
    pub number: u64,
    /// Author login.
    pub user: String,
    /// Markdown body.
    pub body: String,
}

/// One repository's records.
#[derive(Debug, Clone, Default)]
pub struct Repository {
    /// Pull requests by number.
    pub pulls: BTreeMap<u64, PullRequest>,
    /// Check runs in creation order.
    pub check_runs: Vec<CheckRun>,
    /// Commit statuses in creation order.
    pub statuses: Vec<Status>,
    /// Reviews in creation order.
    pub reviews: Vec<Review>,
    /// Issue comments in creation order.
    pub comments: Vec<Comment>,
    /// A private repository (public by default).
    pub private: bool,
    /// "Automatically delete head branches": a merge deletes the pull request's head
    /// branch (off by default, as on GitHub).
    pub delete_branch_on_merge: bool,
}

/// Everything the fake keeps.
#[derive(Debug, Default)]
pub struct State {
    /// Token -> login.
    pub tokens: BTreeMap<String, String>,
    /// Records by `owner/name`.
    pub repos: BTreeMap<String, Repository>,
    /// The last id handed out (ids are unique across kinds, numbers per repository).
    pub next_id: u64,
    /// When tokens that expire (installation tokens) do.
    pub expiry: BTreeMap<String, std::time::SystemTime>,
    /// GitHub Apps: id -> public key (DER `RSAPublicKey`).
    pub apps: BTreeMap<u64, Vec<u8>>,
    /// Installations by owner: (installation id, App id).
    pub installations: BTreeMap<String, (u64, u64)>,
    /// The lifetime of the installation tokens minted from now ([`super::apps::TOKEN_LIFETIME`]
    /// when unset).
    pub token_lifetime: Option<std::time::Duration>,
    /// Checks required by classic branch protection, by `owner/name:branch`.
    pub protection: BTreeMap<String, Vec<String>>,
    /// Checks required by rulesets, by `owner/name:branch`.
    pub rulesets: BTreeMap<String, Vec<String>>,
    /// Collaborator permissions by login (every repository alike).
    pub permissions: BTreeMap<String, String>,
}

impl State {
    /// A fresh id.
    pub fn id(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }

    /// The records of `owner/name` (created empty on first use).
    pub fn repo(&mut self, full_name: &str) -> &mut Repository {
        self.repos.entry(full_name.to_string()).or_default()
    }
}

fn user(login: &str) -> Value {
    json!({ "login": login, "type": "User" })
}

impl PullRequest {
    /// Its REST representation under `api` (the API base URL) and `html` (the web base).
    pub fn to_json(&self, full_name: &str, api: &str, html: &str) -> Value {
        let owner = full_name.split('/').next().unwrap_or_default();
        json!({
            "id": self.number * 1000,
            "number": self.number,
            "state": self.state,
            "title": self.title,
            "body": self.body,
            "merged": self.merge_commit_sha.is_some(),
            "merged_at": self.merge_commit_sha.as_ref().map(|_| "2026-01-01T00:00:00Z"),
            "merge_commit_sha": self.merge_commit_sha,
            "url": format!("{api}/repos/{full_name}/pulls/{}", self.number),
            "html_url": format!("{html}/{full_name}/pull/{}", self.number),
            "user": user(&self.user),
            "labels": self.labels.iter().map(|l| json!({"name": l})).collect::<Vec<_>>(),
            "node_id": super::auto_merge::node_id(full_name, self.number),
            "auto_merge": self.auto_merge.as_ref().map(|m| json!({ "merge_method": m.to_lowercase() })),
            "head": {
                "ref": self.head,
                "sha": self.head_sha,
                "label": format!("{owner}:{}", self.head),
                "repo": { "full_name": full_name },
            },
            "base": {
                "ref": self.base,
                "label": format!("{owner}:{}", self.base),
                "repo": { "full_name": full_name },
            },
        })
    }
}

impl CheckRun {
    /// Its REST representation.
    pub fn to_json(&self) -> Value {
        json!({
            "id": self.id,
            "name": self.name,
            "head_sha": self.head_sha,
            "status": self.status,
            "conclusion": self.conclusion,
            "output": self.output,
            "app": { "slug": self.app, "name": self.app },
        })
    }
}

impl Status {
    /// Its REST representation.
    pub fn to_json(&self) -> Value {
        json!({
            "id": self.id,
            "state": self.state,
            "context": self.context,
            "sha": self.sha,
        })
    }
}

impl Review {
    /// Its REST representation.
    pub fn to_json(&self) -> Value {
        json!({
            "id": self.id,
            "user": user(&self.user),
            "state": self.state,
            "commit_id": self.commit_id,
        })
    }
}

impl Comment {
    /// Its REST representation.
    pub fn to_json(&self) -> Value {
        json!({ "id": self.id, "user": user(&self.user), "body": self.body })
    }
}
