//! Repositories: read, with their visibility (public unless a scenario made one private).

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
    let private = shared.state().repo(&full_name).private;
    let body = json!({
        "name": repo,
        "full_name": full_name,
        "private": private,
        "visibility": if private { "private" } else { "public" },
    });
    axum::Json(body).into_response()
}
