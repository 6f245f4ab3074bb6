//! What each git failure means for a reconcile cycle ([`FailureClass`]), decided per
//! variant next to the operation's error type, and [`GitError`], any of them.
//!
//! Invalid names and paths are permanent (the input must change); a branch that moved,
//! or a target a squash no longer sits on, is a conflict; everything the network, the
//! remote or the disk may mend (including refused credentials, which an operator can
//! replace without touching the configuration) is retryable.

use sluice_core::flow::failure::FailureClass;

use super::error::{CacheError, CommitError, FetchError, HeadError, PushError, ReadError};

impl CacheError {
    /// The class of this failure: the cache is local state, always worth another try.
    pub fn class(&self) -> FailureClass {
        FailureClass::Retryable
    }
}

impl HeadError {
    /// The class of this failure.
    pub fn class(&self) -> FailureClass {
        match self {
            HeadError::InvalidBranch { .. } => FailureClass::Permanent,
            HeadError::Cache(_)
            | HeadError::Remote { .. }
            | HeadError::Authentication { .. }
            | HeadError::Timeout { .. } => FailureClass::Retryable,
        }
    }
}

impl FetchError {
    /// The class of this failure. A branch that vanished between the listing and the
    /// fetch moved under the cycle.
    pub fn class(&self) -> FailureClass {
        match self {
            FetchError::InvalidBranch { .. } | FetchError::MissingCommit { .. } => {
                FailureClass::Permanent
            }
            FetchError::MissingBranch { .. } => FailureClass::Conflict,
            FetchError::Cache(_)
            | FetchError::Remote { .. }
            | FetchError::Authentication { .. }
            | FetchError::Timeout { .. } => FailureClass::Retryable,
        }
    }
}

impl ReadError {
    /// The class of this failure. A manifest path that names a directory is the
    /// repository's content, which only a change to it mends.
    pub fn class(&self) -> FailureClass {
        match self {
            ReadError::NotAFile { .. } => FailureClass::Permanent,
            ReadError::Cache(_) | ReadError::MissingCommit { .. } | ReadError::Object { .. } => {
                FailureClass::Retryable
            }
        }
    }
}

impl CommitError {
    /// The class of this failure.
    pub fn class(&self) -> FailureClass {
        match self {
            CommitError::InvalidPath { .. } => FailureClass::Permanent,
            CommitError::NotBasedOn { .. } => FailureClass::Conflict,
            CommitError::Cache(_)
            | CommitError::MissingParent { .. }
            | CommitError::Object { .. } => FailureClass::Retryable,
        }
    }
}

impl PushError {
    /// The class of this failure. A server that refuses the update (a protected branch,
    /// a hook) refuses it again until something changes.
    pub fn class(&self) -> FailureClass {
        match self {
            PushError::InvalidBranch { .. } | PushError::Rejected { .. } => FailureClass::Permanent,
            PushError::Conflict { .. } => FailureClass::Conflict,
            PushError::Cache(_)
            | PushError::Spawn { .. }
            | PushError::Failed { .. }
            | PushError::Authentication { .. }
            | PushError::Timeout { .. } => FailureClass::Retryable,
        }
    }
}

/// A failure of any git operation, keeping the operation's own error.
#[derive(Debug, thiserror::Error)]
pub enum GitError {
    /// Reading a branch head.
    #[error(transparent)]
    Head(#[from] HeadError),
    /// Fetching.
    #[error(transparent)]
    Fetch(#[from] FetchError),
    /// Reading files.
    #[error(transparent)]
    Read(#[from] ReadError),
    /// Writing a commit.
    #[error(transparent)]
    Commit(#[from] CommitError),
    /// Pushing.
    #[error(transparent)]
    Push(#[from] PushError),
}

impl GitError {
    /// The class of this failure, as the operation's error decides it.
    pub fn class(&self) -> FailureClass {
        match self {
            GitError::Head(e) => e.class(),
            GitError::Fetch(e) => e.class(),
            GitError::Read(e) => e.class(),
            GitError::Commit(e) => e.class(),
            GitError::Push(e) => e.class(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::git::RemoteUrl;

    fn remote() -> RemoteUrl {
        RemoteUrl::parse("https://git.example/contoso/sdk").unwrap()
    }

    #[test]
    fn invalid_names_and_paths_are_permanent_moves_are_conflicts() {
        let r = remote;
        let cases: Vec<(GitError, FailureClass)> = vec![
            (
                PushError::InvalidBranch {
                    remote: r(),
                    branch: "a..b".into(),
                }
                .into(),
                FailureClass::Permanent,
            ),
            (
                CommitError::InvalidPath {
                    remote: r(),
                    path: "../x".into(),
                    reason: "leaves the repository",
                }
                .into(),
                FailureClass::Permanent,
            ),
            (
                PushError::Rejected {
                    remote: r(),
                    branch: "main".into(),
                    reason: "protected branch".into(),
                }
                .into(),
                FailureClass::Permanent,
            ),
            (
                PushError::Conflict {
                    remote: r(),
                    branch: "main".into(),
                    expected: "absent".into(),
                }
                .into(),
                FailureClass::Conflict,
            ),
            (
                CommitError::NotBasedOn {
                    remote: r(),
                    head: "a".into(),
                    onto: "b".into(),
                }
                .into(),
                FailureClass::Conflict,
            ),
            (
                HeadError::Timeout {
                    remote: r(),
                    branch: "main".into(),
                    after: std::time::Duration::from_secs(1),
                }
                .into(),
                FailureClass::Retryable,
            ),
            (
                FetchError::Authentication {
                    remote: r(),
                    branch: "main".into(),
                    op: "fetch from",
                }
                .into(),
                FailureClass::Retryable,
            ),
            (
                ReadError::NotAFile {
                    remote: r(),
                    commit: "c".into(),
                    path: "eng".into(),
                }
                .into(),
                FailureClass::Permanent,
            ),
        ];
        for (error, class) in cases {
            assert_eq!(error.class(), class, "{error}");
        }
    }
}
