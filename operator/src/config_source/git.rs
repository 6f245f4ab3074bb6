//! A configuration repository, polled through the git layer: the branch is fetched into
//! the remote's bare cache, and when its head moved, the configuration files of the
//! commit's tree are written to a fresh directory that then replaces the checkout in one
//! step. No working tree, no `git` process.
//!
//! The checkout (`DATA/config-checkout`) is a symbolic link to the directory of the
//! commit in force (`DATA/config-checkout.d/<commit>.<n>`), swapped by a rename; so a
//! reader of the checkout sees one commit's files or the next one's, never a mix, and a
//! file deleted upstream is gone with the commit that deleted it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use anyhow::Context;

use super::{ConfigSource, load_into};
use crate::git::{ObjectId, RemoteRepo};
use crate::server::AppState;

/// Polls `branch` of `repo` every `poll` and loads the configuration whenever its head
/// moves; a failure is logged and tried again at the next poll.
pub(super) async fn poll_repository(
    source: &ConfigSource,
    repo: &RemoteRepo,
    branch: &str,
    checkout: &Path,
    state: &AppState,
    poll: Duration,
) {
    let mut last = None;
    loop {
        match sync_checkout(repo, branch, checkout, last).await {
            Ok(head) if Some(head) != last => {
                load_into(source, checkout, state);
                last = Some(head);
            }
            Ok(_) => {}
            Err(err) => {
                tracing::warn!(config = %repo.remote().url, branch, error = %format!("{err:#}"), "cannot update the config checkout")
            }
        }
        tokio::time::sleep(poll).await;
    }
}

/// Brings `checkout` to the head of `branch`; returns the head. Nothing is written when
/// the head is still `current`.
async fn sync_checkout(
    repo: &RemoteRepo,
    branch: &str,
    checkout: &Path,
    current: Option<ObjectId>,
) -> anyhow::Result<ObjectId> {
    let head = repo.fetch(branch).await?;
    if Some(head) == current {
        return Ok(head);
    }
    let files = repo
        .read_tree(head, crate::config_dir::is_config_entry)
        .await?;
    let checkout = checkout.to_path_buf();
    tokio::task::spawn_blocking(move || materialise(&checkout, head, &files))
        .await
        .context("writing the config checkout")??;
    Ok(head)
}

/// Writes `files` (the tree of `commit`) to a new directory beside `checkout`, points
/// `checkout` at it with one rename, and removes the directories of earlier commits.
fn materialise(
    checkout: &Path,
    commit: ObjectId,
    files: &BTreeMap<String, Vec<u8>>,
) -> anyhow::Result<()> {
    static SEQUENCE: AtomicU64 = AtomicU64::new(0);
    let versions = versions_dir(checkout);
    std::fs::create_dir_all(&versions)
        .with_context(|| format!("creating {}", versions.display()))?;
    let name = format!(
        "{commit}.{}-{}",
        std::process::id(),
        SEQUENCE.fetch_add(1, Ordering::Relaxed)
    );
    let dir = versions.join(&name);
    let written = write_files(&dir, files);
    if written.is_err() {
        let _ = std::fs::remove_dir_all(&dir);
    }
    written?;
    swap_link(checkout, &versions, &name)?;
    remove_all_but(&versions, &name);
    Ok(())
}

/// Where the directories of the commits live: `DATA/config-checkout.d`.
fn versions_dir(checkout: &Path) -> PathBuf {
    let mut name = checkout.file_name().unwrap_or_default().to_os_string();
    name.push(".d");
    checkout.with_file_name(name)
}

fn write_files(dir: &Path, files: &BTreeMap<String, Vec<u8>>) -> anyhow::Result<()> {
    std::fs::create_dir(dir).with_context(|| format!("creating {}", dir.display()))?;
    for (path, bytes) in files {
        // Paths come from a tree: relative, `/`-separated, without `.` or `..` entries
        // (git refuses those), so they stay below `dir`.
        let target = dir.join(path);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("creating {}", parent.display()))?;
        }
        std::fs::write(&target, bytes).with_context(|| format!("writing {}", target.display()))?;
    }
    Ok(())
}

/// Points the link `checkout` at `versions/name` by renaming a new link over it. A
/// `checkout` that is a directory (a working tree of an earlier version of sluice) is
/// removed first.
fn swap_link(checkout: &Path, versions: &Path, name: &str) -> anyhow::Result<()> {
    let target = Path::new(versions.file_name().unwrap_or_default()).join(name);
    let staged = versions.join(format!(".{name}.link"));
    let _ = std::fs::remove_file(&staged);
    std::os::unix::fs::symlink(&target, &staged)
        .with_context(|| format!("linking {}", staged.display()))?;
    if std::fs::symlink_metadata(checkout).is_ok_and(|m| m.is_dir()) {
        std::fs::remove_dir_all(checkout)
            .with_context(|| format!("removing the old checkout {}", checkout.display()))?;
    }
    std::fs::rename(&staged, checkout).with_context(|| format!("replacing {}", checkout.display()))
}

/// Removes every entry of `versions` but `keep`; what cannot be removed now is tried
/// again after the next commit.
fn remove_all_but(versions: &Path, keep: &str) {
    let Ok(entries) = std::fs::read_dir(versions) else {
        return;
    };
    for entry in entries.flatten() {
        if entry.file_name() == keep {
            continue;
        }
        let path = entry.path();
        let removed = if entry.file_type().is_ok_and(|t| t.is_dir()) {
            std::fs::remove_dir_all(&path)
        } else {
            std::fs::remove_file(&path)
        };
        if let Err(err) = removed {
            tracing::debug!(path = %path.display(), error = %err, "cannot remove an old config checkout");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn commit(n: u8) -> ObjectId {
        ObjectId::from_hex(format!("{n:02x}").repeat(20).as_bytes()).expect("id")
    }

    fn files(list: &[(&str, &str)]) -> BTreeMap<String, Vec<u8>> {
        list.iter()
            .map(|(p, t)| ((*p).to_owned(), t.as_bytes().to_vec()))
            .collect()
    }

    #[test]
    fn each_commit_replaces_the_checkout_whole() {
        let data = tempfile::tempdir().expect("tempdir");
        let checkout = data.path().join("config-checkout");
        materialise(
            &checkout,
            commit(1),
            &files(&[("a.yaml", "a"), ("sub/b.yaml", "b")]),
        )
        .expect("first");
        assert_eq!(
            std::fs::read_to_string(checkout.join("sub/b.yaml")).expect("b"),
            "b"
        );
        materialise(&checkout, commit(2), &files(&[("a.yaml", "a2")])).expect("second");
        assert_eq!(
            std::fs::read_to_string(checkout.join("a.yaml")).expect("a"),
            "a2"
        );
        assert!(
            !checkout.join("sub").exists(),
            "deleted upstream, gone here"
        );
        let left: Vec<_> = std::fs::read_dir(data.path().join("config-checkout.d"))
            .expect("list")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(left.len(), 1, "only the commit in force is kept: {left:?}");
        assert!(left[0].starts_with(&commit(2).to_string()), "{left:?}");
    }

    #[test]
    fn a_working_tree_left_by_an_earlier_version_is_replaced() {
        let data = tempfile::tempdir().expect("tempdir");
        let checkout = data.path().join("config-checkout");
        std::fs::create_dir_all(checkout.join(".git")).expect("mkdir");
        std::fs::write(checkout.join("old.yaml"), "old").expect("write");
        materialise(&checkout, commit(3), &files(&[("new.yaml", "new")])).expect("materialise");
        assert!(!checkout.join("old.yaml").exists());
        assert!(!checkout.join(".git").exists());
        assert_eq!(
            std::fs::read_to_string(checkout.join("new.yaml")).expect("new"),
            "new"
        );
    }
}
