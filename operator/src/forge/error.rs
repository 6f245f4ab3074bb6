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
