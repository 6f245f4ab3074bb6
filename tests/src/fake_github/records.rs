//! What gets reported on commits: check runs (latest per name by default, as
//! `filter=latest`) and commit statuses (combined: the latest per context).

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use axum::Extension;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, patch, post};
use serde_json::{Value, json};

use super::git;
use super::pulls::{body, page, repo_dir};
use super::state::{CheckRun, Status};
use super::{Login, Refused, Shared, error};

/// The routes of this file.
pub fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route(
            "/repos/{owner}/{repo}/commits/{reference}/check-runs",
            get(check_runs),
        )
        .route("/repos/{owner}/{repo}/check-runs", post(create_check_run))
        .route(
            "/repos/{owner}/{repo}/check-runs/{id}",
            patch(update_check_run),
        )
        .route(
            "/repos/{owner}/{repo}/commits/{reference}/status",
            get(combined_status),
        )
        .route(
            "/repos/{owner}/{repo}/commits/{reference}/statuses",
            get(statuses),
        )
        .route("/repos/{owner}/{repo}/statuses/{sha}", post(create_status))
}

type RepoPath = Path<(String, String)>;
type ItemPath = Path<(String, String, String)>;
type Params = Query<HashMap<String, String>>;

/// A string field of a JSON body.
pub fn text(value: &Value, field: &str) -> Option<String> {
    value.get(field).and_then(Value::as_str).map(str::to_string)
}

/// A commit id, or the commit a branch points at.
fn resolve(shared: &Shared, owner: &str, repo: &str, reference: &str) -> Result<String, Refused> {
    let dir = repo_dir(shared, owner, repo)?;
    if reference.len() == 40 && reference.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Ok(reference.to_string());
    }
    git::branch_sha(&dir, reference).ok_or_else(|| {
        Box::new(error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "No commit found for SHA",
        ))
    })
}

async fn check_runs(
    State(shared): State<Arc<Shared>>,
    Path((owner, repo, reference)): ItemPath,
    Query(query): Params,
) -> Response {
    let sha = try_response!(resolve(&shared, &owner, &repo, &reference));
    let mut state = shared.state();
    let all = query.get("filter").is_some_and(|f| f == "all");
    let mut latest: BTreeMap<String, Value> = BTreeMap::new();
    let mut every = Vec::new();
    for run in state
        .repo(&format!("{owner}/{repo}"))
        .check_runs
        .iter()
        .filter(|r| r.head_sha == sha)
    {
        latest.insert(run.name.clone(), run.to_json());
        every.push(run.to_json());
    }
    let runs = if all {
        every
    } else {
        latest.into_values().collect()
    };
    let total = runs.len();
    axum::Json(json!({ "total_count": total, "check_runs": page(runs, &query) })).into_response()
}

fn check_run_event(shared: &Shared, full: &str, action: &str, run: &CheckRun, sender: &str) {
    shared.deliver(
        "check_run",
        json!({ "action": action, "check_run": run.to_json(), "repository": { "full_name": full }, "sender": { "login": sender } }),
    );
}

async fn create_check_run(
    State(shared): State<Arc<Shared>>,
    Path((owner, repo)): RepoPath,
    Extension(Login(login)): Extension<Login>,
    bytes: Bytes,
) -> Response {
    try_response!(repo_dir(&shared, &owner, &repo));
    let new = try_response!(body(&bytes));
    let (Some(name), Some(head_sha)) = (text(&new, "name"), text(&new, "head_sha")) else {
        return error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "name and head_sha are required",
        );
    };
    let conclusion = text(&new, "conclusion");
    let status = if conclusion.is_some() {
        "completed".into()
    } else {
        text(&new, "status").unwrap_or_else(|| "queued".into())
    };
    let full = format!("{owner}/{repo}");
    let mut state = shared.state();
    let run = CheckRun {
        id: state.id(),
        name,
        head_sha,
        status,
        conclusion,
        output: new.get("output").cloned().unwrap_or(Value::Null),
        app: login.clone(),
    };
    state.repo(&full).check_runs.push(run.clone());
    drop(state);
    check_run_event(&shared, &full, "created", &run, &login);
    super::auto_merge::settle(&shared);
    (StatusCode::CREATED, axum::Json(run.to_json())).into_response()
}

async fn update_check_run(
    State(shared): State<Arc<Shared>>,
    Path((owner, repo, id)): ItemPath,
    Extension(Login(login)): Extension<Login>,
    bytes: Bytes,
) -> Response {
    try_response!(repo_dir(&shared, &owner, &repo));
    let change = try_response!(body(&bytes));
    let full = format!("{owner}/{repo}");
    let mut state = shared.state();
    let Some(run) = state
        .repo(&full)
        .check_runs
        .iter_mut()
        .find(|r| r.id.to_string() == id)
    else {
        return error(StatusCode::NOT_FOUND, "Not Found");
    };
    if run.app != login {
        return error(
            StatusCode::FORBIDDEN,
            "Resource not accessible by integration",
        );
    }
    if let Some(name) = text(&change, "name") {
        run.name = name;
    }
    if let Some(status) = text(&change, "status") {
        run.status = status;
    }
    if let Some(conclusion) = text(&change, "conclusion") {
        run.conclusion = Some(conclusion);
        run.status = "completed".into();
    }
    if let Some(output) = change.get("output") {
        run.output = output.clone();
    }
    let run = run.clone();
    drop(state);
    let action = if run.status == "completed" {
        "completed"
    } else {
        "created"
    };
    check_run_event(&shared, &full, action, &run, &login);
    super::auto_merge::settle(&shared);
    axum::Json(run.to_json()).into_response()
}

fn latest_statuses(shared: &Shared, full: &str, sha: &str) -> Vec<Status> {
    let mut state = shared.state();
    let mut latest: BTreeMap<String, Status> = BTreeMap::new();
    for status in state.repo(full).statuses.iter().filter(|s| s.sha == sha) {
        latest.insert(status.context.clone(), status.clone());
    }
    latest.into_values().collect()
}

async fn combined_status(
    State(shared): State<Arc<Shared>>,
    Path((owner, repo, reference)): ItemPath,
    Query(query): Params,
) -> Response {
    let sha = try_response!(resolve(&shared, &owner, &repo, &reference));
    let latest = latest_statuses(&shared, &format!("{owner}/{repo}"), &sha);
    let combined = if latest
        .iter()
        .any(|s| s.state == "failure" || s.state == "error")
    {
        "failure"
    } else if latest.is_empty() || latest.iter().any(|s| s.state == "pending") {
        "pending"
    } else {
        "success"
    };
    let statuses: Vec<Value> = latest.iter().map(Status::to_json).collect();
    axum::Json(json!({ "state": combined, "sha": sha, "total_count": statuses.len(), "statuses": page(statuses, &query) })).into_response()
}

async fn statuses(
    State(shared): State<Arc<Shared>>,
    Path((owner, repo, reference)): ItemPath,
    Query(query): Params,
) -> Response {
    let sha = try_response!(resolve(&shared, &owner, &repo, &reference));
    let mut state = shared.state();
    let items: Vec<Value> = state
        .repo(&format!("{owner}/{repo}"))
        .statuses
        .iter()
        .rev()
        .filter(|s| s.sha == sha)
        .map(Status::to_json)
        .collect();
    axum::Json(page(items, &query)).into_response()
}

async fn create_status(
    State(shared): State<Arc<Shared>>,
    Path((owner, repo, sha)): ItemPath,
    Extension(Login(login)): Extension<Login>,
    bytes: Bytes,
) -> Response {
    try_response!(repo_dir(&shared, &owner, &repo));
    let new = try_response!(body(&bytes));
    let state_name = text(&new, "state").unwrap_or_default();
    if !["pending", "success", "failure", "error"].contains(&state_name.as_str()) {
        return error(StatusCode::UNPROCESSABLE_ENTITY, "Validation Failed: state");
    }
    let full = format!("{owner}/{repo}");
    let mut state = shared.state();
    let status = Status {
        id: state.id(),
        sha,
        state: state_name,
        context: text(&new, "context").unwrap_or_else(|| "default".into()),
    };
    state.repo(&full).statuses.push(status.clone());
    drop(state);
    let mut payload = status.to_json();
    payload["repository"] = json!({ "full_name": full });
    payload["sender"] = json!({ "login": login });
    shared.deliver("status", payload);
    super::auto_merge::settle(&shared);
    (StatusCode::CREATED, axum::Json(status.to_json())).into_response()
}
