//! The failures of a cycle's steps, each naming what it was working on and keeping the
//! failed operation's own error, which decides the class ([`FailureClass`]) and any wait
//! the remote asked for. Nothing is classified by its message.

use std::time::Duration;

use sluice_core::flow::Reason;
use sluice_core::flow::failure::{Failure, FailureClass};

use crate::forge::ForgeError;
use crate::git::GitError;
use crate::store::StoreError;

/// Why a key could not be observed.
#[derive(Debug, thiserror::Error)]
pub enum ObserveError {
    /// The repository URL cannot be used (no credentials path, an unsupported scheme).
    #[error("{repository}: {message}")]
    InvalidRepository {
        /// The repository as declared.
        repository: String,
        /// Why.
        message: String,
    },
    /// A branch moved while it was being observed.
    #[error("{repository} branch {branch}: {message}")]
    Moved {
        /// The repository.
        repository: String,
        /// The branch.
        branch: String,
        /// From where to where.
        message: String,
    },
    /// Reading the repository failed.
    #[error(transparent)]
    Git(#[from] GitError),
    /// Asking the forge failed.
    #[error(transparent)]
    Forge(#[from] ForgeError),
    /// Reading the key's recorded state failed.
    #[error("reading the state of {key}: {source}")]
    Store {
        /// The key's id.
        key: String,
        /// The store's error.
        source: StoreError,
    },
}

impl ObserveError {
    /// The class of this failure.
    pub fn class(&self) -> FailureClass {
        match self {
            ObserveError::InvalidRepository { .. } => FailureClass::Permanent,
            ObserveError::Moved { .. } => FailureClass::Conflict,
            ObserveError::Git(e) => e.class(),
            ObserveError::Forge(e) => e.class(),
            ObserveError::Store { source, .. } => source.class(),
        }
    }

    /// How long the remote asked to wait, if it said.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            ObserveError::Forge(e) => e.retry_after(),
            _ => None,
        }
    }
}

impl From<crate::git::HeadError> for ObserveError {
    fn from(err: crate::git::HeadError) -> Self {
        ObserveError::Git(err.into())
    }
}

impl From<crate::git::FetchError> for ObserveError {
    fn from(err: crate::git::FetchError) -> Self {
        ObserveError::Git(err.into())
    }
}

impl From<crate::git::ReadError> for ObserveError {
    fn from(err: crate::git::ReadError) -> Self {
        ObserveError::Git(err.into())
    }
}

/// Why executing an action stopped the cycle.
#[derive(Debug, thiserror::Error)]
pub enum ExecuteError {
    /// The forge failed.
    #[error("{action}: {source}")]
    Forge {
        /// The action, e.g. `merge`.
        action: &'static str,
        /// The forge's error.
        source: ForgeError,
    },
    /// The git layer failed.
    #[error("{action}: {source}")]
    Git {
        /// The action, e.g. `push-update`.
        action: &'static str,
        /// The operation's error.
        source: GitError,
    },
    /// Recording the action's result failed.
    #[error("recording {action}: {source}")]
    Store {
        /// The action.
        action: &'static str,
        /// The store's error.
        source: StoreError,
    },
    /// The repository could not be reached for the action.
    #[error("{action}: {source}")]
    Observe {
        /// The action.
        action: &'static str,
        /// Why.
        source: ObserveError,
    },
    /// This process may no longer act (a controller that lost its lease): the action was
    /// not taken, and the replica holding the lease carries on.
    #[error("{action}: not taken, this replica is no longer the leader")]
    NotLeader {
        /// The action.
        action: &'static str,
    },
    /// The plan contradicts what the cycle holds (a pull request not tracked, a commit id
    /// that is not one): a defect, never retried blindly.
    #[error("{action}: {message}")]
    Plan {
        /// The action.
        action: &'static str,
        /// What contradicts.
        message: String,
    },
}

impl ExecuteError {
    /// The class of this failure.
    pub fn class(&self) -> FailureClass {
        match self {
            ExecuteError::Forge { source, .. } => source.class(),
            ExecuteError::Git { source, .. } => source.class(),
            ExecuteError::Store { source, .. } => source.class(),
            ExecuteError::Observe { source, .. } => source.class(),
            ExecuteError::Plan { .. } => FailureClass::Permanent,
            ExecuteError::NotLeader { .. } => FailureClass::Retryable,
        }
    }

    /// How long the remote asked to wait, if it said.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            ExecuteError::Forge { source, .. } => source.retry_after(),
            ExecuteError::Observe { source, .. } => source.retry_after(),
            _ => None,
        }
    }
}

/// A cycle that failed: the class and wait of the failure that ended it, and a sentence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CycleFailure {
    /// What it means for the key.
    pub class: FailureClass,
    /// The wait the remote asked for, if any.
    pub retry_after: Option<Duration>,
    /// What failed.
    pub message: String,
    /// The reason a permanent failure stalls with: `TargetUnreachable` when observing
    /// failed, `ActionFailed` when executing did.
    pub stalled_reason: Reason,
}

impl CycleFailure {
    /// The failure as the queue paces it.
    pub fn failure(&self) -> Failure {
        Failure {
            class: self.class,
            retry_after: self.retry_after,
        }
    }
}

impl From<&ObserveError> for CycleFailure {
    fn from(err: &ObserveError) -> Self {
        CycleFailure {
            class: err.class(),
            retry_after: err.retry_after(),
            message: err.to_string(),
            stalled_reason: Reason::TargetUnreachable,
        }
    }
}

impl From<&ExecuteError> for CycleFailure {
    fn from(err: &ExecuteError) -> Self {
        CycleFailure {
            class: err.class(),
            retry_after: err.retry_after(),
            message: err.to_string(),
            stalled_reason: Reason::ActionFailed,
        }
    }
}
