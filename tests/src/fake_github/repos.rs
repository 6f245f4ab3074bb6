//! Repositories: read, with their visibility (public unless a scenario made one private)
//! and whether merges delete head branches (`delete_branch_on_merge`, off unless a
//! scenario turned it on).

use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::json;

use super::Shared;
use super::pulls::repo_dir;

/// The routes of this file.
pub fn routes() -> Router<Arc<Shared>> {
    Router::new().route("/repos/{owner}/{repo}", get(show))
}

async fn show(
    State(shared): State<Arc<Shared>>,
    Path((owner, repo)): Path<(String, String)>,
) -> Response {
    if let Err(refused) = repo_dir(&shared, &owner, &repo) {
        return *refused;
    }
    let full_name = format!("{owner}/{repo}");
    let (private, delete_branch_on_merge) = {
        let mut state = shared.state();
        let kept = state.repo(&full_name);
        (kept.private, kept.delete_branch_on_merge)
    };
    let body = json!({
        "name": repo,
        "full_name": full_name,
        "private": private,
        "visibility": if private { "private" } else { "public" },
        "delete_branch_on_merge": delete_branch_on_merge,
    });
    axum::Json(body).into_response()
}
