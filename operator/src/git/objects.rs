//! Object work on a remote's cache, with no network: reading files at a commit, writing
//! commits, squashing an update branch.

use std::collections::BTreeMap;

use super::cache::CacheLock;
use super::error::{CacheError, CommitError, ReadError};
use super::{Author, FileEdit, ObjectId, Remote, RemoteRepo, commit, read};

impl RemoteRepo {
    /// The contents of `paths` at `commit` (which must have been fetched); a missing
    /// file is `None`.
    pub async fn read(
        &self,
        commit: ObjectId,
        paths: &[String],
    ) -> Result<BTreeMap<String, Option<Vec<u8>>>, ReadError> {
        let paths = paths.to_vec();
        self.object_work(move |lock, remote| {
            let open = lock.open().map_err(ReadError::Cache)?;
            read::read_files(&open.repo, &remote.url, commit, &paths)
        })
        .await
    }

    /// Write a commit on top of `parent` (which must have been fetched) applying
    /// `edits`, without a working tree; returns the new commit, which only exists in the
    /// cache until pushed.
    pub async fn commit(
        &self,
        parent: ObjectId,
        edits: Vec<FileEdit>,
        message: &str,
        author: &Author,
    ) -> Result<ObjectId, CommitError> {
        let message = message.to_owned();
        let author = author.clone();
        self.object_work(move |lock, remote| {
            let open = lock.open().map_err(CommitError::Cache)?;
            commit::write_commit(&open.repo, &remote.url, parent, &edits, &message, &author)
        })
        .await
    }

    /// Write the squash of `head` onto `onto` (which must be `head`'s only parent, else
    /// [`CommitError::NotBasedOn`]): a commit with `head`'s tree and `message`. `head` must
    /// have been fetched.
    pub async fn squash(
        &self,
        head: ObjectId,
        onto: ObjectId,
        message: &str,
        author: &Author,
    ) -> Result<ObjectId, CommitError> {
        let message = message.to_owned();
        let author = author.clone();
        self.object_work(move |lock, remote| {
            let open = lock.open().map_err(CommitError::Cache)?;
            commit::write_squash(&open.repo, &remote.url, head, onto, &message, &author)
        })
        .await
    }

    /// Run local object work on the cache (no network) with the fetch deadline: it may
    /// wait for a fetch holding the cache.
    async fn object_work<T, E>(
        &self,
        work: impl FnOnce(&CacheLock, &Remote) -> Result<T, E> + Send + 'static,
    ) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<CacheError> + Send + 'static,
    {
        match self
            .blocking(self.git.config.fetch_timeout, move |lock, remote, _| {
                work(lock, remote)
            })
            .await
        {
            Ok(result) => result,
            Err(err) => Err(E::from(err.unwrap_or_else(|| self.deadline_error()))),
        }
    }
}
