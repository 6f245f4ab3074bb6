//! GitHub Apps on the fake: an App is known by its id and public key; a JSON Web Token
//! it signs (RS256, at most ten minutes, not expired) authenticates it on the App
//! endpoints only. Installations are per owner; `GET /repos/{o}/{r}/installation` finds
//! one, `GET /app/installations` lists them, and `POST
//! /app/installations/{id}/access_tokens` mints a token that really expires: after its
//! `expires_at` it is refused with 401, on the API and (through
//! [`super::FakeGitHub::token_valid`]) on git.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::Extension;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};

use super::pulls::repo_dir;
use super::state::State as FakeState;
use super::{Login, Shared, error};

/// The login prefix of a request authenticated as an App (`app:ID`).
pub const APP_LOGIN: &str = "app:";

/// An installation token's lifetime unless set otherwise (GitHub's: one hour).
pub const TOKEN_LIFETIME: Duration = Duration::from_secs(3600);

/// The routes of this file.
pub fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/app/installations", get(installations))
        .route("/app/installations/{id}/access_tokens", post(access_token))
        .route("/repos/{owner}/{repo}/installation", get(installation))
}

/// Whether a request authenticated as `login` may call `path`: an App only its own
/// endpoints, anyone else every other one.
pub fn allowed(login: &str, path: &str) -> bool {
    let app_path = path.starts_with("/app/") || path.ends_with("/installation");
    login.starts_with(APP_LOGIN) == app_path
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default()
}

/// The App a JSON Web Token authenticates, if its signature verifies against a known
/// App's key and it is within its validity.
pub fn verify_jwt(state: &FakeState, jwt: &str) -> Option<u64> {
    let mut parts = jwt.split('.');
    let (header, claims, signature) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    let decoded: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(claims).ok()?).ok()?;
    let app_id: u64 = decoded.get("iss")?.as_str()?.parse().ok()?;
    let key = state.apps.get(&app_id)?;
    let signature = URL_SAFE_NO_PAD.decode(signature).ok()?;
    let signed = format!("{header}.{claims}");
    ring::signature::UnparsedPublicKey::new(&ring::signature::RSA_PKCS1_2048_8192_SHA256, key)
        .verify(signed.as_bytes(), &signature)
        .ok()?;
    let (iat, exp) = (decoded.get("iat")?.as_u64()?, decoded.get("exp")?.as_u64()?);
    let now = now();
    (iat <= now + 60 && exp > now && exp.saturating_sub(iat) <= 600).then_some(app_id)
}

/// The login of a token that has not expired.
pub fn login(state: &FakeState, token: &str) -> Option<String> {
    if let Some(expires) = state.expiry.get(token)
        && *expires <= SystemTime::now()
    {
        return None;
    }
    if let Some(login) = state.tokens.get(token) {
        return Some(login.clone());
    }
    verify_jwt(state, token).map(|app| format!("{APP_LOGIN}{app}"))
}

fn app_of(login: &str) -> Option<u64> {
    login.strip_prefix(APP_LOGIN)?.parse().ok()
}

fn installation_json(id: u64, owner: &str, app: u64) -> Value {
    json!({ "id": id, "app_id": app, "account": { "login": owner, "type": "Organization" } })
}

async fn installations(
    State(shared): State<Arc<Shared>>,
    Extension(Login(login)): Extension<Login>,
) -> Response {
    let app = app_of(&login);
    let state = shared.state();
    let list: Vec<Value> = state
        .installations
        .iter()
        .filter(|(_, (_, of))| Some(*of) == app)
        .map(|(owner, (id, of))| installation_json(*id, owner, *of))
        .collect();
    axum::Json(list).into_response()
}

async fn installation(
    State(shared): State<Arc<Shared>>,
    Extension(Login(login)): Extension<Login>,
    Path((owner, repo)): Path<(String, String)>,
) -> Response {
    if repo_dir(&shared, &owner, &repo).is_err() {
        return error(StatusCode::NOT_FOUND, "Not Found");
    }
    let state = shared.state();
    match state.installations.get(&owner) {
        Some((id, app)) if app_of(&login) == Some(*app) => {
            axum::Json(installation_json(*id, &owner, *app)).into_response()
        }
        _ => error(StatusCode::NOT_FOUND, "Not Found"),
    }
}

async fn access_token(
    State(shared): State<Arc<Shared>>,
    Extension(Login(login)): Extension<Login>,
    Path(id): Path<u64>,
) -> Response {
    let mut state = shared.state();
    let found = state
        .installations
        .iter()
        .find(|(_, (of_id, app))| *of_id == id && app_of(&login) == Some(*app))
        .map(|(owner, _)| owner.clone());
    let Some(owner) = found else {
        return error(StatusCode::NOT_FOUND, "Not Found");
    };
    let lifetime = state.token_lifetime.unwrap_or(TOKEN_LIFETIME);
    let expires_at = now() + lifetime.as_secs().max(1);
    let serial = state.id();
    let token = format!("ghs_installation{id}x{serial}");
    state.tokens.insert(token.clone(), "sluice-app[bot]".into());
    state
        .expiry
        .insert(token.clone(), UNIX_EPOCH + Duration::from_secs(expires_at));
    let expires = jiff::Timestamp::from_second(expires_at as i64)
        .map(|t| t.to_string())
        .unwrap_or_default();
    tracing::debug!(owner, "installation token minted");
    let body = json!({ "token": token, "expires_at": expires, "permissions": {} });
    (StatusCode::CREATED, axum::Json(body)).into_response()
}
