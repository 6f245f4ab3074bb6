//! How the commands that read repositories themselves (`graph diff`, `readiness`) reach
//! them: the bare caches and the HTTPS token, as `sluice graph` does.

use std::path::PathBuf;

use crate::git::{Credentials, Git, GitConfig};
use crate::product_graph::GraphReader;
use crate::remotes::Remotes;

/// How far a product-graph walk goes.
#[derive(Debug, Clone, clap::Args)]
pub struct WalkArgs {
    /// Go at most N dependencies deep (the root is depth 0); no bound by default.
    #[arg(long, value_name = "N")]
    pub depth: Option<usize>,
    /// Follow toolset dependencies too; they then count for coherency.
    #[arg(long)]
    pub include_toolset: bool,
}

impl WalkArgs {
    /// The walk these options ask for.
    pub fn options(&self) -> sluice_core::graph::WalkOptions {
        sluice_core::graph::WalkOptions {
            max_depth: self.depth,
            include_toolset: self.include_toolset,
        }
    }
}

/// Where the caches are and how to reach the remotes.
#[derive(Debug, Clone, clap::Args)]
pub struct GitAccessArgs {
    /// Directory of the bare repository caches (default: $XDG_CACHE_HOME/sluice/git or
    /// ~/.cache/sluice/git).
    #[arg(long, env = "SLUICE_GIT_CACHE", value_name = "DIR")]
    pub cache: Option<PathBuf>,
    /// Repositories read at once.
    #[arg(long, default_value_t = 8, value_name = "N")]
    pub parallel: usize,
    /// Environment variable holding an HTTPS token for git remotes.
    #[arg(long, value_name = "VAR", conflicts_with = "git_token_file")]
    pub git_token_env: Option<String>,
    /// File holding an HTTPS token for git remotes.
    #[arg(long, value_name = "FILE")]
    pub git_token_file: Option<PathBuf>,
}

/// The runtime the reading commands walk repositories on.
pub fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    use anyhow::Context;
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")
}

impl GitAccessArgs {
    /// The cache directory.
    pub fn cache_dir(&self) -> anyhow::Result<PathBuf> {
        match &self.cache {
            Some(dir) => Ok(dir.clone()),
            None => super::graph::default_cache(),
        }
    }

    /// How remotes are reached.
    pub fn remotes(&self) -> anyhow::Result<Remotes> {
        Ok(match (&self.git_token_env, &self.git_token_file) {
            (Some(var), _) => {
                Remotes::with_https(Credentials::token_from_env("x-access-token", var)?)
            }
            (None, Some(file)) => {
                Remotes::with_https(Credentials::token_from_file("x-access-token", file)?)
            }
            (None, None) => Remotes::anonymous(),
        })
    }

    /// A reader of manifests through the caches.
    pub fn reader(&self) -> anyhow::Result<GraphReader> {
        Ok(GraphReader::new(
            Git::new(GitConfig::new(self.cache_dir()?)),
            self.remotes()?,
            self.parallel,
        ))
    }

    /// The git layer over the caches kept for whole histories (`_history` under the
    /// cache directory; the depth-1 caches of manifest reads stay small).
    pub fn history_git(&self) -> anyhow::Result<Git> {
        Ok(Git::new(GitConfig::new(self.cache_dir()?.join("_history"))))
    }
}
