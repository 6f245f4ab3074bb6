//! `make bench-controller`: `sluice controller` (release build) against the fake API
//! server holding 10,000 Subscriptions and 2,000 Builds as resources, over the 2,000
//! target branches of `make bench-engine` (200 repositories x 10 branches on `file://`).
//! Every build changes nothing in its targets, so the flow converges with nothing to do.
//!
//! It measures, in one invocation:
//! 1. a baseline: listing every Subscription and Build once through the API server, the
//!    least any controller pays to learn the cluster;
//! 2. start to synced: every resource has a status (configuration loaded, builds
//!    ingested), then every subscription `Ready` (every build evaluated on every target);
//! 3. peak RSS of the controller (goal under 250 MiB);
//! 4. writes to the API server per minute in a steady state (goal 0);
//! 5. from the creation of one Subscription with a build waiting on its channel to its
//!    pull request being open (goal under 1 s).
//!
//! Sizes: BENCH_REPOS, BENCH_BRANCHES, BENCH_SUBSCRIPTIONS, BENCH_SOURCES, BENCH_BUILDS;
//! BENCH_STEADY_SECONDS (60) is the steady window. BENCH_LOG (a `RUST_LOG` filter) keeps
//! the controller's log at that level in the temporary directory's parent.

#[path = "../bench_engine/fixture.rs"]
#[allow(dead_code)]
mod fixture;
#[path = "../bench_engine/measure.rs"]
#[allow(dead_code)]
mod measure;
mod world;

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use sluice_tests::fake_kube::FakeKube;

use fixture::create_targets;
use measure::{cpu_time_of, env_number, rss_mib_of};
use world::World;

const RSS_GOAL_MIB: f64 = 250.0;
const APPLY_TO_PR_GOAL: Duration = Duration::from_secs(1);

fn main() {
    let repos = env_number("BENCH_REPOS", 200);
    let branches = env_number("BENCH_BRANCHES", 10);
    let subscriptions = env_number("BENCH_SUBSCRIPTIONS", 10_000);
    let sources = env_number("BENCH_SOURCES", 50);
    let builds = env_number("BENCH_BUILDS", 2_000);
    let steady = Duration::from_secs(env_number("BENCH_STEADY_SECONDS", 60) as u64);
    let tmp = tempfile::Builder::new()
        .prefix("sluice-bench-controller-")
        .tempdir()
        .expect("tempdir");
    let root = tmp.path();
    println!(
        "controller benchmark: {subscriptions} Subscriptions and {builds} Builds as resources, {} target branches, {sources} sources",
        repos * branches
    );
    let setup = Instant::now();
    create_targets(root, repos, branches, sources);
    let kube = FakeKube::start().expect("fake API server");
    let world = World::new(&kube, root);
    world.create_all(repos, branches, subscriptions, sources, builds);
    let kubeconfig = kube.kubeconfig(root).expect("kubeconfig");
    println!(
        "setup (repositories, resources): {:.1} s, not measured",
        setup.elapsed().as_secs_f64()
    );

    let listing = Instant::now();
    let listed = world.list_everything(&kube.url());
    let baseline = listing.elapsed();
    println!(
        "baseline: list {listed} resources once: {:.3} s",
        baseline.as_secs_f64()
    );

    let start = Instant::now();
    let mut controller = spawn(root, &kubeconfig, builds);
    let pid = controller.id().to_string();
    let loaded = world.wait(
        "every resource has a status",
        world::COARSE,
        Duration::from_secs(600),
        || world.every_resource_has_status(),
    );
    let loaded_at = start.elapsed();
    println!(
        "start to every resource with a status: {:.1} s",
        loaded_at.as_secs_f64()
    );
    let converged = loaded
        && world.wait(
            "every subscription Ready",
            world::COARSE,
            Duration::from_secs(900),
            || world.every_subscription_ready(),
        );
    let synced = start.elapsed();
    let synced_cpu = cpu_time_of(&pid);
    println!(
        "start to every subscription Ready: {:.1} s ({}; controller CPU {:.1} s)",
        synced.as_secs_f64(),
        if converged {
            "converged"
        } else {
            "NOT converged"
        },
        synced_cpu.as_secs_f64()
    );

    // Steady: nothing changes, resyncs and status passes keep running.
    world.settle();
    let before = world.writes_by_kind();
    let cpu = cpu_time_of(&pid);
    std::thread::sleep(steady);
    let after = world.writes_by_kind();
    let steady_writes: u64 =
        after.iter().map(|(_, n)| n).sum::<u64>() - before.iter().map(|(_, n)| n).sum::<u64>();
    let steady_by_kind: Vec<String> = after
        .iter()
        .zip(&before)
        .filter(|((_, a), (_, b))| a > b)
        .map(|((kind, a), (_, b))| format!("{kind} {}", a - b))
        .collect();
    let steady_cpu = cpu_time_of(&pid) - cpu;
    let per_minute = steady_writes as f64 * 60.0 / steady.as_secs_f64();

    let apply_to_pr = world.apply_one_subscription();
    let (peak, current) = rss_mib_of(&pid);
    let _ = controller.kill();
    let _ = controller.wait();
    if std::env::var("BENCH_LOG").is_ok() {
        let kept = std::env::temp_dir().join("sluice-bench-controller.log");
        let _ = std::fs::copy(root.join("controller.log"), &kept);
        println!("controller log: {}", kept.display());
    }

    println!(
        "\n{:<46} {:>12} {:>12} {:>8}",
        "figure", "measured", "goal", ""
    );
    let row = |label: &str, value: String, goal: String, met: bool| {
        println!(
            "{label:<46} {value:>12} {goal:>12} {:>8}",
            if met { "met" } else { "missed" }
        );
    };
    row(
        "start to synced (every subscription Ready)",
        format!("{:.1} s", synced.as_secs_f64()),
        "-".into(),
        converged,
    );
    row(
        "peak RSS of the controller",
        format!("{peak:.0} MiB"),
        format!("< {RSS_GOAL_MIB:.0} MiB"),
        peak < RSS_GOAL_MIB,
    );
    row(
        "API writes per minute, steady",
        format!("{per_minute:.1}"),
        "0".into(),
        steady_writes == 0,
    );
    match apply_to_pr {
        Some(t) => row(
            "create Subscription to pull request open",
            format!("{:.3} s", t.as_secs_f64()),
            format!("< {:.0} s", APPLY_TO_PR_GOAL.as_secs_f64()),
            t < APPLY_TO_PR_GOAL,
        ),
        None => row(
            "create Subscription to pull request open",
            "timeout".into(),
            "< 1 s".into(),
            false,
        ),
    }
    println!(
        "\nsteady window {:.0} s: {steady_writes} writes, controller CPU {:.2} s ({:.1}% of a core); RSS now {current:.0} MiB",
        steady.as_secs_f64(),
        steady_cpu.as_secs_f64(),
        100.0 * steady_cpu.as_secs_f64() / steady.as_secs_f64()
    );
    if !steady_by_kind.is_empty() {
        println!("steady writes by resource: {}", steady_by_kind.join(", "));
    }
    println!(
        "start to every resource with a status / baseline list: {:.1}x; to synced: {:.1}x",
        loaded_at.as_secs_f64() / baseline.as_secs_f64().max(1e-9),
        synced.as_secs_f64() / baseline.as_secs_f64().max(1e-9)
    );
}

/// `sluice controller`, release build beside this benchmark (or `$SLUICE_BIN`).
fn spawn(root: &std::path::Path, kubeconfig: &std::path::Path, builds: usize) -> Child {
    let log = std::fs::File::create(root.join("controller.log")).expect("log");
    Command::new(sluice_tests::binary::sluice_path())
        .args([
            "controller",
            "--status-interval",
            "2",
            "--listen",
            "127.0.0.1:0",
        ])
        .arg("--data")
        .arg(root.join("data"))
        .args(["--build-retention", &builds.to_string()])
        .env("KUBECONFIG", kubeconfig)
        .env(
            "RUST_LOG",
            std::env::var("BENCH_LOG").unwrap_or_else(|_| "warn".into()),
        )
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .expect("start sluice controller")
}
