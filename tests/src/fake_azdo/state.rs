//! What the fake Azure DevOps remembers: personal access tokens, and pull requests with
//! their threads, statuses, policy evaluations and reviewer votes. Branches and commits
//! are not kept here: they are read from (and completions written to) the bare
//! repositories served at `/{org}/{project}/_git/{repo}`.

use std::collections::BTreeMap;

use serde_json::{Value, json};

/// Where a repository is: organization (collection), project and name.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct RepoRef {
    /// The organization (the collection, on a server).
    pub org: String,
    /// The project.
    pub project: String,
    /// The repository.
    pub name: String,
}

/// One comment of a thread.
#[derive(Debug, Clone)]
pub struct Comment {
    /// Its id within the thread (from 1).
    pub id: u64,
    /// Its text.
    pub content: String,
    /// Who wrote it (the PAT's identity).
    pub author: String,
}

/// A comment thread.
#[derive(Debug, Clone)]
pub struct Thread {
    /// Its id.
    pub id: u64,
    /// `active`, `closed`, `fixed`, ...
    pub status: String,
    /// Its comments, the first one opening it.
    pub comments: Vec<Comment>,
}

/// A policy evaluation of a pull request.
#[derive(Debug, Clone)]
pub struct Evaluation {
    /// The policy's display name.
    pub name: String,
    /// `approved`, `queued`, `running`, `rejected`, `broken`, `notApplicable`.
    pub status: String,
    /// Whether it blocks completion.
    pub blocking: bool,
}

/// A pull request status.
#[derive(Debug, Clone)]
pub struct Status {
    /// `genre` of its context.
    pub genre: String,
    /// `name` of its context.
    pub name: String,
    /// `succeeded`, `failed`, `error`, `pending`, `notSet`.
    pub state: String,
}

/// A pull request as the fake keeps it.
#[derive(Debug, Clone)]
pub struct PullRequest {
    /// Its id (unique across the fake, as in a collection).
    pub id: u64,
    /// Its repository.
    pub repo: RepoRef,
    /// `active`, `completed` or `abandoned`.
    pub status: String,
    /// Title.
    pub title: String,
    /// Description.
    pub description: String,
    /// Source branch (`refs/heads/...`).
    pub source: String,
    /// Target branch (`refs/heads/...`).
    pub target: String,
    /// The source branch's commit when last seen (kept once the branch is deleted).
    pub source_commit: String,
    /// `notSet`, `queued`, `succeeded`, `conflicts`, `rejectedByPolicy`.
    pub merge_status: String,
    /// The squash commit once completed.
    pub merge_commit: Option<String>,
    /// The completion options last sent.
    pub completion_options: Value,
    /// Reviewers and their votes.
    pub reviewers: Vec<(String, i64)>,
    /// Comment threads.
    pub threads: Vec<Thread>,
    /// Statuses, oldest first.
    pub statuses: Vec<Status>,
    /// Policy evaluations.
    pub evaluations: Vec<Evaluation>,
}

/// The fake's memory.
#[derive(Debug, Default)]
pub struct State {
    /// Personal access tokens and whose they are.
    pub pats: BTreeMap<String, String>,
    /// Pull requests by id.
    pub pulls: BTreeMap<u64, PullRequest>,
    /// The last id given to a pull request.
    pub last_id: u64,
    /// Projects made public (`org/project`); every other project is private.
    pub public_projects: std::collections::BTreeSet<String>,
}

/// A stable, GUID-shaped id of a project.
pub fn project_id(repo: &RepoRef) -> String {
    let digest = ring::digest::digest(
        &ring::digest::SHA256,
        format!("{}/{}", repo.org, repo.project).as_bytes(),
    );
    let hex: String = digest.as_ref()[..16]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

impl PullRequest {
    /// Whether a blocking policy or a rejecting vote stands in the way of completion,
    /// and which.
    pub fn blocked_by(&self) -> Option<String> {
        let policy = self
            .evaluations
            .iter()
            .find(|e| e.blocking && e.status != "approved" && e.status != "notApplicable");
        if let Some(policy) = policy {
            return Some(format!("policy {:?} is {}", policy.name, policy.status));
        }
        self.reviewers
            .iter()
            .find(|(_, vote)| *vote == -10)
            .map(|(who, _)| format!("{who} rejected it"))
    }

    /// The JSON Azure DevOps answers for it; `base` is the fake's URL.
    pub fn to_json(&self, base: &str) -> Value {
        let repo = &self.repo;
        let web = format!("{base}/{}/{}/_git/{}", repo.org, repo.project, repo.name);
        let reviewers: Vec<Value> = self
            .reviewers
            .iter()
            .map(|(who, vote)| json!({"uniqueName": who, "displayName": who, "vote": vote, "isContainer": false}))
            .collect();
        json!({
            "pullRequestId": self.id,
            "status": self.status,
            "title": self.title,
            "description": self.description,
            "sourceRefName": self.source,
            "targetRefName": self.target,
            "mergeStatus": self.merge_status,
            "lastMergeSourceCommit": {"commitId": self.source_commit},
            "lastMergeCommit": self.merge_commit.as_ref().map(|c| json!({"commitId": c})),
            "completionOptions": self.completion_options,
            "reviewers": reviewers,
            "url": format!("{base}/{}/{}/_apis/git/repositories/{}/pullRequests/{}", repo.org, repo.project, repo.name, self.id),
            "repository": {
                "id": format!("{}-{}", project_id(repo), repo.name),
                "name": repo.name,
                "remoteUrl": web,
                "webUrl": web,
                "project": {"id": project_id(repo), "name": repo.project},
            },
        })
    }
}
