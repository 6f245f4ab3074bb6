//! A configuration directory on this machine, watched with notify: only content changes
//! count, bursts are debounced, and a load happens only when the files' contents changed.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;

use super::{ConfigSource, load_files};
use crate::server::AppState;

/// What a configuration directory holds, reduced to a fingerprint: equal fingerprints mean
/// equal file names and contents, so a reload would change nothing.
fn fingerprint(read: &anyhow::Result<Vec<sluice_core::config::SourceFile>>) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    match read {
        Ok(files) => {
            for f in files {
                (&f.path, &f.text).hash(&mut hasher);
            }
        }
        Err(err) => format!("{err:#}").hash(&mut hasher),
    }
    hasher.finish()
}

/// Whether a file-system event can change what the directory holds. Reads (an editor
/// opening a file, `cat`, `sluice validate`) and metadata changes cannot.
fn changes_content(event: &notify::Event) -> bool {
    use notify::EventKind;
    use notify::event::ModifyKind;
    match event.kind {
        EventKind::Create(_) | EventKind::Remove(_) => true,
        EventKind::Modify(ModifyKind::Metadata(_)) => false,
        EventKind::Modify(_) => true,
        EventKind::Access(_) | EventKind::Any | EventKind::Other => false,
    }
}

/// How long the directory must be quiet before it is read (an editor's save or a
/// checkout writes several files), and the longest a burst of writes can defer a load.
const QUIET: Duration = Duration::from_millis(300);
const MAX_DEFER: Duration = Duration::from_secs(3);

/// Loads the configuration in `dir` and reloads it whenever its contents change.
pub(super) fn watch_directory(
    source: ConfigSource,
    dir: PathBuf,
    state: AppState,
) -> anyhow::Result<()> {
    use notify::{RecursiveMode, Watcher};
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let mut watcher = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
        // A watcher error (an overflowed queue) may hide a change: read to be sure.
        if event.as_ref().map_or(true, changes_content) {
            let _ = tx.send(());
        }
    })
    .context("starting the config directory watcher")?;
    watcher
        .watch(&dir, RecursiveMode::Recursive)
        .with_context(|| format!("watching {}", dir.display()))?;
    let read = crate::config_dir::read_files(&dir);
    let mut last = fingerprint(&read);
    load_files(&source, read, &state);
    tokio::spawn(async move {
        let _watcher = watcher;
        while rx.recv().await.is_some() {
            // Debounce: wait until the directory has been quiet for a moment.
            let started = tokio::time::Instant::now();
            while started.elapsed() < MAX_DEFER
                && tokio::time::timeout(QUIET, rx.recv())
                    .await
                    .is_ok_and(|m| m.is_some())
            {}
            let read = crate::config_dir::read_files(&dir);
            let now = fingerprint(&read);
            if now == last {
                tracing::debug!(source = %source.describe(), "configuration files touched but unchanged");
                continue;
            }
            last = now;
            load_files(&source, read, &state);
        }
    });
    Ok(())
}
