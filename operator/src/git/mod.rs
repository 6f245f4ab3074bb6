//! Git layer: persistent repository cache, no-worktree commits, compare-and-swap pushes.
//!
//! sluice keeps one bare repository per remote ([`RepositoryCache`]) and reuses it across
//! reconcile cycles and restarts. An update on a warm cache costs about what the network
//! round trips cost, whatever the size of the repository:
//!
//! - [`RemoteRepo::head`] reads the branch from the ref advertisement alone; nothing is
//!   fetched when nothing moved.
//! - [`RemoteRepo::fetch`] fetches depth 1 the first time, incrementally afterwards.
//! - [`RemoteRepo::read`] reads files at a commit from the object database, and
//!   [`RemoteRepo::read_tree`] a whole tree.
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
mod history;
mod network;
mod objects;
mod presence;
mod push;
mod read;
mod remote;
mod secret;
mod transfer;

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
pub use history::{CommitRange, RangeCommit};
pub use push::Expected;
pub use read::TreeFilter;
pub use remote::{InvalidRemoteUrl, Remote, RemoteUrl, Scheme};
pub use secret::{REDACTED, Secret};

use cache::CacheLock;

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

    /// The error of local object work that outlived the fetch deadline.
    pub(crate) fn deadline_error(&self) -> CacheError {
        CacheError::Worker {
            remote: self.remote.url.clone(),
            message: format!("timed out after {:?}", self.git.config.fetch_timeout),
        }
    }
}
