//! `sluice controller`: the engine of `sluice serve`, configured by the sluice resources
//! of a Kubernetes cluster instead of a directory or config repository.

use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;

use super::run_args::RunArgs;
use super::serve::{ControllerSetup, Source, TokenSources, run_engine};
use crate::cluster::Cluster;
use crate::cluster::lease::{self, Elector, LeaseConfig};
use crate::cluster::secrets::{self, Holds, SecretRef};
use crate::engine::MayAct;

/// Arguments of `sluice controller`.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
sluice controller watches Channels, DefaultChannels, Subscriptions and RepositoryPolicies
in the cluster (KUBECONFIG, or the in-cluster service account), validates each resource on
its own with the rules of `sluice validate`, and runs the same engine, store, HTTP API and
metrics as `sluice serve` with the resources that pass. A resource that fails validation
is refused alone: its status says `Stalled` with the rule as reason, and everything else
keeps flowing; fixing it clears the condition.

Status is written to each resource's status subresource with server-side apply (field
manager `sluice`), only when it changes: a Subscription shows its conditions, last applied
build, pending build and pull request (`kubectl get sub`, `kubectl wait
--for=condition=Ready sub/NAME`); the other kinds show `Ready` once accepted. Nothing is
written while nothing changed.

Reconcile now: the annotation sluice.dev/requestedAt (any new value, e.g. a timestamp)
triggers a subscription with the newest build of its channel; sluice.dev/forceAt forces it
even when applied. The value handled is echoed in status.lastHandledRequestedAt /
status.lastHandledForceAt.

Builds: a Build resource (applied by CI) is published into the store, idempotently and
validated like `POST /api/builds`; one that fails is Stalled with the reason. A build
published through the HTTP API or `sluice build publish` gets a Build resource in
--build-namespace. The newest --build-retention Build resources of each repository branch
are kept; the store keeps every build. A Build's status shows its store id and where it
flowed (one entry per dependent subscription); a Channel's the newest build of each
repository; a DefaultChannel's the builds it assigned; a RepositoryPolicy's its batched
pull request.

Events (kubectl describe): pull request opened, updated, merged and closed, update
requested, nothing to update, merge blocked (naming the failing policies), retrying and
stalled, on the Subscription and on the Build concerned.

Deletion: every Subscription carries the finalizer sluice.dev/cleanup; deleting one closes
its open pull request (deleting the head branch), then the finalizer is released.

Leader election (--leader-election): replicas share a coordination.k8s.io/v1 Lease
(--lease-name in --lease-namespace); only its holder reconciles, pushes, merges, fires
schedules, writes status and releases finalizers. The others stand by with their watches
warm (GET /readyz says standby, the metric sluice_leader is 0) and one takes over within
--lease-duration after the leader stops renewing. A leader that cannot renew stops acting
two thirds of the duration after its last renewal, and leadership is checked again right
before every push, pull request and merge. On shutdown the lease is released at once.

Secrets: --git-token-secret, --github-token-secret, --github-webhook-secret-secret,
--github-app-key-secret (the App's PEM key, which may span lines) and
--azure-devops-token-secret take NAME/KEY, a key of a Secret in --secret-namespace,
followed through a watch: a rotated Secret is used by the next request, without a
restart. The --*-file options re-read their
file when it changes (a mounted Secret rotates in place). Values are never logged.

Examples:
  sluice controller --data /var/lib/sluice
  sluice controller --namespace flow --data ./data --git-token-env GIT_TOKEN
  sluice controller --data /data --leader-election --lease-duration 15 \\
      --git-token-secret sluice-tokens/git --github-token-secret sluice-tokens/github")]
pub struct ControllerArgs {
    /// Watch one namespace only (default: all namespaces).
    #[arg(long, value_name = "NAMESPACE")]
    pub namespace: Option<String>,
    /// Seconds between resyncs of finalizers and exported Build resources, and the most a
    /// Build's `status.flow` (where it flowed) lags the store. Other status and events do
    /// not wait for it: they follow every change within a quarter second.
    #[arg(long, default_value_t = 2, value_name = "SECONDS")]
    pub status_interval: u64,
    /// Namespace where builds published through the HTTP API or `sluice build publish`
    /// get their Build resource (default: --namespace, else the pod's namespace, as for
    /// the Lease).
    #[arg(long, value_name = "NAMESPACE")]
    pub build_namespace: Option<String>,
    /// Build resources kept per repository branch, newest first; older ones are deleted
    /// (the store keeps every build). 0 keeps all.
    #[arg(long, default_value_t = 20, value_name = "N")]
    pub build_retention: usize,
    /// Elect one leader among replicas with a Lease; only the leader acts.
    #[arg(long)]
    pub leader_election: bool,
    /// Name of the Lease.
    #[arg(long, default_value = "sluice", value_name = "NAME")]
    pub lease_name: String,
    /// Namespace of the Lease (default: the pod's, from POD_NAMESPACE or the service
    /// account; outside a pod the kubeconfig context's).
    #[arg(long, value_name = "NAMESPACE")]
    pub lease_namespace: Option<String>,
    /// Seconds a leader holds the Lease without renewing it; a standby takes over after.
    #[arg(long, default_value_t = 15, value_parser = clap::value_parser!(u64).range(2..=3600), value_name = "SECONDS")]
    pub lease_duration: u64,
    /// Namespace of the Secrets named by --*-secret (default: the pod's namespace, as
    /// for the Lease).
    #[arg(long, value_name = "NAMESPACE")]
    pub secret_namespace: Option<String>,
    /// HTTPS token of git remotes from a Secret's key, followed as it rotates.
    #[arg(long, value_name = "NAME/KEY", conflicts_with_all = ["git_token_env", "git_token_file"])]
    pub git_token_secret: Option<SecretRef>,
    /// GitHub token from a Secret's key, followed as it rotates (enables the GitHub
    /// forge as --github-token-env does).
    #[arg(long, value_name = "NAME/KEY", conflicts_with_all = ["github_token_env", "github_token_file"])]
    pub github_token_secret: Option<SecretRef>,
    /// GitHub webhook secret from a Secret's key, followed as it rotates.
    #[arg(long, value_name = "NAME/KEY", conflicts_with_all = ["github_webhook_secret_env", "github_webhook_secret_file"])]
    pub github_webhook_secret_secret: Option<SecretRef>,
    /// GitHub App private key (the PEM, lines and all) from a Secret's key, followed as
    /// it rotates; needs --github-app-id.
    #[arg(long, value_name = "NAME/KEY", requires = "github_app_id", conflicts_with_all = ["github_app_key_env", "github_app_key_file"])]
    pub github_app_key_secret: Option<SecretRef>,
    /// Azure DevOps personal access token from a Secret's key, followed as it rotates
    /// (enables the Azure DevOps forge as --azure-devops-token-env does).
    #[arg(long, value_name = "NAME/KEY", conflicts_with_all = ["azure_devops_token_env", "azure_devops_token_file"])]
    pub azure_devops_token_secret: Option<SecretRef>,
    /// Everything `sluice serve` takes besides the configuration source.
    #[command(flatten)]
    pub run: RunArgs,
}

/// How long a Secret named at start may take to show a usable value.
const SECRET_WAIT: Duration = Duration::from_secs(30);

/// Runs `sluice controller` until interrupted.
pub fn run(args: ControllerArgs) -> anyhow::Result<ExitCode> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    runtime.block_on(async move {
        crate::git::install_crypto_provider();
        let client = kube::Client::try_default()
            .await
            .context("connecting to the Kubernetes API server (KUBECONFIG or in-cluster)")?;
        let own = lease::own_namespace(&client);
        let secret_namespace = args.secret_namespace.clone().unwrap_or_else(|| own.clone());
        let follow_holding = |reference: &Option<SecretRef>, holds: Holds| {
            let (client, namespace) = (client.clone(), secret_namespace.clone());
            let reference = reference.clone();
            async move {
                match reference {
                    Some(r) => {
                        secrets::follow_holding(client, &namespace, &r, SECRET_WAIT, holds)
                            .await
                            .map(Some)
                    }
                    None => Ok(None),
                }
            }
        };
        let follow = |reference: &Option<SecretRef>| follow_holding(reference, Holds::Token);
        let tokens = TokenSources {
            git: follow(&args.git_token_secret).await.context("--git-token-secret")?,
            github: follow(&args.github_token_secret)
                .await
                .context("--github-token-secret")?,
            github_webhook: follow(&args.github_webhook_secret_secret)
                .await
                .context("--github-webhook-secret-secret")?,
            github_app_key: follow_holding(&args.github_app_key_secret, Holds::KeyMaterial)
                .await
                .context("--github-app-key-secret")?,
            azure_devops: follow(&args.azure_devops_token_secret)
                .await
                .context("--azure-devops-token-secret")?,
        };
        let may_act = MayAct::new(!args.leader_election);
        let election = args.leader_election.then(|| LeaseConfig {
            name: args.lease_name.clone(),
            namespace: args.lease_namespace.clone().unwrap_or_else(|| own.clone()),
            duration: Duration::from_secs(args.lease_duration),
            identity: lease::identity(),
        });
        let elector = election.as_ref().map(|config| {
            tracing::info!(identity = %config.identity, lease = %format!("{}/{}", config.namespace, config.name), "leader election: standing by until this replica holds the lease");
            let elector = Elector::new(client.clone(), config.clone(), may_act.clone());
            tokio::spawn(elector.run())
        });
        let build_namespace = args
            .build_namespace
            .clone()
            .or_else(|| args.namespace.clone())
            .unwrap_or_else(|| own.clone());
        let cluster = Cluster {
            client: client.clone(),
            namespace: args.namespace,
            build_namespace,
            build_retention: args.build_retention,
        };
        let interval = Duration::from_secs(args.status_interval.max(1));
        let setup = ControllerSetup {
            may_act: may_act.clone(),
            tokens,
        };
        let result = run_engine(args.run, Source::Cluster(cluster, interval, setup)).await;
        // The election ends first, so nothing takes the lease again once released.
        if let (Some(task), Some(config)) = (elector, &election) {
            task.abort();
            let _ = task.await;
            Elector::release(client, config, &may_act).await;
        }
        result
    })?;
    Ok(ExitCode::SUCCESS)
}
