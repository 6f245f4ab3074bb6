//! Auto-merge on the fake: a minimal `POST /graphql` answering the one mutation sluice
//! sends, `enablePullRequestAutoMerge` (refused, as GitHub does, for a pull request that
//! is mergeable at once: its base requires no checks), and the merge GitHub then does by
//! itself once every check the base branch requires succeeded on the head
//! ([`settle`], run after each check run and status).

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde_json::{Value, json};

use super::git;
use super::protection::key;
use super::state::State as FakeState;
use super::{Shared, error};

/// The routes of this file.
pub fn routes() -> Router<Arc<Shared>> {
    Router::new().route("/graphql", post(graphql))
}

/// The GraphQL node id of pull request `number` of `full_name`.
pub fn node_id(full_name: &str, number: u64) -> String {
    format!("PR_{}_{number}", full_name.replace('/', "__"))
}

fn errors(message: &str) -> Response {
    axum::Json(json!({ "data": null, "errors": [{ "message": message }] })).into_response()
}

/// The checks `base` of `full_name` requires (protection and rulesets).
fn required(state: &FakeState, full_name: &str, base: &str) -> Vec<String> {
    let key = key(full_name, base);
    let mut names: Vec<String> = state.protection.get(&key).cloned().unwrap_or_default();
    names.extend(state.rulesets.get(&key).cloned().unwrap_or_default());
    names
}

async fn graphql(State(shared): State<Arc<Shared>>, bytes: Bytes) -> Response {
    let Ok(request) = serde_json::from_slice::<Value>(&bytes) else {
        return error(axum::http::StatusCode::BAD_REQUEST, "Problems parsing JSON");
    };
    let query = request
        .get("query")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if !query.contains("enablePullRequestAutoMerge") {
        return errors("the fake GitHub only answers enablePullRequestAutoMerge");
    }
    let variable = |name: &str| {
        request
            .pointer(&format!("/variables/{name}"))
            .and_then(Value::as_str)
    };
    let (Some(id), head) = (variable("id"), variable("head")) else {
        return errors("pullRequestId is required");
    };
    let mut state = shared.state();
    let found = state.repos.iter().find_map(|(full, repo)| {
        repo.pulls
            .values()
            .find(|p| node_id(full, p.number) == id)
            .map(|p| {
                (
                    full.clone(),
                    p.number,
                    p.base.clone(),
                    p.head_sha.clone(),
                    p.state.clone(),
                )
            })
    });
    let Some((full, number, base, head_sha, pr_state)) = found else {
        return errors(&format!(
            "Could not resolve to a node with the global id of '{id}'"
        ));
    };
    if pr_state != "open" {
        return errors("Pull request is closed");
    }
    if head.is_some_and(|h| h != head_sha) {
        return errors("Head sha didn't match expected head sha");
    }
    if required(&state, &full, &base).is_empty() {
        return errors("Pull request Pull request is in clean status");
    }
    if let Some(pr) = state.repo(&full).pulls.get_mut(&number) {
        pr.auto_merge = Some("SQUASH".into());
    }
    drop(state);
    settle(&shared);
    axum::Json(json!({ "data": { "enablePullRequestAutoMerge": { "pullRequest": { "number": number } } } }))
        .into_response()
}

/// Merges every open pull request with auto-merge on whose base's required checks all
/// succeeded on its head (a check run completed with success, neutral or skipped, or a
/// commit status `success`).
pub fn settle(shared: &Shared) {
    let mut state = shared.state();
    let waiting: Vec<(String, u64, String, String, String)> = state
        .repos
        .iter()
        .flat_map(|(full, repo)| {
            repo.pulls
                .values()
                .filter(|p| p.state == "open" && p.auto_merge.is_some())
                .map(|p| {
                    (
                        full.clone(),
                        p.number,
                        p.base.clone(),
                        p.head_sha.clone(),
                        p.title.clone(),
                    )
                })
                .collect::<Vec<_>>()
        })
        .collect();
    for (full, number, base, head, title) in waiting {
        let required = required(&state, &full, &base);
        let records = state.repo(&full);
        let passed = |name: &String| {
            let run = records
                .check_runs
                .iter()
                .rev()
                .find(|r| &r.name == name && r.head_sha == head);
            let status = records
                .statuses
                .iter()
                .rev()
                .find(|s| &s.context == name && s.sha == head);
            run.is_some_and(|r| {
                matches!(
                    r.conclusion.as_deref(),
                    Some("success" | "neutral" | "skipped")
                )
            }) || status.is_some_and(|s| s.state == "success")
        };
        if !required.iter().all(passed) {
            continue;
        }
        let (owner, name) = full.split_once('/').unwrap_or_default();
        let Some(dir) = shared.repo_dir(owner, name) else {
            continue;
        };
        let Some(base_sha) = git::branch_sha(&dir, &base) else {
            continue;
        };
        let message = format!("{title} (#{number})");
        if let Ok(commit) = git::merge(&dir, &base, &base_sha, &head, &message, true)
            && let Some(pr) = state.repo(&full).pulls.get_mut(&number)
        {
            pr.state = "closed".into();
            pr.merge_commit_sha = Some(commit);
        }
    }
}
