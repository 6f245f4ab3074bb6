//! Git layer: persistent repository cache, no-worktree commits, compare-and-swap pushes.
//!
//! sluice keeps one bare repository per remote ([`RepositoryCache`]) and reuses it across
//! reconcile cycles and restarts. An update on a warm cache costs about what the network
//! round trips cost, whatever the size of the repository:
//!
//! - [`RemoteRepo::head`] reads the branch from the ref advertisement alone; nothing is
//!   fetched when nothing moved.
//! - [`RemoteRepo::fetch`] fetches depth 1 the first time, incrementally afterwards.
//! - [`RemoteRepo::read`] reads files at a commit from the object database.
//! - [`RemoteRepo::commit`] writes blobs, edited trees and a commit object, with no
//!   working tree, index or reference involved.
//! - [`RemoteRepo::push`] and [`RemoteRepo::delete_branch`] update the remote with a
//!   compare-and-swap on the branch's previous value; a moved branch is
//!   [`PushError::Conflict`].
//!
//! gix does all object work and fetching. Pushing goes through the `git` CLI because gix
//! cannot push (it implements no send-pack / receive-pack client); the CLI is run with an
//! argument vector, never a shell, and receives credentials only through its environment.
//!
//! Blocking gix work runs on tokio's blocking pool. Every network operation has a stall
//! limit (no bytes for [`GitConfig::stall_timeout`]) and an overall deadline that counts
//! the wait for the cache too ([`GitConfig::operation_timeout`] for ref listings and
//! pushes, [`GitConfig::fetch_timeout`] for fetches). Work on one remote's cache is serialized by an
//! in-process mutex and a lock file, so concurrent cycles and processes never corrupt it;
//! a cache that is missing or cannot be opened is rebuilt.

mod ancestry;
mod cache;
mod calls;
mod classify;
mod commit;
mod credentials;
mod error;
mod network;
mod objects;
mod push;
mod read;
mod remote;
mod secret;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

pub use cache::RepositoryCache;
pub use calls::NetworkCalls;
use calls::NetworkCounters;
pub use classify::GitError;
pub use commit::{Author, FileEdit};
pub use credentials::{Credentials, CredentialsError};
pub use error::{CacheError, CommitError, FetchError, HeadError, PushError, ReadError};
pub use gix::ObjectId;
pub use push::Expected;
pub use remote::{InvalidRemoteUrl, Remote, RemoteUrl, Scheme};
pub use secret::{REDACTED, Secret};

use cache::CacheLock;
use network::{Fetched, NetworkFailure, Stage};

/// Settings of the git layer.
#[derive(Clone, Debug)]
pub struct GitConfig {
    /// Directory holding one bare repository per remote.
    pub cache_dir: PathBuf,
    /// A network operation that receives nothing for this long fails.
    pub stall_timeout: Duration,
    /// No ref listing or push takes longer than this (waiting for the cache included).
    pub operation_timeout: Duration,
    /// No fetch takes longer than this (waiting for the cache included). A fetch that
    /// stops receiving fails after the stall limit; this bounds one that trickles.
    pub fetch_timeout: Duration,
    /// The `git` program used for pushing.
    pub git_program: PathBuf,
}

impl GitConfig {
    /// Defaults: 20 s stall limit, 30 s per ref listing or push, 5 min per fetch, `git`
    /// from `PATH`: a remote that stops answering costs a reconcile tens of seconds.
    pub fn new(cache_dir: impl Into<PathBuf>) -> Self {
        GitConfig {
            cache_dir: cache_dir.into(),
            stall_timeout: Duration::from_secs(20),
            operation_timeout: Duration::from_secs(30),
            fetch_timeout: Duration::from_secs(5 * 60),
            git_program: PathBuf::from("git"),
        }
    }
}

/// The git layer: a repository cache and the settings to reach remotes.
#[derive(Clone, Debug)]
pub struct Git {
    cache: Arc<RepositoryCache>,
    config: Arc<GitConfig>,
    calls: Arc<NetworkCounters>,
}

/// Install the rustls `ring` crypto provider as the process default, once. The
/// dependency set enables more than one provider, and rustls then has no default.
pub fn install_crypto_provider() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // An error means another provider was installed first, which is fine.
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}

impl Git {
    /// A git layer with `config`. Nothing touches the disk until the first operation.
    pub fn new(config: GitConfig) -> Self {
        install_crypto_provider();
        Git {
            cache: Arc::new(RepositoryCache::new(config.cache_dir.clone())),
            config: Arc::new(config),
            calls: Arc::default(),
        }
    }

    /// Network operations started so far.
    pub fn network_calls(&self) -> NetworkCalls {
        let load = |c: &std::sync::atomic::AtomicU64| c.load(Ordering::Relaxed);
        NetworkCalls {
            heads: load(&self.calls.heads),
            fetches: load(&self.calls.fetches),
            pushes: load(&self.calls.pushes),
        }
    }

    /// The repository cache.
    pub fn cache(&self) -> &RepositoryCache {
        &self.cache
    }

    /// Operations on `remote`, through its cache.
    pub fn remote(&self, remote: Remote) -> RemoteRepo {
        RemoteRepo {
            git: self.clone(),
            remote: Arc::new(remote),
        }
    }
}

/// One remote and its cache: the operations the engine uses.
#[derive(Clone, Debug)]
pub struct RemoteRepo {
    git: Git,
    remote: Arc<Remote>,
}

/// Sets the interrupt flag when dropped, so a blocking fetch abandoned by its caller
/// (deadline, cancellation) stops at its next check.
struct InterruptOnDrop(Arc<AtomicBool>);

impl Drop for InterruptOnDrop {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Relaxed);
    }
}

impl RemoteRepo {
    /// The remote.
    pub fn remote(&self) -> &Remote {
        &self.remote
    }

    /// A `git` CLI command set up for this remote, for work the layer does not offer (the
    /// config repository's checkout): no prompts, stall limits, and the remote's
    /// credentials in the child's environment only, never in argv or a URL.
    pub fn git_command(&self) -> tokio::process::Command {
        let mut command = tokio::process::Command::new(&self.git.config.git_program);
        push::configure_environment(&mut command, &self.remote, self.git.config.stall_timeout);
        command
    }

    /// `text` with this remote's secret removed, for output of [`RemoteRepo::git_command`].
    pub fn scrub(&self, text: &str) -> String {
        self.remote.credentials.scrub(text)
    }

    /// The directory of this remote's bare cache.
    pub fn cache_dir(&self) -> PathBuf {
        self.git.cache.dir_for(&self.remote.url)
    }

    fn worker_error(&self, err: tokio::task::JoinError) -> CacheError {
        CacheError::Worker {
            remote: self.remote.url.clone(),
            message: err.to_string(),
        }
    }

    /// Run `work` on a blocking worker holding the remote's cache lock, with the overall
    /// `deadline` (waiting for the lock included); `Err(None)` means the deadline passed.
    async fn blocking<T, E>(
        &self,
        deadline: Duration,
        work: impl FnOnce(&CacheLock, &Remote, &AtomicBool) -> Result<T, E> + Send + 'static,
    ) -> Result<Result<T, E>, Option<CacheError>>
    where
        T: Send + 'static,
        E: Send + 'static,
    {
        let remote = self.remote.clone();
        let interrupt = Arc::new(AtomicBool::new(false));
        let _stop = InterruptOnDrop(interrupt.clone());
        let run = async {
            let lock = self.git.cache.lock(&self.remote.url).await;
            tokio::task::spawn_blocking(move || work(&lock, &remote, &interrupt)).await
        };
        match tokio::time::timeout(deadline, run).await {
            Ok(Ok(result)) => Ok(result),
            Ok(Err(join)) => Err(Some(self.worker_error(join))),
            Err(_) => Err(None),
        }
    }

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

    pub(crate) fn deadline_error(&self) -> CacheError {
        CacheError::Worker {
            remote: self.remote.url.clone(),
            message: format!("timed out after {:?}", self.git.config.fetch_timeout),
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
