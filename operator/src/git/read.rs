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

/// Which entries of a tree [`read_tree`] takes: given an entry's name and whether it is a
/// directory, `true` to read the file or descend into the directory.
pub type TreeFilter = fn(name: &str, is_dir: bool) -> bool;

/// Every file of the tree at `commit` that `keep` takes (directories it refuses are not
/// entered), by its path relative to the root with `/` separators. Symbolic links and
/// submodules are not files and are left out, as are names that are not UTF-8.
pub(crate) fn read_tree(
    repo: &gix::Repository,
    remote: &RemoteUrl,
    commit: ObjectId,
    keep: TreeFilter,
) -> Result<BTreeMap<String, Vec<u8>>, ReadError> {
    let object_error = |message: String| object_error(remote, commit, message);
    let root = find_commit(repo, remote, commit)?
        .tree_id()
        .map_err(|e| object_error(e.to_string()))?
        .detach();
    let mut files = BTreeMap::new();
    let mut pending = vec![(String::new(), root)];
    while let Some((dir, id)) = pending.pop() {
        let tree = repo
            .find_tree(id)
            .map_err(|e| object_error(format!("{dir}/: {e}")))?;
        for entry in tree.iter() {
            let entry = entry.map_err(|e| object_error(format!("{dir}/: {e}")))?;
            let Ok(name) = std::str::from_utf8(entry.filename()) else {
                continue;
            };
            let mode = entry.mode();
            let path = if dir.is_empty() {
                name.to_owned()
            } else {
                format!("{dir}/{name}")
            };
            if mode.is_tree() {
                if keep(name, true) {
                    pending.push((path, entry.object_id()));
                }
            } else if mode.is_blob() && keep(name, false) {
                let blob = repo
                    .find_blob(entry.object_id())
                    .map_err(|e| object_error(format!("{path}: {e}")))?;
                files.insert(path, blob.detach().data);
            }
        }
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
