//! Branch protection and rulesets, as far as checks go: the checks a branch requires,
//! by classic protection (`.../branches/{b}/protection/required_status_checks`, 404 when
//! the branch is not protected) and by rulesets (`.../rules/branches/{b}`).

use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::json;

use super::pulls::repo_dir;
use super::{Shared, error};

/// The routes of this file.
pub fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route(
            "/repos/{owner}/{repo}/branches/{branch}/protection/required_status_checks",
            get(protection),
        )
        .route("/repos/{owner}/{repo}/rules/branches/{branch}", get(rules))
}

/// The key of a branch in [`super::State::protection`] and [`super::State::rulesets`].
pub fn key(full_name: &str, branch: &str) -> String {
    format!("{full_name}:{branch}")
}

async fn protection(
    State(shared): State<Arc<Shared>>,
    Path((owner, repo, branch)): Path<(String, String, String)>,
) -> Response {
    try_response!(repo_dir(&shared, &owner, &repo));
    let state = shared.state();
    match state
        .protection
        .get(&key(&format!("{owner}/{repo}"), &branch))
    {
        Some(names) => {
            let checks: Vec<_> = names
                .iter()
                .map(|n| json!({"context": n, "app_id": null}))
                .collect();
            axum::Json(json!({"strict": false, "contexts": names, "checks": checks}))
                .into_response()
        }
        None => error(StatusCode::NOT_FOUND, "Branch not protected"),
    }
}

async fn rules(
    State(shared): State<Arc<Shared>>,
    Path((owner, repo, branch)): Path<(String, String, String)>,
) -> Response {
    try_response!(repo_dir(&shared, &owner, &repo));
    let state = shared.state();
    let rules: Vec<_> = state
        .rulesets
        .get(&key(&format!("{owner}/{repo}"), &branch))
        .into_iter()
        .map(|names| {
            let checks: Vec<_> = names.iter().map(|n| json!({"context": n})).collect();
            json!({
                "type": "required_status_checks",
                "ruleset_id": 1,
                "parameters": {
                    "strict_required_status_checks_policy": false,
                    "required_status_checks": checks,
                },
            })
        })
        .collect();
    axum::Json(rules).into_response()
}
