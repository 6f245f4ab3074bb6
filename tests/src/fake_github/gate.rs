//! What stands in front of every endpoint of the fake: authentication (401 without a
//! known token that has not expired, or an App's JSON Web Token off the App endpoints), injected faults, `x-ratelimit-*` headers, and ETags with
//! `If-None-Match` (a `304` does not count against the limit).

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Request, State as AxumState};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::{Login, Shared, apps, epoch, error};
use crate::faults::Calls;

/// Authentication, faults, rate-limit headers and ETags, around every endpoint (the
/// call log is a layer of its own).
pub async fn gate(
    AxumState(shared): AxumState<Arc<Shared>>,
    mut request: Request,
    next: Next,
) -> Response {
    let line = Calls::line(&request);
    answer(&shared, &line, &mut request, next).await
}

async fn answer(shared: &Arc<Shared>, line: &str, request: &mut Request, next: Next) -> Response {
    let token = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("token "))
        })
        .map(str::trim)
        .map(str::to_string);
    let login = token.and_then(|t| apps::login(&shared.state(), &t));
    let Some(login) = login else {
        return error(StatusCode::UNAUTHORIZED, "Bad credentials");
    };
    if !apps::allowed(&login, request.uri().path()) {
        return error(
            StatusCode::UNAUTHORIZED,
            "'Authorization' header is using the wrong type of token for this endpoint",
        );
    }
    if let Some(fault) = shared.faults.take(line) {
        if fault.after_serving {
            request.extensions_mut().insert(Login(login));
            let request = std::mem::replace(request, Request::new(Body::empty()));
            let _ = next.run(request).await;
        }
        let status =
            StatusCode::from_u16(fault.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        return fault.headed(error(status, &fault.message));
    }
    let conditional = request
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let is_get = request.method() == Method::GET;
    request.extensions_mut().insert(Login(login));
    let request = std::mem::replace(request, Request::new(Body::empty()));
    let response = next.run(request).await;
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, usize::MAX).await else {
        return error(StatusCode::INTERNAL_SERVER_ERROR, "unreadable answer");
    };
    if is_get && parts.status == StatusCode::OK {
        let digest = ring::digest::digest(&ring::digest::SHA256, &bytes);
        let hex: String = digest.as_ref()[..16]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        let etag = format!("\"{hex}\"");
        if conditional.as_deref() == Some(etag.as_str()) {
            let mut not_modified = StatusCode::NOT_MODIFIED.into_response();
            if let Ok(value) = HeaderValue::from_str(&etag) {
                not_modified.headers_mut().insert(header::ETAG, value);
            }
            return not_modified;
        }
        if let Ok(value) = HeaderValue::from_str(&etag) {
            parts.headers.insert(header::ETAG, value);
        }
    }
    let remaining = {
        let mut remaining = shared.remaining.lock().unwrap_or_else(|e| e.into_inner());
        *remaining = remaining.saturating_sub(1);
        *remaining
    };
    for (name, value) in [
        ("x-ratelimit-limit", "5000".to_string()),
        ("x-ratelimit-remaining", remaining.to_string()),
        ("x-ratelimit-reset", (epoch() + 3600).to_string()),
    ] {
        if let Ok(value) = HeaderValue::from_str(&value) {
            parts.headers.insert(name, value);
        }
    }
    Response::from_parts(parts, Body::from(bytes))
}
