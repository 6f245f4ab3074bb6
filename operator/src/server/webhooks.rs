//! `POST /webhooks/github`: GitHub's deliveries, accepted only with a valid
//! `X-Hub-Signature-256` (HMAC-SHA256 of the body with the configured secret, compared
//! in constant time); a bad or missing signature is 401 and changes nothing. A valid
//! delivery re-evaluates at once the keys it concerns; a pull request comment holding a
//! command (`/sluice refresh`, `/sluice merge`) from someone with write access is carried
//! out.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use sluice_core::flow::{github_commands, github_events};

use super::AppState;
use crate::git::Secret;

/// Whether `signature` (`sha256=HEX`) is the HMAC-SHA256 of `body` under `secret`.
pub fn verify(secret: &Secret, body: &[u8], signature: &str) -> bool {
    let Some(hex) = signature.trim().strip_prefix("sha256=") else {
        return false;
    };
    if hex.len() != 64 || !hex.is_ascii() {
        return false;
    }
    let tag: Option<Vec<u8>> = (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).ok())
        .collect();
    let Some(tag) = tag else {
        return false;
    };
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, secret.expose().as_bytes());
    ring::hmac::verify(&key, body, &tag).is_ok()
}

/// A JSON answer.
pub(super) fn answer(status: StatusCode, body: Value) -> Response {
    (status, axum::Json(body)).into_response()
}

/// Re-evaluates the keys a verified delivery of `event` about `subject` concerns, and
/// answers with them; `forge` names the sender in the log.
pub(super) fn re_evaluate(
    state: &AppState,
    forge: &str,
    event: &str,
    subject: &github_events::EventSubject,
) -> Response {
    match state.engine.forge_event(subject) {
        Ok(keys) => {
            tracing::info!(forge, event, repository = %subject.repository, keys = ?keys, "webhook delivery");
            answer(StatusCode::ACCEPTED, json!({"event": event, "keys": keys}))
        }
        Err(err) => answer(
            StatusCode::SERVICE_UNAVAILABLE,
            json!({"error": err.to_string()}),
        ),
    }
}

/// Carries out a command from a pull request comment and answers with what was done.
async fn command(state: &AppState, asked: &github_commands::CommentCommand) -> Response {
    let repository = asked.full_name.as_str();
    match state.engine.pull_request_command(asked).await {
        Ok(done) => {
            tracing::info!(repository, pull_request = asked.number, login = %asked.login, command = ?asked.command, "pull request command: {done}");
            answer(StatusCode::ACCEPTED, json!({"command": done}))
        }
        Err(err) => {
            tracing::info!(repository, pull_request = asked.number, login = %asked.login, command = ?asked.command, error = %err, "pull request command refused");
            answer(StatusCode::ACCEPTED, json!({"refused": err.to_string()}))
        }
    }
}

/// A verified `repository` delivery: the repository named by its `html_url` (a GitHub
/// repository URL, else ignored) is read again when next needed.
fn repository_changed(state: &AppState, payload: &Value) -> Response {
    let url = payload
        .pointer("/repository/html_url")
        .and_then(Value::as_str)
        .filter(|url| sluice_core::flow::github::repository(url).is_ok());
    let Some(url) = url else {
        return answer(
            StatusCode::ACCEPTED,
            json!({"event": "repository", "keys": []}),
        );
    };
    tracing::info!(repository = %url, "GitHub says the repository changed");
    state.engine.repository_changed(url);
    answer(
        StatusCode::ACCEPTED,
        json!({"event": "repository", "keys": []}),
    )
}

/// The handler.
pub(super) async fn github(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Some(secret) = &state.github_webhook_secret else {
        return answer(
            StatusCode::NOT_FOUND,
            json!({"error": "GitHub webhooks are not configured: give --github-webhook-secret-env or --github-webhook-secret-file"}),
        );
    };
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
    };
    if !verify(&secret.current(), &body, header("x-hub-signature-256")) {
        // Nothing of an unverified delivery is logged: its headers are anyone's words.
        tracing::info!("GitHub webhook refused: bad or missing signature");
        return answer(
            StatusCode::UNAUTHORIZED,
            json!({"error": "the X-Hub-Signature-256 signature is missing or does not match the webhook secret"}),
        );
    }
    let event = header("x-github-event");
    let Ok(payload) = serde_json::from_slice::<Value>(&body) else {
        return answer(
            StatusCode::BAD_REQUEST,
            json!({"error": "the delivery is not JSON"}),
        );
    };
    if event == "repository" {
        return repository_changed(&state, &payload);
    }
    if let Some(asked) = github_commands::command_of(event, &payload) {
        return command(&state, &asked).await;
    }
    let Some(subject) = github_events::subject(event, &payload) else {
        return answer(StatusCode::ACCEPTED, json!({"event": event, "keys": []}));
    };
    re_evaluate(&state, "GitHub", event, &subject)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_secret_s_signature_of_this_body_verifies() {
        let secret = Secret::new("It's a Secret to Everybody");
        // GitHub's documented example of a valid signature.
        let good = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";
        assert!(verify(&secret, b"Hello, World!", good));
        for bad in [
            "",
            "sha1=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17",
            "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e18",
            "sha256=zz7107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17",
            "sha256=757107",
        ] {
            assert!(!verify(&secret, b"Hello, World!", bad), "{bad:?}");
        }
        assert!(!verify(&secret, b"Hello, World?", good));
        assert!(!verify(&Secret::new("other"), b"Hello, World!", good));
    }
}
