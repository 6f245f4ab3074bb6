//! `sluice controller`: the engine of `sluice serve`, configured by the sluice resources
//! of a Kubernetes cluster instead of a directory or config repository.

use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;

use super::run_args::RunArgs;
use super::serve::{Source, run_engine};
use crate::cluster::Cluster;

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

Examples:
  sluice controller --data /var/lib/sluice
  sluice controller --namespace flow --data ./data --git-token-env GIT_TOKEN")]
pub struct ControllerArgs {
    /// Watch one namespace only (default: all namespaces).
    #[arg(long, value_name = "NAMESPACE")]
    pub namespace: Option<String>,
    /// Seconds between status passes (status is also written after every change).
    #[arg(long, default_value_t = 2, value_name = "SECONDS")]
    pub status_interval: u64,
    /// Namespace where builds published through the HTTP API or `sluice build publish`
    /// get their Build resource (default: --namespace, else the pod's namespace, else
    /// `default`).
    #[arg(long, value_name = "NAMESPACE")]
    pub build_namespace: Option<String>,
    /// Build resources kept per repository branch, newest first; older ones are deleted
    /// (the store keeps every build). 0 keeps all.
    #[arg(long, default_value_t = 20, value_name = "N")]
    pub build_retention: usize,
    /// Everything `sluice serve` takes besides the configuration source.
    #[command(flatten)]
    pub run: RunArgs,
}

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
        let build_namespace = args
            .build_namespace
            .or_else(|| args.namespace.clone())
            .or_else(|| std::env::var("POD_NAMESPACE").ok())
            .unwrap_or_else(|| "default".to_string());
        let cluster = Cluster {
            client,
            namespace: args.namespace,
            build_namespace,
            build_retention: args.build_retention,
        };
        let interval = Duration::from_secs(args.status_interval.max(1));
        run_engine(args.run, Source::Cluster(cluster, interval)).await
    })?;
    Ok(ExitCode::SUCCESS)
}
