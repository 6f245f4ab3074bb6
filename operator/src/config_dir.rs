//! Reading a config directory from disk: every `*.yaml`/`*.yml` file, hidden directories
//! skipped, in a stable order, with paths relative to the root for messages.

use std::path::Path;

use anyhow::Context;
use sluice_core::config::{SourceFile, UnreadableFile};

/// What a config path holds: its readable YAML files, and those that are not text.
#[derive(Debug, Default)]
pub struct Tree {
    /// Files read as UTF-8 text.
    pub files: Vec<SourceFile>,
    /// Files that are not UTF-8 text, with the reason.
    pub unreadable: Vec<UnreadableFile>,
}

/// Reads every YAML file under `root` (or `root` itself when it is a file). A missing path
/// or a file that is not UTF-8 is an error naming it.
pub fn read_files(root: &Path) -> anyhow::Result<Vec<SourceFile>> {
    let tree = read_tree(root)?;
    if let Some(file) = tree.unreadable.first() {
        anyhow::bail!("{} is not UTF-8 text: {}", file.path, file.reason);
    }
    Ok(tree.files)
}

/// Reads every YAML file under `root` (or `root` itself when it is a file); a file that
/// is not UTF-8 text is listed as unreadable instead of ending the read. A missing path
/// or an I/O failure is an error naming it.
pub fn read_tree(root: &Path) -> anyhow::Result<Tree> {
    let meta =
        std::fs::metadata(root).with_context(|| format!("cannot read {}", root.display()))?;
    let mut paths = Vec::new();
    if meta.is_file() {
        paths.push(root.to_path_buf());
    } else {
        collect(root, &mut paths)?;
    }
    paths.sort();
    let mut tree = Tree::default();
    for path in paths {
        let bytes = std::fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
        // Paths are shown as the user spelled the root, minus a leading "./".
        let shown = if root == Path::new(".") {
            path.strip_prefix(root).unwrap_or(&path)
        } else {
            path.as_path()
        }
        .display()
        .to_string();
        match String::from_utf8(bytes) {
            Ok(text) => tree.files.push(SourceFile { path: shown, text }),
            Err(err) => tree.unreadable.push(UnreadableFile {
                path: shown,
                reason: format!("invalid UTF-8 at byte {}", err.utf8_error().valid_up_to()),
            }),
        }
    }
    Ok(tree)
}

/// Whether a directory entry called `name` belongs to the configuration: a directory
/// to look into, or a `*.yaml`/`*.yml` file; hidden ones (`.git`, `.github`) never.
pub fn is_config_entry(name: &str, is_dir: bool) -> bool {
    if name.starts_with('.') {
        return false;
    }
    is_dir
        || matches!(
            Path::new(name).extension().and_then(|e| e.to_str()),
            Some("yaml" | "yml")
        )
}

fn collect(dir: &Path, out: &mut Vec<std::path::PathBuf>) -> anyhow::Result<()> {
    let entries = std::fs::read_dir(dir).with_context(|| format!("listing {}", dir.display()))?;
    for entry in entries {
        let entry = entry.with_context(|| format!("listing {}", dir.display()))?;
        let path = entry.path();
        let kind = entry
            .file_type()
            .with_context(|| format!("reading {}", path.display()))?;
        if !is_config_entry(&entry.file_name().to_string_lossy(), kind.is_dir()) {
            continue;
        }
        if kind.is_dir() {
            collect(&path, out)?;
        } else {
            out.push(path);
        }
    }
    Ok(())
}
