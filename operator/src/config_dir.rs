//! Reading a config directory from disk: every `*.yaml`/`*.yml` file, hidden directories
//! skipped, in a stable order, with paths relative to the root for messages.

use std::path::Path;

use anyhow::Context;
use sluice_core::config::SourceFile;

/// Reads every YAML file under `root` (or `root` itself when it is a file). A missing path
/// or a file that is not UTF-8 is an error naming it.
pub fn read_files(root: &Path) -> anyhow::Result<Vec<SourceFile>> {
    let meta =
        std::fs::metadata(root).with_context(|| format!("cannot read {}", root.display()))?;
    let mut paths = Vec::new();
    if meta.is_file() {
        paths.push(root.to_path_buf());
    } else {
        collect(root, &mut paths)?;
    }
    paths.sort();
    paths
        .into_iter()
        .map(|path| {
            let bytes =
                std::fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
            let text = String::from_utf8(bytes)
                .with_context(|| format!("{} is not UTF-8 text", path.display()))?;
            // Paths are shown as the user spelled the root, minus a leading "./".
            let shown = if root == Path::new(".") {
                path.strip_prefix(root).unwrap_or(&path)
            } else {
                path.as_path()
            };
            Ok(SourceFile {
                path: shown.display().to_string(),
                text,
            })
        })
        .collect()
}

fn collect(dir: &Path, out: &mut Vec<std::path::PathBuf>) -> anyhow::Result<()> {
    let entries = std::fs::read_dir(dir).with_context(|| format!("listing {}", dir.display()))?;
    for entry in entries {
        let entry = entry.with_context(|| format!("listing {}", dir.display()))?;
        let name = entry.file_name();
        if name.to_string_lossy().starts_with('.') {
            continue;
        }
        let path = entry.path();
        let kind = entry
            .file_type()
            .with_context(|| format!("reading {}", path.display()))?;
        if kind.is_dir() {
            collect(&path, out)?;
        } else if matches!(
            path.extension().and_then(|e| e.to_str()),
            Some("yaml" | "yml")
        ) {
            out.push(path);
        }
    }
    Ok(())
}
