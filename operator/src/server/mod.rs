//! The HTTP API: builds, triggers, checks and reviews, status; health, readiness and
//! metrics; GitHub's signed webhook deliveries and Azure DevOps's service hooks. JSON in and out; errors are `{"error": "..."}` with a 4xx or 5xx status.

mod api;
pub mod auth;
mod flow_api;
mod rejections;
pub mod webhooks;
pub mod webhooks_azure;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use axum::Router;
use axum::routing::{get, post};

use crate::engine::Engine;

/// Shared state of the handlers.
#[derive(Clone)]
pub struct AppState {
    /// The engine.
    pub engine: Arc<Engine>,
    /// Set once a valid configuration is in force.
    pub ready: Arc<AtomicBool>,
    /// Findings of the last configuration load, as text lines.
    pub config_report: Arc<std::sync::RwLock<ConfigReport>>,
    /// Who may use the API.
    pub access: Arc<auth::Access>,
    /// The secret GitHub signs webhook deliveries with (`None`: no GitHub webhooks).
    pub github_webhook_secret: Option<crate::secret_source::SecretSource>,
    /// The password Azure DevOps service hooks send (`None`: no Azure DevOps hooks).
    pub azure_devops_webhook_secret: Option<crate::secret_source::SecretSource>,
}

/// The outcome of the last configuration load.
#[derive(Debug, Clone, Default, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ConfigReport {
    /// Where the configuration comes from.
    pub source: String,
    /// Whether the last load was valid (an invalid load leaves the previous config in force).
    pub valid: bool,
    /// When it was loaded (RFC 3339).
    pub loaded_at: String,
    /// Findings, as `file:line:col: severity[rule]: message`.
    pub diagnostics: Vec<String>,
    /// Resources in force.
    pub resources: usize,
}

impl AppState {
    /// Whether a configuration is in force.
    pub fn is_ready(&self) -> bool {
        self.ready.load(Ordering::SeqCst)
    }
}

/// The largest request body accepted (413 beyond): a build with thousands of assets fits.
pub const MAX_BODY: usize = 1024 * 1024;

/// The router of the API.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/healthz", get(|| async { "ok\n" }))
        .route("/readyz", get(api::readyz))
        .route("/metrics", get(api::metrics))
        .route("/api/config", get(api::config))
        .route(
            "/api/builds",
            post(api::publish_build).get(api::list_builds),
        )
        .route("/api/builds/{id}", get(api::show_build))
        .route("/api/builds/{id}/channels", post(api::add_to_channel))
        .route("/api/subscriptions/{name}/trigger", post(api::trigger))
        .route("/api/status", get(api::status))
        .route("/api/events", get(api::events))
        .route("/api/flow/graph", get(flow_api::flow_graph))
        .route("/api/pull-requests", get(api::list_pull_requests))
        .route("/api/pull-requests/{number}", get(api::show_pull_request))
        .route(
            "/api/pull-requests/{number}/checks",
            post(api::report_check),
        )
        .route(
            "/api/pull-requests/{number}/reviews",
            post(api::report_review),
        )
        .route(
            "/api/pull-requests/{number}/close",
            post(api::close_pull_request),
        )
        .route(
            "/api/pull-requests/{number}/merge",
            post(api::merge_pull_request),
        )
        .route("/pull-requests/{number}", get(api::pull_request_page))
        .route("/webhooks/github", post(webhooks::github))
        .route("/webhooks/azure-devops", post(webhooks_azure::azure_devops))
        .fallback(rejections::no_route)
        .method_not_allowed_fallback(rejections::wrong_method)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            auth::require_token,
        ))
        .layer(axum::extract::DefaultBodyLimit::max(MAX_BODY))
        .layer(axum::middleware::map_response(rejections::json_errors))
        .with_state(state)
}
