//! `make bench-github`: GitHub API calls sluice makes, counted on the fake GitHub.
//!
//! 1. Per update, open to merged, as a GitHub App: the calls that create or change
//!    content (POST, PATCH, PUT, DELETE on repositories) by kind, against the goal of at
//!    most 4 (GitHub's secondary limit allows 80 a minute), in five scenarios: the
//!    baseline (pending report shown at once), the defaults with a quick CI with the
//!    repository's `delete_branch_on_merge` off and on, a CI that shows its check
//!    running for longer than the pending grace, and one that shows nothing for that
//!    long. The CI's own reports are left out; minting installation tokens is shown
//!    apart. A head branch GitHub does not delete is deleted by a git push.
//! 2. Steady-state resync of BENCH_PULLS (1,000) open pull requests: what one look at a
//!    pull request costs (its state, the checks of its head with the branch's required
//!    checks, its reviews), as a first pass (the baseline: every answer a full one) and
//!    a second pass with nothing changed (goal: only conditional requests answered 304,
//!    which GitHub does not count against the rate limit).

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use serde_json::json;
use sluice::forge::Forge;
use sluice::forge::github::GitHubForge;
use sluice::git::Secret;
use sluice_tests::fake_github::Call;
use sluice_tests::fake_github::state::PullRequest;
use sluice_tests::github_flow::{CI_TOKEN, GitHubFlow, OWNER, SLUICE_TOKEN};
use sluice_tests::wait::until_async;

const LIMIT: Duration = Duration::from_secs(120);
const CONTENT_GOAL: usize = 4;

/// `METHOD /path` with numbers and commit ids replaced, for grouping.
fn kind(call: &Call) -> String {
    let line = call.request.split('?').next().unwrap_or_default();
    line.split('/')
        .map(|part| {
            let id = !part.is_empty() && part.bytes().all(|b| b.is_ascii_hexdigit());
            if id && (part.len() == 40 || part.bytes().all(|b| b.is_ascii_digit())) {
                "{id}"
            } else {
                part
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

fn writes(call: &Call) -> bool {
    !call.request.starts_with("GET ") && !call.request.contains(" /app/")
}

/// How the CI reports on the update's head.
#[derive(Clone, Copy)]
enum Ci {
    /// A completed check run after this long, nothing before.
    Silent(Duration),
    /// A check run in progress at once, completed after this long (as GitHub Actions).
    Running(Duration),
}

/// One way an update goes: the repository's setting, how long sluice waits before it
/// shows pending policies, and how the CI reports.
struct Scenario {
    name: &'static str,
    delete_branch_on_merge: bool,
    pending_after: Duration,
    ci: Ci,
}

/// The branch `branch` still exists in the served `sdk` repository.
fn branch_exists(root: &std::path::Path, branch: &str) -> bool {
    std::process::Command::new("git")
        .arg("--git-dir")
        .arg(root.join("remotes/sdk.git"))
        .args([
            "show-ref",
            "--verify",
            "--quiet",
            &format!("refs/heads/{branch}"),
        ])
        .status()
        .is_ok_and(|s| s.success())
}

/// Runs one update of `scenario`; its content-creating calls.
async fn per_update(scenario: &Scenario) -> usize {
    let tmp = tempfile::tempdir().expect("tempdir");
    let (flow, _app) = GitHubFlow::start_app_reporting(
        tmp.path(),
        "[{name: AllChecksSuccessful}]",
        Duration::from_secs(3600),
        scenario.pending_after,
    )
    .await;
    flow.github
        .shared()
        .state()
        .repo(&format!("{OWNER}/sdk"))
        .delete_branch_on_merge = scenario.delete_branch_on_merge;
    let _workers = flow.world.engine.spawn();
    flow.world.publish("1", "2.0.0");
    let open = || {
        let state = flow.github.shared().state();
        let pulls = state.repos.get(&format!("{OWNER}/sdk"))?;
        let open = pulls.pulls.values().find(|p| p.state == "open");
        open.map(|p| (p.head_sha.clone(), p.head.clone()))
    };
    until_async("a pull request", LIMIT, || open().is_some()).await;
    let (head, branch) = open().expect("open");
    let runs = format!("/repos/{OWNER}/sdk/check-runs");
    let mut ci_calls = 1;
    match scenario.ci {
        Ci::Silent(after) => {
            tokio::time::sleep(after).await;
            let run = json!({"name": "build", "head_sha": head, "status": "completed",
                "conclusion": "success"});
            flow.call(CI_TOKEN, "POST", &runs, Some(run)).await;
        }
        Ci::Running(after) => {
            let run = json!({"name": "build", "head_sha": head, "status": "in_progress"});
            let (_, started) = flow.call(CI_TOKEN, "POST", &runs, Some(run)).await;
            let id = started["id"].as_u64().expect("a check run id");
            tokio::time::sleep(after).await;
            let done = json!({"status": "completed", "conclusion": "success"});
            flow.call(CI_TOKEN, "PATCH", &format!("{runs}/{id}"), Some(done))
                .await;
            ci_calls = 2;
        }
    }
    until_async("the update merged", LIMIT, || {
        flow.world.target_version() == "2.0.0"
    })
    .await;
    until_async("the head branch deleted", LIMIT, || {
        !branch_exists(tmp.path(), &branch)
    })
    .await;
    let calls = flow.github.calls();
    let mut by_kind: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    for call in calls.iter().filter(|c| writes(c)) {
        let entry = by_kind.entry(kind(call)).or_default();
        entry.0 += 1;
        if call.status >= 400 {
            entry.1 += 1;
        }
    }
    println!("\n1. {}", scenario.name);
    println!(
        "   {:<62} {:>6} {:>6}",
        "content-creating call (the CI's own included)", "count", "failed"
    );
    for (kind, (count, failed)) in &by_kind {
        println!("   {kind:<62} {count:>6} {failed:>6}");
    }
    // The CI's own reports are among the check-run calls.
    let content = calls.iter().filter(|c| writes(c)).count() - ci_calls;
    let mints = calls
        .iter()
        .filter(|c| c.request.starts_with("POST /app/"))
        .count();
    let reads = calls
        .iter()
        .filter(|c| c.request.starts_with("GET "))
        .count();
    let verdict = if content <= CONTENT_GOAL {
        "met"
    } else {
        "MISSED"
    };
    println!(
        "   sluice's content-creating calls: {content} (goal <= {CONTENT_GOAL}: {verdict}); GETs: {reads}; installation tokens minted: {mints}; all calls: {}",
        calls.len()
    );
    println!(
        "   head branch deleted by {}",
        if scenario.delete_branch_on_merge {
            "GitHub (delete_branch_on_merge)"
        } else {
            "sluice's git push (no API call)"
        }
    );
    content
}

async fn resync(pulls: u64) {
    let tmp = tempfile::tempdir().expect("tempdir");
    let flow = GitHubFlow::start(tmp.path(), "[]");
    let repository = flow.world.git_server.url(&format!("{OWNER}/sdk.git"));
    let head =
        sluice_tests::demo::repos::git(&tmp.path().join("remotes/sdk.git"), &["rev-parse", "main"]);
    {
        let mut state = flow.github.shared().state();
        let repo = state.repo(&format!("{OWNER}/sdk"));
        for number in 1..=pulls {
            repo.pulls.insert(
                number,
                PullRequest {
                    number,
                    state: "open".into(),
                    title: format!("Update {number}"),
                    body: String::new(),
                    head: format!("sluice/main/{number}"),
                    head_sha: head.clone(),
                    base: "main".into(),
                    merge_commit_sha: None,
                    user: "sluice-bot".into(),
                    labels: vec!["dependencies".into()],
                    auto_merge: None,
                },
            );
        }
    }
    let forge = GitHubForge::new(&flow.github.api_url(), Secret::new(SLUICE_TOKEN)).expect("forge");
    println!(
        "\n2. steady-state resync of {pulls} open pull requests (state, checks with required checks, reviews)"
    );
    println!(
        "   {:<34} {:>8} {:>8} {:>10} {:>9}",
        "pass", "calls", "304", "counted", "wall s"
    );
    let mut counted_last = 0;
    for pass in ["first (baseline)", "second, unchanged"] {
        let before = flow.github.calls().len();
        let started = Instant::now();
        for number in 1..=pulls {
            let id = number.to_string();
            forge
                .pull_request(&repository, &id)
                .await
                .expect("pull request");
            forge.checks(&repository, &id, &head).await.expect("checks");
            forge.reviews(&repository, &id).await.expect("reviews");
        }
        let wall = started.elapsed().as_secs_f64();
        let calls = flow.github.calls();
        let pass_calls = &calls[before..];
        let not_modified = pass_calls.iter().filter(|c| c.status == 304).count();
        counted_last = pass_calls.len() - not_modified;
        println!(
            "   {pass:<34} {:>8} {not_modified:>8} {counted_last:>10} {wall:>9.2}",
            pass_calls.len()
        );
    }
    let verdict = if counted_last == 0 { "met" } else { "MISSED" };
    println!(
        "   calls counted against the rate limit in a steady resync: {counted_last} (goal 0: {verdict})"
    );
}

fn main() {
    let pulls = std::env::var("BENCH_PULLS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1000);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    println!("GitHub API budget benchmark (calls on the fake GitHub)");
    let minute = sluice::forge::github::DEFAULT_PENDING_REPORT_AFTER;
    let quick = Ci::Running(Duration::ZERO);
    let slow = Duration::from_secs(4);
    let grace = Duration::from_secs(2);
    let scenarios = [
        Scenario {
            name: "baseline: pending report shown at once (grace 0), the CI silent until done (1 s)",
            delete_branch_on_merge: false,
            pending_after: Duration::ZERO,
            ci: Ci::Silent(Duration::from_secs(1)),
        },
        Scenario {
            name: "defaults, a quick CI, the repository leaves merged heads to sluice",
            delete_branch_on_merge: false,
            pending_after: minute,
            ci: quick,
        },
        Scenario {
            name: "defaults, a quick CI, delete_branch_on_merge on",
            delete_branch_on_merge: true,
            pending_after: minute,
            ci: quick,
        },
        Scenario {
            name: "a CI running 4 s (shown in progress), longer than the grace (2 s here)",
            delete_branch_on_merge: false,
            pending_after: grace,
            ci: Ci::Running(slow),
        },
        Scenario {
            name: "a CI silent for 4 s (nothing shown running), longer than the grace (2 s)",
            delete_branch_on_merge: false,
            pending_after: grace,
            ci: Ci::Silent(slow),
        },
    ];
    let mut counts = Vec::new();
    for scenario in &scenarios {
        counts.push(runtime.block_on(per_update(scenario)));
    }
    println!(
        "\n   per update, content-creating calls (ratio to the baseline's {}):",
        counts[0]
    );
    for (scenario, count) in scenarios.iter().zip(&counts) {
        println!(
            "   {count:>3}  x{:.2}  {}",
            *count as f64 / counts[0] as f64,
            scenario.name
        );
    }
    runtime.block_on(resync(pulls));
}
