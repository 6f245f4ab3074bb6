//! Who may do what through the HTTP API: API tokens with scopes, the scope each request
//! needs, and the decision for one request.
//!
//! A token file (or environment variable) holds one token per line, `NAME SCOPES SECRET`,
//! with scopes separated by commas and `#` starting a comment:
//!
//! ```text
//! # CI of the runtime repository publishes builds
//! runtime-ci   publish          3f9c...   
//! checks-bot   report           a71e...
//! release-team admin            c02b...
//! dashboard    read             9d4a...
//! ```
//!
//! `admin` includes every other scope, and every token may read. Secrets are compared in constant time, and never
//! appear in a message: a token is named by its `NAME`.

mod tokens;

pub use tokens::{Token, TokenFileError, TokenSet};

use std::str::FromStr;

/// What a token allows. Every token may read; `read` alone makes a token for reading only.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Scope {
    /// Reading builds, status, pull requests and events.
    Read,
    /// Publishing builds and assigning them to channels (CI).
    Publish,
    /// Reporting checks and reviews on pull requests (CI, review bots).
    Report,
    /// Triggering subscriptions, merging and closing pull requests; includes every scope.
    Admin,
}

impl Scope {
    /// The scope's name in token files and messages.
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Read => "read",
            Scope::Publish => "publish",
            Scope::Report => "report",
            Scope::Admin => "admin",
        }
    }
}

impl FromStr for Scope {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "read" => Ok(Scope::Read),
            "publish" => Ok(Scope::Publish),
            "report" => Ok(Scope::Report),
            "admin" => Ok(Scope::Admin),
            other => Err(format!(
                "unknown scope `{other}` (scopes: read, publish, report, admin)"
            )),
        }
    }
}

impl std::fmt::Display for Scope {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The scope a request needs, or `None` for the endpoints every probe and scraper may
/// reach (health, readiness, metrics) and for forges' webhook deliveries (verified by
/// GitHub's signature or Azure DevOps's Basic password instead). Reads need [`Scope::Read`]; writes the scope of
/// what they do; an unknown write needs [`Scope::Admin`].
pub fn required_scope(method: &str, path: &str) -> Option<Scope> {
    if matches!(path, "/healthz" | "/readyz" | "/metrics") {
        return None;
    }
    // Webhook deliveries carry no token: their HMAC signature (GitHub) or Basic
    // password (Azure DevOps) is checked instead.
    if method == "POST" && matches!(path, "/webhooks/github" | "/webhooks/azure-devops") {
        return None;
    }
    if matches!(method, "GET" | "HEAD" | "OPTIONS") {
        return Some(Scope::Read);
    }
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    Some(match (method, segments.as_slice()) {
        ("POST", ["api", "builds"] | ["api", "builds", _, "channels"]) => Scope::Publish,
        ("POST", ["api", "pull-requests", _, "checks" | "reviews"]) => Scope::Report,
        _ => Scope::Admin,
    })
}

/// Why a request is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Denied {
    /// No token, a malformed `Authorization` header, or a token nobody issued (HTTP 401).
    #[error(
        "authentication required: send `Authorization: Bearer TOKEN` (the sluice CLI sends \
         the SLUICE_TOKEN environment variable)"
    )]
    Unauthenticated,
    /// A valid token without the scope the request needs (HTTP 403).
    #[error("token `{token}` lacks the `{needed}` scope this request needs")]
    Forbidden {
        /// The token's name.
        token: String,
        /// The scope the request needs.
        needed: Scope,
    },
}

/// Decides one request: `authorization` is the `Authorization` header, if any. With no
/// tokens configured everything is allowed (the server then listens on loopback only, or
/// was told `--insecure-no-auth`); with `open_reads`, reads need no token.
pub fn authorize<'a>(
    tokens: &'a TokenSet,
    authorization: Option<&str>,
    needed: Option<Scope>,
    open_reads: bool,
) -> Result<Option<&'a Token>, Denied> {
    let Some(needed) = needed else {
        return Ok(None);
    };
    if tokens.is_empty() || (open_reads && needed == Scope::Read) {
        return Ok(None);
    }
    let secret = authorization
        .and_then(|h| {
            h.strip_prefix("Bearer ")
                .or_else(|| h.strip_prefix("bearer "))
        })
        .map(str::trim)
        .ok_or(Denied::Unauthenticated)?;
    let token = tokens.find(secret).ok_or(Denied::Unauthenticated)?;
    if token.allows(needed) {
        Ok(Some(token))
    } else {
        Err(Denied::Forbidden {
            token: token.name.clone(),
            needed,
        })
    }
}

/// Why the server must not listen where it was asked to.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "listening on {address} without API tokens would let anyone who reaches it publish builds, \
     merge and close pull requests; give --api-tokens FILE or --api-tokens-env VAR, or \
     --insecure-no-auth to accept that"
)]
pub struct OpenListener {
    /// The address asked for.
    pub address: String,
}

/// Whether the API may listen on `address`: without tokens only a loopback address is
/// allowed, unless the operator explicitly accepts an open API.
pub fn check_listener(
    address: &str,
    loopback: bool,
    tokens: &TokenSet,
    insecure_no_auth: bool,
) -> Result<(), OpenListener> {
    if loopback || !tokens.is_empty() || insecure_no_auth {
        return Ok(());
    }
    Err(OpenListener {
        address: address.to_string(),
    })
}

#[cfg(test)]
mod tests;
