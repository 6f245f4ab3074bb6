//! Pull requests: listed by source branch and status, created (one active per source
//! and target, as Azure DevOps allows), read, changed (title, description), abandoned
//! and completed. Completion checks `lastMergeSourceCommit` against the source branch
//! (a moved head is a 409; the `TF401181` code in its message is an assumption, no public
//! documentation of it was found), refuses while a blocking policy or a rejecting vote
//! stands (403 `TF401027` naming the `PullRequestBypassPolicy` permission: that code is
//! Azure DevOps's generic missing-permission refusal; that completing past a policy asks
//! for that permission is an assumption), squashes onto the target branch in the bare
//! repository and deletes the source branch when asked.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Router;
use axum::extract::{Extension, Path, RawQuery, State as AxumState};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::{Value, json};

use super::state::{PullRequest, RepoRef};
use super::{Identity, Refused, Shared, error};
use crate::fake_github::git::{self, MergeRefused};

/// The path of a repository's API.
pub const REPO: &str = "/{org}/{project}/_apis/git/repositories/{repo}";

/// The routes.
pub fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route(&format!("{REPO}/pullrequests"), get(list).post(create))
        .route(
            &format!("{REPO}/pullrequests/{{id}}"),
            get(show).patch(change),
        )
}

/// The query's parameters; a missing or unknown `api-version` is refused.
pub fn query(raw: Option<String>, version: &str) -> Result<HashMap<String, String>, Refused> {
    let params: HashMap<String, String> =
        form_urlencoded::parse(raw.unwrap_or_default().as_bytes())
            .into_owned()
            .collect();
    if params.get("api-version").map(String::as_str) != Some(version) {
        return Err(Box::new(error(
            StatusCode::BAD_REQUEST,
            "VssVersionOutOfRangeException",
            &format!("the api-version must be {version}"),
        )));
    }
    Ok(params)
}

/// The repository of a path, if the fake serves it.
pub fn repo(shared: &Shared, org: &str, project: &str, name: &str) -> Result<RepoRef, Refused> {
    let repo = RepoRef {
        org: org.into(),
        project: project.into(),
        name: name.into(),
    };
    match shared.repo_dir(&repo) {
        Some(_) => Ok(repo),
        None => Err(Box::new(error(
            StatusCode::NOT_FOUND,
            "GitRepositoryNotFoundException",
            &format!(
                "TF401019: The Git repository with name or identifier {name} does not exist or you do not have permissions for the operation you are attempting."
            ),
        ))),
    }
}

/// Pull request `id` of `repo`, its source commit refreshed while it is active.
pub fn pull(shared: &Shared, repo: &RepoRef, id: u64) -> Result<PullRequest, Refused> {
    let dir = shared.repo_dir(repo);
    let mut state = shared.state();
    let Some(pull) = state.pulls.get_mut(&id).filter(|p| &p.repo == repo) else {
        return Err(Box::new(error(
            StatusCode::NOT_FOUND,
            "GitPullRequestNotFoundException",
            &format!("TF401180: The requested pull request was not found: {id}"),
        )));
    };
    if pull.status == "active"
        && let Some(sha) = dir.and_then(|d| git::branch_sha(&d, branch(&pull.source)))
    {
        pull.source_commit = sha;
    }
    Ok(pull.clone())
}

/// The pull request a `.../pullrequests/{id}/...` path names (after the query's
/// `api-version` and the repository were accepted).
pub fn addressed(
    shared: &Shared,
    path: &(String, String, String, u64),
    raw: Option<String>,
) -> Result<PullRequest, Refused> {
    let (org, project, name, id) = path;
    query(raw, "7.1")?;
    let repo = repo(shared, org, project, name)?;
    pull(shared, &repo, *id)
}

/// A list answer: `{"value": [...], "count": N}`.
pub fn listed(value: Vec<Value>) -> Response {
    axum::Json(json!({"count": value.len(), "value": value})).into_response()
}

fn branch(reference: &str) -> &str {
    reference.strip_prefix("refs/heads/").unwrap_or(reference)
}

type RepoPath = Path<(String, String, String)>;

async fn list(
    AxumState(shared): AxumState<Arc<Shared>>,
    Path((org, project, name)): RepoPath,
    RawQuery(raw): RawQuery,
) -> Response {
    let params = try_response!(query(raw, "7.1"));
    let repo = try_response!(repo(&shared, &org, &project, &name));
    let source = params.get("searchCriteria.sourceRefName");
    let status = params
        .get("searchCriteria.status")
        .map_or("active", String::as_str);
    let ids: Vec<u64> = shared
        .state()
        .pulls
        .values()
        .filter(|p| p.repo == repo && source.is_none_or(|s| &p.source == s))
        .filter(|p| status == "all" || p.status == status)
        .map(|p| p.id)
        .collect();
    let value: Vec<Value> = ids
        .into_iter()
        .filter_map(|id| pull(&shared, &repo, id).ok())
        .map(|p| p.to_json(&shared.base_url))
        .collect();
    listed(value)
}

async fn create(
    AxumState(shared): AxumState<Arc<Shared>>,
    Path((org, project, name)): RepoPath,
    RawQuery(raw): RawQuery,
    axum::Json(body): axum::Json<Value>,
) -> Response {
    try_response!(query(raw, "7.1"));
    let repo = try_response!(repo(&shared, &org, &project, &name));
    let text = |field: &str| body.get(field).and_then(Value::as_str).unwrap_or_default();
    let (source, target) = (text("sourceRefName"), text("targetRefName"));
    let dir = shared.repo_dir(&repo).unwrap_or_default();
    let (Some(source_commit), Some(_)) = (
        git::branch_sha(&dir, branch(source)),
        git::branch_sha(&dir, branch(target)),
    ) else {
        return error(
            StatusCode::BAD_REQUEST,
            "GitPullRequestCannotBeActivated",
            "TF401398: The pull request cannot be activated because the source and/or the target branch no longer exists.",
        );
    };
    let pull = {
        let mut state = shared.state();
        let exists = state.pulls.values().any(|p| {
            p.repo == repo && p.status == "active" && p.source == source && p.target == target
        });
        if exists {
            return error(
                StatusCode::CONFLICT,
                "GitPullRequestExistsException",
                "TF401179: An active pull request for the source and target branch already exists.",
            );
        }
        state.last_id += 1;
        let pull = PullRequest {
            id: state.last_id,
            repo,
            status: "active".into(),
            title: text("title").into(),
            description: text("description").into(),
            source: source.into(),
            target: target.into(),
            source_commit,
            merge_status: "succeeded".into(),
            merge_commit: None,
            completion_options: Value::Null,
            reviewers: Vec::new(),
            threads: Vec::new(),
            statuses: Vec::new(),
            evaluations: Vec::new(),
        };
        state.pulls.insert(pull.id, pull.clone());
        pull
    };
    shared.deliver("git.pullrequest.created", &pull);
    (
        StatusCode::CREATED,
        axum::Json(pull.to_json(&shared.base_url)),
    )
        .into_response()
}

async fn show(
    AxumState(shared): AxumState<Arc<Shared>>,
    Path(path): Path<(String, String, String, u64)>,
    RawQuery(raw): RawQuery,
) -> Response {
    let pull = try_response!(addressed(&shared, &path, raw));
    axum::Json(pull.to_json(&shared.base_url)).into_response()
}

async fn change(
    AxumState(shared): AxumState<Arc<Shared>>,
    Extension(Identity(who)): Extension<Identity>,
    Path(path): Path<(String, String, String, u64)>,
    RawQuery(raw): RawQuery,
    axum::Json(body): axum::Json<Value>,
) -> Response {
    let mut pull = try_response!(addressed(&shared, &path, raw));
    let id = pull.id;
    if pull.status != "active" {
        return error(
            StatusCode::CONFLICT,
            "InvalidArgumentValueException",
            &format!(
                "TF401181: The pull request {id} is {} and cannot be changed.",
                pull.status
            ),
        );
    }
    let event = match body.get("status").and_then(Value::as_str) {
        Some("completed") => {
            try_response!(complete(&shared, &who, &mut pull, &body));
            "git.pullrequest.merged"
        }
        Some("abandoned") => {
            pull.status = "abandoned".into();
            "git.pullrequest.updated"
        }
        _ => {
            if let Some(title) = body.get("title").and_then(Value::as_str) {
                pull.title = title.into();
            }
            if let Some(description) = body.get("description").and_then(Value::as_str) {
                pull.description = description.into();
            }
            "git.pullrequest.updated"
        }
    };
    shared.state().pulls.insert(id, pull.clone());
    shared.deliver(event, &pull);
    axum::Json(pull.to_json(&shared.base_url)).into_response()
}

/// Completes `pull` as asked by `body`, or refuses as Azure DevOps does.
fn complete(
    shared: &Shared,
    who: &str,
    pull: &mut PullRequest,
    body: &Value,
) -> Result<(), Refused> {
    let refuse = |status, key: &str, message: &str| Box::new(error(status, key, message));
    let Some(asked) = body
        .pointer("/lastMergeSourceCommit/commitId")
        .and_then(Value::as_str)
    else {
        return Err(refuse(
            StatusCode::BAD_REQUEST,
            "InvalidArgumentValueException",
            "Invalid argument value.\r\nParameter name: You must specify a valid LastMergeSourceCommit to perform this operation.",
        ));
    };
    if asked != pull.source_commit {
        return Err(refuse(
            StatusCode::CONFLICT,
            "GitPullRequestStaleException",
            "TF401181: The pull request cannot be completed because its source branch has been updated (lastMergeSourceCommit does not match). Refresh and try again.",
        ));
    }
    if let Some(reason) = pull.blocked_by() {
        return Err(refuse(
            StatusCode::FORBIDDEN,
            "GitNeedsPermissionException",
            &format!(
                "TF401027: You need the Git 'PullRequestBypassPolicy' permission to perform this action. Details: identity '{who}', scope 'branch' ({reason})."
            ),
        ));
    }
    let options = body
        .get("completionOptions")
        .cloned()
        .unwrap_or(Value::Null);
    let squash = options.get("mergeStrategy").and_then(Value::as_str) == Some("squash");
    let message = options
        .get("mergeCommitMessage")
        .and_then(Value::as_str)
        .map_or_else(
            || format!("Merged PR {}: {}", pull.id, pull.title),
            str::to_string,
        );
    let dir = shared.repo_dir(&pull.repo).unwrap_or_default();
    let target = branch(&pull.target).to_string();
    let Some(base) = git::branch_sha(&dir, &target) else {
        return Err(refuse(
            StatusCode::BAD_REQUEST,
            "GitPullRequestCannotBeActivated",
            "TF401398: the target branch no longer exists.",
        ));
    };
    pull.completion_options = options.clone();
    match git::merge(&dir, &target, &base, &pull.source_commit, &message, squash) {
        Ok(commit) => {
            pull.status = "completed".into();
            pull.merge_status = "succeeded".into();
            pull.merge_commit = Some(commit);
            if options.get("deleteSourceBranch").and_then(Value::as_bool) == Some(true) {
                git::delete_branch(&dir, branch(&pull.source));
            }
            Ok(())
        }
        Err(MergeRefused::Conflict) => {
            pull.merge_status = "conflicts".into();
            Ok(())
        }
        Err(MergeRefused::BaseMoved) => Err(refuse(
            StatusCode::CONFLICT,
            "GitReferenceStaleException",
            "TF401028: The reference has already been updated by another client.",
        )),
        Err(MergeRefused::Failed(why)) => Err(refuse(
            StatusCode::INTERNAL_SERVER_ERROR,
            "GitException",
            &why,
        )),
    }
}
