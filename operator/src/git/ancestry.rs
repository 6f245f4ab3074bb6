//! How commits relate, from the cache's object database alone: whether one is an
//! ancestor of another, and who committed one. History the cache lacks (a shallow fetch)
//! is not guessed at: a parent that is not there ends the walk.

use std::collections::{HashSet, VecDeque};

use gix::ObjectId;

use super::commit::Author;
use super::error::ReadError;
use super::read::{find_commit, object_error};
use super::remote::RemoteUrl;

/// Commits walked at most when looking for an ancestor.
const WALK_LIMIT: usize = 10_000;

/// Whether `ancestor` is `descendant` or reachable from it through parents the cache
/// holds (walking at most [`WALK_LIMIT`] commits).
pub(crate) fn is_ancestor(
    repo: &gix::Repository,
    remote: &RemoteUrl,
    ancestor: ObjectId,
    descendant: ObjectId,
) -> Result<bool, ReadError> {
    if !repo.has_object(descendant) {
        return Err(ReadError::MissingCommit {
            remote: remote.clone(),
            commit: descendant.to_string(),
        });
    }
    let mut queue = VecDeque::from([descendant]);
    let mut seen = HashSet::from([descendant]);
    while let Some(id) = queue.pop_front() {
        if id == ancestor {
            return Ok(true);
        }
        if seen.len() > WALK_LIMIT || !repo.has_object(id) {
            continue;
        }
        let commit = repo
            .find_commit(id)
            .map_err(|e| object_error(remote, id, e.to_string()))?;
        for parent in commit.parent_ids() {
            let parent = parent.detach();
            if seen.insert(parent) {
                queue.push_back(parent);
            }
        }
    }
    Ok(false)
}

/// Who committed `commit` (name and e-mail).
pub(crate) fn committer(
    repo: &gix::Repository,
    remote: &RemoteUrl,
    commit: ObjectId,
) -> Result<Author, ReadError> {
    let found = find_commit(repo, remote, commit)?;
    let signature = found
        .committer()
        .map_err(|e| object_error(remote, commit, e.to_string()))?;
    Ok(Author {
        name: signature.name.to_string(),
        email: signature.email.to_string(),
    })
}
