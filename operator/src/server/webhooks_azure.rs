//! `POST /webhooks/azure-devops`: Azure DevOps service hook deliveries, accepted only
//! with the configured secret as the HTTP Basic password (any user name; compared in
//! constant time); anything else is 401 and changes nothing. A valid delivery
//! re-evaluates at once the keys it concerns ([`azure_devops::events`]).

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use base64::Engine as _;
use serde_json::{Value, json};
use sluice_core::flow::azure_devops::events;

use super::AppState;
use super::webhooks::{answer, re_evaluate};
use crate::git::Secret;

/// Whether `authorization` (`Basic BASE64(user:password)`) carries `secret` as its
/// password, compared in constant time.
pub fn verify(secret: &Secret, authorization: &str) -> bool {
    let Some(encoded) = authorization
        .trim()
        .strip_prefix("Basic ")
        .or_else(|| authorization.trim().strip_prefix("basic "))
    else {
        return false;
    };
    let Ok(decoded) = base64::engine::general_purpose::STANDARD.decode(encoded.trim()) else {
        return false;
    };
    let Some(colon) = decoded.iter().position(|b| *b == b':') else {
        return false;
    };
    let password = &decoded[colon + 1..];
    // Both sides through one HMAC: the comparison of the tags takes the same time
    // wherever they differ, and so does hashing either length.
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, secret.expose().as_bytes());
    let expected = ring::hmac::sign(&key, secret.expose().as_bytes());
    ring::hmac::verify(&key, password, expected.as_ref()).is_ok()
}

/// The handler.
pub(super) async fn azure_devops(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Some(secret) = &state.azure_devops_webhook_secret else {
        return answer(
            StatusCode::NOT_FOUND,
            json!({"error": "Azure DevOps service hooks are not configured: give --azure-devops-webhook-secret-env or --azure-devops-webhook-secret-file"}),
        );
    };
    let authorization = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if !verify(&secret.current(), authorization) {
        // Nothing of an unverified delivery is logged: its content is anyone's words.
        tracing::info!("Azure DevOps service hook refused: bad or missing Basic password");
        let mut refused = answer(
            StatusCode::UNAUTHORIZED,
            json!({"error": "the service hook's Basic authentication password is missing or is not the configured secret"}),
        );
        refused.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            header::HeaderValue::from_static("Basic realm=\"sluice\""),
        );
        return refused;
    }
    let Ok(payload) = serde_json::from_slice::<Value>(&body) else {
        return answer(
            StatusCode::BAD_REQUEST,
            json!({"error": "the delivery is not JSON"}),
        );
    };
    let Some(subject) = events::subject(&payload) else {
        return answer(StatusCode::ACCEPTED, json!({"keys": []}));
    };
    let event = payload
        .get("eventType")
        .and_then(Value::as_str)
        .unwrap_or_default();
    re_evaluate(&state, "Azure DevOps", event, &subject)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn basic(pair: &str) -> String {
        format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(pair)
        )
    }

    #[test]
    fn only_the_secret_as_basic_password_verifies() {
        let secret = Secret::new("hook-secret");
        assert!(verify(&secret, &basic("azure:hook-secret")));
        assert!(verify(&secret, &basic(":hook-secret")));
        for bad in [
            String::new(),
            basic("azure:hook-secre"),
            basic("azure:hook-secret2"),
            basic("hook-secret"),
            basic("hook-secret:x"),
            "Bearer hook-secret".into(),
            "Basic !!!".into(),
        ] {
            assert!(!verify(&secret, &bad), "{bad:?}");
        }
    }
}
