//! Errors answered by the HTTP layer itself (an unknown route, a wrong method, a body that
//! is not JSON, a path or query that does not parse) in the API's own shape,
//! `{"error": "..."}`, with their status kept.

use axum::Json;
use axum::body::to_bytes;
use axum::http::{Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// The most of a rejection's text that is kept.
const MAX_REASON: usize = 16 * 1024;

/// Rewrites a 4xx or 5xx answer that is not JSON into `{"error": "<its text>"}`, keeping
/// the status and headers such as `Allow`. Other answers pass unchanged.
pub(super) async fn json_errors(response: Response) -> Response {
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error()) || is_json(&response) {
        return response;
    }
    let (parts, body) = response.into_parts();
    let text = to_bytes(body, MAX_REASON)
        .await
        .map(|b| String::from_utf8_lossy(&b).trim().to_string())
        .unwrap_or_default();
    let message = if text.is_empty() {
        status.canonical_reason().unwrap_or("error").to_lowercase()
    } else {
        text
    };
    let mut out = (status, Json(json!({ "error": message }))).into_response();
    for (name, value) in &parts.headers {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            out.headers_mut().insert(name.clone(), value.clone());
        }
    }
    out
}

fn is_json(response: &Response) -> bool {
    response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"))
}

/// 404 for a path no route serves.
pub(super) async fn no_route(method: Method, uri: Uri) -> Response {
    (
        StatusCode::NOT_FOUND,
        Json(json!({ "error": format!("no endpoint {method} {}", uri.path()) })),
    )
        .into_response()
}

/// 405 for a known path asked with a method it does not take.
pub(super) async fn wrong_method(method: Method, uri: Uri) -> Response {
    (
        StatusCode::METHOD_NOT_ALLOWED,
        Json(json!({ "error": format!("{} does not take {method}", uri.path()) })),
    )
        .into_response()
}
