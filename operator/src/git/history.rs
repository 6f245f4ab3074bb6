//! The history between two commits, for `sluice graph diff`: whole histories fetched by
//! commit id, and the commits one reaches that the other does not (`git log old..new`),
//! from the object database alone.

use std::collections::{HashSet, VecDeque};

use gix::ObjectId;

use super::error::{FetchError, ReadError};
use super::read::{find_commit, object_error};
use super::remote::RemoteUrl;
use super::{RemoteRepo, network};

/// One commit of a range.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RangeCommit {
    /// Its id.
    pub id: ObjectId,
    /// How many parents it has.
    pub parents: usize,
    /// Its message, lossily decoded.
    pub message: String,
    /// Committer time (Unix seconds).
    pub time: i64,
}

/// The commits between two commits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommitRange {
    /// Reachable from the new commit and not from the old one, each before its parents.
    pub ahead: Vec<RangeCommit>,
    /// How many are reachable from the old commit and not from the new one (non-zero
    /// when the repository moved back or to a diverging line).
    pub behind: usize,
    /// The walk stopped at its limit: the lists are incomplete.
    pub truncated: bool,
}

/// Every ancestor of `tip` (itself included) the cache holds, at most `limit`.
fn ancestors(
    repo: &gix::Repository,
    remote: &RemoteUrl,
    tip: ObjectId,
    limit: usize,
) -> Result<(HashSet<ObjectId>, bool), ReadError> {
    find_commit(repo, remote, tip)?;
    let mut seen = HashSet::from([tip]);
    let mut queue = VecDeque::from([tip]);
    while let Some(id) = queue.pop_front() {
        if seen.len() >= limit {
            return Ok((seen, true));
        }
        if !repo.has_object(id) {
            continue;
        }
        let commit = repo
            .find_commit(id)
            .map_err(|e| object_error(remote, id, e.to_string()))?;
        for parent in commit.parent_ids() {
            if seen.insert(parent.detach()) {
                queue.push_back(parent.detach());
            }
        }
    }
    Ok((seen, false))
}

/// The commits of `old..new` and how many of `new..old` there are, walking at most
/// `limit` commits from each side.
pub(crate) fn range(
    repo: &gix::Repository,
    remote: &RemoteUrl,
    old: ObjectId,
    new: ObjectId,
    limit: usize,
) -> Result<CommitRange, ReadError> {
    let (from_old, cut_old) = ancestors(repo, remote, old, limit)?;
    let (from_new, cut_new) = ancestors(repo, remote, new, limit)?;
    // Children before parents (newest first in a linear history), from a depth-first
    // walk of the range from `new`: reverse post-order is a topological order.
    let mut order = Vec::new();
    let mut done: HashSet<ObjectId> = HashSet::new();
    let in_range = |id: &ObjectId| from_new.contains(id) && !from_old.contains(id);
    let mut stack: Vec<(ObjectId, bool)> = vec![(new, false)];
    while let Some((id, expanded)) = stack.pop() {
        if expanded {
            order.push(id);
            continue;
        }
        if !in_range(&id) || !repo.has_object(id) || !done.insert(id) {
            continue;
        }
        stack.push((id, true));
        let commit = find_commit(repo, remote, id)?;
        let parents: Vec<ObjectId> = commit.parent_ids().map(|p| p.detach()).collect();
        for parent in parents.into_iter().rev() {
            stack.push((parent, false));
        }
    }
    order.reverse();
    let mut ahead = Vec::with_capacity(order.len());
    for id in order {
        let commit = find_commit(repo, remote, id)?;
        let time = commit
            .time()
            .map_err(|e| object_error(remote, id, e.to_string()))?
            .seconds;
        let message = commit
            .message_raw()
            .map_err(|e| object_error(remote, id, e.to_string()))?
            .to_string();
        ahead.push(RangeCommit {
            id,
            parents: commit.parent_ids().count(),
            message,
            time,
        });
    }
    Ok(CommitRange {
        ahead,
        behind: from_old.iter().filter(|id| !from_new.contains(*id)).count(),
        truncated: cut_old || cut_new,
    })
}

impl RemoteRepo {
    /// Bring `commit` with its whole history into the cache. Meant for a cache kept for
    /// histories only (see [`super::Git`]): the depth-1 fetches elsewhere would leave it
    /// shallow again, which this then undoes.
    pub async fn fetch_history(&self, commit: ObjectId) -> Result<(), FetchError> {
        self.fetch_by_id(commit, move |repo, remote, stall, interrupt| {
            network::fetch_history(repo, remote, commit, stall, interrupt)
        })
        .await
    }

    /// The commits between `old` and `new` (both fetched with their history), walking at
    /// most `limit` commits from each.
    pub async fn range(
        &self,
        old: ObjectId,
        new: ObjectId,
        limit: usize,
    ) -> Result<CommitRange, ReadError> {
        let url = self.remote.url.clone();
        match self
            .blocking(self.git.config.fetch_timeout, move |lock, remote, _| {
                let open = lock.open().map_err(ReadError::Cache)?;
                range(&open.repo, &remote.url, old, new, limit)
            })
            .await
        {
            Ok(result) => result,
            Err(Some(err)) => Err(ReadError::Cache(err)),
            Err(None) => Err(ReadError::Object {
                remote: url,
                commit: new.to_string(),
                message: format!("timed out after {:?}", self.git.config.fetch_timeout),
            }),
        }
    }
}
