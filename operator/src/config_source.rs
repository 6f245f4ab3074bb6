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
        /// Repository URL.
        url: String,
        /// Branch.
        branch: String,
        /// Where the checkout lives.
        checkout: PathBuf,
    },
}

impl ConfigSource {
    /// A directory when `text` names one, otherwise a git URL.
    pub fn parse(text: &str, branch: &str, data: &Path) -> anyhow::Result<ConfigSource> {
        let path = Path::new(text);
        if path.is_dir() {
            return Ok(ConfigSource::Directory(path.to_path_buf()));
        }
        let remote = crate::git::RemoteUrl::parse(text)
            .map_err(|e| anyhow::anyhow!("--config {text}: not a directory and {e}"))?;
        Ok(ConfigSource::Git {
            url: remote.as_str().to_string(),
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
                tracing::info!(source = %source.describe(), resources = loaded.config.len(), "configuration loaded");
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
            url,
            branch,
            checkout,
        } => {
            let (url, branch, checkout) = (url.clone(), branch.clone(), checkout.clone());
            let mut last = String::new();
            loop {
                match sync_checkout(&url, &branch, &checkout).await {
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

/// Brings the checkout to the branch's head with the git CLI; returns the head commit.
async fn sync_checkout(url: &str, branch: &str, checkout: &Path) -> anyhow::Result<String> {
    let git = |args: Vec<String>, dir: Option<PathBuf>| async move {
        let mut cmd = tokio::process::Command::new("git");
        cmd.args(&args).env("GIT_TERMINAL_PROMPT", "0");
        if let Some(dir) = dir {
            cmd.current_dir(dir);
        }
        let out = tokio::time::timeout(Duration::from_secs(120), cmd.output())
            .await
            .context("git timed out")??;
        if !out.status.success() {
            anyhow::bail!(
                "git {}: {}",
                args.first().cloned().unwrap_or_default(),
                String::from_utf8_lossy(&out.stderr).trim()
            );
        }
        Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
    };
    if !checkout.join(".git").exists() {
        let parent = checkout.parent().unwrap_or(Path::new("."));
        std::fs::create_dir_all(parent)?;
        git(
            vec![
                "clone".into(),
                "--quiet".into(),
                "--depth".into(),
                "1".into(),
                "--branch".into(),
                branch.into(),
                "--".into(),
                url.into(),
                checkout.display().to_string(),
            ],
            None,
        )
        .await?;
    } else {
        git(
            vec![
                "fetch".into(),
                "--quiet".into(),
                "--depth".into(),
                "1".into(),
                "origin".into(),
                branch.into(),
            ],
            Some(checkout.to_path_buf()),
        )
        .await?;
        git(
            vec![
                "reset".into(),
                "--quiet".into(),
                "--hard".into(),
                "FETCH_HEAD".into(),
            ],
            Some(checkout.to_path_buf()),
        )
        .await?;
    }
    git(
        vec!["rev-parse".into(), "HEAD".into()],
        Some(checkout.to_path_buf()),
    )
    .await
}
