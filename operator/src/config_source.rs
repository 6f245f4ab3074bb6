//! Where the configuration comes from while serving: a local directory (watched with
//! notify; only content changes count, debounced, and a load happens only when the files'
//! contents changed) or a git repository (polled; loaded when its head moves). A load that
//! fails validation is reported and the last good configuration stays in force; until a
//! first valid one loads, nothing is reconciled.

use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::time::Duration;

use anyhow::Context;
use sluice_core::config::{self, Severity};

use crate::clock::now_rfc3339;
use crate::engine::snapshot::Snapshot;
use crate::server::{AppState, ConfigReport};

/// A configuration source.
#[derive(Debug, Clone)]
pub enum ConfigSource {
    /// A directory on this machine.
    Directory(PathBuf),
    /// A git repository URL and branch, checked out under the data directory.
    Git {
        /// The repository, with the credentials of every git remote.
        repo: crate::git::RemoteRepo,
        /// Repository URL (without credentials).
        url: String,
        /// Branch.
        branch: String,
        /// Where the checkout lives.
        checkout: PathBuf,
    },
}

impl ConfigSource {
    /// A directory when `text` names one, otherwise a git URL reached through `git` with
    /// `remotes`' credentials.
    pub fn parse(
        text: &str,
        branch: &str,
        data: &Path,
        git: &crate::git::Git,
        remotes: &crate::remotes::Remotes,
    ) -> anyhow::Result<ConfigSource> {
        let path = Path::new(text);
        if path.is_dir() {
            return Ok(ConfigSource::Directory(path.to_path_buf()));
        }
        if !looks_like_url(text) {
            anyhow::bail!(if path.exists() {
                format!(
                    "--config {text}: not a directory (give the directory that holds the configuration files)"
                )
            } else {
                format!(
                    "--config {text}: no such directory (a git config repository is given by URL, such as https://host/org/config.git)"
                )
            });
        }
        if matches!(
            sluice_core::model::RepositoryUrl::parse(text),
            Err(sluice_core::model::RepositoryUrlError::Credentials)
        ) {
            anyhow::bail!(
                "--config {}: the URL carries credentials, which would end up in process listings and logs; give the URL without them and the token with --git-token-env VAR or --git-token-file FILE",
                sluice_core::model::redact_credentials(text)
            );
        }
        // The error names the URL with any user information removed.
        let remote = remotes
            .resolve(text)
            .map_err(|e| anyhow::anyhow!("--config: not a directory, and {e}"))?;
        Ok(ConfigSource::Git {
            url: remote.url.as_str().to_string(),
            repo: git.remote(remote),
            branch: branch.to_string(),
            checkout: data.join("config-checkout"),
        })
    }

    fn describe(&self) -> String {
        match self {
            ConfigSource::Directory(p) => p.display().to_string(),
            ConfigSource::Git { url, branch, .. } => format!("{url} ({branch})"),
        }
    }
}

/// Whether `text` names a git remote rather than a local path: a URL with a scheme, or
/// scp-like `host:path` (a colon before any slash).
fn looks_like_url(text: &str) -> bool {
    if text.contains("://") {
        return true;
    }
    match text.split_once(':') {
        Some((host, _)) => host.len() > 1 && !host.contains('/'),
        None => false,
    }
}

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

/// Loads the configuration once; returns whether it was valid and put in force.
pub fn load_into(source: &ConfigSource, dir: &Path, state: &AppState) -> bool {
    load_files(source, crate::config_dir::read_files(dir), state)
}

/// What an invalid load leaves in force, for messages.
fn kept(state: &AppState) -> &'static str {
    if state.engine.configured() {
        "the previous configuration stays in force"
    } else {
        "no configuration is in force, so nothing is reconciled until a valid one loads"
    }
}

fn load_files(
    source: &ConfigSource,
    read: anyhow::Result<Vec<sluice_core::config::SourceFile>>,
    state: &AppState,
) -> bool {
    let report = match read {
        Ok(files) => {
            let loaded = config::load(&files);
            let diagnostics: Vec<String> = loaded
                .diagnostics
                .iter()
                .map(|d| d.to_string().replace('\n', " "))
                .collect();
            for d in &loaded.diagnostics {
                match d.severity {
                    Severity::Error => tracing::error!(source = %source.describe(), "{d}"),
                    Severity::Warning => tracing::warn!(source = %source.describe(), "{d}"),
                }
            }
            let mut diagnostics = diagnostics;
            let mut valid = !loaded.has_errors();
            if valid {
                match state.engine.set_config(Snapshot::new(&loaded.config)) {
                    Ok(()) => {
                        state.ready.store(true, Ordering::SeqCst);
                        tracing::info!(
                            source = %source.describe(),
                            resources = loaded.config.len(),
                            builds = loaded.config.builds.len(),
                            channels = loaded.config.channels.len(),
                            default_channels = loaded.config.default_channels.len(),
                            subscriptions = loaded.config.subscriptions.len(),
                            repository_policies = loaded.config.repository_policies.len(),
                            "configuration loaded"
                        );
                    }
                    Err(refusal) => {
                        valid = false;
                        tracing::error!(source = %source.describe(), "configuration refused: {refusal}; {}", kept(state));
                        diagnostics.push(refusal.to_string());
                    }
                }
            } else {
                tracing::error!(source = %source.describe(), "configuration invalid; {}", kept(state));
            }
            ConfigReport {
                source: source.describe(),
                valid,
                loaded_at: now_rfc3339(),
                diagnostics,
                resources: loaded.config.len(),
            }
        }
        Err(err) => {
            tracing::error!(source = %source.describe(), error = %format!("{err:#}"), "cannot read configuration; {}", kept(state));
            ConfigReport {
                source: source.describe(),
                valid: false,
                loaded_at: now_rfc3339(),
                diagnostics: vec![format!("{err:#}")],
                resources: 0,
            }
        }
    };
    let valid = report.valid;
    if let Ok(mut r) = state.config_report.write() {
        *r = report;
    }
    valid
}

/// Loads the configuration and keeps it current in the background.
pub async fn run(source: ConfigSource, state: AppState, poll: Duration) -> anyhow::Result<()> {
    match &source {
        ConfigSource::Directory(dir) => watch_directory(source.clone(), dir.clone(), state),
        ConfigSource::Git {
            repo,
            url,
            branch,
            checkout,
        } => {
            let (url, branch, checkout) = (url.clone(), branch.clone(), checkout.clone());
            let mut last = String::new();
            loop {
                match sync_checkout(repo, &url, &branch, &checkout).await {
                    Ok(head) if head != last => {
                        load_into(&source, &checkout, &state);
                        last = head;
                    }
                    Ok(_) => {}
                    Err(err) => {
                        tracing::warn!(config = %url, error = %format!("{err:#}"), "cannot update the config checkout")
                    }
                }
                tokio::time::sleep(poll).await;
            }
        }
    }
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

fn watch_directory(source: ConfigSource, dir: PathBuf, state: AppState) -> anyhow::Result<()> {
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

/// Brings the checkout to the branch's head with the git CLI (credentials in the child's
/// environment only); returns the head commit. The URL is given on every fetch, so a
/// changed `--config` is followed.
async fn sync_checkout(
    repo: &crate::git::RemoteRepo,
    url: &str,
    branch: &str,
    checkout: &Path,
) -> anyhow::Result<String> {
    let git = |args: Vec<String>, dir: Option<PathBuf>| async move {
        let mut cmd = repo.git_command();
        cmd.args(&args);
        if let Some(dir) = dir {
            cmd.current_dir(dir);
        }
        let out = tokio::time::timeout(Duration::from_secs(120), cmd.output())
            .await
            .context("git timed out")??;
        if !out.status.success() {
            let stderr = repo.scrub(String::from_utf8_lossy(&out.stderr).trim());
            anyhow::bail!(
                "git {}: {stderr}",
                args.first().cloned().unwrap_or_default()
            );
        }
        Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
    };
    if !checkout.join(".git").exists() {
        let parent = checkout.parent().unwrap_or(Path::new("."));
        std::fs::create_dir_all(parent)?;
        git(
            vec![
                "init".into(),
                "--quiet".into(),
                checkout.display().to_string(),
            ],
            None,
        )
        .await?;
    }
    let dir = Some(checkout.to_path_buf());
    git(
        vec![
            "fetch".into(),
            "--quiet".into(),
            "--depth".into(),
            "1".into(),
            "--".into(),
            url.into(),
            format!("refs/heads/{branch}"),
        ],
        dir.clone(),
    )
    .await?;
    git(
        vec![
            "checkout".into(),
            "--quiet".into(),
            "--force".into(),
            "--detach".into(),
            "FETCH_HEAD".into(),
        ],
        dir.clone(),
    )
    .await?;
    git(
        vec![
            "clean".into(),
            "--quiet".into(),
            "-d".into(),
            "--force".into(),
        ],
        dir.clone(),
    )
    .await?;
    git(vec!["rev-parse".into(), "HEAD".into()], dir).await
}
