//! sluice's own merge-policy report on the pull request head, `sluice / merge policies`:
//! as an App, one check run per head, created once and edited in place (in progress
//! while a policy waits, success once all pass); with a token, a commit status of that
//! context. Neither ever counts as a check for `AllChecksSuccessful`.

use std::time::Duration;

use serde_json::json;
use sluice_core::flow::github::SLUICE_CHECK_RUN;
use sluice_tests::fake_github::state::CheckRun;
use sluice_tests::github_flow::{CI_TOKEN, GitHubFlow, OWNER};
use sluice_tests::wait::until_async;

const LIMIT: Duration = Duration::from_secs(60);
const POLICIES: &str = "[{name: AllChecksSuccessful}, {name: NoRequestedChanges}]";

fn open_head(flow: &GitHubFlow) -> Option<String> {
    let state = flow.github.shared().state();
    let repo = state.repos.get(&format!("{OWNER}/sdk"))?;
    repo.pulls
        .values()
        .find(|p| p.state == "open")
        .map(|p| p.head_sha.clone())
}

fn sluice_runs(flow: &GitHubFlow, head: &str) -> Vec<CheckRun> {
    let state = flow.github.shared().state();
    state.repos[&format!("{OWNER}/sdk")]
        .check_runs
        .iter()
        .filter(|r| r.name == SLUICE_CHECK_RUN && r.head_sha == head)
        .cloned()
        .collect()
}

async fn ci_reports(flow: &GitHubFlow, head: &str) {
    let run =
        json!({"name": "build", "head_sha": head, "status": "completed", "conclusion": "success"});
    let path = format!("/repos/{OWNER}/sdk/check-runs");
    let (status, _) = flow.call(CI_TOKEN, "POST", &path, Some(run)).await;
    assert_eq!(status, 201);
}

/// Waits for the update to merge; sluice left one check run on `head`, completed.
async fn merged_with_one_run_created_completed(flow: &GitHubFlow, head: &str) {
    until_async("the update merged", LIMIT, || {
        flow.world.target_version() == "2.0.0"
    })
    .await;
    let runs = sluice_runs(flow, head);
    assert_eq!(runs.len(), 1, "{runs:?}");
    assert_eq!(
        (runs[0].status.as_str(), runs[0].conclusion.as_deref()),
        ("completed", Some("success"))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn as_an_app_sluice_keeps_one_check_run_per_head_edited_in_place() {
    let tmp = tempfile::tempdir().unwrap();
    let (flow, _app) = GitHubFlow::start_app_reporting(
        tmp.path(),
        POLICIES,
        Duration::from_secs(3600),
        Duration::ZERO,
    )
    .await;
    let _workers = flow.world.engine.spawn();
    flow.world.publish("1", "2.0.0");
    until_async("a pull request", LIMIT, || open_head(&flow).is_some()).await;
    let head = open_head(&flow).expect("open");
    until_async("sluice's check run, in progress", LIMIT, || {
        sluice_runs(&flow, &head)
            .first()
            .is_some_and(|r| r.status == "in_progress")
    })
    .await;
    let waiting = sluice_runs(&flow, &head).remove(0);
    let summary = waiting.output["summary"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(
        summary.contains("**AllChecksSuccessful**: no checks reported yet")
            && summary.contains("**NoRequestedChanges**"),
        "one line per policy with its message: {summary}"
    );
    assert_eq!(waiting.app, "sluice-app[bot]");

    ci_reports(&flow, &head).await;
    until_async("the update merged", LIMIT, || {
        flow.world.target_version() == "2.0.0"
    })
    .await;
    let runs = sluice_runs(&flow, &head);
    assert_eq!(runs.len(), 1, "created once, edited in place: {runs:?}");
    assert_eq!(
        (runs[0].status.as_str(), runs[0].conclusion.as_deref()),
        ("completed", Some("success")),
        "{runs:?}"
    );
    assert!(
        runs[0].output["title"]
            .as_str()
            .is_some_and(|t| t.contains("2 of 2")),
        "{}",
        runs[0].output
    );
}

/// Checks that report before a head has waited the grace (a minute by default) leave one
/// check run, created completed: no pending one edited later.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_quick_check_leaves_one_check_run_created_completed() {
    let tmp = tempfile::tempdir().unwrap();
    let (flow, _app) = GitHubFlow::start_app(tmp.path(), POLICIES, Duration::from_secs(3600)).await;
    let _workers = flow.world.engine.spawn();
    flow.world.publish("1", "2.0.0");
    until_async("a pull request", LIMIT, || open_head(&flow).is_some()).await;
    let head = open_head(&flow).expect("open");
    // The policies were evaluated (pending) at least once before the CI reports.
    until_async("the pull request's checks read", LIMIT, || {
        flow.github
            .calls()
            .iter()
            .any(|c| c.request.contains(&format!("/commits/{head}/check-runs")))
    })
    .await;
    assert!(
        sluice_runs(&flow, &head).is_empty(),
        "nothing shown while pending"
    );
    ci_reports(&flow, &head).await;
    merged_with_one_run_created_completed(&flow, &head).await;
    let edits = flow
        .github
        .calls()
        .iter()
        .filter(|c| c.request.starts_with("PATCH ") && c.request.contains("/check-runs/"))
        .count();
    assert_eq!(edits, 0, "created completed, never edited");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_a_token_sluice_reports_a_commit_status_that_never_counts() {
    let tmp = tempfile::tempdir().unwrap();
    let flow = GitHubFlow::start_reporting(tmp.path(), POLICIES, Duration::ZERO);
    let _workers = flow.world.engine.spawn();
    flow.world.publish("1", "2.0.0");
    until_async("a pull request", LIMIT, || open_head(&flow).is_some()).await;
    let head = open_head(&flow).expect("open");
    let states = |flow: &GitHubFlow| -> Vec<String> {
        let state = flow.github.shared().state();
        state.repos[&format!("{OWNER}/sdk")]
            .statuses
            .iter()
            .filter(|s| s.context == SLUICE_CHECK_RUN && s.sha == head)
            .map(|s| s.state.clone())
            .collect()
    };
    until_async("sluice's pending status", LIMIT, || {
        states(&flow).first().is_some_and(|s| s == "pending")
    })
    .await;
    // Its own pending status does not hold the merge once CI passed.
    ci_reports(&flow, &head).await;
    until_async("the update merged", LIMIT, || {
        flow.world.target_version() == "2.0.0"
    })
    .await;
    assert_eq!(
        states(&flow),
        ["pending", "success"],
        "sent once per change"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_check_shown_running_holds_back_the_pending_report_however_long() {
    let tmp = tempfile::tempdir().unwrap();
    // A grace of one second, which the CI outlasts: only the running check keeps the
    // pending report back.
    let grace = Duration::from_secs(1);
    let (flow, _app) =
        GitHubFlow::start_app_reporting(tmp.path(), POLICIES, Duration::from_secs(3600), grace)
            .await;
    let _workers = flow.world.engine.spawn();
    flow.world.publish("1", "2.0.0");
    until_async("a pull request", LIMIT, || open_head(&flow).is_some()).await;
    let head = open_head(&flow).expect("open");
    let runs_path = format!("/repos/{OWNER}/sdk/check-runs");
    let running = json!({"name": "build", "head_sha": head, "status": "in_progress"});
    let (_, started) = flow.call(CI_TOKEN, "POST", &runs_path, Some(running)).await;
    let id = started["id"].as_u64().expect("a check run id");
    // The policies are evaluated (pending, the check running) more than once.
    let reads = |flow: &GitHubFlow| {
        flow.github
            .calls()
            .iter()
            .filter(|c| c.request.contains(&format!("/commits/{head}/check-runs")))
            .count()
    };
    let before = reads(&flow);
    until_async("the checks read twice more", LIMIT, || {
        reads(&flow) > before + 1
    })
    .await;
    assert!(
        sluice_runs(&flow, &head).is_empty(),
        "GitHub shows the running check: sluice shows nothing while it runs"
    );
    let done = json!({"status": "completed", "conclusion": "success"});
    flow.call(CI_TOKEN, "PATCH", &format!("{runs_path}/{id}"), Some(done))
        .await;
    merged_with_one_run_created_completed(&flow, &head).await;
}
