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

use super::etags::Etags;
use crate::forge::ForgeError;
use crate::forge::error::Refusal;
use crate::git::Secret;
use crate::secret_source::SecretSource;
use std::sync::RwLock;

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

/// The REST client of one GitHub (or GitHub Enterprise) API. The token is read from its
/// source at each call; a rotated one gets a new client for the calls that follow.
pub struct Api {
    uri: http::Uri,
    token: SecretSource,
    client: RwLock<(Secret, Octocrab)>,
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
    /// `https://HOST/api/v3` for GitHub Enterprise) authenticating with `token`.
    pub fn new(api_url: &str, token: impl Into<SecretSource>) -> Result<Api, ApiSetupError> {
        let token = token.into();
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
        let secret = token.current();
        let built = client(&uri, &secret).map_err(|e| refuse(secret.scrub(&e.to_string())))?;
        Ok(Api {
            uri,
            token,
            client: RwLock::new((secret, built)),
            etags: Etags::default(),
        })
    }

    /// The client for the token as it is now, and that token (to scrub messages with).
    fn current(&self, repository: &str) -> Result<(Secret, Octocrab), ForgeError> {
        let secret = self.token.current();
        if let Ok(cached) = self.client.read()
            && cached.0 == secret
        {
            return Ok(cached.clone());
        }
        let built = client(&self.uri, &secret).map_err(|e| {
            ForgeError::rejected(
                repository,
                secret.scrub(&format!("configuring the GitHub client: {e}")),
            )
        })?;
        if let Ok(mut cached) = self.client.write() {
            *cached = (secret.clone(), built.clone());
        }
        Ok((secret, built))
    }

    /// Sends `method path` (relative to the API URL, query included) with a JSON `body`;
    /// any answer GitHub gives is returned, a transport failure is a retryable error
    /// for `repository` naming `what` was being done.
    pub async fn send(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
        repository: &str,
        what: &str,
    ) -> Result<Answer, ForgeError> {
        let (token, client) = self.current(repository)?;
        let result = match method {
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
            other => {
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
        if method == Method::GET {
            if status == StatusCode::NOT_MODIFIED
                && let Some(body) = self.etags.body(path)
            {
                return Ok(Answer {
                    status: StatusCode::OK,
                    headers,
                    body,
                });
            }
            if status == StatusCode::OK {
                self.etags.keep(path, &headers, &body);
            }
        }
        Ok(Answer {
            status,
            headers,
            body,
        })
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

    /// What a failed answer means.
    pub fn failure(&self, answer: &Answer, repository: &str, what: &str) -> ForgeError {
        failure(answer, repository, what, jiff::Timestamp::now()).scrubbed(&self.token.current())
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

#[cfg(test)]
mod tests;
