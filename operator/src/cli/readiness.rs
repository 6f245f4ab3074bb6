//! `sluice readiness REPO --ref BRANCH`: is the product coherent at the head of BRANCH?
//! If not, what would resolve each incoherency, what blocks it, and how long it should
//! take. The graph is read from the repositories (as `sluice graph` does); subscriptions,
//! builds and flow times come from a running server. The decisions are the core's
//! ([`sluice_core::graph::readiness`]).

use std::process::ExitCode;

use anyhow::Context;
use serde::Serialize;
use sluice_core::flow::BuildInfo;
use sluice_core::flow::status::Standing;
use sluice_core::graph::readiness::{self, KnownBuild, LinkState, Readiness};
use sluice_core::graph::{RepoAt, RootRef, readiness_render};
use sluice_core::model::{PolicyResult, PullRequestState};

use super::client::{Client, ServerArgs};
use super::git_access::{GitAccessArgs, WalkArgs};
use super::stdout::out;
use crate::engine::SubscriptionStatusView;

/// Exit status when the product is not coherent.
pub const EXIT_NOT_COHERENT: u8 = 3;

/// Output formats of `sluice readiness`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// The verdict, then each incoherency hop by hop.
    Text,
    /// One JSON object.
    Json,
}

/// Arguments of `sluice readiness`.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
Walks the product graph of REPO at the head of --ref (as `sluice graph` does, from the
repositories themselves). When one repository is reached at two or more commits, the
product is not coherent, and for each such repository sluice asks the server:

  - which commit to align on: the one whose build is the newest of the builds known at
    the commits reached;
  - for every path reaching another commit, hop by hop from that repository up to REPO,
    the subscription that moves it (the last one into --ref) and where it stands: applied,
    pull request open, build waiting, build not requested, waiting for a new build of
    its source, or no subscription at all;
  - what blocks each hop: failed or pending merge policies, a stalled or disabled
    subscription, a schedule;
  - how long it should take, from the flow history over --window (`sluice flow graph`):
    from the first hop not yet applied, each hop's median update time and the median
    build time of each target but REPO. The product's estimate is its slowest path's.

A coherent product needs no server.

JSON output:
  {\"root\": {\"repository\", \"commit\"}, \"branch\", \"coherent\",
   \"findings\": [{\"repository\", \"alignOn\": {\"id\", \"number\", \"repository\", \"commit\"},
                 \"stale\": [{\"commit\", \"path\", \"hops\": [{\"source\", \"target\",
                   \"subscription\", \"state\", ..., \"blockers\"}], \"estimateSecs\",
                   \"estimateComplete\"}]}],
   \"estimateSecs\", \"estimateComplete\", \"incoherencies\" and \"unreadable\": [as in
   `sluice graph`]}

Exit status: 0 coherent, 3 not coherent, 1 when the root or the server cannot be read,
2 for a usage error.

Examples:
  sluice readiness https://github.com/contoso/sdk --ref release/9.0
  sluice readiness https://github.com/contoso/sdk --format json | jq '.estimateSecs'")]
pub struct ReadinessArgs {
    /// The product's top repository.
    #[arg(value_name = "REPO")]
    pub repository: String,
    /// The branch whose head is checked.
    #[arg(long = "ref", default_value = "main", value_name = "BRANCH")]
    pub branch: String,
    /// How far back the flow history counts for the estimate.
    #[arg(long, default_value = "30d", value_name = "DURATION")]
    pub window: String,
    /// How far the walk goes.
    #[command(flatten)]
    pub walk: WalkArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    #[command(flatten)]
    pub server: ServerArgs,
    #[command(flatten)]
    pub access: GitAccessArgs,
}

/// What `--format json` prints.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Report<'a> {
    root: &'a RepoAt,
    branch: &'a str,
    #[serde(flatten)]
    readiness: &'a Readiness,
    incoherencies: &'a [sluice_core::graph::Incoherency],
    unreadable: &'a [sluice_core::graph::Unreadable],
}

fn usage(what: &str, err: impl std::fmt::Display) -> ExitCode {
    eprintln!("error: {what}: {err}");
    ExitCode::from(super::EXIT_USAGE)
}

/// A subscription's status as the core's readiness reads it.
fn link_state(s: &SubscriptionStatusView) -> LinkState {
    let open = s
        .pull_request
        .as_ref()
        .filter(|p| p.state == PullRequestState::Open);
    let policies = |want: PolicyResult| -> Vec<&sluice_core::model::PolicyEvaluation> {
        match open {
            Some(_) => s.policies.iter().filter(|p| p.result == want).collect(),
            None => Vec::new(),
        }
    };
    LinkState {
        subscription: s.name.clone(),
        source: s.source.clone(),
        target: s.target.clone(),
        branch: s.branch.clone(),
        enabled: s.enabled,
        applied_build: s.last_applied_build.as_ref().map(|b| b.id),
        requested_build: s.requested_build.as_ref().map(|b| b.id),
        open_pull_request: open.map(|p| (p.number, p.url.clone())),
        failed_policies: policies(PolicyResult::Failed)
            .into_iter()
            .map(|p| format!("{}: {}", p.name, p.message))
            .collect(),
        pending_policies: policies(PolicyResult::Pending)
            .into_iter()
            .map(|p| p.name.clone())
            .collect(),
        stalled: (s.summary.condition == Standing::Stalled).then(|| s.summary.message.clone()),
        next_update: s.next_update.clone(),
    }
}

/// Runs `sluice readiness`.
pub fn run(args: ReadinessArgs) -> anyhow::Result<ExitCode> {
    if let Err(err) = sluice_core::validate::repository(&args.repository) {
        return Ok(usage("REPO", err));
    }
    if let Err(err) = sluice_core::validate::branch(&args.branch) {
        return Ok(usage("--ref", err));
    }
    if let Err(err) = sluice_core::graph::timing::parse_window(&args.window) {
        return Ok(usage("--window", err));
    }
    let reader = args.access.reader()?;
    let options = args.walk.options();
    let runtime = super::git_access::runtime()?;
    let (root, graph) = runtime.block_on(async {
        let root = reader
            .resolve_root(&args.repository, &RootRef::Branch(args.branch.clone()))
            .await
            .with_context(|| format!("cannot read {} at {}", args.repository, args.branch))?;
        let graph = reader.walk(&root, options).await;
        anyhow::Ok((root, graph))
    })?;
    drop(runtime);
    let verdict = if graph.incoherencies.is_empty() {
        readiness::readiness(&[], &args.branch, &[], &[], &[])
    } else {
        let client = Client::new(&args.server)?;
        let status: Vec<SubscriptionStatusView> = client.get("/api/status")?;
        let links: Vec<LinkState> = status.iter().map(link_state).collect();
        let mut builds = Vec::new();
        for inc in &graph.incoherencies {
            let url = reqwest::Url::parse_with_params(
                "http://server/api/builds",
                &[("repository", inc.repository.as_str()), ("limit", "200")],
            )?;
            let page: Vec<BuildInfo> = client.get(&format!(
                "{}?{}",
                url.path(),
                url.query().unwrap_or_default()
            ))?;
            builds.extend(page.into_iter().map(|b| KnownBuild {
                id: b.id,
                number: b.build_number,
                repository: b.repository,
                commit: b.commit,
            }));
        }
        let network = super::flow::fetch_network(&args.server, &args.window, None)?;
        readiness::readiness(
            &graph.incoherencies,
            &args.branch,
            &links,
            &builds,
            &network.links,
        )
    };
    match args.format {
        Format::Text => out!(
            "{}",
            readiness_render::text(&root, &args.branch, &verdict, &graph.unreadable)
        ),
        Format::Json => {
            let report = Report {
                root: &root,
                branch: &args.branch,
                readiness: &verdict,
                incoherencies: &graph.incoherencies,
                unreadable: &graph.unreadable,
            };
            out!("{}\n", serde_json::to_string_pretty(&report)?);
        }
    }
    Ok(if verdict.coherent {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(EXIT_NOT_COHERENT)
    })
}
