//! `make bench-graph`: walking a product graph of 30 repositories with 200 dependencies
//! each, served over loopback smart HTTP.
//!
//! Repository `r{i}` depends on the next four (`r{i+1}` .. `r{i+4}`), 200 dependencies
//! spread over them; the last one has 200 toolset dependencies, which the walk does not
//! follow. Measured in one invocation, as the median of several runs:
//!
//! 1. sluice cold: `GraphReader` from `r0` at its commit, cache empty (every commit
//!    fetched by id at depth 1, each frontier in parallel);
//! 2. sluice warm: the same walk on the warm cache (no network at all);
//! 3. baseline cold: what a script does with the `git` CLI: for each node of the same
//!    walk, one after the other, `git init --bare`, `git fetch --depth 1 URL SHA` and
//!    `git show SHA:eng/Version.Details.xml`;
//! 4. baseline warm: `git show` in the repositories the cold baseline fetched.
//!
//! Then what `ValidateCoherency` with `graph: true` costs a cycle on the same graph: the
//! engine's reads of the graph below an update once each node was read before (from its
//! memo of read commits), against the warm walk above; and the core's decision (the
//! update's graph built from what was read, and its incoherencies).
//!
//! Environment: `BENCH_REPOS` (default 30), `BENCH_DEPS` (default 200), `BENCH_RUNS`
//! (default 5), `BENCH_DIR` (scratch directory, default a temporary one).

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use sluice::git::{Git, GitConfig};
use sluice::product_graph::{GraphReader, ManifestMemo, read_all};
use sluice::remotes::Remotes;
use sluice_core::graph::{self, Manifests, ProductGraph, RepoAt, RootRef, WalkOptions};
use sluice_tests::fixture_repo::{FixtureRepo, git, git_command};
use sluice_tests::git_server::GitHttpServer;
use sluice_tests::version_details::{Dep, xml};

/// What the benchmark's steps return.
type BenchResult<T> = Result<T, Box<dyn std::error::Error>>;

fn env_number(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Creates the repositories, last first (each names its dependencies' commits), and
/// returns `r0`'s URL and commit.
fn build_product(served: &Path, server: &GitHttpServer, repos: usize, deps: usize) -> RepoAt {
    let mut commits = vec![String::new(); repos];
    let url = |i: usize| server.url(&format!("r{i}.git"));
    for i in (0..repos).rev() {
        let repo = FixtureRepo::create(served, &format!("r{i}.git"));
        let targets: Vec<usize> = (i + 1..repos.min(i + 5)).collect();
        let list: Vec<Dep> = (0..deps)
            .map(|k| match targets.get(k % targets.len().max(1)) {
                Some(&j) => Dep::product(
                    &format!("Contoso.R{j}.Asset{k}"),
                    &format!("1.0.{k}"),
                    &url(j),
                    &commits[j],
                ),
                _ => Dep::toolset(
                    &format!("Contoso.Tools.Asset{k}"),
                    &format!("1.0.{k}"),
                    "https://example.invalid/contoso/tools",
                    &"0".repeat(40),
                ),
            })
            .collect();
        commits[i] = repo.commit(
            &[
                ("eng/Version.Details.xml", &xml(&list)),
                ("README.md", &format!("# r{i}\n")),
            ],
            "manifest",
        );
    }
    RepoAt::new(url(0), commits[0].clone())
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

/// One sluice walk from `root` with the cache in `cache`.
async fn sluice_walk(cache: &Path, root: &RepoAt) -> BenchResult<(ProductGraph, u64)> {
    let git_layer = Git::new(GitConfig::new(cache));
    let reader = GraphReader::new(git_layer.clone(), Remotes::anonymous(), 8);
    let start = reader
        .resolve_root(&root.repository, &RootRef::Commit(root.commit.clone()))
        .await?;
    let graph = reader.walk(&start, WalkOptions::default()).await;
    Ok((graph, git_layer.network_calls().total()))
}

/// The same walk with the `git` CLI, node after node: fetch each commit into a bare
/// repository of its own under `dir` (unless `warm`), then `git show` its manifest.
fn baseline_walk(dir: &Path, root: &RepoAt, warm: bool) -> BenchResult<ProductGraph> {
    let options = WalkOptions::default();
    let mut known = Manifests::new();
    loop {
        let next = graph::next_reads(root, &known, options);
        if next.is_empty() {
            break;
        }
        for at in next {
            let name = at.repository.rsplit('/').next().unwrap_or("repo");
            let bare = dir.join(name);
            if !warm {
                std::fs::create_dir_all(&bare)?;
                git(&bare, &["init", "--bare", "--quiet"]);
                git(
                    &bare,
                    &[
                        "fetch",
                        "--quiet",
                        "--depth",
                        "1",
                        &at.repository,
                        &at.commit,
                    ],
                );
            }
            let out = git_command(&bare)
                .args(["show", &format!("{}:eng/Version.Details.xml", at.commit)])
                .output()?;
            let read = graph::manifest_read(out.status.success().then_some(&out.stdout[..]));
            known.insert(at, read);
        }
    }
    Ok(graph::build_graph(root, &known, options))
}

/// The walk as the engine reads it for `graph: true`: a frontier at a time through
/// `read_all` with the engine's memo; the graph and what was read.
async fn memo_walk(cache: &Path, root: &RepoAt, memo: &ManifestMemo) -> (ProductGraph, Manifests) {
    let git_layer = Git::new(GitConfig::new(cache));
    let options = WalkOptions::default();
    let mut known = Manifests::new();
    loop {
        let next = graph::next_reads(root, &known, options);
        if next.is_empty() {
            break;
        }
        let read = read_all(&git_layer, &Remotes::anonymous(), next, 8, Some(memo)).await;
        known.extend(read);
    }
    (graph::build_graph(root, &known, options), known)
}

/// Median times of the engine's memo reads and of the core's decision for `graph: true`
/// over the graph from `root` (cache warm), printed against the warm walk `warm`. The
/// update's own manifest is `r0`'s file (`root_bare` holds it).
fn graph_policy(
    runtime: &tokio::runtime::Runtime,
    cache: &Path,
    root: &RepoAt,
    root_bare: &Path,
    runs: usize,
    warm: Duration,
) -> BenchResult<()> {
    use sluice_core::flow::graph_policy::{UpdateGraph, update_graph, validate_graph};
    let memo = ManifestMemo::default();
    let (first, _) = runtime.block_on(memo_walk(cache, root, &memo));
    let (mut reads, mut decisions) = (vec![], vec![]);
    let mut known = Manifests::new();
    for _ in 0..runs {
        let t = Instant::now();
        let (again, read) = runtime.block_on(memo_walk(cache, root, &memo));
        reads.push(t.elapsed());
        if again != first {
            return Err("the memo walk saw another graph".into());
        }
        known = read;
    }
    let manifest = git_command(root_bare)
        .args(["show", &format!("{}:eng/Version.Details.xml", root.commit)])
        .output()?
        .stdout;
    let files = sluice_core::manifest::ManifestFiles::from([(
        "eng/Version.Details.xml".to_owned(),
        manifest,
    )]);
    let mut verdict = String::new();
    for _ in 0..runs {
        let t = Instant::now();
        let graph = update_graph(root, &files, &[], &known);
        let (result, message) = validate_graph(Some(&graph));
        decisions.push(t.elapsed());
        if !matches!(graph, UpdateGraph::Walked(_)) {
            return Err("the decision asked for more reads".into());
        }
        verdict = format!("{result:?}: {message}");
    }
    let (reads, decisions) = (median(reads), median(decisions));
    println!("\nValidateCoherency graph: true on this graph (median of {runs} runs):");
    println!(
        "  engine reads through its memo (nodes read before) {:>10}",
        ms(reads)
    );
    println!(
        "  core decision (update's graph + incoherencies)    {:>10}",
        ms(decisions)
    );
    println!("  verdict: {verdict}");
    println!(
        "memo reads / sluice warm walk = {:.2}",
        reads.as_secs_f64() / warm.as_secs_f64()
    );
    Ok(())
}

fn main() -> BenchResult<()> {
    let repos = env_number("BENCH_REPOS", 30).max(2);
    let deps = env_number("BENCH_DEPS", 200).max(1);
    let runs = env_number("BENCH_RUNS", 5).max(1);
    let scratch = match std::env::var_os("BENCH_DIR") {
        Some(dir) => (None, PathBuf::from(dir)),
        None => {
            let tmp = tempfile::tempdir()?;
            let path = tmp.path().to_path_buf();
            (Some(tmp), path)
        }
    };
    let root_dir = scratch.1.clone();
    let served = root_dir.join("served");
    std::fs::create_dir_all(&served)?;
    let server = GitHttpServer::start(&served, None)?;
    let setup = Instant::now();
    let root = build_product(&served, &server, repos, deps);
    println!(
        "setup: {repos} repositories, {deps} dependencies each, in {:.1} s",
        setup.elapsed().as_secs_f64()
    );
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;

    let (mut cold, mut warm, mut base_cold, mut base_warm) = (vec![], vec![], vec![], vec![]);
    let mut shape = None;
    for run in 0..runs {
        let cache = root_dir.join(format!("cache-{run}"));
        let t = Instant::now();
        let (graph, calls) = runtime.block_on(sluice_walk(&cache, &root))?;
        cold.push(t.elapsed());
        let cold_calls = calls;
        let t = Instant::now();
        let (again, warm_calls) = runtime.block_on(sluice_walk(&cache, &root))?;
        warm.push(t.elapsed());
        if again != graph {
            return Err("the warm walk saw another graph".into());
        }
        let base = root_dir.join(format!("baseline-{run}"));
        let t = Instant::now();
        let baseline = baseline_walk(&base, &root, false)?;
        base_cold.push(t.elapsed());
        let t = Instant::now();
        let baseline_again = baseline_walk(&base, &root, true)?;
        base_warm.push(t.elapsed());
        if baseline.nodes != graph.nodes || baseline_again.edges != graph.edges {
            return Err("the baseline walked another graph".into());
        }
        shape = Some((graph.nodes.len(), graph.edges.len(), cold_calls, warm_calls));
        if run + 1 < runs {
            std::fs::remove_dir_all(&cache)?;
        }
        std::fs::remove_dir_all(&base)?;
    }
    let (nodes, edges, cold_calls, warm_calls) = shape.ok_or("no run")?;
    println!(
        "graph: {nodes} nodes, {edges} edges; network calls: cold {cold_calls}, warm {warm_calls}"
    );
    let (cold, warm) = (median(cold), median(warm));
    let (base_cold, base_warm) = (median(base_cold), median(base_warm));
    println!("\nmedian of {runs} runs:");
    println!(
        "  sluice cold (parallel frontiers, fetch by id)   {:>10}",
        ms(cold)
    );
    println!(
        "  baseline cold (git init + fetch + show, serial) {:>10}",
        ms(base_cold)
    );
    println!(
        "  sluice warm (bare caches, no network)           {:>10}",
        ms(warm)
    );
    println!(
        "  baseline warm (git show per node)               {:>10}",
        ms(base_warm)
    );
    println!(
        "\ncold: sluice / baseline = {:.2}; warm: sluice / baseline = {:.2}",
        cold.as_secs_f64() / base_cold.as_secs_f64(),
        warm.as_secs_f64() / base_warm.as_secs_f64()
    );
    println!(
        "warm goal (< 100 ms): {}",
        if warm < Duration::from_millis(100) {
            "met"
        } else {
            "not met"
        }
    );
    graph_policy(
        &runtime,
        &root_dir.join(format!("cache-{}", runs - 1)),
        &root,
        &served.join("r0.git"),
        runs,
        warm,
    )?;
    drop(scratch);
    Ok(())
}
