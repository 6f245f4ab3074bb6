//! `make bench-github`: GitHub API calls sluice makes, counted on the fake GitHub.
//!
//! 1. Per update, open to merged, as a GitHub App: every call by kind; the calls that
//!    create or change content (POST, PATCH, PUT, DELETE on repositories) against the
//!    goal of at most 4 (GitHub's secondary limit allows 80 a minute). The CI's own
//!    report is left out; minting installation tokens is shown apart.
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

async fn per_update() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let (flow, _app) = GitHubFlow::start_app(
        tmp.path(),
        "[{name: AllChecksSuccessful}]",
        Duration::from_secs(3600),
    )
    .await;
    let _workers = flow.world.engine.spawn();
    flow.world.publish("1", "2.0.0");
    let open = || {
        let state = flow.github.shared().state();
        let pulls = state.repos.get(&format!("{OWNER}/sdk"))?;
        let open = pulls.pulls.values().find(|p| p.state == "open");
        open.map(|p| p.head_sha.clone())
    };
    until_async("a pull request", LIMIT, || open().is_some()).await;
    let head = open().expect("open");
    let run =
        json!({"name": "build", "head_sha": head, "status": "completed", "conclusion": "success"});
    flow.call(
        CI_TOKEN,
        "POST",
        &format!("/repos/{OWNER}/sdk/check-runs"),
        Some(run),
    )
    .await;
    until_async("the update merged", LIMIT, || {
        flow.world.target_version() == "2.0.0"
    })
    .await;
    let deleted = || {
        flow.github
            .calls()
            .iter()
            .any(|c| c.request.starts_with("DELETE "))
    };
    until_async("the head branch deleted", LIMIT, deleted).await;
    let calls = flow.github.calls();
    let mut by_kind: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    for call in &calls {
        let entry = by_kind.entry(kind(call)).or_default();
        entry.0 += 1;
        if call.status == 304 {
            entry.1 += 1;
        }
    }
    println!("\n1. one update, open to merged, as a GitHub App (polling every second)");
    println!("   {:<62} {:>6} {:>6}", "call", "count", "304");
    for (kind, (count, not_modified)) in &by_kind {
        println!("   {kind:<62} {count:>6} {not_modified:>6}");
    }
    // The CI's report is one of the check-run POSTs.
    let content = calls.iter().filter(|c| writes(c)).count() - 1;
    let mints = calls
        .iter()
        .filter(|c| c.request.starts_with("POST /app/"))
        .count();
    let verdict = if content <= CONTENT_GOAL {
        "met"
    } else {
        "MISSED"
    };
    println!(
        "   content-creating calls: {content} (goal <= {CONTENT_GOAL}: {verdict}); installation tokens minted: {mints}; all calls: {}",
        calls.len()
    );
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
    runtime.block_on(per_update());
    runtime.block_on(resync(pulls));
}
