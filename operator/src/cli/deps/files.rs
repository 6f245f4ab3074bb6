//! Reading a repository's manifest files and writing changed ones atomically.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Component, Path};

use anyhow::{Context, bail};
use sluice_core::manifest::{self, ManifestFiles};

use crate::files;

/// Reads every manifest file present under `dir`, including the files the native
/// manifest references.
pub fn load(dir: &Path) -> anyhow::Result<ManifestFiles> {
    if !dir.is_dir() {
        bail!("{}: not a directory", dir.display());
    }
    let mut files = ManifestFiles::new();
    for path in manifest::paths::all() {
        read_into(dir, path, &mut files)?;
    }
    let referenced = manifest::referenced_paths(&files)?;
    for path in referenced {
        if !is_inside(&path) {
            bail!("{path}: referenced files must be relative paths inside the repository");
        }
        if !read_into(dir, &path, &mut files)? {
            bail!(
                "{}: referenced by {} but missing",
                dir.join(&path).display(),
                manifest::paths::NATIVE
            );
        }
    }
    Ok(files)
}

fn is_inside(path: &str) -> bool {
    Path::new(path)
        .components()
        .all(|c| matches!(c, Component::Normal(_) | Component::CurDir))
}

fn read_into(dir: &Path, path: &str, files: &mut ManifestFiles) -> anyhow::Result<bool> {
    let full = dir.join(path);
    match fs::read(&full) {
        Ok(bytes) => {
            files.insert(path.to_string(), bytes);
            Ok(true)
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(e).with_context(|| format!("reading {}", full.display())),
    }
}

/// Writes every changed file: first each new content to a temporary file beside
/// its target, then all renames, so a failure before the renames leaves every file
/// as it was.
pub fn write_all(dir: &Path, changed: &BTreeMap<String, Vec<u8>>) -> anyhow::Result<()> {
    let staged = changed
        .iter()
        .map(|(path, bytes)| files::stage(&dir.join(path), bytes))
        .collect::<anyhow::Result<Vec<_>>>()?;
    for file in staged {
        file.replace()?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_all_files_and_leaves_no_temporaries() {
        let dir = tempfile::tempdir().expect("tempdir");
        fs::create_dir_all(dir.path().join("eng")).expect("mkdir");
        fs::write(dir.path().join("eng/a.xml"), "old").expect("write");
        let mut changed = BTreeMap::new();
        changed.insert("eng/a.xml".to_string(), b"new".to_vec());
        changed.insert("b.json".to_string(), b"{}".to_vec());
        write_all(dir.path(), &changed).expect("writes");
        assert_eq!(
            fs::read(dir.path().join("eng/a.xml")).expect("read"),
            b"new"
        );
        let leftovers = fs::read_dir(dir.path().join("eng"))
            .expect("list")
            .filter(|e| {
                e.as_ref()
                    .is_ok_and(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
            })
            .count();
        assert_eq!(leftovers, 0);
    }

    #[test]
    fn referenced_paths_must_stay_inside() {
        assert!(is_inside("a/b.toml"));
        assert!(!is_inside("../x"));
        assert!(!is_inside("/etc/passwd"));
    }
}
