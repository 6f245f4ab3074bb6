//! [`ForgeError`]: a failed forge operation, naming the repository and the pull request,
//! classified once ([`ForgeError::class`]) and carrying the wait the forge asked for.

use std::time::Duration;

use sluice_core::flow::failure::FailureClass;

/// A failure of a forge operation.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ForgeError {
    /// The pull request or one of its branches moved under the operation (a head that is
    /// not the one evaluated, a pull request closed meanwhile); observe again and re-plan.
    #[error("{repository}: {message}")]
    Conflict {
        /// Target repository.
        repository: String,
        /// The pull request, if the operation was on one.
        pull_request: Option<String>,
        /// What moved.
        message: String,
    },
    /// Worth retrying later: the network, a 5xx, a rate limit.
    #[error("{repository}: {message}")]
    Unavailable {
        /// Target repository.
        repository: String,
        /// What failed.
        message: String,
        /// How long the forge asked to wait (`Retry-After`), if it said.
        retry_after: Option<Duration>,
    },
    /// The pull request (or the repository) does not exist on the forge.
    #[error("{repository}: {what} not found")]
    NotFound {
        /// Target repository.
        repository: String,
        /// What is missing, e.g. `pull request #4`.
        what: String,
    },
    /// Refused for a reason retrying will not fix (permissions, a bad request, a
    /// repository on a forge that is not configured).
    #[error("{repository}: {message}")]
    Rejected {
        /// Target repository.
        repository: String,
        /// Why.
        message: String,
    },
}

impl ForgeError {
    /// A conflict on `pull_request` of `repository`.
    pub fn conflict(repository: &str, pull_request: &str, message: impl Into<String>) -> Self {
        ForgeError::Conflict {
            repository: repository.to_string(),
            pull_request: Some(pull_request.to_string()),
            message: message.into(),
        }
    }

    /// A retryable failure with no wait asked for.
    pub fn unavailable(repository: &str, message: impl Into<String>) -> Self {
        ForgeError::Unavailable {
            repository: repository.to_string(),
            message: message.into(),
            retry_after: None,
        }
    }

    /// A refusal retrying will not fix.
    pub fn rejected(repository: &str, message: impl Into<String>) -> Self {
        ForgeError::Rejected {
            repository: repository.to_string(),
            message: message.into(),
        }
    }

    /// The same failure with `secret` scrubbed from its message (for messages that
    /// quote a forge's answer or a transport error).
    pub fn scrubbed(self, secret: &crate::git::Secret) -> ForgeError {
        match self {
            ForgeError::Conflict {
                repository,
                pull_request,
                message,
            } => ForgeError::Conflict {
                repository,
                pull_request,
                message: secret.scrub(&message),
            },
            ForgeError::Unavailable {
                repository,
                message,
                retry_after,
            } => ForgeError::Unavailable {
                repository,
                message: secret.scrub(&message),
                retry_after,
            },
            ForgeError::Rejected {
                repository,
                message,
            } => ForgeError::Rejected {
                repository,
                message: secret.scrub(&message),
            },
            not_found => not_found,
        }
    }

    /// The class of this failure.
    pub fn class(&self) -> FailureClass {
        match self {
            ForgeError::Conflict { .. } => FailureClass::Conflict,
            ForgeError::Unavailable { .. } => FailureClass::Retryable,
            ForgeError::NotFound { .. } | ForgeError::Rejected { .. } => FailureClass::Permanent,
        }
    }

    /// How long the forge asked to wait before the next call, if it said.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            ForgeError::Unavailable { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    /// What went wrong, without the repository (for messages that name it already).
    pub fn message(&self) -> String {
        match self {
            ForgeError::Conflict { message, .. }
            | ForgeError::Unavailable { message, .. }
            | ForgeError::Rejected { message, .. } => message.clone(),
            ForgeError::NotFound { what, .. } => format!("{what} not found"),
        }
    }
}

/// A hosted forge's answer that is not a success, as [`ForgeError::refused`] reads it.
#[derive(Debug, Clone)]
pub struct Refusal<'a> {
    /// The forge, as messages name it (`GitHub`, `Azure DevOps`).
    pub forge: &'a str,
    /// What was being done.
    pub what: &'a str,
    /// The status code, as the forge meant it.
    pub status: http::StatusCode,
    /// The forge's own message (empty when it gave none).
    pub detail: String,
    /// The wait the answer asked for (`Retry-After`), if it did.
    pub retry_after: Option<Duration>,
    /// Said after the status of a 401 (how to fix the credentials).
    pub unauthorized: &'a str,
    /// Said after the status of a 403 (which permission to grant).
    pub forbidden: &'a str,
}

impl<'a> Refusal<'a> {
    /// The refusal `status` of `forge` to `what`, with the `Retry-After` of `headers`
    /// read at `now`; no detail and no hints yet.
    pub fn new(
        forge: &'a str,
        what: &'a str,
        status: http::StatusCode,
        headers: &http::HeaderMap,
        now: jiff::Timestamp,
    ) -> Refusal<'a> {
        let retry_after = headers
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| sluice_core::flow::failure::parse_retry_after(v, now));
        Refusal {
            forge,
            what,
            status,
            detail: String::new(),
            retry_after,
            unauthorized: "",
            forbidden: "",
        }
    }

    /// `WHAT: FORGE answered STATUS (DETAIL)HINT`.
    pub fn said(&self, hint: &str) -> String {
        let mut text = format!("{}: {} answered {}", self.what, self.forge, self.status);
        if !self.detail.is_empty() {
            text.push_str(&format!(" ({})", self.detail));
        }
        text.push_str(hint);
        text
    }
}

impl ForgeError {
    /// What a hosted forge's refused answer on `repository` means, the same on every
    /// forge: 401 and 403 are refusals with the forge's hints, 404 is not found, 409 a
    /// conflict, 429 and 5xx retryable with the wait asked for, anything else a refusal.
    pub fn refused(repository: &str, refusal: &Refusal<'_>) -> ForgeError {
        let repository = repository.to_string();
        match refusal.status.as_u16() {
            401 => ForgeError::Rejected {
                repository,
                message: refusal.said(refusal.unauthorized),
            },
            403 => ForgeError::Rejected {
                repository,
                message: refusal.said(refusal.forbidden),
            },
            404 => ForgeError::NotFound {
                repository,
                what: format!("{} (or the token cannot see it)", refusal.what),
            },
            409 => ForgeError::Conflict {
                repository,
                pull_request: None,
                message: refusal.said(""),
            },
            429 | 500..=599 => ForgeError::Unavailable {
                repository,
                message: refusal.said(""),
                retry_after: refusal.retry_after,
            },
            _ => ForgeError::Rejected {
                repository,
                message: refusal.said(""),
            },
        }
    }
}

/// `Ok` when a pull request that was just changed is still open, else the conflict of
/// `id` (shown as `label`, `#4` or `4`) being in another state.
pub fn still_open(
    repository: &str,
    id: &str,
    label: &str,
    state: sluice_core::model::PullRequestState,
) -> Result<(), ForgeError> {
    match state {
        sluice_core::model::PullRequestState::Open => Ok(()),
        state => Err(ForgeError::conflict(
            repository,
            id,
            format!("pull request {label} is {state:?} now, not open"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_variant_has_one_class_and_only_unavailable_asks_to_wait() {
        let two = Some(Duration::from_secs(2));
        for (error, class, wait) in [
            (
                ForgeError::conflict("r", "4", "head moved"),
                FailureClass::Conflict,
                None,
            ),
            (
                ForgeError::Unavailable {
                    repository: "r".into(),
                    message: "429".into(),
                    retry_after: two,
                },
                FailureClass::Retryable,
                two,
            ),
            (
                ForgeError::NotFound {
                    repository: "r".into(),
                    what: "pull request #4".into(),
                },
                FailureClass::Permanent,
                None,
            ),
            (
                ForgeError::rejected("r", "forbidden"),
                FailureClass::Permanent,
                None,
            ),
        ] {
            assert_eq!(error.class(), class, "{error}");
            assert_eq!(error.retry_after(), wait, "{error}");
            assert!(error.to_string().starts_with("r: "), "{error}");
        }
    }
}
