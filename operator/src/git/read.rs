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
    let object_error = |message: String| ReadError::Object {
        remote: remote.clone(),
        commit: commit.to_string(),
        message,
    };
    if !repo.has_object(commit) {
        return Err(ReadError::MissingCommit {
            remote: remote.clone(),
            commit: commit.to_string(),
        });
    }
    let tree = repo
        .find_commit(commit)
        .and_then(|c| c.tree())
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
