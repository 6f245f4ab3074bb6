//! One error type per git operation. Messages name the operation, the remote (never
//! with credentials) and the branch or commit, and never contain a secret.

use std::path::PathBuf;
use std::time::Duration;

use super::remote::RemoteUrl;

/// The repository cache could not be prepared.
#[derive(Debug, thiserror::Error)]
pub enum CacheError {
    /// A filesystem operation on the cache failed.
    #[error("git cache for {remote}: {action} {path}: {source}")]
    Io {
        /// The remote whose cache this is.
        remote: RemoteUrl,
        /// What was attempted.
        action: &'static str,
        /// The path involved.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The cache repository could not be created.
    #[error("git cache for {remote}: cannot create repository at {path}: {message}")]
    Init {
        /// The remote whose cache this is.
        remote: RemoteUrl,
        /// The cache directory.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
    /// The blocking worker ended abnormally.
    #[error("git cache for {remote}: worker failed: {message}")]
    Worker {
        /// The remote whose cache this is.
        remote: RemoteUrl,
        /// What went wrong.
        message: String,
    },
}

/// Reading a remote branch's head from the ref advertisement failed.
#[derive(Debug, thiserror::Error)]
pub enum HeadError {
    /// The cache could not be prepared.
    #[error(transparent)]
    Cache(#[from] CacheError),
    /// The branch name is not a valid ref name.
    #[error("head of {remote}: invalid branch name {branch:?}")]
    InvalidBranch {
        /// The remote.
        remote: RemoteUrl,
        /// The rejected name.
        branch: String,
    },
    /// Connecting or listing refs failed.
    #[error("head of {remote} branch {branch}: {message}")]
    Remote {
        /// The remote.
        remote: RemoteUrl,
        /// The branch.
        branch: String,
        /// What went wrong.
        message: String,
    },
    /// The remote refused the credentials, or demanded some and none were configured.
    #[error(
        "{op} {remote} branch {branch}: authentication failed (credentials missing or rejected)"
    )]
    Authentication {
        /// The remote.
        remote: RemoteUrl,
        /// The branch.
        branch: String,
        /// The operation, as worded in the message.
        op: &'static str,
    },
    /// No answer in time.
    #[error("head of {remote} branch {branch}: timed out after {after:?}")]
    Timeout {
        /// The remote.
        remote: RemoteUrl,
        /// The branch.
        branch: String,
        /// The limit that was reached.
        after: Duration,
    },
}

/// Fetching a branch into the cache failed.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    /// The cache could not be prepared.
    #[error(transparent)]
    Cache(#[from] CacheError),
    /// The branch name is not a valid ref name.
    #[error("fetch from {remote}: invalid branch name {branch:?}")]
    InvalidBranch {
        /// The remote.
        remote: RemoteUrl,
        /// The rejected name.
        branch: String,
    },
    /// The branch does not exist on the remote.
    #[error("fetch from {remote}: branch {branch} does not exist")]
    MissingBranch {
        /// The remote.
        remote: RemoteUrl,
        /// The branch.
        branch: String,
    },
    /// The remote does not serve the commit (it does not hold it, or refuses requests
    /// for commits by id).
    #[error("fetch from {remote}: commit {commit} is not available")]
    MissingCommit {
        /// The remote.
        remote: RemoteUrl,
        /// The commit.
        commit: String,
    },
    /// Connecting, negotiating or receiving the pack failed.
    #[error("fetch from {remote} branch {branch}: {message}")]
    Remote {
        /// The remote.
        remote: RemoteUrl,
        /// The branch.
        branch: String,
        /// What went wrong.
        message: String,
    },
    /// The remote refused the credentials, or demanded some and none were configured.
    #[error(
        "{op} {remote} branch {branch}: authentication failed (credentials missing or rejected)"
    )]
    Authentication {
        /// The remote.
        remote: RemoteUrl,
        /// The branch.
        branch: String,
        /// The operation, as worded in the message.
        op: &'static str,
    },
    /// No answer in time.
    #[error("fetch from {remote} branch {branch}: timed out after {after:?}")]
    Timeout {
        /// The remote.
        remote: RemoteUrl,
        /// The branch.
        branch: String,
        /// The limit that was reached.
        after: Duration,
    },
}

/// Reading files at a commit failed.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// The cache could not be prepared.
    #[error(transparent)]
    Cache(#[from] CacheError),
    /// The commit is not in the cache; fetch first.
    #[error("read from {remote}: commit {commit} is not in the cache")]
    MissingCommit {
        /// The remote.
        remote: RemoteUrl,
        /// The commit.
        commit: String,
    },
    /// The path names a directory or a submodule, not a file.
    #[error("read from {remote} at {commit}: {path} is not a file")]
    NotAFile {
        /// The remote.
        remote: RemoteUrl,
        /// The commit.
        commit: String,
        /// The path.
        path: String,
    },
    /// The object database could not be read.
    #[error("read from {remote} at {commit}: {message}")]
    Object {
        /// The remote.
        remote: RemoteUrl,
        /// The commit.
        commit: String,
        /// What went wrong.
        message: String,
    },
}

/// Writing a commit failed.
#[derive(Debug, thiserror::Error)]
pub enum CommitError {
    /// The cache could not be prepared.
    #[error(transparent)]
    Cache(#[from] CacheError),
    /// The parent commit is not in the cache; fetch first.
    #[error("commit for {remote}: parent {parent} is not in the cache")]
    MissingParent {
        /// The remote.
        remote: RemoteUrl,
        /// The parent commit.
        parent: String,
    },
    /// An edit names a path that cannot be written.
    #[error("commit for {remote}: invalid path {path:?}: {reason}")]
    InvalidPath {
        /// The remote.
        remote: RemoteUrl,
        /// The path.
        path: String,
        /// Why it was rejected.
        reason: &'static str,
    },
    /// A squash was asked for a head whose history does not contain the target's head:
    /// the target moved since the head was written.
    #[error("squash for {remote}: {head} is not based on {onto}")]
    NotBasedOn {
        /// The remote.
        remote: RemoteUrl,
        /// The head commit.
        head: String,
        /// The commit it should sit on.
        onto: String,
    },
    /// Writing objects failed.
    #[error("commit for {remote} on {parent}: {message}")]
    Object {
        /// The remote.
        remote: RemoteUrl,
        /// The parent commit.
        parent: String,
        /// What went wrong.
        message: String,
    },
}

/// Pushing (or deleting) a branch failed.
#[derive(Debug, thiserror::Error)]
pub enum PushError {
    /// The cache could not be prepared.
    #[error(transparent)]
    Cache(#[from] CacheError),
    /// The branch name is not a valid ref name.
    #[error("push to {remote}: invalid branch name {branch:?}")]
    InvalidBranch {
        /// The remote.
        remote: RemoteUrl,
        /// The rejected name.
        branch: String,
    },
    /// The branch is not where the caller expected it: someone else moved it. Nothing
    /// was changed; observe again and re-plan.
    #[error("push to {remote} branch {branch}: conflict, the branch is no longer at {expected}")]
    Conflict {
        /// The remote.
        remote: RemoteUrl,
        /// The branch.
        branch: String,
        /// What the caller expected (`absent` for a create-only push).
        expected: String,
    },
    /// The server refused the update (a protected branch, a hook).
    #[error("push to {remote} branch {branch}: rejected: {reason}")]
    Rejected {
        /// The remote.
        remote: RemoteUrl,
        /// The branch.
        branch: String,
        /// The server's reason.
        reason: String,
    },
    /// The `git` program could not be run.
    #[error("push to {remote}: cannot run {program}: {source}")]
    Spawn {
        /// The remote.
        remote: RemoteUrl,
        /// The program.
        program: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// `git push` failed (network, authentication, ...).
    #[error("push to {remote} branch {branch}: {message}")]
    Failed {
        /// The remote.
        remote: RemoteUrl,
        /// The branch.
        branch: String,
        /// git's message, with any secret removed.
        message: String,
    },
    /// The remote refused the credentials, or demanded some and none were configured.
    #[error(
        "{op} {remote} branch {branch}: authentication failed (credentials missing or rejected)"
    )]
    Authentication {
        /// The remote.
        remote: RemoteUrl,
        /// The branch.
        branch: String,
        /// The operation, as worded in the message.
        op: &'static str,
    },
    /// No answer in time.
    #[error("push to {remote} branch {branch}: timed out after {after:?}")]
    Timeout {
        /// The remote.
        remote: RemoteUrl,
        /// The branch.
        branch: String,
        /// The limit that was reached.
        after: Duration,
    },
}

/// Whether a transport error message says authentication failed (gix and git CLI
/// wordings).
pub(crate) fn is_authentication_failure(message: &str) -> bool {
    const MARKERS: [&str; 8] = [
        "No credentials were returned",
        "could not read Username",
        "could not read Password",
        "Authentication failed",
        "HTTP 401",
        "HTTP 403",
        "error: 401",
        "error: 403",
    ];
    MARKERS.iter().any(|m| message.contains(m))
}

/// A one-line description of an error and its sources.
pub(crate) fn describe(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(inner) = source {
        let line = inner.to_string();
        if !text.contains(&line) {
            text.push_str(": ");
            text.push_str(&line);
        }
        source = inner.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::is_authentication_failure;

    #[test]
    fn recognizes_authentication_failures_only() {
        assert!(is_authentication_failure(
            "fatal: could not read Username for 'https://example.com': terminal prompts disabled"
        ));
        assert!(is_authentication_failure(
            "fatal: Authentication failed for 'https://example.com/'"
        ));
        assert!(!is_authentication_failure(
            "the fetched pack does not contain 4013abcdef"
        ));
    }
}
