//! Handlers of the HTTP API.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sluice_core::flow::{BuildId, Check, Review};

use super::AppState;
use crate::engine::TriggerError;
use crate::store::{BuildQuery, NewBuild, PullRequestQuery, StoreError};

/// An API error: status and message.
pub(super) struct ApiError(pub(super) StatusCode, pub(super) String);

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.0, Json(json!({"error": self.1}))).into_response()
    }
}

impl From<StoreError> for ApiError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::NotFound { .. } => ApiError(StatusCode::NOT_FOUND, err.to_string()),
            StoreError::Conflict(m) => ApiError(StatusCode::CONFLICT, m),
            other => ApiError(StatusCode::INTERNAL_SERVER_ERROR, other.to_string()),
        }
    }
}

impl From<TriggerError> for ApiError {
    fn from(err: TriggerError) -> Self {
        match err {
            TriggerError::Invalid(m) => ApiError(StatusCode::BAD_REQUEST, m),
            TriggerError::NotFound(m) => ApiError(StatusCode::NOT_FOUND, m),
            TriggerError::Conflict(m) => ApiError(StatusCode::CONFLICT, m),
            TriggerError::NotReady => ApiError(StatusCode::SERVICE_UNAVAILABLE, err.to_string()),
            TriggerError::Store(e) => e.into(),
            TriggerError::Unavailable(m) => ApiError(StatusCode::SERVICE_UNAVAILABLE, m),
        }
    }
}

type ApiResult<T> = Result<Json<T>, ApiError>;

/// The most rows one listing answers; later pages follow with `before=ID`.
pub(super) const MAX_LIMIT: u32 = 200;

pub(super) async fn readyz(State(state): State<AppState>) -> Response {
    if state.is_ready() {
        // A standby serves reads and keeps its watches warm: ready all the same.
        let role = if state.engine.may_act().get() {
            "ready\n"
        } else {
            "ready (standby: another replica holds the lease)\n"
        };
        (StatusCode::OK, role).into_response()
    } else {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            "no valid configuration loaded yet\n",
        )
            .into_response()
    }
}

pub(super) async fn metrics(State(state): State<AppState>) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        state.engine.metrics.encode(),
    )
        .into_response()
}

/// The last configuration load, and whether a valid configuration is in force (an
/// invalid load leaves the previous one in force; before any valid load there is none).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct ConfigView {
    #[serde(flatten)]
    report: super::ConfigReport,
    in_force: bool,
}

pub(super) async fn config(State(state): State<AppState>) -> ApiResult<ConfigView> {
    Ok(Json(ConfigView {
        report: state
            .config_report
            .read()
            .map(|r| r.clone())
            .unwrap_or_default(),
        in_force: state.is_ready(),
    }))
}

pub(super) async fn publish_build(
    State(state): State<AppState>,
    Json(build): Json<NewBuild>,
) -> Result<(StatusCode, Json<crate::engine::Published>), ApiError> {
    let engine = state.engine.clone();
    let published = tokio::task::spawn_blocking(move || engine.publish_build(&build))
        .await
        .map_err(internal)??;
    let status = if published.created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(published)))
}

pub(super) async fn list_builds(
    State(state): State<AppState>,
    Query(mut query): Query<BuildQuery>,
) -> ApiResult<Vec<sluice_core::flow::BuildInfo>> {
    query.limit = Some(query.limit.unwrap_or(100).min(MAX_LIMIT));
    Ok(Json(state.engine.store().builds(&query)?))
}

#[derive(Serialize)]
pub(super) struct BuildDetails {
    build: sluice_core::flow::BuildInfo,
    flow: Vec<crate::engine::BuildFlowEntry>,
    events: Vec<crate::store::FlowEvent>,
}

pub(super) async fn show_build(
    State(state): State<AppState>,
    Path(id): Path<BuildId>,
) -> ApiResult<BuildDetails> {
    let store = state.engine.store();
    let build = store
        .build(id)?
        .ok_or_else(|| ApiError(StatusCode::NOT_FOUND, format!("build {id} not found")))?;
    Ok(Json(BuildDetails {
        flow: state.engine.build_flow(id)?,
        events: store.events_for_build(id)?,
        build,
    }))
}

#[derive(Deserialize)]
pub(super) struct ChannelRequest {
    channel: String,
}

pub(super) async fn add_to_channel(
    State(state): State<AppState>,
    Path(id): Path<BuildId>,
    Json(req): Json<ChannelRequest>,
) -> ApiResult<serde_json::Value> {
    let added = state.engine.add_to_channel(id, &req.channel)?;
    Ok(Json(json!({"added": added})))
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct TriggerRequest {
    #[serde(default)]
    build: Option<BuildId>,
    #[serde(default)]
    force: bool,
}

/// A trigger's body: none (or blanks) means the defaults; anything else must be a JSON
/// object of the request's fields, whatever the headers say.
fn trigger_request(body: &[u8]) -> Result<TriggerRequest, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(TriggerRequest::default());
    }
    let bad =
        |e: serde_json::Error| ApiError(StatusCode::BAD_REQUEST, format!("trigger body: {e}"));
    let value: serde_json::Value = serde_json::from_slice(body).map_err(bad)?;
    if !value.is_object() {
        return Err(ApiError(
            StatusCode::BAD_REQUEST,
            "trigger body: expected a JSON object such as {\"build\": 42, \"force\": false}".into(),
        ));
    }
    serde_json::from_value(value).map_err(bad)
}

pub(super) async fn trigger(
    State(state): State<AppState>,
    Path(name): Path<String>,
    body: axum::body::Bytes,
) -> ApiResult<crate::engine::TriggerReport> {
    let req = trigger_request(&body)?;
    Ok(Json(
        state
            .engine
            .trigger_subscription(&name, req.build, req.force)?,
    ))
}

pub(super) async fn status(
    State(state): State<AppState>,
) -> ApiResult<Vec<crate::engine::SubscriptionStatusView>> {
    Ok(Json(state.engine.status()?))
}

#[derive(Deserialize)]
pub(super) struct Limit {
    limit: Option<u32>,
}

pub(super) async fn events(
    State(state): State<AppState>,
    Query(q): Query<Limit>,
) -> ApiResult<Vec<crate::store::FlowEvent>> {
    Ok(Json(
        state
            .engine
            .store()
            .recent_events(q.limit.unwrap_or(100).min(MAX_LIMIT))?,
    ))
}

pub(super) async fn list_pull_requests(
    State(state): State<AppState>,
    Query(mut query): Query<PullRequestQuery>,
) -> ApiResult<Vec<crate::store::LocalPullRequest>> {
    query.limit = Some(query.limit.unwrap_or(100).min(MAX_LIMIT));
    Ok(Json(
        state
            .engine
            .forges()
            .native()
            .store()
            .local_pull_request_page(&query)?,
    ))
}

fn pull_request_view(
    state: &AppState,
    number: i64,
) -> Result<crate::engine::PullRequestView, ApiError> {
    state.engine.pull_request_view(number)?.ok_or_else(|| {
        ApiError(
            StatusCode::NOT_FOUND,
            format!("pull request #{number} not found"),
        )
    })
}

pub(super) async fn show_pull_request(
    State(state): State<AppState>,
    Path(number): Path<i64>,
) -> ApiResult<crate::engine::PullRequestView> {
    Ok(Json(pull_request_view(&state, number)?))
}

pub(super) async fn pull_request_page(
    State(state): State<AppState>,
    Path(number): Path<i64>,
) -> Result<Response, ApiError> {
    let view = pull_request_view(&state, number)?;
    let mut text = view.summary();
    text.push_str(&format!("\n{}\n", view.pull_request.description));
    for c in &view.pull_request.comments {
        text.push_str(&format!("\ncomment:\n{c}\n"));
    }
    Ok(([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], text).into_response())
}

/// A check report: the check, and optionally the commit it ran on.
#[derive(Deserialize)]
pub(super) struct CheckReport {
    #[serde(flatten)]
    check: Check,
    #[serde(default)]
    commit: Option<String>,
}

pub(super) async fn report_check(
    State(state): State<AppState>,
    Path(number): Path<i64>,
    Json(report): Json<CheckReport>,
) -> ApiResult<serde_json::Value> {
    if report.check.name.trim().is_empty() {
        return Err(ApiError(
            StatusCode::BAD_REQUEST,
            "a check needs a name".into(),
        ));
    }
    state
        .engine
        .report_check(number, &report.check, report.commit.as_deref())
        .await?;
    Ok(Json(
        json!({"pullRequest": number, "check": report.check.name}),
    ))
}

pub(super) async fn merge_pull_request(
    State(state): State<AppState>,
    Path(number): Path<i64>,
) -> ApiResult<serde_json::Value> {
    state.engine.merge_local_pull_request(number).await?;
    Ok(Json(json!({"pullRequest": number, "state": "Merged"})))
}

pub(super) async fn report_review(
    State(state): State<AppState>,
    Path(number): Path<i64>,
    Json(review): Json<Review>,
) -> ApiResult<serde_json::Value> {
    if review.reviewer.trim().is_empty() {
        return Err(ApiError(
            StatusCode::BAD_REQUEST,
            "a review needs a reviewer".into(),
        ));
    }
    state.engine.report_review(number, &review)?;
    Ok(Json(
        json!({"pullRequest": number, "reviewer": review.reviewer}),
    ))
}

pub(super) async fn close_pull_request(
    State(state): State<AppState>,
    Path(number): Path<i64>,
) -> ApiResult<serde_json::Value> {
    state.engine.close_local_pull_request(number).await?;
    Ok(Json(json!({"pullRequest": number, "state": "Closed"})))
}

pub(super) fn internal(err: impl std::fmt::Display) -> ApiError {
    ApiError(StatusCode::INTERNAL_SERVER_ERROR, err.to_string())
}
