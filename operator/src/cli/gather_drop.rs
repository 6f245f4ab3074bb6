//! `sluice gather-drop`: every asset of a product, downloaded. The graph is walked as
//! `sluice graph` walks it; each node's build is found in the build registry of a running
//! server (by repository and commit); the core plans the files
//! ([`sluice_core::graph::gather`]); [`crate::gather`] downloads them.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use serde_json::json;
use sluice_core::flow::BuildInfo;
use sluice_core::graph::gather::{self, DropPlan};
use sluice_core::graph::{ProductGraph, RootRef, WalkOptions};

use super::client::{Client, ServerArgs};
use super::stdout::outln;
use crate::gather::{Downloader, NotGathered};

/// Arguments of `sluice gather-drop`.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
sluice gather-drop walks the product graph of REPO at --ref (as `sluice graph` does),
finds the build of every node in the build registry of the server (by repository and
commit; the newest when there are several), and downloads every asset into
DIR/<repository>/<build number>/:
  blob locations       <location>/<asset name>, kept under the asset name
  nugetFeed locations  the package <id>.<version>.nupkg from the feed's package base
                       address (read from its index.json)
  container locations  not downloaded: listed as skipped with the image to pull
Downloads run --parallel at once with a line per file on stderr. A run that was cut
resumes: files already complete are kept, partial ones (NAME.part) continue with a
Range request, and a file takes its final name only once its size matches what the
server announced. DIR/manifest.json lists what was gathered (path, URL, bytes), what
failed, what was skipped, the nodes without a registered build and the nodes whose
manifest could not be read. --dry-run prints the plan and downloads nothing.

Asset names, build numbers and locations come from CI and are untrusted: a name that
is not a plain relative path (`..`, absolute, a drive, a backslash) and a location that
is not http(s) are refused and listed as skipped.

Exit status: 0 when every node has a build and every file was gathered; 1 when
something is missing, failed or could not be read (the manifest says what); 2 for a
usage error.

Examples:
  sluice gather-drop https://github.com/contoso/installer --ref 4b1fc658... --output drop/
  sluice gather-drop https://github.com/contoso/installer --ref 4b1fc658... --output drop/ --dry-run")]
pub struct GatherDropArgs {
    #[command(flatten)]
    server: ServerArgs,
    /// The repository at the top of the product.
    #[arg(value_name = "REPO")]
    pub repository: String,
    /// The commit (or branch) to start from.
    #[arg(long = "ref", value_name = "SHA")]
    pub reference: String,
    /// Where to write the drop.
    #[arg(long, value_name = "DIR")]
    pub output: PathBuf,
    /// Follow toolset dependencies too, and gather their builds.
    #[arg(long)]
    pub include_toolset: bool,
    /// Print what would be gathered; download nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Downloads at once.
    #[arg(long, default_value_t = 4, value_name = "N")]
    pub parallel: usize,
    /// Directory of the bare repository caches (as for `sluice graph`).
    #[arg(long, env = "SLUICE_GIT_CACHE", value_name = "DIR")]
    pub cache: Option<PathBuf>,
    /// Environment variable holding an HTTPS token for git remotes.
    #[arg(long, value_name = "VAR", conflicts_with = "git_token_file")]
    pub git_token_env: Option<String>,
    /// File holding an HTTPS token for git remotes.
    #[arg(long, value_name = "FILE")]
    pub git_token_file: Option<PathBuf>,
}

/// Runs `sluice gather-drop`.
pub fn run(args: GatherDropArgs) -> anyhow::Result<ExitCode> {
    let reference = match RootRef::parse(&args.reference) {
        Ok(reference) => reference,
        Err(err) => {
            eprintln!("error: --ref: {err}");
            return Ok(ExitCode::from(super::EXIT_USAGE));
        }
    };
    if let Err(err) = sluice_core::validate::repository(&args.repository) {
        eprintln!("error: REPO: {err}");
        return Ok(ExitCode::from(super::EXIT_USAGE));
    }
    // Repositories are read as `sluice graph` reads them; --parallel is for downloads.
    let access = super::git_access::GitAccessArgs {
        cache: args.cache.clone(),
        parallel: 8,
        git_token_env: args.git_token_env.clone(),
        git_token_file: args.git_token_file.clone(),
    };
    let reader = access.reader()?;
    let options = WalkOptions {
        max_depth: None,
        include_toolset: args.include_toolset,
    };
    let runtime = super::git_access::runtime()?;
    let graph = runtime.block_on(async {
        let root = reader
            .resolve_root(&args.repository, &reference)
            .await
            .with_context(|| format!("cannot read the root {}", args.repository))?;
        anyhow::Ok(reader.walk(&root, options).await)
    })?;
    let client = Client::new(&args.server)?;
    let builds = find_builds(&client, &graph)?;
    let plan = gather::plan(&graph, &builds);
    print_plan(&graph, &plan);
    let incomplete = plan.missing().next().is_some() || !graph.unreadable.is_empty();
    if args.dry_run {
        return Ok(exit(incomplete));
    }
    std::fs::create_dir_all(&args.output)
        .with_context(|| format!("cannot create {}", args.output.display()))?;
    let downloader = Arc::new(Downloader::new(args.parallel)?);
    let results = runtime.block_on(downloader.gather(&plan, &args.output));
    let failed = results.iter().any(Result::is_err);
    let manifest = manifest(&graph, &plan, &results);
    let path = args.output.join("manifest.json");
    std::fs::write(
        &path,
        format!("{}\n", serde_json::to_string_pretty(&manifest)?),
    )
    .with_context(|| format!("cannot write {}", path.display()))?;
    let gathered = results.iter().filter(|r| r.is_ok()).count();
    outln!(
        "gathered {gathered} of {} files into {}; manifest: {}",
        results.len(),
        args.output.display(),
        path.display()
    );
    Ok(exit(incomplete || failed))
}

fn exit(incomplete: bool) -> ExitCode {
    if incomplete {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

/// The newest registered build of each node, by node index.
fn find_builds(
    client: &Client,
    graph: &ProductGraph,
) -> anyhow::Result<BTreeMap<usize, BuildInfo>> {
    let mut builds = BTreeMap::new();
    for (index, node) in graph.nodes.iter().enumerate() {
        let mut url = reqwest::Url::parse("http://query/api/builds").context("query URL")?;
        url.query_pairs_mut()
            .append_pair("repository", &node.repository)
            .append_pair("commit", &node.commit)
            .append_pair("limit", "1");
        let found: Vec<BuildInfo> =
            client.get(&format!("/api/builds?{}", url.query().unwrap_or_default()))?;
        if let Some(build) = found.into_iter().next() {
            builds.insert(index, build);
        }
    }
    Ok(builds)
}

fn short(commit: &str) -> &str {
    commit.get(..12).unwrap_or(commit)
}

fn print_plan(graph: &ProductGraph, plan: &DropPlan) {
    let builds = plan.nodes.iter().filter(|n| n.build.is_some()).count();
    outln!(
        "{} at {}: {} repositories at {} commits, {builds} builds, {} files",
        graph.root.repository,
        short(&graph.root.commit),
        {
            let mut names: Vec<String> = graph
                .nodes
                .iter()
                .map(|n| sluice_core::graph::product::repository_identity(&n.repository))
                .collect();
            names.sort();
            names.dedup();
            names.len()
        },
        graph.nodes.len(),
        plan.files().count()
    );
    for node in &plan.nodes {
        let Some(build) = &node.build else {
            outln!(
                "  {} @ {}: no build registered",
                node.repository,
                short(&node.commit)
            );
            continue;
        };
        outln!(
            "  {} @ {}: build {} (id {}) into {}/",
            node.repository,
            short(&node.commit),
            build.number,
            build.id,
            build.directory
        );
        for file in &node.files {
            outln!("    {}", file.path);
        }
        for skipped in &node.skipped {
            outln!(
                "    skipped {} {}: {}",
                skipped.asset,
                skipped.version,
                skipped.reason
            );
        }
    }
    for unreadable in &graph.unreadable {
        outln!(
            "  {} @ {}: manifest not read, its dependencies are not gathered: {}",
            unreadable.repository,
            short(&unreadable.commit),
            unreadable.reason
        );
    }
}

fn manifest(
    graph: &ProductGraph,
    plan: &DropPlan,
    results: &[Result<crate::gather::Gathered, NotGathered>],
) -> serde_json::Value {
    let mut outcomes = results.iter();
    let (mut gathered, mut failed, mut skipped, mut missing) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for node in &plan.nodes {
        let Some(build) = &node.build else {
            missing.push(json!({
                "repository": node.repository,
                "commit": node.commit,
                "reason": "no build of this commit is registered",
            }));
            continue;
        };
        let build_ref = json!({"id": build.id, "number": build.number});
        for file in &node.files {
            let common = json!({
                "repository": node.repository,
                "commit": node.commit,
                "build": build_ref,
                "asset": file.asset,
                "version": file.version,
                "path": file.path,
            });
            match outcomes.next() {
                Some(Ok(g)) => {
                    let mut entry = common;
                    entry["url"] = json!(g.url);
                    entry["bytes"] = json!(g.bytes);
                    entry["how"] = json!(g.how);
                    gathered.push(entry);
                }
                Some(Err(f)) => {
                    let mut entry = common;
                    entry["reason"] = json!(f.reason);
                    failed.push(entry);
                }
                None => {}
            }
        }
        for s in &node.skipped {
            skipped.push(json!({
                "repository": node.repository,
                "commit": node.commit,
                "build": build_ref,
                "asset": s.asset,
                "version": s.version,
                "reason": s.reason,
            }));
        }
    }
    let unreadable: Vec<serde_json::Value> = graph
        .unreadable
        .iter()
        .map(|u| json!({"repository": u.repository, "commit": u.commit, "reason": u.reason}))
        .collect();
    json!({
        "root": {"repository": graph.root.repository, "commit": graph.root.commit},
        "complete": failed.is_empty() && missing.is_empty() && unreadable.is_empty(),
        "gathered": gathered,
        "failed": failed,
        "skipped": skipped,
        "missing": missing,
        "unreadable": unreadable,
    })
}
