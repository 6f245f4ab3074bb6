//! `sluice serve`'s GitHub options: the token, the API URL and GitHub Enterprise hosts,
//! turned into the GitHub forge and the credentials git pushes to GitHub use.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;
use sluice_core::flow::forges::{ForgeHosts, ForgeKind};

use crate::forge::HostedForge;
use crate::forge::github::{GITHUB_API_URL, GitHubForge};
use crate::remotes::Remotes;
use crate::secret_source::{CredentialSource, SecretSource};

use super::run_args::read_secret;

/// GitHub options of `sluice serve`.
#[derive(Debug, Clone, clap::Args)]
pub struct GitHubArgs {
    /// Environment variable holding a GitHub token (a fine-grained or classic personal
    /// access token, or an App installation token). Enables the GitHub forge for
    /// github.com and every --github-host; git pushes to those hosts use it too.
    #[arg(long, value_name = "VAR", conflicts_with = "github_token_file")]
    pub github_token_env: Option<String>,
    /// File holding the GitHub token (a mounted Kubernetes Secret works as is); re-read
    /// when it changes.
    #[arg(long, value_name = "FILE")]
    pub github_token_file: Option<PathBuf>,
    /// GitHub REST API base URL; for GitHub Enterprise Server `https://HOST/api/v3`.
    #[arg(long, default_value = GITHUB_API_URL, value_name = "URL")]
    pub github_api_url: String,
    /// A host whose repositories are on GitHub besides github.com (`host`, `host:port`
    /// or `*.domain`), such as a GitHub Enterprise Server; repeatable.
    #[arg(long, value_name = "HOST")]
    pub github_host: Vec<String>,
    /// Environment variable holding the secret GitHub signs webhook deliveries with;
    /// enables `POST /webhooks/github` (deliveries with a bad signature are refused).
    #[arg(
        long,
        value_name = "VAR",
        conflicts_with = "github_webhook_secret_file"
    )]
    pub github_webhook_secret_env: Option<String>,
    /// File holding the webhook secret; re-read when it changes.
    #[arg(long, value_name = "FILE")]
    pub github_webhook_secret_file: Option<PathBuf>,
}

/// The GitHub forge and what git pushes to its hosts authenticate with.
pub struct GitHubSetup {
    /// The forge, with the hosts it claims.
    pub hosted: HostedForge,
    /// `remotes` with the token for GitHub's hosts.
    pub remotes: Remotes,
}

impl GitHubArgs {
    /// The webhook secret, if one is configured (a file is re-read when it changes).
    pub fn webhook_secret(&self) -> anyhow::Result<Option<SecretSource>> {
        read_secret(
            "the GitHub webhook secret",
            self.github_webhook_secret_env.as_deref(),
            self.github_webhook_secret_file.as_deref(),
        )
    }

    /// The GitHub token these options name, if any (a file is re-read when it changes).
    pub fn token(&self) -> anyhow::Result<Option<SecretSource>> {
        read_secret(
            "the GitHub token",
            self.github_token_env.as_deref(),
            self.github_token_file.as_deref(),
        )
    }

    /// The GitHub forge these options configure (`None` without a token), with `remotes`
    /// extended to push to GitHub's hosts with the same token. `token` (a Kubernetes
    /// Secret in `sluice controller`) takes the place of `--github-token-env/-file`.
    pub fn setup(
        &self,
        remotes: Remotes,
        token: Option<SecretSource>,
    ) -> anyhow::Result<Option<GitHubSetup>> {
        let token = match token {
            Some(token) => token,
            None => match self.token()? {
                Some(token) => token,
                None => {
                    if !self.github_host.is_empty() {
                        anyhow::bail!(
                            "--github-host needs a token: give --github-token-env or --github-token-file"
                        );
                    }
                    return Ok(None);
                }
            },
        };
        let mut hosts = ForgeHosts::new();
        for host in &self.github_host {
            hosts.claim(host, ForgeKind::GitHub)?;
        }
        hosts.enable(ForgeKind::GitHub);
        let forge = GitHubForge::new(&self.github_api_url, token.clone())
            .context("configuring the GitHub forge")?;
        Ok(Some(GitHubSetup {
            hosted: HostedForge {
                kind: ForgeKind::GitHub,
                forge: Arc::new(forge),
                hosts: self.github_host.clone(),
            },
            remotes: remotes.with_forge(
                hosts,
                ForgeKind::GitHub,
                CredentialSource::token("x-access-token", token),
            ),
        }))
    }
}
