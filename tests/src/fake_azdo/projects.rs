//! Projects: read, with their visibility (`private` unless a scenario made it public).

use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, RawQuery, State as AxumState};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::json;

use super::pulls::query;
use super::state::{RepoRef, project_id};
use super::{Shared, error};

/// The routes.
pub fn routes() -> Router<Arc<Shared>> {
    Router::new().route("/{org}/_apis/projects/{project}", get(show))
}

async fn show(
    AxumState(shared): AxumState<Arc<Shared>>,
    Path((org, project)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
) -> Response {
    if let Err(refused) = query(raw, "7.1") {
        return *refused;
    }
    if !shared.root.join(&org).join(&project).is_dir() {
        let message = format!("TF200016: The following project does not exist: {project}.");
        return error(
            StatusCode::NOT_FOUND,
            "ProjectDoesNotExistWithNameException",
            &message,
        );
    }
    let key = format!("{org}/{project}");
    let public = shared.state().public_projects.contains(&key);
    let reference = RepoRef {
        org,
        project: project.clone(),
        name: String::new(),
    };
    let body = json!({
        "id": project_id(&reference),
        "name": project,
        "state": "wellFormed",
        "visibility": if public { "public" } else { "private" },
    });
    axum::Json(body).into_response()
}
