//! Operations that talk to the remote: ref listings, fetches and compare-and-swap
//! pushes, each under its deadline.

use std::collections::BTreeMap;
use std::sync::atomic::Ordering;

use super::network::{self, Fetched, NetworkFailure, Stage};
use super::{
    Expected, FetchError, HeadError, ObjectId, PushError, Remote, RemoteRepo, error, push,
};

impl RemoteRepo {
    /// The commit `branch` points to on the remote, or `None` if it does not exist. Uses
    /// the ref advertisement only; no objects are transferred.
    pub async fn head(&self, branch: &str) -> Result<Option<ObjectId>, HeadError> {
        self.git.calls.heads.fetch_add(1, Ordering::Relaxed);
        let url = self.remote.url.clone();
        if !network::valid_branch(branch) {
            return Err(HeadError::InvalidBranch {
                remote: url,
                branch: branch.to_owned(),
            });
        }
        let stall = self.git.config.stall_timeout;
        let owned = branch.to_owned();
        let result = self
            .blocking(self.git.config.operation_timeout, move |lock, remote, _| {
                let mut open = lock.open().map_err(HeadError::Cache)?;
                network::head(&mut open.repo, remote, &owned, stall)
                    .map_err(|f| advertisement_error(remote, &owned, "head of", f))
            })
            .await;
        match result {
            Ok(result) => {
                tracing::debug!(remote = %url, branch, ok = result.is_ok(), "git head");
                result
            }
            Err(Some(err)) => Err(err.into()),
            Err(None) => Err(HeadError::Timeout {
                remote: url,
                branch: branch.to_owned(),
                after: self.git.config.operation_timeout,
            }),
        }
    }

    /// Every branch of the remote and its commit, from one ref advertisement (no objects
    /// transferred): what a caller needs for many branches of one repository.
    pub async fn heads(&self) -> Result<BTreeMap<String, ObjectId>, HeadError> {
        self.git.calls.heads.fetch_add(1, Ordering::Relaxed);
        let url = self.remote.url.clone();
        let stall = self.git.config.stall_timeout;
        let result = self
            .blocking(self.git.config.operation_timeout, move |lock, remote, _| {
                let mut open = lock.open().map_err(HeadError::Cache)?;
                network::heads(&mut open.repo, remote, stall)
                    .map_err(|f| advertisement_error(remote, "*", "branches of", f))
            })
            .await;
        match result {
            Ok(result) => result,
            Err(Some(err)) => Err(err.into()),
            Err(None) => Err(HeadError::Timeout {
                remote: url,
                branch: "*".to_owned(),
                after: self.git.config.operation_timeout,
            }),
        }
    }

    /// Bring `branch` into the cache and return the commit it points to. The first fetch
    /// is shallow (depth 1); later ones transfer only what is new. A fetch that fails
    /// while storing objects rebuilds the cache and tries once more.
    pub async fn fetch(&self, branch: &str) -> Result<ObjectId, FetchError> {
        self.git.calls.fetches.fetch_add(1, Ordering::Relaxed);
        let url = self.remote.url.clone();
        if !network::valid_branch(branch) {
            return Err(FetchError::InvalidBranch {
                remote: url,
                branch: branch.to_owned(),
            });
        }
        let stall = self.git.config.stall_timeout;
        let owned = branch.to_owned();
        let result = self
            .blocking(self.git.config.fetch_timeout, move |lock, remote, interrupt| {
                let mut open = lock.open().map_err(FetchError::Cache)?;
                let mut outcome = network::fetch(&mut open.repo, remote, &owned, stall, interrupt);
                if let Err(NetworkFailure {
                    stage: Stage::Receive,
                    message,
                }) = &outcome
                    && !interrupt.load(Ordering::Relaxed)
                {
                    tracing::warn!(remote = %remote.url, branch = %owned, error = %message, "fetch failed while storing objects, rebuilding the cache");
                    drop(open);
                    let mut fresh = lock.open_fresh().map_err(FetchError::Cache)?;
                    outcome = network::fetch(&mut fresh.repo, remote, &owned, stall, interrupt);
                }
                match outcome {
                    Ok(Fetched::At(id)) => Ok(id),
                    Ok(Fetched::Missing) => Err(FetchError::MissingBranch {
                        remote: remote.url.clone(),
                        branch: owned.clone(),
                    }),
                    Err(f) if error::is_authentication_failure(&f.message) => Err(FetchError::Authentication {
                        remote: remote.url.clone(),
                        branch: owned.clone(),
                        op: "fetch from",
                    }),
                    Err(f) => Err(FetchError::Remote {
                        remote: remote.url.clone(),
                        branch: owned.clone(),
                        message: f.message,
                    }),
                }
            })
            .await;
        match result {
            Ok(result) => {
                tracing::debug!(remote = %url, branch, ok = result.is_ok(), "git fetch");
                result
            }
            Err(Some(err)) => Err(err.into()),
            Err(None) => Err(FetchError::Timeout {
                remote: url,
                branch: branch.to_owned(),
                after: self.git.config.fetch_timeout,
            }),
        }
    }

    /// Bring the single commit `commit` into the cache (depth 1), asking the remote for it
    /// by id; nothing goes over the network when the cache holds it already. Errors name
    /// the commit where a branch fetch names the branch. A remote that answers it does not
    /// hold the commit gives [`FetchError::MissingCommit`]; one that hangs up instead (a
    /// local upload-pack may, before the request is written) gives [`FetchError::Remote`].
    pub async fn fetch_commit(&self, commit: ObjectId) -> Result<(), FetchError> {
        let calls = self.git.calls.clone();
        self.fetch_by_id(commit, move |repo, remote, stall, interrupt| {
            if repo.has_object(commit) {
                return Ok(true);
            }
            calls.fetches.fetch_add(1, Ordering::Relaxed);
            network::fetch_commit(repo, remote, commit, stall, interrupt)
        })
        .await
    }

    /// Runs `fetch` of `commit` by id on the cache, within the fetch deadline; its answer
    /// read by [`by_id_outcome`]. Errors name the commit.
    pub(super) async fn fetch_by_id<F>(&self, commit: ObjectId, fetch: F) -> Result<(), FetchError>
    where
        F: FnOnce(
                &mut gix::Repository,
                &super::Remote,
                std::time::Duration,
                &std::sync::atomic::AtomicBool,
            ) -> Result<bool, NetworkFailure>
            + Send
            + 'static,
    {
        let url = self.remote.url.clone();
        let stall = self.git.config.stall_timeout;
        let result = self
            .blocking(
                self.git.config.fetch_timeout,
                move |lock, remote, interrupt| {
                    let mut open = lock.open().map_err(FetchError::Cache)?;
                    let fetched = fetch(&mut open.repo, remote, stall, interrupt);
                    by_id_outcome(remote, commit, fetched)
                },
            )
            .await;
        match result {
            Ok(result) => result,
            Err(Some(err)) => Err(err.into()),
            Err(None) => Err(FetchError::Timeout {
                remote: url,
                branch: commit.to_string(),
                after: self.git.config.fetch_timeout,
            }),
        }
    }

    /// Point `branch` on the remote at `commit` if it is still as `expected`;
    /// otherwise fail with [`PushError::Conflict`] and change nothing.
    pub async fn push(
        &self,
        commit: ObjectId,
        branch: &str,
        expected: Expected,
    ) -> Result<(), PushError> {
        self.push_inner(Some(commit), branch, expected).await
    }

    /// Delete `branch` on the remote if it still points at `expected`; otherwise fail
    /// with [`PushError::Conflict`] and change nothing.
    pub async fn delete_branch(&self, branch: &str, expected: ObjectId) -> Result<(), PushError> {
        self.push_inner(None, branch, Expected::At(expected)).await
    }

    async fn push_inner(
        &self,
        source: Option<ObjectId>,
        branch: &str,
        expected: Expected,
    ) -> Result<(), PushError> {
        self.git.calls.pushes.fetch_add(1, Ordering::Relaxed);
        if !network::valid_branch(branch) {
            return Err(PushError::InvalidBranch {
                remote: self.remote.url.clone(),
                branch: branch.to_owned(),
            });
        }
        let deadline = self.git.config.operation_timeout;
        let Ok(lock) = tokio::time::timeout(deadline, self.git.cache.lock(&self.remote.url)).await
        else {
            return Err(PushError::Timeout {
                remote: self.remote.url.clone(),
                branch: branch.to_owned(),
                after: deadline,
            });
        };
        let dir = lock.dir().to_owned();
        let (lock, open) = tokio::task::spawn_blocking(move || {
            let open = lock.open();
            (lock, open)
        })
        .await
        .map_err(|e| PushError::Cache(self.worker_error(e)))?;
        let open = open?;
        let settings = push::PushSettings {
            git: &self.git.config.git_program,
            stall_timeout: self.git.config.stall_timeout,
            operation_timeout: self.git.config.operation_timeout,
        };
        let result = push::push(&settings, &dir, &self.remote, source, branch, expected).await;
        drop(open);
        drop(lock);
        result
    }
}

/// A failed ref advertisement as a [`HeadError`]: authentication or anything else.
fn advertisement_error(
    remote: &Remote,
    branch: &str,
    op: &'static str,
    failure: NetworkFailure,
) -> HeadError {
    if error::is_authentication_failure(&failure.message) {
        HeadError::Authentication {
            remote: remote.url.clone(),
            branch: branch.to_owned(),
            op,
        }
    } else {
        HeadError::Remote {
            remote: remote.url.clone(),
            branch: branch.to_owned(),
            message: failure.message,
        }
    }
}

/// What a fetch of `commit` by id came to: a server that does not hold the commit answers
/// "not our ref" (or sends nothing), which is a missing commit, not a network failure.
pub(super) fn by_id_outcome(
    remote: &super::Remote,
    commit: ObjectId,
    fetched: Result<bool, NetworkFailure>,
) -> Result<(), FetchError> {
    let missing = || FetchError::MissingCommit {
        remote: remote.url.clone(),
        commit: commit.to_string(),
    };
    match fetched {
        Ok(true) => Ok(()),
        Ok(false) => Err(missing()),
        Err(f) if f.message.contains("not our ref") => Err(missing()),
        Err(f) if error::is_authentication_failure(&f.message) => Err(FetchError::Authentication {
            remote: remote.url.clone(),
            branch: commit.to_string(),
            op: "fetch from",
        }),
        Err(f) => Err(FetchError::Remote {
            remote: remote.url.clone(),
            branch: commit.to_string(),
            message: f.message,
        }),
    }
}
