//! The repository cache: one bare repository per remote URL, reused across cycles and
//! restarts, guarded by an in-process mutex and a lock file per remote.

use std::collections::HashMap;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use tokio::sync::OwnedMutexGuard;

use super::error::CacheError;
use super::remote::RemoteUrl;

/// Where bare caches live, and the locks that serialize work on each of them.
#[derive(Debug)]
pub struct RepositoryCache {
    root: PathBuf,
    locks: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
}

/// Exclusive access to one remote's cache within this process. The cross-process lock
/// file is taken by [`CacheLock::open`] on the blocking worker.
#[derive(Debug)]
pub(crate) struct CacheLock {
    _guard: OwnedMutexGuard<()>,
    remote: RemoteUrl,
    dir: PathBuf,
    lock_file: PathBuf,
}

/// An open cache repository together with the held lock file. Dropping it releases the
/// lock.
pub(crate) struct OpenCache {
    /// The bare repository.
    pub repo: gix::Repository,
    _lock: File,
}

impl RepositoryCache {
    /// A cache rooted at `root`; the directory is created on first use.
    pub fn new(root: impl Into<PathBuf>) -> Self {
        RepositoryCache {
            root: root.into(),
            locks: Mutex::new(HashMap::new()),
        }
    }

    /// The cache root.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The directory of the bare repository caching `remote`.
    pub fn dir_for(&self, remote: &RemoteUrl) -> PathBuf {
        self.root.join(format!("{}.git", remote.cache_dir_name()))
    }

    /// Wait for exclusive in-process access to `remote`'s cache.
    pub(crate) async fn lock(&self, remote: &RemoteUrl) -> CacheLock {
        let name = remote.cache_dir_name();
        let mutex = {
            let mut locks = self
                .locks
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            locks.entry(name.clone()).or_default().clone()
        };
        let guard = mutex.lock_owned().await;
        CacheLock {
            _guard: guard,
            remote: remote.clone(),
            dir: self.root.join(format!("{name}.git")),
            lock_file: self.root.join(format!("{name}.lock")),
        }
    }
}

impl CacheLock {
    /// Take the cross-process lock and open the cache, creating it if it is missing and
    /// recreating it if it cannot be opened. Blocking: call from a blocking worker.
    pub(crate) fn open(&self) -> Result<OpenCache, CacheError> {
        let lock = self.lock_file()?;
        let repo = match self.try_open() {
            Some(repo) => repo,
            None => self.recreate()?,
        };
        Ok(OpenCache { repo, _lock: lock })
    }

    /// Take the cross-process lock and recreate the cache from nothing.
    pub(crate) fn open_fresh(&self) -> Result<OpenCache, CacheError> {
        let lock = self.lock_file()?;
        let repo = self.recreate()?;
        Ok(OpenCache { repo, _lock: lock })
    }

    /// The cache directory.
    pub(crate) fn dir(&self) -> &Path {
        &self.dir
    }

    fn io(&self, action: &'static str, path: &Path, source: std::io::Error) -> CacheError {
        CacheError::Io {
            remote: self.remote.clone(),
            action,
            path: path.to_owned(),
            source,
        }
    }

    fn lock_file(&self) -> Result<File, CacheError> {
        if let Some(parent) = self.lock_file.parent() {
            std::fs::create_dir_all(parent).map_err(|e| self.io("create directory", parent, e))?;
        }
        let file = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&self.lock_file)
            .map_err(|e| self.io("open lock file", &self.lock_file, e))?;
        file.lock()
            .map_err(|e| self.io("lock", &self.lock_file, e))?;
        Ok(file)
    }

    fn try_open(&self) -> Option<gix::Repository> {
        if !self.dir.exists() {
            return None;
        }
        match gix::open_opts(&self.dir, gix::open::Options::isolated()) {
            Ok(repo) if repo.is_bare() && repo.head_name().is_ok() => Some(repo),
            Ok(_) => {
                tracing::warn!(remote = %self.remote, path = %self.dir.display(), "git cache is not a usable bare repository, rebuilding");
                None
            }
            Err(err) => {
                tracing::warn!(remote = %self.remote, path = %self.dir.display(), error = %err, "git cache cannot be opened, rebuilding");
                None
            }
        }
    }

    /// Build a new empty bare repository next to the cache and move it into place, so
    /// that a crash never leaves a half-made cache behind.
    fn recreate(&self) -> Result<gix::Repository, CacheError> {
        let staging = self.dir.with_extension("git.new");
        remove_if_present(&staging).map_err(|e| self.io("remove", &staging, e))?;
        let init_error = |message: String| CacheError::Init {
            remote: self.remote.clone(),
            path: self.dir.clone(),
            message,
        };
        gix::init_bare(&staging).map_err(|e| init_error(e.to_string()))?;
        remove_if_present(&self.dir).map_err(|e| self.io("remove", &self.dir, e))?;
        std::fs::rename(&staging, &self.dir).map_err(|e| self.io("rename", &staging, e))?;
        tracing::debug!(remote = %self.remote, path = %self.dir.display(), "created git cache");
        gix::open_opts(&self.dir, gix::open::Options::isolated())
            .map_err(|e| init_error(e.to_string()))
    }
}

/// Removes whatever is at `path`: a directory with its contents, or a file or symbolic
/// link that blocks the place (a cache path can be taken by a stray file).
fn remove_if_present(path: &Path) -> std::io::Result<()> {
    let result = match std::fs::symlink_metadata(path) {
        Ok(meta) if meta.is_dir() => std::fs::remove_dir_all(path),
        Ok(_) => std::fs::remove_file(path),
        Err(e) => Err(e),
    };
    match result {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    }
}
