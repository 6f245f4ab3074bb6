//! `make bench-engine`: full re-evaluation passes of the engine, steady and busy.
//!
//! Builds 200 target repositories with 10 branches each (2,000 target branches) on
//! `file://` remotes, a config of 10,000 subscriptions from 50 source repositories, and a
//! store in which every subscription has applied the newest build on its channel: nothing
//! is left to do. It then measures, in one process:
//!
//! 1. loading and validating the config (10,000 subscriptions);
//! 2. the first pass after start (every key reconciled once, as after a restart or a config
//!    change), and a second, steady pass (goal: under 0.3 s CPU, no git network call);
//! 3. two passes with work on every key (a build that changes nothing), with cold and
//!    with warm caches (goal: at most one ref advertisement per target repository);
//! 4. a baseline: reading the head of every target branch once (a ref advertisement each),
//!    which is what a reconciler that observes every target on every pass pays at least.
//!
//! For each pass it prints CPU time, wall time, peak RSS and git network calls.
//! Sizes: BENCH_REPOS, BENCH_BRANCHES, BENCH_SUBSCRIPTIONS, BENCH_SOURCES; BENCH_BUSY=0
//! leaves out the passes with work (for profiling the steady pass).

mod fixture;
mod measure;

use std::sync::Arc;
use std::time::Instant;

use sluice::engine::snapshot::Snapshot;
use sluice::engine::{Engine, EngineConfig};
use sluice::git::{Author, Git, GitConfig};
use sluice::remotes::Remotes;
use sluice::store::sqlite::SqliteStore;
use sluice::store::{NewBuild, Store};
use sluice_core::config::{self, SourceFile};
use sluice_core::model::Asset;

use fixture::{config_text, create_targets, source_url, target_url};
use measure::{Measure, env_number, measured, print_row, rss_mib};

/// The steady pass's CPU goal, in seconds.
const STEADY_CPU_GOAL: f64 = 0.3;

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
    let engine = Engine::embedded(
        store.clone(),
        git_layer.clone(),
        Remotes::anonymous(),
        "http://127.0.0.1:0",
        Author::default(),
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
        let build = source_build(
            s,
            format!("{s:02}").repeat(20),
            format!("2026.{s}"),
            "2026-11-01T00:00:00Z",
        );
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
    let rounds = if env_number("BENCH_BUSY", 1) == 0 {
        0
    } else {
        2
    };
    let mut busy: Vec<Measure> = Vec::new();
    for round in 0..rounds {
        for s in 0..sources {
            engine
                .publish_build(&no_op_build(s, round))
                .expect("publish");
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
    let cpu = second.cpu.as_secs_f64();
    println!(
        "pass 2 (steady) CPU {cpu:.3} s: {:.2}x the goal of < {STEADY_CPU_GOAL} s ({}); wall {:.3} s; git network calls: {} (goal: none)",
        cpu / STEADY_CPU_GOAL,
        if cpu < STEADY_CPU_GOAL {
            "met"
        } else {
            "missed"
        },
        second.wall.as_secs_f64(),
        second.calls.total()
    );
    for (m, label) in busy.iter().zip(["cold", "warm"]) {
        println!(
            "pass with work on all {} keys, {label}: {} ref advertisements for {repos} target repositories (goal: at most {repos}, {}); {} fetches; CPU {:.3} s, wall {:.3} s",
            keys.len(),
            m.calls.heads,
            if m.calls.heads as usize <= repos {
                "met"
            } else {
                "missed"
            },
            m.calls.fetches,
            m.cpu.as_secs_f64(),
            m.wall.as_secs_f64()
        );
    }
    println!(
        "baseline / pass 2 wall: {:.1}x; pass 1 / pass 2 CPU: {:.2}x",
        baseline.wall.as_secs_f64() / second.wall.as_secs_f64().max(1e-9),
        first.cpu.as_secs_f64() / cpu.max(1e-9)
    );
}

/// A build of source `s` that changes nothing: the versions and commit the manifests hold.
fn no_op_build(s: usize, round: usize) -> NewBuild {
    source_build(
        s,
        "a".repeat(40),
        format!("2026.{s}.same{round}"),
        "2026-11-02T00:00:00Z",
    )
}

/// A build of source `s` carrying its one asset at 1.0.0 on the product channel.
fn source_build(s: usize, commit: String, build_number: String, produced_at: &str) -> NewBuild {
    NewBuild {
        repository: source_url(s),
        branch: "main".into(),
        commit,
        build_number,
        produced_at: produced_at.into(),
        assets: vec![Asset {
            name: format!("Contoso.Source{s:02}"),
            version: "1.0.0".into(),
            non_shipping: false,
            locations: vec![],
        }],
        channels: vec!["product-dev".into()],
    }
}
