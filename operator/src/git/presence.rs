//! Whether commits are in a given repository — the guard that keeps commits of an internal
//! repository out of public places: each commit is asked for by id (a fetch with no
//! working tree, depth 1), and a remote that does not hold it says so.

use super::{FetchError, ObjectId, RemoteRepo};

impl RemoteRepo {
    /// The commits of `commits` this remote does not hold, in the order given; empty when
    /// it holds every one. A repository holds every ancestor of its commits, so a range
    /// `base..head` is in the remote exactly when `head` is: pass the tips of the range.
    /// A commit the cache already fetched from this remote costs no network call.
    ///
    /// Over HTTP a missing commit is the server's "not our ref"; a failure to ask (the
    /// network, credentials, a deadline) is an error, never "missing". A local
    /// upload-pack may hang up instead of answering, which is an error too.
    pub async fn missing_commits(&self, commits: &[ObjectId]) -> Result<Vec<ObjectId>, FetchError> {
        let mut missing = Vec::new();
        for &commit in commits {
            match self.fetch_commit(commit).await {
                Ok(()) => {}
                Err(FetchError::MissingCommit { .. }) => missing.push(commit),
                Err(err) => return Err(err),
            }
        }
        tracing::debug!(remote = %self.remote().url, asked = commits.len(), missing = missing.len(), "git commits present");
        Ok(missing)
    }
}
