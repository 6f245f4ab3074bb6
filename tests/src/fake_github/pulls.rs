//! Pull request endpoints: list (by `head` and `state`), get, create (422 when an open
//! one exists for the head), update and close, merge with `sha` (409 when the head
//! moved; squash or merge written into the bare repository), and branch deletion.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Extension;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, put};
use serde_json::{Value, json};

use super::git::{self, MergeRefused};
use super::state::PullRequest;
use super::{Login, Refused, Shared, error};

/// The routes of this file.
pub fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/repos/{owner}/{repo}/pulls", get(list).post(create))
        .route(
            "/repos/{owner}/{repo}/pulls/{number}",
            get(one).patch(update),
        )
        .route("/repos/{owner}/{repo}/pulls/{number}/merge", put(merge))
        .route(
            "/repos/{owner}/{repo}/git/refs/{*reference}",
            delete(delete_ref),
        )
}

type RepoPath = Path<(String, String)>;
type PullPath = Path<(String, String, u64)>;

/// Parses a JSON body as GitHub does (400 when it is not JSON).
pub fn body(bytes: &Bytes) -> Result<Value, Refused> {
    serde_json::from_slice(bytes)
        .map_err(|_| Box::new(error(StatusCode::BAD_REQUEST, "Problems parsing JSON")))
}

/// The bare repository of the path, or GitHub's 404.
pub fn repo_dir(shared: &Shared, owner: &str, repo: &str) -> Result<std::path::PathBuf, Refused> {
    shared
        .repo_dir(owner, repo)
        .ok_or_else(|| Box::new(error(StatusCode::NOT_FOUND, "Not Found")))
}

/// Pages `items` by the `per_page` (at most 100, 30 by default) and `page` parameters.
pub fn page(items: Vec<Value>, query: &HashMap<String, String>) -> Vec<Value> {
    let per_page = query
        .get("per_page")
        .and_then(|v| v.parse::<usize>().ok())
        .unwrap_or(30)
        .clamp(1, 100);
    let page = query
        .get("page")
        .and_then(|v| v.parse::<usize>().ok())
        .unwrap_or(1)
        .max(1);
    items
        .into_iter()
        .skip((page - 1) * per_page)
        .take(per_page)
        .collect()
}

fn validation(message: &str) -> Response {
    let body = json!({
        "message": "Validation Failed",
        "errors": [{ "resource": "PullRequest", "code": "custom", "message": message }],
    });
    (StatusCode::UNPROCESSABLE_ENTITY, axum::Json(body)).into_response()
}

/// Refreshes an open pull request's head commit from its branch.
fn refresh(dir: &std::path::Path, pr: &mut PullRequest) {
    if pr.state == "open"
        && let Some(sha) = git::branch_sha(dir, &pr.head)
    {
        pr.head_sha = sha;
    }
}

async fn list(
    State(shared): State<Arc<Shared>>,
    Path((owner, repo)): RepoPath,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let dir = try_response!(repo_dir(&shared, &owner, &repo));
    let full = format!("{owner}/{repo}");
    let wanted_state = query.get("state").map(String::as_str).unwrap_or("open");
    let head = query.get("head").cloned();
    let mut state = shared.state();
    let records = state.repo(&full);
    let mut items = Vec::new();
    for pr in records.pulls.values_mut().rev() {
        refresh(&dir, pr);
        let state_matches = wanted_state == "all" || pr.state == wanted_state;
        let head_matches = head
            .as_ref()
            .is_none_or(|h| *h == format!("{owner}:{}", pr.head));
        let base_matches = query.get("base").is_none_or(|b| *b == pr.base);
        if state_matches && head_matches && base_matches {
            items.push(pr.to_json(&full, &shared.api_url, &shared.html_url));
        }
    }
    axum::Json(page(items, &query)).into_response()
}

async fn one(State(shared): State<Arc<Shared>>, Path((owner, repo, number)): PullPath) -> Response {
    let dir = try_response!(repo_dir(&shared, &owner, &repo));
    let full = format!("{owner}/{repo}");
    let mut state = shared.state();
    match state.repo(&full).pulls.get_mut(&number) {
        Some(pr) => {
            refresh(&dir, pr);
            axum::Json(pr.to_json(&full, &shared.api_url, &shared.html_url)).into_response()
        }
        None => error(StatusCode::NOT_FOUND, "Not Found"),
    }
}

async fn create(
    State(shared): State<Arc<Shared>>,
    Path((owner, repo)): RepoPath,
    Extension(Login(login)): Extension<Login>,
    bytes: Bytes,
) -> Response {
    let dir = try_response!(repo_dir(&shared, &owner, &repo));
    let new = try_response!(body(&bytes));
    let text = |field: &str| new.get(field).and_then(Value::as_str).map(str::to_string);
    let (Some(title), Some(head), Some(base)) = (text("title"), text("head"), text("base")) else {
        return validation("title, head and base are required");
    };
    let head = match head.split_once(':') {
        Some((head_owner, branch)) if head_owner == owner => branch.to_string(),
        Some(_) => return validation("pull requests from forks are not supported by this fake"),
        None => head,
    };
    let Some(head_sha) = git::branch_sha(&dir, &head) else {
        return validation(&format!("head branch {head} does not exist"));
    };
    if git::branch_sha(&dir, &base).is_none() {
        return validation(&format!("base branch {base} does not exist"));
    }
    let full = format!("{owner}/{repo}");
    let mut state = shared.state();
    let number = state.repo(&full).pulls.len() as u64 + 1;
    let records = state.repo(&full);
    if records
        .pulls
        .values()
        .any(|p| p.state == "open" && p.head == head && p.base == base)
    {
        return validation(&format!(
            "A pull request already exists for {owner}:{head}."
        ));
    }
    let pr = PullRequest {
        number,
        state: "open".into(),
        title,
        body: text("body").unwrap_or_default(),
        head,
        head_sha,
        base,
        merge_commit_sha: None,
        user: login.clone(),
        labels: vec![],
        auto_merge: None,
    };
    let view = pr.to_json(&full, &shared.api_url, &shared.html_url);
    records.pulls.insert(number, pr);
    drop(state);
    shared.deliver(
        "pull_request",
        event(&shared, &full, "opened", &view, &login),
    );
    (StatusCode::CREATED, axum::Json(view)).into_response()
}

/// A `pull_request` webhook payload.
pub fn event(
    shared: &Shared,
    full: &str,
    action: &str,
    pull_request: &Value,
    sender: &str,
) -> Value {
    json!({
        "action": action,
        "number": pull_request["number"],
        "pull_request": pull_request,
        "repository": {
            "full_name": full,
            "clone_url": format!("{}/{full}.git", shared.html_url),
        },
        "sender": { "login": sender },
    })
}

async fn update(
    State(shared): State<Arc<Shared>>,
    Path((owner, repo, number)): PullPath,
    Extension(Login(login)): Extension<Login>,
    bytes: Bytes,
) -> Response {
    try_response!(repo_dir(&shared, &owner, &repo));
    let change = try_response!(body(&bytes));
    let full = format!("{owner}/{repo}");
    let mut state = shared.state();
    let Some(pr) = state.repo(&full).pulls.get_mut(&number) else {
        return error(StatusCode::NOT_FOUND, "Not Found");
    };
    let mut action = "edited";
    if let Some(title) = change.get("title").and_then(Value::as_str) {
        pr.title = title.to_string();
    }
    if let Some(body) = change.get("body").and_then(Value::as_str) {
        pr.body = body.to_string();
    }
    match change.get("state").and_then(Value::as_str) {
        Some("closed") if pr.state == "open" => {
            pr.state = "closed".into();
            action = "closed";
        }
        Some("open") if pr.state == "closed" && pr.merge_commit_sha.is_none() => {
            pr.state = "open".into();
            action = "reopened";
        }
        Some("open" | "closed") | None => {}
        Some(other) => return validation(&format!("state {other:?} is not open or closed")),
    }
    let view = pr.to_json(&full, &shared.api_url, &shared.html_url);
    drop(state);
    shared.deliver("pull_request", event(&shared, &full, action, &view, &login));
    axum::Json(view).into_response()
}

async fn merge(
    State(shared): State<Arc<Shared>>,
    Path((owner, repo, number)): PullPath,
    Extension(Login(login)): Extension<Login>,
    bytes: Bytes,
) -> Response {
    let dir = try_response!(repo_dir(&shared, &owner, &repo));
    let request = if bytes.is_empty() {
        json!({})
    } else {
        try_response!(body(&bytes))
    };
    let full = format!("{owner}/{repo}");
    let mut state = shared.state();
    let Some(pr) = state.repo(&full).pulls.get_mut(&number) else {
        return error(StatusCode::NOT_FOUND, "Not Found");
    };
    refresh(&dir, pr);
    if pr.state != "open" {
        return error(
            StatusCode::METHOD_NOT_ALLOWED,
            "Pull Request is not mergeable",
        );
    }
    if let Some(sha) = request.get("sha").and_then(Value::as_str)
        && sha != pr.head_sha
    {
        return error(
            StatusCode::CONFLICT,
            "Head branch was modified. Review and try the merge again.",
        );
    }
    let method = request
        .get("merge_method")
        .and_then(Value::as_str)
        .unwrap_or("merge");
    // A rebase of the one-commit heads sluice pushes is the squash of it.
    let squash = match method {
        "squash" | "rebase" => true,
        "merge" => false,
        _ => {
            return error(
                StatusCode::METHOD_NOT_ALLOWED,
                "Merge method is not allowed",
            );
        }
    };
    let Some(base) = git::branch_sha(&dir, &pr.base) else {
        return error(StatusCode::METHOD_NOT_ALLOWED, "Base branch was deleted");
    };
    let title = request
        .get("commit_title")
        .and_then(Value::as_str)
        .map(str::to_string)
        .unwrap_or_else(|| format!("{} (#{number})", pr.title));
    let message = request
        .get("commit_message")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let message = format!("{title}\n\n{message}");
    match git::merge(&dir, &pr.base, &base, &pr.head_sha, &message, squash) {
        Ok(commit) => {
            pr.state = "closed".into();
            pr.merge_commit_sha = Some(commit.clone());
            let view = pr.to_json(&full, &shared.api_url, &shared.html_url);
            let head = pr.head.clone();
            // GitHub's "Automatically delete head branches", merges through the API too.
            if state.repo(&full).delete_branch_on_merge {
                git::delete_branch(&dir, &head);
            }
            drop(state);
            shared.deliver(
                "pull_request",
                event(&shared, &full, "closed", &view, &login),
            );
            let pushed = json!({
                "ref": format!("refs/heads/{}", view["base"]["ref"].as_str().unwrap_or_default()),
                "before": base,
                "after": commit,
                "repository": { "full_name": full },
                "sender": { "login": login },
            });
            shared.deliver("push", pushed);
            axum::Json(json!({ "sha": commit, "merged": true, "message": "Pull Request successfully merged" }))
                .into_response()
        }
        Err(MergeRefused::Conflict) => error(
            StatusCode::METHOD_NOT_ALLOWED,
            "Pull Request is not mergeable",
        ),
        Err(MergeRefused::BaseMoved) => error(
            StatusCode::CONFLICT,
            "Base branch was modified. Review and try the merge again.",
        ),
        Err(MergeRefused::Failed(why)) => error(StatusCode::INTERNAL_SERVER_ERROR, &why),
    }
}

async fn delete_ref(
    State(shared): State<Arc<Shared>>,
    Path((owner, repo, reference)): Path<(String, String, String)>,
) -> Response {
    let dir = try_response!(repo_dir(&shared, &owner, &repo));
    let Some(branch) = reference.strip_prefix("heads/") else {
        return error(StatusCode::UNPROCESSABLE_ENTITY, "Reference does not exist");
    };
    if git::delete_branch(&dir, branch) {
        StatusCode::NO_CONTENT.into_response()
    } else {
        error(StatusCode::UNPROCESSABLE_ENTITY, "Reference does not exist")
    }
}
