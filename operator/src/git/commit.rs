//! Writing a commit without a working tree: blobs, edited trees and the commit object go
//! straight into the cache's object database. No reference, index or file is touched.

use gix::ObjectId;
use gix::objs::tree::EntryKind;

use super::error::CommitError;
use super::remote::RemoteUrl;

/// One change to the tree of the parent commit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FileEdit {
    /// Create or replace a file. An existing file keeps its mode (executable stays
    /// executable); a new one is a regular file.
    Write {
        /// Path relative to the repository root, `/`-separated.
        path: String,
        /// The new contents.
        content: Vec<u8>,
    },
    /// Remove a file; removing a file that does not exist is not an error.
    Delete {
        /// Path relative to the repository root, `/`-separated.
        path: String,
    },
}

impl FileEdit {
    /// The path this edit touches.
    pub fn path(&self) -> &str {
        match self {
            FileEdit::Write { path, .. } | FileEdit::Delete { path } => path,
        }
    }
}

/// Who a commit is by; the same identity is used as author and committer, with the
/// current time.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Author {
    /// Display name.
    pub name: String,
    /// E-mail address.
    pub email: String,
}

impl Default for Author {
    /// `sluice <sluice@localhost>`, what `sluice serve` signs with unless told otherwise.
    fn default() -> Self {
        Author {
            name: "sluice".into(),
            email: "sluice@localhost".into(),
        }
    }
}

fn check_path(path: &str) -> Result<(), &'static str> {
    if path.is_empty() {
        return Err("empty");
    }
    if path.starts_with('/') || path.ends_with('/') {
        return Err("must be relative and name a file");
    }
    for component in path.split('/') {
        match component {
            "" => return Err("empty path component"),
            "." | ".." => return Err("'.' and '..' are not allowed"),
            c if c.eq_ignore_ascii_case(".git") => return Err("'.git' is not allowed"),
            c if c.contains(['\0', '\\']) || c.chars().any(char::is_control) => {
                return Err("contains a control character or backslash");
            }
            _ => {}
        }
    }
    Ok(())
}

fn check_identity(value: &str) -> bool {
    !value.contains(['<', '>', '\n', '\0'])
}

/// Write a commit on top of `parent` applying `edits`, and return its id.
pub(crate) fn write_commit(
    repo: &gix::Repository,
    remote: &RemoteUrl,
    parent: ObjectId,
    edits: &[FileEdit],
    message: &str,
    author: &Author,
) -> Result<ObjectId, CommitError> {
    let object_error = |message: String| CommitError::Object {
        remote: remote.clone(),
        parent: parent.to_string(),
        message,
    };
    for edit in edits {
        check_path(edit.path()).map_err(|reason| CommitError::InvalidPath {
            remote: remote.clone(),
            path: edit.path().to_owned(),
            reason,
        })?;
    }
    if !check_identity(&author.name) || !check_identity(&author.email) {
        return Err(object_error(
            "author name or e-mail contains '<', '>' or a newline".into(),
        ));
    }
    if !repo.has_object(parent) {
        return Err(CommitError::MissingParent {
            remote: remote.clone(),
            parent: parent.to_string(),
        });
    }
    let parent_tree = repo
        .find_commit(parent)
        .and_then(|c| c.tree())
        .map_err(|e| object_error(e.to_string()))?;
    let mut editor = parent_tree
        .edit()
        .map_err(|e| object_error(e.to_string()))?;
    for edit in edits {
        match edit {
            FileEdit::Write { path, content } => {
                let kind = match parent_tree.lookup_entry_by_path(path) {
                    Ok(Some(entry)) if entry.mode().is_executable() => EntryKind::BlobExecutable,
                    Ok(Some(entry)) if entry.mode().is_tree() => {
                        return Err(CommitError::InvalidPath {
                            remote: remote.clone(),
                            path: path.clone(),
                            reason: "is a directory",
                        });
                    }
                    _ => EntryKind::Blob,
                };
                let blob = repo
                    .write_blob(content)
                    .map_err(|e| object_error(format!("{path}: {e}")))?;
                editor
                    .upsert(path.as_str(), kind, blob)
                    .map_err(|e| object_error(format!("{path}: {e}")))?;
            }
            FileEdit::Delete { path } => {
                editor
                    .remove(path.as_str())
                    .map_err(|e| object_error(format!("{path}: {e}")))?;
            }
        }
    }
    let tree = editor
        .write()
        .map_err(|e| object_error(e.to_string()))?
        .detach();
    write_commit_object(repo, tree, parent, message, author).map_err(object_error)
}

/// Write a commit object with `tree`, one `parent`, `author` as author and committer (now)
/// and `message` ending in a newline.
fn write_commit_object(
    repo: &gix::Repository,
    tree: ObjectId,
    parent: ObjectId,
    message: &str,
    author: &Author,
) -> Result<ObjectId, String> {
    let signature = gix::actor::Signature {
        name: author.name.as_str().into(),
        email: author.email.as_str().into(),
        time: gix::date::Time::now_local_or_utc(),
    };
    let commit = gix::objs::Commit {
        tree,
        parents: std::iter::once(parent).collect(),
        author: signature.clone(),
        committer: signature,
        encoding: None,
        message: if message.ends_with('\n') {
            message.into()
        } else {
            format!("{message}\n").into()
        },
        extra_headers: Vec::new(),
    };
    repo.write_object(&commit)
        .map(|id| id.detach())
        .map_err(|e| e.to_string())
}

/// Write a commit with `head`'s tree whose only parent is `onto`, which must be one of
/// `head`'s ancestors: the squash of an update branch (sluice's commit, and any a person
/// added on top) onto its target.
pub(crate) fn write_squash(
    repo: &gix::Repository,
    remote: &RemoteUrl,
    head: ObjectId,
    onto: ObjectId,
    message: &str,
    author: &Author,
) -> Result<ObjectId, CommitError> {
    let object_error = |message: String| CommitError::Object {
        remote: remote.clone(),
        parent: onto.to_string(),
        message,
    };
    if !check_identity(&author.name) || !check_identity(&author.email) {
        return Err(object_error(
            "author name or e-mail contains '<', '>' or a newline".into(),
        ));
    }
    let head_commit = repo
        .find_commit(head)
        .map_err(|_| CommitError::MissingParent {
            remote: remote.clone(),
            parent: head.to_string(),
        })?;
    let based = super::ancestry::is_ancestor(repo, remote, onto, head)
        .map_err(|e| object_error(e.to_string()))?;
    if head == onto || !based {
        return Err(CommitError::NotBasedOn {
            remote: remote.clone(),
            head: head.to_string(),
            onto: onto.to_string(),
        });
    }
    let tree = head_commit
        .tree_id()
        .map_err(|e| object_error(e.to_string()))?
        .detach();
    write_commit_object(repo, tree, onto, message, author).map_err(object_error)
}

#[cfg(test)]
mod tests {
    use super::check_path;

    #[test]
    fn paths_are_checked() {
        assert!(check_path("eng/Version.Details.xml").is_ok());
        for bad in [
            "",
            "/abs",
            "a//b",
            "../x",
            "a/./b",
            ".git/config",
            "dir/",
            "a\\b",
        ] {
            assert!(check_path(bad).is_err(), "{bad}");
        }
    }
}
