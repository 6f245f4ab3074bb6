//! What people say on pull requests: reviews, issue comments (edited in place by their
//! author only) and labels.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Extension;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, patch};
use serde_json::{Value, json};

use super::pulls::{body, page, repo_dir};
use super::records::text;
use super::state::{Comment, Review};
use super::{Login, Refused, Shared, error};

/// The routes of this file.
pub fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route(
            "/repos/{owner}/{repo}/pulls/{number}/reviews",
            get(reviews).post(create_review),
        )
        .route(
            "/repos/{owner}/{repo}/issues/{number}/comments",
            get(comments).post(create_comment),
        )
        .route(
            "/repos/{owner}/{repo}/issues/comments/{id}",
            patch(update_comment),
        )
        .route(
            "/repos/{owner}/{repo}/issues/{number}/labels",
            get(labels).post(add_labels),
        )
        .route(
            "/repos/{owner}/{repo}/collaborators/{login}/permission",
            get(permission),
        )
}

/// A user's permission on a repository (as granted with
/// [`super::FakeGitHub::grant`]; `none` for anyone else).
async fn permission(
    State(shared): State<Arc<Shared>>,
    Path((owner, repo, login)): ItemPath,
) -> Response {
    try_response!(repo_dir(&shared, &owner, &repo));
    let state = shared.state();
    let permission = state
        .permissions
        .get(&login)
        .cloned()
        .unwrap_or_else(|| "none".into());
    axum::Json(
        json!({ "permission": permission, "role_name": permission, "user": { "login": login } }),
    )
    .into_response()
}

type ItemPath = Path<(String, String, String)>;
type Params = Query<HashMap<String, String>>;

fn number(raw: &str) -> Result<u64, Refused> {
    raw.parse()
        .map_err(|_| Box::new(error(StatusCode::NOT_FOUND, "Not Found")))
}

/// The pull request's head commit, or 404 when there is no such pull request.
fn pull_head(shared: &Shared, full: &str, number: u64) -> Result<String, Refused> {
    let mut state = shared.state();
    state
        .repo(full)
        .pulls
        .get(&number)
        .map(|p| p.head_sha.clone())
        .ok_or_else(|| Box::new(error(StatusCode::NOT_FOUND, "Not Found")))
}

async fn reviews(
    State(shared): State<Arc<Shared>>,
    Path((owner, repo, n)): ItemPath,
    Query(query): Params,
) -> Response {
    try_response!(repo_dir(&shared, &owner, &repo));
    let n = try_response!(number(&n));
    let full = format!("{owner}/{repo}");
    try_response!(pull_head(&shared, &full, n));
    let mut state = shared.state();
    let items: Vec<Value> = state
        .repo(&full)
        .reviews
        .iter()
        .filter(|r| r.number == n)
        .map(Review::to_json)
        .collect();
    axum::Json(page(items, &query)).into_response()
}

async fn create_review(
    State(shared): State<Arc<Shared>>,
    Path((owner, repo, n)): ItemPath,
    Extension(Login(login)): Extension<Login>,
    bytes: Bytes,
) -> Response {
    try_response!(repo_dir(&shared, &owner, &repo));
    let n = try_response!(number(&n));
    let new = try_response!(body(&bytes));
    let full = format!("{owner}/{repo}");
    let commit_id = try_response!(pull_head(&shared, &full, n));
    let verdict = match text(&new, "event").as_deref() {
        Some("APPROVE") => "APPROVED",
        Some("REQUEST_CHANGES") => "CHANGES_REQUESTED",
        Some("COMMENT") => "COMMENTED",
        _ => return error(StatusCode::UNPROCESSABLE_ENTITY, "Validation Failed: event"),
    };
    let mut state = shared.state();
    let review = Review {
        id: state.id(),
        number: n,
        user: login.clone(),
        state: verdict.into(),
        commit_id,
    };
    state.repo(&full).reviews.push(review.clone());
    drop(state);
    shared.deliver(
        "pull_request_review",
        json!({ "action": "submitted", "review": review.to_json(), "pull_request": { "number": n }, "repository": { "full_name": full }, "sender": { "login": login } }),
    );
    axum::Json(review.to_json()).into_response()
}

async fn comments(
    State(shared): State<Arc<Shared>>,
    Path((owner, repo, n)): ItemPath,
    Query(query): Params,
) -> Response {
    try_response!(repo_dir(&shared, &owner, &repo));
    let n = try_response!(number(&n));
    let full = format!("{owner}/{repo}");
    try_response!(pull_head(&shared, &full, n));
    let mut state = shared.state();
    let items: Vec<Value> = state
        .repo(&full)
        .comments
        .iter()
        .filter(|c| c.number == n)
        .map(Comment::to_json)
        .collect();
    axum::Json(page(items, &query)).into_response()
}

async fn create_comment(
    State(shared): State<Arc<Shared>>,
    Path((owner, repo, n)): ItemPath,
    Extension(Login(login)): Extension<Login>,
    bytes: Bytes,
) -> Response {
    try_response!(repo_dir(&shared, &owner, &repo));
    let n = try_response!(number(&n));
    let new = try_response!(body(&bytes));
    let full = format!("{owner}/{repo}");
    try_response!(pull_head(&shared, &full, n));
    let Some(text_body) = text(&new, "body") else {
        return error(StatusCode::UNPROCESSABLE_ENTITY, "Validation Failed: body");
    };
    let mut state = shared.state();
    let comment = Comment {
        id: state.id(),
        number: n,
        user: login.clone(),
        body: text_body,
    };
    state.repo(&full).comments.push(comment.clone());
    drop(state);
    shared.deliver(
        "issue_comment",
        json!({ "action": "created", "comment": comment.to_json(), "issue": { "number": n, "pull_request": {} }, "repository": { "full_name": full }, "sender": { "login": login } }),
    );
    (StatusCode::CREATED, axum::Json(comment.to_json())).into_response()
}

async fn update_comment(
    State(shared): State<Arc<Shared>>,
    Path((owner, repo, id)): ItemPath,
    Extension(Login(login)): Extension<Login>,
    bytes: Bytes,
) -> Response {
    try_response!(repo_dir(&shared, &owner, &repo));
    let change = try_response!(body(&bytes));
    let mut state = shared.state();
    let Some(comment) = state
        .repo(&format!("{owner}/{repo}"))
        .comments
        .iter_mut()
        .find(|c| c.id.to_string() == id)
    else {
        return error(StatusCode::NOT_FOUND, "Not Found");
    };
    if comment.user != login {
        return error(
            StatusCode::FORBIDDEN,
            "Must have admin rights to Repository.",
        );
    }
    if let Some(new_body) = text(&change, "body") {
        comment.body = new_body;
    }
    axum::Json(comment.to_json()).into_response()
}

async fn labels(State(shared): State<Arc<Shared>>, Path((owner, repo, n)): ItemPath) -> Response {
    try_response!(repo_dir(&shared, &owner, &repo));
    let n = try_response!(number(&n));
    let mut state = shared.state();
    match state.repo(&format!("{owner}/{repo}")).pulls.get(&n) {
        Some(pr) => axum::Json(
            pr.labels
                .iter()
                .map(|l| json!({ "name": l }))
                .collect::<Vec<_>>(),
        )
        .into_response(),
        None => error(StatusCode::NOT_FOUND, "Not Found"),
    }
}

async fn add_labels(
    State(shared): State<Arc<Shared>>,
    Path((owner, repo, n)): ItemPath,
    bytes: Bytes,
) -> Response {
    try_response!(repo_dir(&shared, &owner, &repo));
    let n = try_response!(number(&n));
    let new = try_response!(body(&bytes));
    let Some(names) = new.get("labels").and_then(Value::as_array) else {
        return error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Validation Failed: labels",
        );
    };
    let mut state = shared.state();
    let Some(pr) = state.repo(&format!("{owner}/{repo}")).pulls.get_mut(&n) else {
        return error(StatusCode::NOT_FOUND, "Not Found");
    };
    for name in names.iter().filter_map(Value::as_str) {
        if !pr.labels.iter().any(|l| l == name) {
            pr.labels.push(name.to_string());
        }
    }
    axum::Json(
        pr.labels
            .iter()
            .map(|l| json!({ "name": l }))
            .collect::<Vec<_>>(),
    )
    .into_response()
}
