//! Reading files at a commit straight from the object database: no working tree.

use std::collections::BTreeMap;

use gix::ObjectId;

use super::error::ReadError;
use super::remote::RemoteUrl;

/// Contents of `paths` at `commit`; a path that does not exist maps to `None`.
pub(crate) fn read_files(
    repo: &gix::Repository,
    remote: &RemoteUrl,
    commit: ObjectId,
    paths: &[String],
) -> Result<BTreeMap<String, Option<Vec<u8>>>, ReadError> {
    let object_error = |message: String| object_error(remote, commit, message);
    let tree = find_commit(repo, remote, commit)?
        .tree()
        .map_err(|e| object_error(e.to_string()))?;
    let mut files = BTreeMap::new();
    for path in paths {
        let relative = path.trim_start_matches('/');
        let entry = if relative.is_empty()
            || relative
                .split('/')
                .any(|c| c.is_empty() || c == "." || c == "..")
        {
            None
        } else {
            tree.lookup_entry_by_path(relative)
                .map_err(|e| object_error(format!("{path}: {e}")))?
        };
        let content = match entry {
            None => None,
            Some(entry) if entry.mode().is_blob() => {
                let blob = entry
                    .object()
                    .map_err(|e| object_error(format!("{path}: {e}")))?;
                Some(blob.detach().data)
            }
            Some(_) => {
                return Err(ReadError::NotAFile {
                    remote: remote.clone(),
                    commit: commit.to_string(),
                    path: path.clone(),
                });
            }
        };
        files.insert(path.clone(), content);
    }
    Ok(files)
}

/// `commit` from the cache's object database; [`ReadError::MissingCommit`] when the cache
/// does not hold it (not fetched, or beyond a shallow fetch).
pub(crate) fn find_commit<'repo>(
    repo: &'repo gix::Repository,
    remote: &RemoteUrl,
    commit: ObjectId,
) -> Result<gix::Commit<'repo>, ReadError> {
    if !repo.has_object(commit) {
        return Err(ReadError::MissingCommit {
            remote: remote.clone(),
            commit: commit.to_string(),
        });
    }
    repo.find_commit(commit)
        .map_err(|e| object_error(remote, commit, e.to_string()))
}

/// A failure reading the objects of `commit`.
pub(crate) fn object_error(remote: &RemoteUrl, commit: ObjectId, message: String) -> ReadError {
    ReadError::Object {
        remote: remote.clone(),
        commit: commit.to_string(),
        message,
    }
}
