//! One GitHub REST call through octocrab, and what its answer means as a [`ForgeError`].
//!
//! octocrab is built without its retry layer: sluice decides what is retried (the
//! engine, with the wait GitHub asked for), so no POST is ever sent twice behind its back.
//! Answers are read here and classified once: rate limits (429, or 403 with
//! `Retry-After` or no requests left) and 5xx are retryable with the wait GitHub asked
//! for; 401, other 403s, 404 and 422 are refusals with GitHub's own message. GETs are
//! conditional ([`super::etags`]).

use std::time::Duration;

use http::{HeaderMap, Method, StatusCode};
use octocrab::Octocrab;
use serde_json::Value;
use sluice_core::flow::failure::{parse_rate_limit_reset, parse_retry_after};

use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};

use super::app::GitHubApp;
use super::etags::Etags;
use crate::forge::ForgeError;
use crate::forge::error::Refusal;
use crate::git::Secret;
use crate::secret_source::SecretSource;

/// A GitHub answer: status, headers and JSON body (`Null` when empty).
#[derive(Debug)]
pub struct Answer {
    /// The status code.
    pub status: StatusCode,
    /// The headers.
    pub headers: HeaderMap,
    /// The body.
    pub body: Value,
}

/// How the API is authenticated: one token, or a GitHub App's installation tokens.
#[derive(Clone)]
pub enum GitHubAuth {
    /// A token (personal, fine-grained, or an installation token minted elsewhere), read
    /// from its source at each call.
    Token(SecretSource),
    /// A GitHub App: each repository's calls use its installation's token.
    App(Arc<GitHubApp>),
}

impl From<SecretSource> for GitHubAuth {
    fn from(source: SecretSource) -> Self {
        GitHubAuth::Token(source)
    }
}

impl From<Secret> for GitHubAuth {
    fn from(secret: Secret) -> Self {
        GitHubAuth::Token(secret.into())
    }
}

impl From<Arc<GitHubApp>> for GitHubAuth {
    fn from(app: Arc<GitHubApp>) -> Self {
        GitHubAuth::App(app)
    }
}

/// The credential key of a token (installations have their own ids).
const TOKEN_KEY: u64 = 0;

/// The REST client of one GitHub (or GitHub Enterprise) API. The token is read from its
/// source (or the App's installation) at each call; a new one gets a new client for the
/// calls that follow. A rate limit is kept per token or installation: until it resets,
/// calls with that credential are not sent.
pub struct Api {
    uri: http::Uri,
    auth: GitHubAuth,
    clients: RwLock<HashMap<u64, (Secret, Octocrab)>>,
    limits: Mutex<HashMap<u64, jiff::Timestamp>>,
    etags: Etags,
}

/// A client that could not be built (a bad API URL).
#[derive(Debug, thiserror::Error)]
#[error("GitHub API URL {url:?}: {reason}")]
pub struct ApiSetupError {
    /// The URL as given.
    pub url: String,
    /// Why it was refused.
    pub reason: String,
}

fn client(uri: &http::Uri, token: &Secret) -> Result<Octocrab, octocrab::Error> {
    Octocrab::builder()
        .base_uri(uri.clone())?
        .personal_token(token.expose().to_string())
        .set_connect_timeout(Some(Duration::from_secs(10)))
        .set_read_timeout(Some(Duration::from_secs(30)))
        .set_write_timeout(Some(Duration::from_secs(30)))
        .build()
}

impl Api {
    /// A client of the API at `api_url` (`https://api.github.com`, or
    /// `https://HOST/api/v3` for GitHub Enterprise) authenticating with `auth`.
    pub fn new(api_url: &str, auth: impl Into<GitHubAuth>) -> Result<Api, ApiSetupError> {
        let auth = auth.into();
        let refuse = |reason: String| ApiSetupError {
            url: api_url.to_string(),
            reason,
        };
        let uri: http::Uri = api_url
            .trim_end_matches('/')
            .parse()
            .map_err(|e: http::uri::InvalidUri| refuse(e.to_string()))?;
        if !matches!(uri.scheme_str(), Some("https" | "http")) || uri.host().is_none() {
            return Err(refuse("expected an http(s) URL with a host".into()));
        }
        let mut clients = HashMap::new();
        if let GitHubAuth::Token(token) = &auth {
            let secret = token.current();
            let built = client(&uri, &secret).map_err(|e| refuse(secret.scrub(&e.to_string())))?;
            clients.insert(TOKEN_KEY, (secret, built));
        }
        Ok(Api {
            uri,
            auth,
            clients: RwLock::new(clients),
            limits: Mutex::default(),
            etags: Etags::default(),
        })
    }

    /// The credential for `repository` as it is now (its key, the token to scrub
    /// messages with) and a client using it.
    async fn current(&self, repository: &str) -> Result<(u64, Secret, Octocrab), ForgeError> {
        let (key, secret) = match &self.auth {
            GitHubAuth::Token(token) => (TOKEN_KEY, token.current()),
            GitHubAuth::App(app) => app.token_for(repository).await?,
        };
        if let Ok(cached) = self.clients.read()
            && let Some((kept, client)) = cached.get(&key)
            && *kept == secret
        {
            return Ok((key, secret, client.clone()));
        }
        let built = client(&self.uri, &secret).map_err(|e| {
            ForgeError::rejected(
                repository,
                secret.scrub(&format!("configuring the GitHub client: {e}")),
            )
        })?;
        if let Ok(mut cached) = self.clients.write() {
            cached.insert(key, (secret.clone(), built.clone()));
        }
        Ok((key, secret, built))
    }

    /// How the API is authenticated.
    pub fn auth(&self) -> &GitHubAuth {
        &self.auth
    }

    /// The wait left on credential `key`'s rate limit at `now`, if it is limited.
    fn limited(&self, key: u64, now: jiff::Timestamp) -> Option<Duration> {
        let limits = self.limits.lock().unwrap_or_else(|e| e.into_inner());
        let until = limits.get(&key)?;
        let left = until.duration_since(now);
        (left.is_positive()).then(|| left.unsigned_abs())
    }

    /// Sends `method path` (relative to the API URL, query included) with a JSON `body`;
    /// any answer GitHub gives is returned, a transport failure is a retryable error
    /// for `repository` naming `what` was being done. An App installation token GitHub
    /// refuses (401) is dropped and the call sent once more with a new one: a 401 was
    /// not served.
    pub async fn send(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
        repository: &str,
        what: &str,
    ) -> Result<Answer, ForgeError> {
        let mut answer = self
            .send_once(&method, path, body, repository, what)
            .await?;
        if answer.0.status == StatusCode::UNAUTHORIZED
            && let GitHubAuth::App(app) = &self.auth
        {
            app.forget(answer.1, &answer.2);
            answer = self
                .send_once(&method, path, body, repository, what)
                .await?;
        }
        Ok(answer.0)
    }

    async fn send_once(
        &self,
        method: &Method,
        path: &str,
        body: Option<&Value>,
        repository: &str,
        what: &str,
    ) -> Result<(Answer, u64, Secret), ForgeError> {
        let (key, token, client) = self.current(repository).await?;
        if let Some(wait) = self.limited(key, jiff::Timestamp::now()) {
            return Err(ForgeError::Unavailable {
                repository: repository.to_string(),
                message: format!(
                    "{what}: not sent, GitHub's rate limit for this credential resets in {} s",
                    wait.as_secs().max(1)
                ),
                retry_after: Some(wait),
            });
        }
        let result = match *method {
            Method::GET => {
                let mut headers = HeaderMap::new();
                if let Some(value) = self.etags.etag(path).and_then(|e| e.parse().ok()) {
                    headers.insert(http::header::IF_NONE_MATCH, value);
                }
                client._get_with_headers(path, Some(headers)).await
            }
            Method::POST => client._post(path, body).await,
            Method::PATCH => client._patch(path, body).await,
            Method::PUT => client._put(path, body).await,
            Method::DELETE => client._delete(path, body).await,
            ref other => {
                return Err(ForgeError::rejected(
                    repository,
                    format!("{what}: unsupported method {other}"),
                ));
            }
        };
        let transport = |err: octocrab::Error| {
            let message = token.scrub(&format!("{what}: GitHub unreachable: {err}"));
            ForgeError::unavailable(repository, message)
        };
        let response = result.map_err(transport)?;
        let status = response.status();
        let headers = response.headers().clone();
        let text = client.body_to_string(response).await.map_err(transport)?;
        let body = if text.trim().is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or(Value::String(text))
        };
        let mut answer = Answer {
            status,
            headers,
            body,
        };
        let now = jiff::Timestamp::now();
        if let Some(Some(wait)) = rate_limit_wait(&answer, now)
            && let Ok(wait) = jiff::SignedDuration::try_from(wait)
        {
            let mut limits = self.limits.lock().unwrap_or_else(|e| e.into_inner());
            limits.insert(key, now + wait);
        }
        if *method == Method::GET {
            if status == StatusCode::NOT_MODIFIED
                && let Some(body) = self.etags.body(path)
            {
                answer.status = StatusCode::OK;
                answer.body = body;
            } else if status == StatusCode::OK {
                self.etags.keep(path, &answer.headers, &answer.body);
            }
        }
        Ok((answer, key, token))
    }

    /// Whether `path` answered 404 or 403 (no permission) lately (see
    /// [`super::etags::ABSENT_FOR`]); such answers are noted with [`Api::note_absent`].
    pub fn absent(&self, path: &str) -> bool {
        self.etags.absent(path)
    }

    /// Notes that `path` answered 404 or 403 (no permission) now.
    pub fn note_absent(&self, path: &str) {
        self.etags.note_absent(path);
    }

    /// Like [`Api::send`], but any answer other than a success is the error it means.
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
        repository: &str,
        what: &str,
    ) -> Result<Answer, ForgeError> {
        let answer = self.send(method, path, body, repository, what).await?;
        if answer.status.is_success() {
            Ok(answer)
        } else {
            Err(self.failure(&answer, repository, what))
        }
    }

    /// What a failed answer means, with no token in it.
    pub fn failure(&self, answer: &Answer, repository: &str, what: &str) -> ForgeError {
        let error = failure(answer, repository, what, jiff::Timestamp::now());
        match &self.auth {
            GitHubAuth::Token(token) => error.scrubbed(&token.current()),
            GitHubAuth::App(app) => app
                .kept_tokens()
                .iter()
                .fold(error, |error, token| error.scrubbed(token)),
        }
    }
}

/// GitHub's message in an error body (`message` and each `errors[].message`), shortened.
pub fn github_message(body: &Value) -> String {
    let mut parts = Vec::new();
    if let Some(message) = body.get("message").and_then(Value::as_str) {
        parts.push(message.to_string());
    }
    for error in body
        .get("errors")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        if let Some(message) = error.get("message").and_then(Value::as_str) {
            parts.push(message.to_string());
        } else if let Some(code) = error.get("code").and_then(Value::as_str) {
            let field = error.get("field").and_then(Value::as_str).unwrap_or("?");
            parts.push(format!("{field}: {code}"));
        }
    }
    let mut message = parts.join("; ");
    if message.len() > 300 {
        let mut cut = 300;
        while !message.is_char_boundary(cut) {
            cut -= 1;
        }
        message.truncate(cut);
        message.push('…');
    }
    message
}

/// The wait a rate-limited answer asks for: `Retry-After`, else the reset time when no
/// requests are left; `None` when the answer is not a rate limit.
pub fn rate_limit_wait(answer: &Answer, now: jiff::Timestamp) -> Option<Option<Duration>> {
    let header = |name: &str| answer.headers.get(name).and_then(|v| v.to_str().ok());
    let retry_after = header("retry-after").and_then(|v| parse_retry_after(v, now));
    let exhausted = header("x-ratelimit-remaining").is_some_and(|v| v.trim() == "0");
    let reset = header("x-ratelimit-reset").and_then(|v| parse_rate_limit_reset(v, now));
    let says_limit = github_message(&answer.body)
        .to_ascii_lowercase()
        .contains("rate limit");
    let limited = answer.status == StatusCode::TOO_MANY_REQUESTS
        || (answer.status == StatusCode::FORBIDDEN
            && (retry_after.is_some() || exhausted || says_limit));
    if !limited {
        return None;
    }
    Some(retry_after.or(if exhausted { reset } else { None }))
}

/// What a failed `answer` to `what` on `repository` means, at `now`.
pub fn failure(answer: &Answer, repository: &str, what: &str, now: jiff::Timestamp) -> ForgeError {
    let mut refusal = Refusal::new("GitHub", what, answer.status, &answer.headers, now);
    refusal.detail = github_message(&answer.body);
    refusal.unauthorized = "; the GitHub token is invalid or expired";
    refusal.forbidden =
        "; the token lacks a permission this needs (see the README's GitHub section)";
    if let Some(retry_after) = rate_limit_wait(answer, now) {
        return ForgeError::Unavailable {
            repository: repository.to_string(),
            message: refusal.said(""),
            retry_after,
        };
    }
    ForgeError::refused(repository, &refusal)
}

mod graphql;
#[cfg(test)]
mod tests;
