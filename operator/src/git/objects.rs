//! Object work on a remote's cache, with no network: reading files and trees at a
//! commit, how commits relate, writing commits, squashing an update branch.

use std::collections::BTreeMap;

use super::cache::CacheLock;
use super::error::{CacheError, CommitError, ReadError};
use super::read::TreeFilter;
use super::{Author, FileEdit, ObjectId, Remote, RemoteRepo, ancestry, commit, read};

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

    /// Every file of the tree at `commit` (which must have been fetched) that `keep` takes,
    /// by path: a snapshot of a repository without a working tree.
    pub async fn read_tree(
        &self,
        commit: ObjectId,
        keep: TreeFilter,
    ) -> Result<BTreeMap<String, Vec<u8>>, ReadError> {
        self.object_work(move |lock, remote| {
            let open = lock.open().map_err(ReadError::Cache)?;
            read::read_tree(&open.repo, &remote.url, commit, keep)
        })
        .await
    }

    /// Whether `ancestor` is `descendant` (which must have been fetched) or one of its
    /// ancestors the cache holds; history a shallow fetch left out counts as unrelated.
    pub async fn is_ancestor(
        &self,
        ancestor: ObjectId,
        descendant: ObjectId,
    ) -> Result<bool, ReadError> {
        self.object_work(move |lock, remote| {
            let open = lock.open().map_err(ReadError::Cache)?;
            ancestry::is_ancestor(&open.repo, &remote.url, ancestor, descendant)
        })
        .await
    }

    /// Who committed `commit` (which must have been fetched).
    pub async fn committer(&self, commit: ObjectId) -> Result<Author, ReadError> {
        self.object_work(move |lock, remote| {
            let open = lock.open().map_err(ReadError::Cache)?;
            ancestry::committer(&open.repo, &remote.url, commit)
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

    /// Write the squash of `head` onto `onto` (which must be one of `head`'s ancestors,
    /// else [`CommitError::NotBasedOn`]): a commit with `head`'s tree and `message`. `head` must
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
