//! Where the configuration comes from while serving: a local directory (watched with
//! notify) or a git repository (polled). A load that fails validation is reported and the
//! last good configuration stays in force.

use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::time::Duration;

use anyhow::Context;
use sluice_core::config::{self, Severity};

use crate::engine::now_rfc3339;
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

/// Loads the configuration once; returns whether it was valid and put in force.
pub fn load_into(source: &ConfigSource, dir: &Path, state: &AppState) -> bool {
    let report = match crate::config_dir::read_files(dir) {
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
            let valid = !loaded.has_errors();
            if valid {
                state.engine.set_config(Snapshot::new(&loaded.config));
                state.ready.store(true, Ordering::SeqCst);
                let c = &loaded.config;
                tracing::info!(
                    source = %source.describe(),
                    channels = c.channels.len(),
                    default_channels = c.default_channels.len(),
                    subscriptions = c.subscriptions.len(),
                    repository_policies = c.repository_policies.len(),
                    builds = c.builds.len(),
                    "configuration loaded"
                );
            } else {
                tracing::error!(source = %source.describe(), "configuration invalid; the previous one stays in force");
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
            tracing::error!(source = %source.describe(), error = %format!("{err:#}"), "cannot read configuration");
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
        ConfigSource::Directory(dir) => {
            load_into(&source, dir, &state);
            watch_directory(source.clone(), dir.clone(), state)
        }
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

fn watch_directory(source: ConfigSource, dir: PathBuf, state: AppState) -> anyhow::Result<()> {
    use notify::{RecursiveMode, Watcher};
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let mut watcher = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
        if event.is_ok() {
            let _ = tx.send(());
        }
    })
    .context("starting the config directory watcher")?;
    watcher
        .watch(&dir, RecursiveMode::Recursive)
        .with_context(|| format!("watching {}", dir.display()))?;
    tokio::spawn(async move {
        let _watcher = watcher;
        while rx.recv().await.is_some() {
            // Let an editor or a checkout finish writing, then load once.
            tokio::time::sleep(Duration::from_millis(300)).await;
            while rx.try_recv().is_ok() {}
            load_into(&source, &dir, &state);
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
