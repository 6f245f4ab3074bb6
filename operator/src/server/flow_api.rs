//! `GET /api/flow/graph`: the flow network of the configuration with the times observed
//! in the flow history, and its critical path.

use axum::Json;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use serde::Deserialize;
use sluice_core::graph::network::FlowNetwork;
use sluice_core::graph::timing::parse_window;

use super::AppState;
use super::api::{ApiError, internal};

/// The window when none is given.
pub const DEFAULT_WINDOW: &str = "30d";

/// Query of `GET /api/flow/graph`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct FlowQuery {
    /// How far back the history counts, e.g. `30d` (default), `12h`.
    window: Option<String>,
    /// Only the subscriptions reading this channel.
    channel: Option<String>,
}

pub(super) async fn flow_graph(
    State(state): State<AppState>,
    Query(query): Query<FlowQuery>,
) -> Result<Json<FlowNetwork>, ApiError> {
    let window = query.window.as_deref().unwrap_or(DEFAULT_WINDOW);
    let window_secs = parse_window(window).map_err(|e| ApiError(StatusCode::BAD_REQUEST, e))?;
    if let Some(channel) = &query.channel {
        sluice_core::validate::name("channel", channel)
            .map_err(|e| ApiError(StatusCode::BAD_REQUEST, e.to_string()))?;
    }
    let engine = state.engine.clone();
    let now = crate::clock::unix_now();
    let network = tokio::task::spawn_blocking(move || {
        engine.flow_network(window_secs, query.channel.as_deref(), now)
    })
    .await
    .map_err(internal)??;
    Ok(Json(network))
}
