//! Checks the target branch requires (branch protection and rulesets) are waited for
//! even before they first report: a fast check succeeding does not merge an update while
//! a required slow one has not started.

use std::time::Duration;

use serde_json::json;
use sluice_tests::github_flow::{CI_TOKEN, GitHubFlow, OWNER};
use sluice_tests::wait::until_async;

const LIMIT: Duration = Duration::from_secs(60);

fn open_head(flow: &GitHubFlow) -> Option<String> {
    let state = flow.github.shared().state();
    let repo = state.repos.get(&format!("{OWNER}/sdk"))?;
    repo.pulls
        .values()
        .find(|p| p.state == "open")
        .map(|p| p.head_sha.clone())
}

fn check_reads(flow: &GitHubFlow) -> usize {
    flow.github
        .calls()
        .iter()
        .filter(|c| c.request.contains("/check-runs?"))
        .count()
}

async fn report(flow: &GitHubFlow, head: &str, name: &str) {
    let run =
        json!({"name": name, "head_sha": head, "status": "completed", "conclusion": "success"});
    let (status, _) = flow
        .call(
            CI_TOKEN,
            "POST",
            &format!("/repos/{OWNER}/sdk/check-runs"),
            Some(run),
        )
        .await;
    assert_eq!(status, 201);
}

/// Lets sluice evaluate the pull request twice more, then says whether it merged.
async fn merged_after_two_looks(flow: &GitHubFlow) -> bool {
    let seen = check_reads(flow);
    until_async("sluice to look at the checks again", LIMIT, || {
        check_reads(flow) >= seen + 2
    })
    .await;
    flow.world.target_version() == "2.0.0"
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn required_checks_that_have_not_reported_hold_the_merge() {
    let tmp = tempfile::tempdir().unwrap();
    let flow = GitHubFlow::start(tmp.path(), "[{name: AllChecksSuccessful}]");
    let sdk = format!("{OWNER}/sdk");
    flow.github.protect(&sdk, "main", &["slow"]);
    flow.github.require_by_ruleset(&sdk, "main", &["e2e"]);
    let _workers = flow.world.engine.spawn();
    flow.world.publish("1", "2.0.0");
    until_async("a pull request", LIMIT, || open_head(&flow).is_some()).await;
    let head = open_head(&flow).expect("open");

    report(&flow, &head, "build").await;
    assert!(
        !merged_after_two_looks(&flow).await,
        "merged while protection and ruleset checks had not reported"
    );
    report(&flow, &head, "slow").await;
    assert!(
        !merged_after_two_looks(&flow).await,
        "merged while the ruleset's check had not reported"
    );
    report(&flow, &head, "e2e").await;
    until_async(
        "the update merged once every required check passed",
        LIMIT,
        || flow.world.target_version() == "2.0.0",
    )
    .await;
}
