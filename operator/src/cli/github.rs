//! `sluice serve`'s GitHub options: the token or GitHub App, the API URL and GitHub
//! Enterprise hosts, turned into the GitHub forge and the credentials git pushes to GitHub use.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use sluice_core::flow::forges::{ForgeHosts, ForgeKind};

use crate::forge::HostedForge;
use crate::forge::github::{AppGitTokens, GITHUB_API_URL, GitHubApp, GitHubForge};
use crate::git::Secret;
use crate::remotes::Remotes;
use crate::secret_source::{CredentialSource, SecretSource};

use super::run_args::read_secret;

/// GitHub options of `sluice serve`.
#[derive(Debug, Clone, clap::Args)]
pub struct GitHubArgs {
    /// Environment variable holding a GitHub token (a fine-grained or classic personal
    /// access token, or an App installation token). Enables the GitHub forge for
    /// github.com and every --github-host; git pushes to those hosts use it too.
    #[arg(long, value_name = "VAR", conflicts_with_all = ["github_token_file", "github_app_id"])]
    pub github_token_env: Option<String>,
    /// File holding the GitHub token (a mounted Kubernetes Secret works as is); re-read
    /// when it changes.
    #[arg(long, value_name = "FILE", conflicts_with = "github_app_id")]
    pub github_token_file: Option<PathBuf>,
    /// Authenticate as the GitHub App with this id instead of a token: each repository's
    /// installation is looked up, and its installation token (minted, renewed before it
    /// expires) is used for API calls and git pushes. Needs --github-app-key-file or
    /// --github-app-key-env.
    #[arg(long, value_name = "ID")]
    pub github_app_id: Option<u64>,
    /// File holding the GitHub App's private key (the PEM GitHub gives to download);
    /// re-read when it changes (a mounted Secret rotates in place).
    #[arg(
        long,
        value_name = "FILE",
        requires = "github_app_id",
        conflicts_with = "github_app_key_env"
    )]
    pub github_app_key_file: Option<PathBuf>,
    /// Environment variable holding the GitHub App's private key (PEM).
    #[arg(long, value_name = "VAR", requires = "github_app_id")]
    pub github_app_key_env: Option<String>,
    /// GitHub REST API base URL; for GitHub Enterprise Server `https://HOST/api/v3`.
    #[arg(long, default_value = GITHUB_API_URL, value_name = "URL")]
    pub github_api_url: String,
    /// A host whose repositories are on GitHub besides github.com (`host`, `host:port`
    /// or `*.domain`), such as a GitHub Enterprise Server; repeatable.
    #[arg(long, value_name = "HOST")]
    pub github_host: Vec<String>,
    /// A label put on the update pull requests sluice opens on GitHub (created in the
    /// repository if missing); repeatable; `--github-label ''` for none.
    #[arg(
        long = "github-label",
        value_name = "LABEL",
        default_value = "dependencies"
    )]
    pub github_labels: Vec<String>,
    /// Seconds a pull request head's merge policies may wait before sluice shows them as
    /// pending on GitHub (its `sluice / merge policies` check run or status). Waiting only
    /// on checks GitHub shows running is never shown (GitHub shows it), so an update that
    /// merges leaves one completed report. 0 shows other pending results at once.
    #[arg(long, default_value_t = 60, value_name = "SECONDS")]
    pub github_pending_report_after: u64,
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

    /// The GitHub App these options name, if any; `key` (a Kubernetes Secret in
    /// `sluice controller`) takes the place of `--github-app-key-file/-env`.
    pub fn app(&self, key: Option<SecretSource>) -> anyhow::Result<Option<Arc<GitHubApp>>> {
        let Some(app_id) = self.github_app_id else {
            if key.is_some() {
                anyhow::bail!("a GitHub App key Secret needs --github-app-id");
            }
            return Ok(None);
        };
        let key = match (key, &self.github_app_key_file, &self.github_app_key_env) {
            (Some(key), _, _) => key,
            (None, Some(file), _) => SecretSource::key_material_file(file)
                .with_context(|| format!("reading the GitHub App key {}", file.display()))?,
            (None, None, Some(var)) => {
                let pem =
                    std::env::var(var).with_context(|| format!("environment variable {var}"))?;
                let origin = format!("environment variable {var}");
                SecretSource::key_material(Secret::new(pem), &origin)?
            }
            (None, None, None) => anyhow::bail!(
                "--github-app-id needs --github-app-key-file, --github-app-key-env or (sluice controller) --github-app-key-secret"
            ),
        };
        let app = GitHubApp::from_source(app_id, key, &self.github_api_url)?;
        Ok(Some(Arc::new(app)))
    }

    /// The GitHub forge these options configure (`None` without a token or App), with
    /// `remotes` extended to push to GitHub's hosts with the same credentials. `token`
    /// and `app_key` (Kubernetes Secrets in `sluice controller`) take the place of
    /// `--github-token-env/-file` and `--github-app-key-file/-env`.
    pub fn setup(
        &self,
        remotes: Remotes,
        token: Option<SecretSource>,
        app_key: Option<SecretSource>,
    ) -> anyhow::Result<Option<GitHubSetup>> {
        if let Some(app) = self.app(app_key)? {
            if token.is_some() {
                anyhow::bail!("--github-app-id and a GitHub token Secret exclude each other");
            }
            return self.app_setup(remotes, app).map(Some);
        }
        let token = match token {
            Some(token) => token,
            None => match self.token()? {
                Some(token) => token,
                None => {
                    if !self.github_host.is_empty() {
                        anyhow::bail!(
                            "--github-host needs a token or an App: give --github-token-env, --github-token-file or --github-app-id"
                        );
                    }
                    return Ok(None);
                }
            },
        };
        let hosts = self.hosts()?;
        let forge = GitHubForge::new(&self.github_api_url, token.clone())
            .context("configuring the GitHub forge")?
            .with_labels(&self.github_labels)
            .with_pending_report_after(Duration::from_secs(self.github_pending_report_after));
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

impl GitHubArgs {
    fn hosts(&self) -> anyhow::Result<ForgeHosts> {
        let mut hosts = ForgeHosts::new();
        for host in &self.github_host {
            hosts.claim(host, ForgeKind::GitHub)?;
        }
        hosts.enable(ForgeKind::GitHub);
        Ok(hosts)
    }

    /// The forge and git credentials of a GitHub App; its installations are looked up
    /// and their tokens minted in the background, so git reaches them from the start.
    fn app_setup(&self, remotes: Remotes, app: Arc<GitHubApp>) -> anyhow::Result<GitHubSetup> {
        let hosts = self.hosts()?;
        let forge = GitHubForge::new(&self.github_api_url, app.clone())
            .context("configuring the GitHub forge")?
            .with_labels(&self.github_labels)
            .with_pending_report_after(Duration::from_secs(self.github_pending_report_after));
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            let app = app.clone();
            runtime.spawn(async move {
                if let Err(error) = app.warm().await {
                    tracing::warn!(%error, "could not list the GitHub App's installations; each is looked up when first used");
                }
            });
        }
        let tokens = CredentialSource::PerRepository {
            username: "x-access-token".into(),
            tokens: Arc::new(AppGitTokens(app)),
        };
        Ok(GitHubSetup {
            hosted: HostedForge {
                kind: ForgeKind::GitHub,
                forge: Arc::new(forge),
                hosts: self.github_host.clone(),
            },
            remotes: remotes.with_forge(hosts, ForgeKind::GitHub, tokens),
        })
    }
}
