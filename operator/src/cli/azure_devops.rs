//! `sluice serve`'s Azure DevOps options: the personal access token, Azure DevOps Server
//! hosts and the service hook secret, turned into the Azure DevOps forge and the
//! credentials git pushes to Azure DevOps use.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;
use sluice_core::flow::forges::{ForgeHosts, ForgeKind};

use super::run_args::read_secret;
use crate::forge::HostedForge;
use crate::forge::azure_devops::AzureDevOpsForge;
use crate::remotes::Remotes;
use crate::secret_source::CredentialSource;
use crate::secret_source::SecretSource;

/// The user name git pushes send with the token (Azure DevOps accepts any).
const GIT_USER: &str = "sluice";

/// Azure DevOps options of `sluice serve` and `sluice controller`.
#[derive(Debug, Clone, clap::Args)]
pub struct AzureDevOpsArgs {
    /// Environment variable holding an Azure DevOps personal access token (scopes: Code
    /// read & write, Pull request threads). Enables the Azure DevOps forge for
    /// dev.azure.com, *.visualstudio.com and every --azure-devops-host; git pushes to
    /// those hosts use it too.
    #[arg(long, value_name = "VAR", conflicts_with = "azure_devops_token_file")]
    pub azure_devops_token_env: Option<String>,
    /// File holding the Azure DevOps personal access token (a mounted Kubernetes Secret
    /// works as is); re-read when it changes, so a rotated token is used without a
    /// restart.
    #[arg(long, value_name = "FILE")]
    pub azure_devops_token_file: Option<PathBuf>,
    /// A host whose repositories are on Azure DevOps besides dev.azure.com and
    /// *.visualstudio.com (`host`, `host:port` or `*.domain`), such as an Azure DevOps
    /// Server whose repositories are http(s)://HOST/COLLECTION/PROJECT/_git/REPO;
    /// repeatable.
    #[arg(long, value_name = "HOST")]
    pub azure_devops_host: Vec<String>,
    /// Environment variable holding the password service hooks send (HTTP Basic
    /// authentication, any user name); enables `POST /webhooks/azure-devops`
    /// (deliveries without it are refused).
    #[arg(
        long,
        value_name = "VAR",
        conflicts_with = "azure_devops_webhook_secret_file"
    )]
    pub azure_devops_webhook_secret_env: Option<String>,
    /// File holding the service hook password.
    #[arg(long, value_name = "FILE")]
    pub azure_devops_webhook_secret_file: Option<PathBuf>,
}

/// The Azure DevOps forge and what git pushes to its hosts authenticate with.
pub struct AzureDevOpsSetup {
    /// The forge, with the hosts it claims.
    pub hosted: HostedForge,
    /// `remotes` with the token for Azure DevOps's hosts.
    pub remotes: Remotes,
}

impl AzureDevOpsArgs {
    /// The service hook secret, if one is configured.
    pub fn webhook_secret(&self) -> anyhow::Result<Option<SecretSource>> {
        read_secret(
            "the Azure DevOps service hook secret",
            self.azure_devops_webhook_secret_env.as_deref(),
            self.azure_devops_webhook_secret_file.as_deref(),
        )
    }

    /// The Azure DevOps forge these options configure (`None` without a token), with
    /// `remotes` extended to push to Azure DevOps's hosts with the same token. `token` (a
    /// Kubernetes Secret in `sluice controller`) takes the place of
    /// `--azure-devops-token-env/-file`; a token file is re-read when it changes.
    pub fn setup(
        &self,
        remotes: Remotes,
        token: Option<SecretSource>,
    ) -> anyhow::Result<Option<AzureDevOpsSetup>> {
        let token = match token {
            Some(token) => token,
            None => match read_secret(
                "the Azure DevOps token",
                self.azure_devops_token_env.as_deref(),
                self.azure_devops_token_file.as_deref(),
            )? {
                Some(token) => token,
                None => {
                    if !self.azure_devops_host.is_empty() {
                        anyhow::bail!(
                            "--azure-devops-host needs a token: give --azure-devops-token-env or --azure-devops-token-file"
                        );
                    }
                    return Ok(None);
                }
            },
        };
        let credentials = CredentialSource::token(GIT_USER, token.clone());
        let mut hosts = ForgeHosts::new();
        for host in &self.azure_devops_host {
            hosts.claim(host, ForgeKind::AzureDevOps)?;
        }
        hosts.enable(ForgeKind::AzureDevOps);
        let forge = AzureDevOpsForge::new(token).context("configuring the Azure DevOps forge")?;
        Ok(Some(AzureDevOpsSetup {
            hosted: HostedForge {
                kind: ForgeKind::AzureDevOps,
                forge: Arc::new(forge),
                hosts: self.azure_devops_host.clone(),
            },
            remotes: remotes.with_forge(hosts, ForgeKind::AzureDevOps, credentials),
        }))
    }
}
