//! `sluice serve`: run the reconciler with the embedded store, the git-native forge and,
//! with their tokens, the GitHub and Azure DevOps forges.

use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use anyhow::Context;

use super::run_args::RunArgs;
use crate::config_source::{self, ConfigSource};
use crate::data_dir::DataDirLock;
use crate::engine::{Engine, EngineConfig, MayAct};
use crate::git::{Author, Git, GitConfig};
use crate::remotes::Remotes;
use crate::secret_source::{CredentialSource, SecretSource};
use crate::server::auth::Access;
use crate::server::{self, AppState};
use crate::store::sqlite::SqliteStore;

/// Arguments of `sluice serve`.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
sluice serve loads the config (Channel, DefaultChannel, Subscription and RepositoryPolicy
manifests), keeps builds, subscription state and pull requests in DATA/sluice.db (SQLite),
caches one bare repository per remote under DATA/git, and converges every target branch:
update branches are pushed as sluice/<branch>/<subscription>, pull requests are opened in
the git-native forge and merged once their merge policies pass.

GitHub: with --github-token-env or --github-token-file, repositories on github.com (and on
each --github-host, for GitHub Enterprise Server with --github-api-url) get their pull
requests on GitHub: found by head branch before one is opened, labelled (--github-label),
checked by the check runs and commit statuses of the head commit (and the checks the
branch requires, pending until they report) and the latest review per reviewer,
squash-merged with the head commit the policies saw, the head branch deleted; sluice
shows its policies' results as `sluice / merge policies` on the head. git pushes to those
hosts use the same token. As a GitHub App instead (--github-app-id with
--github-app-key-file or --github-app-key-env), each repository's installation token is
minted and renewed before it expires, for API calls and git pushes alike. Rate limits are
waited out as GitHub asks (Retry-After, x-ratelimit-reset); open pull requests are looked
at every --pull-request-interval, and at once when GitHub delivers a webhook about them
(POST /webhooks/github, signed with --github-webhook-secret-env or
--github-webhook-secret-file; events pull_request, pull_request_review, check_run,
check_suite, status, issue_comment, push). A comment /sluice merge or /sluice refresh on
an update pull request by someone with write access merges it now, or asks again for the
newest build and re-plans the update on the current target.

Azure DevOps: with --azure-devops-token-env or --azure-devops-token-file (a personal
access token with the scopes Code read & write and Pull request threads), repositories on
dev.azure.com, *.visualstudio.com and each --azure-devops-host (Azure DevOps Server) get
their pull requests on Azure DevOps: found by source branch before one is opened, checked
by the pull request's policy evaluations and statuses and its reviewers' votes, reported
in one comment thread sluice edits in place, completed by squash with the head commit the
policies saw (lastMergeSourceCommit) and the source branch deleted. Completions that branch
policies refuse leave the pull request blocked until a policy changes. git pushes to those
hosts use the same token. Service hooks (POST /webhooks/azure-devops, HTTP Basic password
from --azure-devops-webhook-secret-env or --azure-devops-webhook-secret-file; events
git.pullrequest.created, git.pullrequest.updated, git.pullrequest.merged,
ms.vss-code.git-pullrequest-comment-event, git.push) re-evaluate the pull requests they
concern at once.

A config directory is watched (changes to file contents only) and a git config repository
is polled. Nothing is reconciled until a first valid config is in force. A config that fails
validation is reported (GET /api/config and the log) and the previous one stays in force; so
does an empty config while pull requests are open. One server holds DATA at a time (its pid
is in DATA/sluice.pid); the database is checked at start and a damaged one refused.

Authentication: requests carry `Authorization: Bearer SECRET` of a token from --api-tokens
or --api-tokens-env (scopes: publish for builds and channel assignments, report for checks
and reviews, admin for triggers, merges, closes and everything else, read for GETs unless
--open-reads). /healthz, /readyz and /metrics are always open. Without tokens the API
listens on loopback only (or anywhere with --insecure-no-auth). The CLI sends SLUICE_TOKEN.

HTTP API (JSON; errors are {\"error\": ...}):  GET /api/config
  POST /api/builds  GET /api/builds[/ID]  POST /api/builds/ID/channels
  POST /api/subscriptions/NAME/trigger  GET /api/status  GET /api/events
  GET /api/flow/graph (subscriptions with observed flow times, the critical path)
  GET /api/pull-requests[/N]  POST /api/pull-requests/N/{checks,reviews,close,merge}
  GET /pull-requests/N (plain text)  GET /healthz  GET /readyz  GET /metrics (Prometheus)
  POST /webhooks/github (GitHub deliveries, verified by their signature instead of a token)
  POST /webhooks/azure-devops (service hooks, verified by their Basic password)

Examples:
  sluice serve --config examples/config-repo --data /var/lib/sluice
  sluice serve --config https://github.com/contoso/flow-config --config-branch main \\
      --data ./data --git-token-env GIT_TOKEN --listen 0.0.0.0:8080 \\
      --api-tokens /etc/sluice/api-tokens
  sluice serve --config ./config --data ./data --github-token-env GITHUB_TOKEN \\
      --github-api-url https://ghe.contoso.com/api/v3 --github-host ghe.contoso.com
  sluice serve --config ./config --data ./data --azure-devops-token-env AZDO_PAT \\
      --azure-devops-webhook-secret-env AZDO_HOOK_SECRET --azure-devops-host tfs.contoso.com")]
pub struct ServeArgs {
    /// Config directory, or a git repository URL holding one.
    #[arg(long, value_name = "DIR|GIT-URL")]
    pub config: String,
    /// Branch of a git config repository.
    #[arg(long, default_value = "main", value_name = "BRANCH")]
    pub config_branch: String,
    /// How often a git config repository is polled, in seconds.
    #[arg(long, default_value_t = 60, value_name = "SECONDS")]
    pub config_poll: u64,
    /// Everything `sluice serve` and `sluice controller` share.
    #[command(flatten)]
    pub run: RunArgs,
}

/// Runs `sluice serve` until interrupted.
pub fn run(args: ServeArgs) -> anyhow::Result<ExitCode> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    runtime.block_on(serve(args))?;
    Ok(ExitCode::SUCCESS)
}

/// What the configuration is read from.
pub(super) enum Source {
    /// A directory or git URL (`--config`).
    Files {
        /// The `--config` text.
        text: String,
        /// Branch of a git config repository.
        branch: String,
        /// How often it is polled.
        poll: Duration,
    },
    /// The cluster the controller runs against, its resync interval, and what the
    /// controller brings besides (leadership, tokens from Secrets).
    Cluster(crate::cluster::Cluster, Duration, ControllerSetup),
}

/// What `sluice controller` hands the engine besides its cluster.
#[derive(Debug, Default)]
pub(super) struct ControllerSetup {
    /// Whether this replica may act (leader election flips it).
    pub may_act: MayAct,
    /// Tokens followed in Kubernetes Secrets, in place of the `--*-env/-file` options.
    pub tokens: TokenSources,
}

/// Tokens from sources other than the command line's `--*-env` / `--*-file` options.
#[derive(Debug, Default)]
pub(super) struct TokenSources {
    /// The HTTPS token of git remotes.
    pub git: Option<SecretSource>,
    /// The GitHub token.
    pub github: Option<SecretSource>,
    /// The secret GitHub signs webhook deliveries with.
    pub github_webhook: Option<SecretSource>,
    /// The GitHub App's private key (PEM).
    pub github_app_key: Option<SecretSource>,
    /// The Azure DevOps personal access token.
    pub azure_devops: Option<SecretSource>,
}

async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let source = Source::Files {
        text: args.config,
        branch: args.config_branch,
        poll: Duration::from_secs(args.config_poll.max(1)),
    };
    run_engine(args.run, source).await
}

/// Runs the engine, its HTTP API and the configuration `source` until interrupted.
pub(super) async fn run_engine(args: RunArgs, source: Source) -> anyhow::Result<()> {
    crate::git::install_crypto_provider();
    let access = Access::load(&args.api_tokens, &args.api_tokens_env, args.open_reads)?;
    sluice_core::access::check_listener(
        &args.listen.to_string(),
        args.listen.ip().is_loopback(),
        &access.tokens,
        args.insecure_no_auth,
    )?;
    if access.tokens.is_empty() {
        if args.listen.ip().is_loopback() {
            tracing::info!(address = %args.listen, "no API tokens configured: the API is open to local processes only");
        } else {
            tracing::warn!(address = %args.listen, "no API tokens configured and --insecure-no-auth given: anyone who reaches the API can drive it");
        }
    } else {
        tracing::info!(
            tokens = access.tokens.len(),
            open_reads = access.open_reads,
            "API tokens loaded"
        );
    }
    // Held until the process ends: one server per data directory.
    let _data_lock = DataDirLock::acquire(&args.data)?;
    let store = Arc::new(SqliteStore::open(&args.data.join("sluice.db"))?);
    let mut git_config = GitConfig::new(args.data.join("git"));
    git_config.operation_timeout = Duration::from_secs(args.git_timeout.max(1));
    git_config.fetch_timeout = Duration::from_secs(args.git_fetch_timeout.max(1));
    git_config.stall_timeout = Duration::from_secs(args.git_stall_timeout.max(1));
    let git = Arc::new(Git::new(git_config));
    let (setup, source) = match source {
        Source::Cluster(cluster, interval, setup) => (
            setup,
            Source::Cluster(cluster, interval, ControllerSetup::default()),
        ),
        files => (ControllerSetup::default(), files),
    };
    let git_token = match (setup.tokens.git, &args.git_token_env, &args.git_token_file) {
        (Some(source), _, _) => Some(source),
        (None, Some(var), _) => Some(SecretSource::from_env(var).context("the git token")?),
        (None, None, Some(file)) => Some(SecretSource::from_file(file).context("the git token")?),
        (None, None, None) => None,
    };
    let remotes = match git_token {
        Some(token) => Remotes::with_https(CredentialSource::token("x-access-token", token)),
        None => Remotes::anonymous(),
    };
    let (remotes, mut hosted) = match args.github.setup(
        remotes.clone(),
        setup.tokens.github,
        setup.tokens.github_app_key,
    )? {
        Some(github) => {
            tracing::info!(api = %args.github.github_api_url, hosts = ?args.github.github_host, "GitHub forge enabled");
            (github.remotes, vec![github.hosted])
        }
        None => (remotes, Vec::new()),
    };
    let remotes = match args
        .azure_devops
        .setup(remotes.clone(), setup.tokens.azure_devops)?
    {
        Some(azure) => {
            tracing::info!(hosts = ?args.azure_devops.azure_devops_host, "Azure DevOps forge enabled");
            hosted.push(azure.hosted);
            azure.remotes
        }
        None => remotes,
    };
    let author = Author {
        name: args.author_name.clone(),
        email: args.author_email.clone(),
    };
    // Bound first: links name the port actually listened on (`--listen 127.0.0.1:0`
    // picks one).
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("listening on {}", args.listen))?;
    let local = listener.local_addr()?;
    // Links must be reachable: a wildcard listen address is not an address to visit.
    let public_url = args.public_url.clone().unwrap_or_else(|| {
        if local.ip().is_unspecified() {
            format!("http://localhost:{}", local.port())
        } else {
            format!("http://{local}")
        }
    });
    let config = EngineConfig {
        workers: args.workers,
        pull_request_interval: Duration::from_secs(args.pull_request_interval.max(1)),
        schedule_tick: Duration::from_secs(args.schedule_tick.max(1)),
        schedule: sluice_core::flow::ScheduleConfig {
            twice_daily_hours: args.twice_daily_hours.clone(),
            daily_hour: args.schedule_hour,
            weekly_hour: args.schedule_hour,
            two_weekly_hour: args.schedule_hour,
            monthly_hour: args.schedule_hour,
            ..Default::default()
        },
        may_act: setup.may_act,
        ..EngineConfig::default()
    };
    let engine = Engine::embedded_with(
        store,
        git.clone(),
        remotes.clone(),
        &public_url,
        author,
        config,
        hosted,
    )?;
    let github_webhook_secret = match setup.tokens.github_webhook {
        Some(source) => Some(source),
        None => args.github.webhook_secret()?,
    };
    let azure_devops_webhook_secret = args.azure_devops.webhook_secret()?;
    let state = AppState {
        engine: engine.clone(),
        ready: Arc::new(AtomicBool::new(false)),
        config_report: Default::default(),
        access: Arc::new(access),
        github_webhook_secret,
        azure_devops_webhook_secret,
    };

    let (source, poll) = match source {
        Source::Files { text, branch, poll } => (
            ConfigSource::parse(&text, &branch, &args.data, &git, &remotes)?,
            poll,
        ),
        Source::Cluster(cluster, interval, _) => (ConfigSource::Cluster(cluster), interval),
    };
    let config_state = state.clone();
    tokio::spawn(async move {
        if let Err(err) = config_source::run(source, config_state, poll).await {
            tracing::error!(error = %format!("{err:#}"), "configuration source stopped");
        }
    });
    let _workers = engine.spawn();

    tracing::info!(address = %local, data = %args.data.display(), "sluice serving");
    eprintln!(
        "sluice serving on http://{local} (data in {})",
        args.data.display()
    );
    axum::serve(listener, server::router(state))
        .with_graceful_shutdown(shutdown())
        .await
        .context("serving HTTP")?;
    Ok(())
}

async fn shutdown() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
    tracing::info!("shutting down");
}
