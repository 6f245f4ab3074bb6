//! Where the configuration comes from while serving: a local directory ([`dir`]: watched
//! with notify; only content changes count, debounced, and a load happens only when the
//! files' contents changed) or a git repository ([`git`]: polled through the git layer;
//! loaded when its head moves). A load that fails validation is reported and the last
//! good configuration stays in force; until a first valid one loads, nothing is
//! reconciled.

mod dir;
mod git;

use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::time::Duration;

use sluice_core::config::{self, Severity};

use crate::clock::now_rfc3339;
use crate::engine::snapshot::Snapshot;
use crate::server::{AppState, ConfigReport};

/// A configuration source.
#[derive(Debug, Clone)]
pub enum ConfigSource {
    /// A directory on this machine.
    Directory(PathBuf),
    /// A git repository URL and branch, its configuration files written under the data
    /// directory at each new head.
    Git {
        /// The repository, with the credentials of every git remote.
        repo: crate::git::RemoteRepo,
        /// Repository URL (without credentials).
        url: String,
        /// Branch.
        branch: String,
        /// Where the configuration files of the head in force are (a link swapped at each
        /// new head).
        checkout: PathBuf,
    },
    /// The sluice resources of a Kubernetes cluster, each validated on its own.
    Cluster(crate::cluster::Cluster),
}

impl ConfigSource {
    /// A directory when `text` names one, otherwise a git URL reached through the git
    /// layer with `remotes`' credentials.
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
            ConfigSource::Cluster(cluster) => cluster.describe(),
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
        ConfigSource::Directory(dir) => dir::watch_directory(source.clone(), dir.clone(), state),
        ConfigSource::Git {
            repo,
            branch,
            checkout,
            ..
        } => {
            git::poll_repository(&source, repo, branch, checkout, &state, poll).await;
            Ok(())
        }
        ConfigSource::Cluster(cluster) => {
            crate::cluster::run(cluster.clone(), state, poll).await;
            Ok(())
        }
    }
}
