//! Local file output: atomic writes that never leave a partial file. A new content is
//! written to a temporary file beside its target and synced ([`stage`]), then renamed over
//! the target ([`Staged::replace`]); a reader sees the old content or the new one, never a
//! mix, and a failure before the rename leaves the target as it was.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;

/// A new content written and synced beside its target, not in place yet. Dropped without
/// [`Staged::replace`], the temporary file is removed.
#[derive(Debug)]
pub struct Staged {
    tmp: PathBuf,
    target: PathBuf,
    replaced: bool,
}

impl Staged {
    /// The file the content is for.
    pub fn target(&self) -> &Path {
        &self.target
    }

    /// Renames the temporary file over the target.
    pub fn replace(mut self) -> anyhow::Result<()> {
        std::fs::rename(&self.tmp, &self.target)
            .with_context(|| format!("replacing {}", self.target.display()))?;
        self.replaced = true;
        Ok(())
    }
}

impl Drop for Staged {
    fn drop(&mut self) {
        if !self.replaced {
            let _ = std::fs::remove_file(&self.tmp);
        }
    }
}

/// Writes `bytes` to a temporary file beside `target` (hidden, named after it and this
/// process), synced, with the target's permissions when it exists.
pub fn stage(target: &Path, bytes: &[u8]) -> anyhow::Result<Staged> {
    let dir = target
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = target
        .file_name()
        .with_context(|| format!("{} is not a file path", target.display()))?;
    let staged = Staged {
        tmp: dir.join(format!(
            ".{}.sluice-{}.tmp",
            name.to_string_lossy(),
            std::process::id()
        )),
        target: target.to_path_buf(),
        replaced: false,
    };
    let write = || -> std::io::Result<()> {
        let mut file = std::fs::File::create(&staged.tmp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        if let Ok(meta) = std::fs::metadata(target) {
            std::fs::set_permissions(&staged.tmp, meta.permissions())?;
        }
        Ok(())
    };
    write().with_context(|| format!("writing {}", target.display()))?;
    Ok(staged)
}

/// Writes `bytes` to `path` atomically: [`stage`], then [`Staged::replace`].
pub fn write_atomic(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    stage(path, bytes)?.replace()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .expect("list")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn a_staged_file_replaces_its_target_or_vanishes() {
        let dir = tempfile::tempdir().expect("tempdir");
        let target = dir.path().join("a.txt");
        std::fs::write(&target, "old").expect("write");
        let dropped = stage(&target, b"never").expect("stage");
        assert_eq!(dropped.target(), target);
        drop(dropped);
        assert_eq!(std::fs::read_to_string(&target).expect("read"), "old");
        assert_eq!(names(dir.path()), ["a.txt"], "no temporary left");
        write_atomic(&target, b"new").expect("write");
        assert_eq!(std::fs::read_to_string(&target).expect("read"), "new");
        assert_eq!(names(dir.path()), ["a.txt"]);
    }

    #[test]
    fn a_file_in_a_missing_directory_is_an_error_naming_it() {
        let dir = tempfile::tempdir().expect("tempdir");
        let target = dir.path().join("missing/a.txt");
        let err = write_atomic(&target, b"x").unwrap_err();
        assert!(format!("{err:#}").contains("missing/a.txt"), "{err:#}");
    }
}
