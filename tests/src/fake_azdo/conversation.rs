//! What surrounds a pull request: comment threads (created, listed, their comments
//! edited by their author only), statuses (posted by a CI, listed), policy evaluations
//! (listed by artifact id, set by scenarios through [`super::Shared::set_policy`]) and
//! ref updates (branch deletion with a compare-and-swap on the old commit).

use std::sync::Arc;

use axum::Router;
use axum::extract::{Extension, Path, RawQuery, State as AxumState};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, patch, post};
use serde_json::{Value, json};

use super::pulls::{REPO, addressed, listed, query, repo};
use super::state::{Comment, Status, Thread, project_id};
use super::{Identity, Shared, error};
use crate::fake_github::git;

/// The routes.
pub fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route(
            &format!("{REPO}/pullrequests/{{id}}/threads"),
            get(threads).post(new_thread),
        )
        .route(
            &format!("{REPO}/pullrequests/{{id}}/threads/{{thread}}/comments/{{comment}}"),
            patch(edit_comment),
        )
        .route(
            &format!("{REPO}/pullrequests/{{id}}/statuses"),
            get(statuses).post(new_status),
        )
        .route(&format!("{REPO}/refs"), post(update_refs))
        .route(
            "/{org}/{project}/_apis/policy/evaluations",
            get(evaluations),
        )
}

type PullPath = Path<(String, String, String, u64)>;

fn thread_json(thread: &Thread) -> Value {
    let comments: Vec<Value> = thread
        .comments
        .iter()
        .map(|c| json!({"id": c.id, "content": c.content, "author": {"uniqueName": c.author}, "commentType": "text"}))
        .collect();
    json!({"id": thread.id, "status": thread.status, "comments": comments})
}

async fn threads(
    AxumState(shared): AxumState<Arc<Shared>>,
    Path(path): PullPath,
    RawQuery(raw): RawQuery,
) -> Response {
    let pull = try_response!(addressed(&shared, &path, raw));
    let value: Vec<Value> = pull.threads.iter().map(thread_json).collect();
    listed(value)
}

async fn new_thread(
    AxumState(shared): AxumState<Arc<Shared>>,
    Extension(Identity(who)): Extension<Identity>,
    Path(path): PullPath,
    RawQuery(raw): RawQuery,
    axum::Json(body): axum::Json<Value>,
) -> Response {
    let mut pull = try_response!(addressed(&shared, &path, raw));
    let id = pull.id;
    let Some(content) = body.pointer("/comments/0/content").and_then(Value::as_str) else {
        return error(
            StatusCode::BAD_REQUEST,
            "InvalidArgumentValueException",
            "a thread needs a comment",
        );
    };
    let thread = Thread {
        id: pull.threads.len() as u64 + 1,
        status: body
            .get("status")
            .and_then(Value::as_str)
            .unwrap_or("active")
            .into(),
        comments: vec![Comment {
            id: 1,
            content: content.into(),
            author: who,
        }],
    };
    let answer = thread_json(&thread);
    pull.threads.push(thread);
    shared.state().pulls.insert(id, pull.clone());
    shared.deliver("ms.vss-code.git-pullrequest-comment-event", &pull);
    (StatusCode::OK, axum::Json(answer)).into_response()
}

async fn edit_comment(
    AxumState(shared): AxumState<Arc<Shared>>,
    Extension(Identity(who)): Extension<Identity>,
    Path((org, project, name, id, thread, comment)): Path<(String, String, String, u64, u64, u64)>,
    RawQuery(raw): RawQuery,
    axum::Json(body): axum::Json<Value>,
) -> Response {
    let path = (org, project, name, id);
    let mut pull = try_response!(addressed(&shared, &path, raw));
    let Some(target) = pull
        .threads
        .iter_mut()
        .find(|t| t.id == thread)
        .and_then(|t| t.comments.iter_mut().find(|c| c.id == comment))
    else {
        return error(
            StatusCode::NOT_FOUND,
            "CommentNotFoundException",
            "no such comment",
        );
    };
    if target.author != who {
        return error(
            StatusCode::FORBIDDEN,
            "UnauthorizedRequestException",
            "only the author edits a comment",
        );
    }
    target.content = body
        .get("content")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .into();
    let answer = json!({"id": target.id, "content": target.content});
    shared.state().pulls.insert(id, pull.clone());
    shared.deliver("ms.vss-code.git-pullrequest-comment-event", &pull);
    axum::Json(answer).into_response()
}

async fn statuses(
    AxumState(shared): AxumState<Arc<Shared>>,
    Path(path): PullPath,
    RawQuery(raw): RawQuery,
) -> Response {
    let pull = try_response!(addressed(&shared, &path, raw));
    let value: Vec<Value> = pull
        .statuses
        .iter()
        .enumerate()
        .map(|(i, s)| json!({"id": i + 1, "state": s.state, "context": {"genre": s.genre, "name": s.name}}))
        .collect();
    listed(value)
}

async fn new_status(
    AxumState(shared): AxumState<Arc<Shared>>,
    Path(path): PullPath,
    RawQuery(raw): RawQuery,
    axum::Json(body): axum::Json<Value>,
) -> Response {
    let id = try_response!(addressed(&shared, &path, raw)).id;
    let text = |pointer: &str| {
        body.pointer(pointer)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    };
    let status = Status {
        genre: text("/context/genre"),
        name: text("/context/name"),
        state: text("/state"),
    };
    shared.update(id, |pull| pull.statuses.push(status));
    (StatusCode::OK, axum::Json(body)).into_response()
}

async fn evaluations(
    AxumState(shared): AxumState<Arc<Shared>>,
    Path((org, project)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
) -> Response {
    let params = try_response!(query(raw, "7.1-preview.1"));
    let artifact = params.get("artifactId").cloned().unwrap_or_default();
    let Some(rest) = artifact.strip_prefix("vstfs:///CodeReview/CodeReviewId/") else {
        return error(
            StatusCode::BAD_REQUEST,
            "InvalidArgumentValueException",
            "artifactId is not a pull request's",
        );
    };
    let (project_guid, id) = rest.split_once('/').unwrap_or((rest, ""));
    let pull = id.parse::<u64>().ok().and_then(|id| shared.pull(id));
    let Some(pull) = pull.filter(|p| {
        p.repo.org == org && p.repo.project == project && project_id(&p.repo) == project_guid
    }) else {
        return axum::Json(json!({"value": [], "count": 0})).into_response();
    };
    let value: Vec<Value> = pull
        .evaluations
        .iter()
        .enumerate()
        .map(|(i, e)| json!({
            "evaluationId": format!("{}-{i}", pull.id),
            "status": e.status,
            "configuration": {"isEnabled": true, "isBlocking": e.blocking, "type": {"displayName": e.name}, "settings": {}},
        }))
        .collect();
    listed(value)
}

async fn update_refs(
    AxumState(shared): AxumState<Arc<Shared>>,
    Path((org, project, name)): Path<(String, String, String)>,
    RawQuery(raw): RawQuery,
    axum::Json(body): axum::Json<Value>,
) -> Response {
    try_response!(query(raw, "7.1"));
    let repo = try_response!(repo(&shared, &org, &project, &name));
    let dir = shared.repo_dir(&repo).unwrap_or_default();
    let mut results = Vec::new();
    for update in body.as_array().into_iter().flatten() {
        let text = |field: &str| {
            update
                .get(field)
                .and_then(Value::as_str)
                .unwrap_or_default()
        };
        let branch = text("name").strip_prefix("refs/heads/").unwrap_or_default();
        let deletion = text("newObjectId").bytes().all(|b| b == b'0');
        let current = git::branch_sha(&dir, branch);
        let success = deletion
            && current.as_deref() == Some(text("oldObjectId"))
            && git::delete_branch(&dir, branch);
        results.push(json!({"name": text("name"), "success": success}));
    }
    axum::Json(json!({"value": results, "count": results.len()})).into_response()
}
