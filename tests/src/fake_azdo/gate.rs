//! What stands in front of every request to the fake, git included: authentication (a
//! known personal access token as the Basic password, else 401) and injected faults;
//! and the git requests themselves, passed through to the smart-HTTP git
//! server that serves the same root.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Request, State as AxumState};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use base64::Engine as _;

use super::{Identity, Shared, error};
use crate::faults::Calls;

/// The identity of the PAT a request's Basic authentication carries, if known.
fn identity(shared: &Shared, request: &Request) -> Option<String> {
    let value = request
        .headers()
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?;
    let encoded = value.strip_prefix("Basic ")?;
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()?;
    let decoded = String::from_utf8(decoded).ok()?;
    let (_, pat) = decoded.split_once(':')?;
    shared.state().pats.get(pat).cloned()
}

/// Authentication and faults, around every request (the call log is a layer of its
/// own).
pub async fn gate(
    AxumState(shared): AxumState<Arc<Shared>>,
    mut request: Request,
    next: Next,
) -> Response {
    let Some(who) = identity(&shared, &request) else {
        let mut refused = error(
            StatusCode::UNAUTHORIZED,
            "UnauthorizedRequestException",
            "TF400813: The user is not authorized to access this resource.",
        );
        refused.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Basic realm=\"fake Azure DevOps\""),
        );
        return refused;
    };
    request.extensions_mut().insert(Identity(who));
    let Some(fault) = shared.faults.take(&Calls::line(&request)) else {
        return next.run(request).await;
    };
    if fault.after_serving {
        let _ = next.run(request).await;
    }
    let status = StatusCode::from_u16(fault.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    fault.headed(error(status, "FaultInjected", &fault.message))
}

/// Git requests (`/ORG/PROJECT/_git/REPO/...`) go to the git server; anything else is
/// an unknown endpoint.
pub async fn git(AxumState(shared): AxumState<Arc<Shared>>, request: Request) -> Response {
    let path = request.uri().path().to_string();
    if !path.contains("/_git/") || path.contains("..") {
        return error(
            StatusCode::NOT_FOUND,
            "NotFoundException",
            &format!("no endpoint {path}"),
        );
    }
    let query = request
        .uri()
        .query()
        .map(|q| format!("?{q}"))
        .unwrap_or_default();
    let (parts, body) = request.into_parts();
    let Ok(body) = axum::body::to_bytes(body, usize::MAX).await else {
        return (StatusCode::BAD_REQUEST, "unreadable body").into_response();
    };
    let mut forward = reqwest::Client::new()
        .request(
            parts.method.clone(),
            format!("{}{path}{query}", shared.git_url),
        )
        .body(body.to_vec());
    for name in ["content-type", "content-encoding", "git-protocol", "accept"] {
        if let Some(value) = parts.headers.get(name) {
            forward = forward.header(name, value.clone());
        }
    }
    let Ok(answer) = forward.send().await else {
        return (StatusCode::BAD_GATEWAY, "git server unreachable").into_response();
    };
    let status = answer.status();
    let headers = answer.headers().clone();
    let Ok(bytes) = answer.bytes().await else {
        return (StatusCode::BAD_GATEWAY, "git server answer cut").into_response();
    };
    let mut response = Response::new(Body::from(bytes));
    *response.status_mut() = status;
    for (name, value) in &headers {
        if name != header::TRANSFER_ENCODING && name != header::CONTENT_LENGTH {
            response.headers_mut().insert(name.clone(), value.clone());
        }
    }
    response
}
