//! Authentication of API requests: the core decides ([`sluice_core::access`]), this layer
//! reads the header and answers 401 or 403. Tokens come from files and environment
//! variables given to `sluice serve` (a Kubernetes Secret is mounted as a file).

use std::path::Path;

use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::json;
use sluice_core::access::{self, Denied, TokenSet};

use super::AppState;

/// Who may use the API.
#[derive(Debug, Clone, Default)]
pub struct Access {
    /// The accepted tokens; none means the API is open (loopback or `--insecure-no-auth`).
    pub tokens: TokenSet,
    /// Whether reads need no token.
    pub open_reads: bool,
}

/// Why the tokens cannot be loaded; never carries a secret.
#[derive(Debug, thiserror::Error)]
pub enum AccessError {
    /// A token file cannot be read.
    #[error("cannot read the API token file {path}: {source}")]
    Read {
        /// The file.
        path: String,
        /// The error.
        source: std::io::Error,
    },
    /// An environment variable named for tokens is not set.
    #[error("the API token variable {0} is not set")]
    MissingVariable(String),
    /// A token source is malformed.
    #[error(transparent)]
    Parse(#[from] access::TokenFileError),
}

impl Access {
    /// Loads tokens from `files` and the environment variables `variables`.
    pub fn load(
        files: &[impl AsRef<Path>],
        variables: &[String],
        open_reads: bool,
    ) -> Result<Access, AccessError> {
        let mut tokens = TokenSet::default();
        for file in files {
            let path = file.as_ref();
            let text = std::fs::read_to_string(path).map_err(|source| AccessError::Read {
                path: path.display().to_string(),
                source,
            })?;
            tokens.add(&text, &path.display().to_string())?;
        }
        for var in variables {
            let text = std::env::var(var).map_err(|_| AccessError::MissingVariable(var.clone()))?;
            tokens.add(&text, &format!("${var}"))?;
        }
        Ok(Access { tokens, open_reads })
    }
}

/// Middleware: lets a request through when the core allows it.
pub(super) async fn require_token(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let needed = access::required_scope(request.method().as_str(), request.uri().path());
    let authorization = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    match access::authorize(
        &state.access.tokens,
        authorization,
        needed,
        state.access.open_reads,
    ) {
        Ok(token) => {
            if let Some(token) = token {
                tracing::debug!(token = %token.name, method = %request.method(), path = %request.uri().path(), "authorized");
            }
            next.run(request).await
        }
        Err(denied) => {
            let status = match denied {
                Denied::Unauthenticated => StatusCode::UNAUTHORIZED,
                Denied::Forbidden { .. } => StatusCode::FORBIDDEN,
            };
            tracing::info!(method = %request.method(), path = %request.uri().path(), reason = %denied, "request refused");
            (
                status,
                [(header::WWW_AUTHENTICATE, "Bearer")],
                axum::Json(json!({"error": denied.to_string()})),
            )
                .into_response()
        }
    }
}
