//! `make bench-engine`: one full re-evaluation pass of the engine in steady state.
//!
//! Builds 200 target repositories with 10 branches each (2,000 target branches) on
//! `file://` remotes, a config of 10,000 subscriptions from 50 source repositories, and a
//! store in which every subscription has applied the newest build on its channel: nothing
//! is left to do. It then measures, in one process:
//!
//! 1. loading and validating the config (10,000 subscriptions);
//! 2. the first pass after start (every key reconciled once, as after a restart or a config
//!    change), and a second pass;
//! 3. a baseline: reading the head of every target branch once (a ref advertisement each),
//!    which is what a reconciler that observes every target on every pass pays at least.
//!
//! For each pass it prints CPU time, wall time, peak RSS and git network calls.
//! Sizes: BENCH_REPOS, BENCH_BRANCHES, BENCH_SUBSCRIPTIONS, BENCH_SOURCES.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use sluice::engine::snapshot::Snapshot;
use sluice::engine::{Engine, EngineConfig};
use sluice::forge::local::LocalForge;
use sluice::git::{Author, Git, GitConfig, NetworkCalls};
use sluice::remotes::Remotes;
use sluice::store::sqlite::SqliteStore;
use sluice::store::{NewBuild, Store};
use sluice_core::config::{self, SourceFile};
use sluice_core::model::Asset;
use sluice_tests::demo::repos::git;

fn env_number(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// CPU time (user + system) of this process, from /proc (clock ticks of 10 ms).
fn cpu_time() -> Duration {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after_name = stat
        .rsplit_once(") ")
        .map(|(_, rest)| rest)
        .unwrap_or_default();
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0)
    };
    // Fields 14 and 15 of /proc/PID/stat (utime, stime), counted from field 3 here.
    Duration::from_millis((ticks(11) + ticks(12)) * 10)
}

/// Peak and current resident set size in MiB, from /proc.
fn rss_mib() -> (f64, f64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kib = |key: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(key))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    (kib("VmHWM:") / 1024.0, kib("VmRSS:") / 1024.0)
}

struct Measure {
    cpu: Duration,
    wall: Duration,
    calls: NetworkCalls,
}

fn measured<T>(git: &Git, work: impl FnOnce() -> T) -> (T, Measure) {
    let (cpu, wall, calls) = (cpu_time(), Instant::now(), git.network_calls());
    let out = work();
    let after = git.network_calls();
    let calls = NetworkCalls {
        heads: after.heads - calls.heads,
        fetches: after.fetches - calls.fetches,
        pushes: after.pushes - calls.pushes,
    };
    (
        out,
        Measure {
            cpu: cpu_time().saturating_sub(cpu),
            wall: wall.elapsed(),
            calls,
        },
    )
}

fn print_row(label: &str, m: &Measure) {
    let (peak, _) = rss_mib();
    println!(
        "{label:<38} {:>9.3} {:>9.3} {:>10.1} {:>7} {:>7} {:>6}",
        m.cpu.as_secs_f64(),
        m.wall.as_secs_f64(),
        peak,
        m.calls.heads,
        m.calls.fetches,
        m.calls.pushes
    );
}

fn target_url(root: &Path, repo: usize) -> String {
    format!(
        "file://{}",
        root.join(format!("targets/t{repo:03}.git")).display()
    )
}

fn source_url(source: usize) -> String {
    format!("https://git.example.com/contoso/source{source:02}")
}

/// One bare repository with a manifest naming every source's asset, copied per target
/// repository, each with `branches` branches at the same commit.
fn create_targets(root: &Path, repos: usize, branches: usize, sources: usize) {
    let template = root.join("template");
    std::fs::create_dir_all(template.join("eng")).expect("template dir");
    git(&template, &["init", "--quiet", "--initial-branch=b0"]);
    let mut xml = String::from(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<Dependencies>\n  <ProductDependencies>\n",
    );
    for s in 0..sources {
        xml.push_str(&format!(
            "    <Dependency Name=\"Contoso.Source{s:02}\" Version=\"1.0.0\">\n      <Uri>{}</Uri>\n      <Sha>{}</Sha>\n    </Dependency>\n",
            source_url(s),
            "a".repeat(40)
        ));
    }
    xml.push_str("  </ProductDependencies>\n</Dependencies>\n");
    std::fs::write(template.join("eng/Version.Details.xml"), xml).expect("manifest");
    git(&template, &["add", "-A"]);
    git(&template, &["commit", "--quiet", "-m", "manifest"]);
    for b in 1..branches {
        git(&template, &["branch", &format!("b{b}")]);
    }
    let bare = root.join("template.git");
    git(
        root,
        &[
            "clone",
            "--quiet",
            "--bare",
            template.to_str().expect("path"),
            bare.to_str().expect("path"),
        ],
    );
    for b in 0..branches {
        git(
            &bare,
            &[
                "update-ref",
                &format!("refs/heads/b{b}"),
                &format!("refs/heads/b{b}"),
            ],
        );
    }
    for r in 0..repos {
        let dest = root.join(format!("targets/t{r:03}.git"));
        copy_dir(&bare, &dest);
    }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("copy dir");
    for entry in std::fs::read_dir(from).expect("read dir") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy");
        }
    }
}

/// 10,000 subscriptions: `subscriptions / (repos * branches)` per target branch, each from
/// a different source.
fn config_text(
    root: &Path,
    repos: usize,
    branches: usize,
    subscriptions: usize,
    sources: usize,
) -> String {
    let mut docs = vec![
        "apiVersion: sluice.dev/v1alpha1\nkind: Channel\nmetadata: {name: product-dev}\nspec: {}\n"
            .to_string(),
    ];
    let targets = repos * branches;
    for i in 0..subscriptions {
        let target = i % targets;
        let (repo, branch) = (target / branches, target % branches);
        let source = (i / targets + target * 7) % sources;
        docs.push(format!(
            "apiVersion: sluice.dev/v1alpha1\nkind: Subscription\nmetadata: {{name: s{i:05}}}\nspec:\n  source: {{repository: \"{}\", channel: product-dev}}\n  target: {{repository: \"{}\", branch: b{branch}}}\n  mergePolicies: [{{name: Standard}}]\n",
            source_url(source),
            target_url(root, repo)
        ));
    }
    docs.join("---\n")
}

fn main() {
    let repos = env_number("BENCH_REPOS", 200);
    let branches = env_number("BENCH_BRANCHES", 10);
    let subscriptions = env_number("BENCH_SUBSCRIPTIONS", 10_000);
    let sources = env_number("BENCH_SOURCES", 50);
    let tmp = tempfile::Builder::new()
        .prefix("sluice-bench-engine-")
        .tempdir()
        .expect("tempdir");
    let root = tmp.path();
    println!(
        "engine steady-state benchmark: {repos} target repositories x {branches} branches = {} target branches, {subscriptions} subscriptions, {sources} sources",
        repos * branches
    );

    let setup = Instant::now();
    create_targets(root, repos, branches, sources);
    let text = config_text(root, repos, branches, subscriptions, sources);
    let store = Arc::new(SqliteStore::open(&root.join("sluice.db")).expect("store"));
    let git_layer = Arc::new(Git::new(GitConfig::new(root.join("git"))));
    let author = Author {
        name: "sluice".into(),
        email: "sluice@localhost".into(),
    };
    let forge = Arc::new(LocalForge::new(
        store.clone(),
        git_layer.clone(),
        Remotes::anonymous(),
        "http://127.0.0.1:0",
        author.clone(),
    ));
    let engine = Engine::new(
        store.clone(),
        forge,
        git_layer.clone(),
        Remotes::anonymous(),
        author,
        EngineConfig::default(),
    );
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    println!(
        "setup (repositories, config text): {:.1} s",
        setup.elapsed().as_secs_f64()
    );

    println!(
        "\n{:<38} {:>9} {:>9} {:>10} {:>7} {:>7} {:>6}",
        "phase", "cpu s", "wall s", "peak MiB", "heads", "fetches", "pushes"
    );
    let files = [SourceFile {
        path: "config.yaml".into(),
        text,
    }];
    let (loaded, m) = measured(&git_layer, || config::load(&files));
    assert!(!loaded.has_errors(), "{:?}", loaded.diagnostics.first());
    print_row("load + validate config", &m);
    let (_, m) = measured(&git_layer, || {
        engine
            .set_config(Snapshot::new(&loaded.config))
            .expect("the configuration is accepted")
    });
    print_row("put config in force", &m);

    // Steady state: the newest build of every source is on the channel and applied.
    let state = Instant::now();
    let mut newest = std::collections::BTreeMap::new();
    for s in 0..sources {
        let build = NewBuild {
            repository: source_url(s),
            branch: "main".into(),
            commit: format!("{s:02}").repeat(20),
            build_number: format!("2026.{s}"),
            produced_at: "2026-11-01T00:00:00Z".into(),
            assets: vec![Asset {
                name: format!("Contoso.Source{s:02}"),
                version: "1.0.0".into(),
                non_shipping: false,
                locations: vec![],
            }],
            channels: vec!["product-dev".into()],
        };
        let stored = engine.publish_build(&build).expect("publish");
        newest.insert(source_url(s), stored.build.id);
    }
    let snapshot = engine.snapshot();
    for (name, spec) in &snapshot.subscriptions {
        let id = newest[&spec.source.repository];
        store
            .update_subscription(name, &mut |r| r.state.last_applied_build = Some(id))
            .expect("state");
    }
    println!(
        "{:<38} (setup: {:.1} s, not measured)",
        "mark every build applied",
        state.elapsed().as_secs_f64()
    );

    let keys: Vec<String> = snapshot.keys.keys().cloned().collect();
    let pass = |label: &str| {
        let (results, m) = measured(&git_layer, || {
            runtime.block_on(async {
                let mut settled = 0;
                for key in &keys {
                    if engine.reconcile(key).await == sluice::engine::CycleResult::Settled {
                        settled += 1;
                    }
                }
                settled
            })
        });
        print_row(label, &m);
        assert_eq!(results, keys.len(), "every key settles with nothing to do");
        m
    };
    let first = pass(&format!("pass 1: {} keys after start", keys.len()));
    let second = pass(&format!("pass 2: {} keys, steady", keys.len()));

    // Passes with work on every key: each source publishes a build that changes nothing
    // (same versions and commits as the manifests hold), so every key observes its target
    // and records the build as needing no change. The first such pass fetches every branch
    // into the cold caches; the second finds the heads unchanged and reuses the files.
    let mut busy = Vec::new();
    for round in 0..2 {
        for s in 0..sources {
            let build = NewBuild {
                repository: source_url(s),
                branch: "main".into(),
                commit: "a".repeat(40),
                build_number: format!("2026.{s}.same{round}"),
                produced_at: "2026-11-02T00:00:00Z".into(),
                assets: vec![Asset {
                    name: format!("Contoso.Source{s:02}"),
                    version: "1.0.0".into(),
                    non_shipping: false,
                    locations: vec![],
                }],
                channels: vec!["product-dev".into()],
            };
            engine.publish_build(&build).expect("publish");
        }
        let label = if round == 0 {
            "pass 3: every key, no-op builds, cold"
        } else {
            "pass 4: every key, no-op builds, warm"
        };
        busy.push(pass(label));
    }

    let targets: Vec<(String, String)> = (0..repos)
        .flat_map(|r| (0..branches).map(move |b| (r, b)))
        .map(|(r, b)| (target_url(root, r), format!("b{b}")))
        .collect();
    let (_, baseline) = measured(&git_layer, || {
        runtime.block_on(async {
            for (url, branch) in &targets {
                let remote = Remotes::anonymous().resolve(url).expect("url");
                git_layer.remote(remote).head(branch).await.expect("head");
            }
        })
    });
    print_row("baseline: head of every target branch", &baseline);

    let (peak, current) = rss_mib();
    println!("\npeak RSS {peak:.1} MiB (current {current:.1} MiB)");
    println!(
        "pass 2 CPU {:.3} s (goal < 1 s), wall {:.3} s; git network calls per pass: {} (goal: at most one ref advertisement per target repository, none for unchanged keys)",
        second.cpu.as_secs_f64(),
        second.wall.as_secs_f64(),
        second.calls.total()
    );
    println!(
        "passes with work on all {} keys: ref advertisements {} and {} for {repos} target repositories; fetches {} (cold) and {} (warm)",
        keys.len(),
        busy[0].calls.heads,
        busy[1].calls.heads,
        busy[0].calls.fetches,
        busy[1].calls.fetches
    );
    println!(
        "baseline / pass 2 wall: {:.1}x; pass 1 / pass 2 CPU: {:.2}x",
        baseline.wall.as_secs_f64() / second.wall.as_secs_f64().max(1e-9),
        first.cpu.as_secs_f64() / second.cpu.as_secs_f64().max(1e-9)
    );
}
