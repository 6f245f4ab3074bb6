//! One Azure DevOps REST call over reqwest, and what its answer means as a
//! [`ForgeError`].
//!
//! Every call carries the personal access token as HTTP Basic authentication (an empty
//! user name and the token as the password) and `api-version`. Nothing is retried here:
//! the engine retries, with the wait the service asked for. 429 and 503 (and any 5xx)
//! are retryable with their `Retry-After`; 401, and the 203 sign-in page Azure DevOps
//! answers a bad token with, are refusals naming the token, never quoting it.

use std::time::Duration;

use base64::Engine as _;
use http::{HeaderMap, Method, StatusCode};
use serde_json::Value;

use crate::forge::ForgeError;
use crate::forge::error::Refusal;
use crate::secret_source::SecretSource;

/// An Azure DevOps answer: status, headers and JSON body (`Null` when empty).
#[derive(Debug)]
pub struct Answer {
    /// The status code.
    pub status: StatusCode,
    /// The headers.
    pub headers: HeaderMap,
    /// The body.
    pub body: Value,
}

impl Answer {
    /// Whether the call succeeded (a 203 is the sign-in page a bad token gets).
    pub fn ok(&self) -> bool {
        self.status.is_success() && self.status != StatusCode::NON_AUTHORITATIVE_INFORMATION
    }
}

/// A client that could not be built.
#[derive(Debug, thiserror::Error)]
#[error("Azure DevOps client: {0}")]
pub struct ApiSetupError(String);

/// The REST client of Azure DevOps (any organization or server: URLs are absolute).
pub struct Api {
    client: reqwest::Client,
    token: SecretSource,
}

impl Api {
    /// A client authenticating with the personal access token `token`, read from its
    /// source at each call (a rotated token is used by the next call).
    pub fn new(token: impl Into<SecretSource>) -> Result<Api, ApiSetupError> {
        let token = token.into();
        let client = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .timeout(Duration::from_secs(60))
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("sluice/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| ApiSetupError(e.to_string()))?;
        Ok(Api { client, token })
    }

    fn authorization(&self) -> String {
        let pair = format!(":{}", self.token.current().expose());
        format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(pair)
        )
    }

    /// Sends `method url` (absolute, `api-version` added) with a JSON `body`; any answer
    /// is returned, a transport failure is a retryable error for `repository` naming
    /// `what` was being done.
    pub async fn send(
        &self,
        method: Method,
        url: &str,
        body: Option<&Value>,
        repository: &str,
        what: &str,
    ) -> Result<Answer, ForgeError> {
        let separator = if url.contains('?') { '&' } else { '?' };
        let version = if url.contains("/_apis/policy/") {
            "7.1-preview.1"
        } else {
            sluice_core::flow::azure_devops::API_VERSION
        };
        let url = format!("{url}{separator}api-version={version}");
        let mut request = self
            .client
            .request(method, &url)
            .header(http::header::AUTHORIZATION, self.authorization())
            .header(http::header::ACCEPT, "application/json");
        if let Some(body) = body {
            request = request.json(body);
        }
        let transport = |err: reqwest::Error| {
            // reqwest names the URL; the token is never in it, but scrub all the same.
            let message = self.token.current().scrub(&format!(
                "{what}: Azure DevOps unreachable: {}",
                err.without_url()
            ));
            ForgeError::unavailable(repository, message)
        };
        let response = request.send().await.map_err(transport)?;
        let status = response.status();
        let headers = response.headers().clone();
        let text = response.text().await.map_err(transport)?;
        let body = if text.trim().is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or(Value::String(text))
        };
        Ok(Answer {
            status: StatusCode::from_u16(status.as_u16()).unwrap_or(StatusCode::BAD_GATEWAY),
            headers,
            body,
        })
    }

    /// The success `answer` is, or the error it means.
    pub fn checked(
        &self,
        answer: Answer,
        repository: &str,
        what: &str,
    ) -> Result<Answer, ForgeError> {
        if answer.ok() {
            Ok(answer)
        } else {
            Err(self.failure(&answer, repository, what))
        }
    }

    /// `GET url`: the answer if it is a success, else the error it means.
    pub async fn get(&self, url: &str, repository: &str, what: &str) -> Result<Answer, ForgeError> {
        let answer = self.send(Method::GET, url, None, repository, what).await?;
        self.checked(answer, repository, what)
    }

    /// `POST url` with `body`: the answer if it is a success, else the error it means.
    pub async fn post(
        &self,
        url: &str,
        body: &Value,
        repository: &str,
        what: &str,
    ) -> Result<Answer, ForgeError> {
        let answer = self
            .send(Method::POST, url, Some(body), repository, what)
            .await?;
        self.checked(answer, repository, what)
    }

    /// What a failed answer means, with the token scrubbed from the message.
    pub fn failure(&self, answer: &Answer, repository: &str, what: &str) -> ForgeError {
        failure(answer, repository, what, jiff::Timestamp::now()).scrubbed(&self.token.current())
    }
}

/// Azure DevOps's `message` in an error body (its `typeKey` in brackets), shortened;
/// an HTML page (a sign-in page, a proxy's error page) is not quoted.
pub fn service_message(body: &Value) -> String {
    let mut message = match body.get("message").and_then(Value::as_str) {
        Some(message) => match body.get("typeKey").and_then(Value::as_str) {
            Some(key) if !key.is_empty() => format!("{message} [{key}]"),
            _ => message.to_string(),
        },
        None => String::new(),
    };
    if message.chars().count() > 300 {
        message = message.chars().take(300).collect::<String>() + "…";
    }
    message.replace(['\r', '\n'], " ")
}

/// What a failed `answer` to `what` on `repository` means, at `now`. A bad token gets
/// a sign-in page (203) or a 401: both read as the token's fault.
pub fn failure(answer: &Answer, repository: &str, what: &str, now: jiff::Timestamp) -> ForgeError {
    let status = match answer.status {
        StatusCode::NON_AUTHORITATIVE_INFORMATION => StatusCode::UNAUTHORIZED,
        status => status,
    };
    let mut refusal = Refusal::new("Azure DevOps", what, status, &answer.headers, now);
    refusal.detail = service_message(&answer.body);
    refusal.unauthorized = "; the Azure DevOps personal access token is invalid or expired";
    refusal.forbidden =
        "; the token lacks a scope this needs (see the README's Azure DevOps section)";
    ForgeError::refused(repository, &refusal)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use sluice_core::flow::failure::FailureClass;

    fn answer(status: u16, headers: &[(&'static str, &str)], body: Value) -> Answer {
        let mut map = HeaderMap::new();
        for (name, value) in headers {
            map.insert(*name, value.parse().unwrap());
        }
        Answer {
            status: StatusCode::from_u16(status).unwrap(),
            headers: map,
            body,
        }
    }

    #[test]
    fn answers_are_classified_once_with_the_wait_asked_for() {
        let now = jiff::Timestamp::now();
        let body = json!({"message": "TF400813: not authorized", "typeKey": "UnauthorizedRequestException"});
        for (status, headers, class, wait) in [
            (
                429,
                vec![("retry-after", "7")],
                FailureClass::Retryable,
                Some(7),
            ),
            (
                503,
                vec![("retry-after", "3")],
                FailureClass::Retryable,
                Some(3),
            ),
            (500, vec![], FailureClass::Retryable, None),
            (401, vec![], FailureClass::Permanent, None),
            (203, vec![], FailureClass::Permanent, None),
            (403, vec![], FailureClass::Permanent, None),
            (404, vec![], FailureClass::Permanent, None),
            (409, vec![], FailureClass::Conflict, None),
            (400, vec![], FailureClass::Permanent, None),
        ] {
            let error = failure(&answer(status, &headers, body.clone()), "r", "doing", now);
            assert_eq!(error.class(), class, "{status}: {error}");
            assert_eq!(
                error.retry_after(),
                wait.map(Duration::from_secs),
                "{status}"
            );
        }
        let bad_token = failure(&answer(401, &[], body), "r", "doing", now).to_string();
        assert!(
            bad_token.contains("personal access token is invalid"),
            "{bad_token}"
        );
        assert!(bad_token.contains("TF400813"), "{bad_token}");
    }

    #[test]
    fn html_pages_are_not_quoted() {
        let page = Value::String("<html>sign in</html>".into());
        assert_eq!(service_message(&page), "");
        let long = json!({"message": "x\r\n".repeat(200)});
        let message = service_message(&long);
        assert!(message.chars().count() <= 301 && !message.contains('\n'));
    }
}
