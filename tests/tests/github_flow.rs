//! End to end on the fake GitHub: the engine in this process runs the production GitHub
//! forge against the fake's base URL and pushes with the same token to the git server
//! that serves the repositories the fake merges into. The scenarios: an update merged, a
//! rate limit waited out, a person closing the pull request, a person pushing to the
//! update branch.

use std::time::Duration;

use serde_json::json;
use sluice_tests::fake_github::Fault;
use sluice_tests::github_flow::{CI_TOKEN, GitHubFlow, OWNER, PERSON_TOKEN};
use sluice_tests::wait::until_async;

const LIMIT: Duration = Duration::from_secs(60);

/// The open pull request's number and head commit, once there is one.
fn open_pull_request(flow: &GitHubFlow) -> Option<(u64, String)> {
    let state = flow.github.shared().state();
    let repo = state.repos.get(&format!("{OWNER}/sdk"))?;
    repo.pulls
        .values()
        .find(|p| p.state == "open")
        .map(|p| (p.number, p.head_sha.clone()))
}

async fn until_open(flow: &GitHubFlow) -> (u64, String) {
    until_async("sluice to open a pull request on GitHub", LIMIT, || {
        open_pull_request(flow).is_some()
    })
    .await;
    open_pull_request(flow).expect("an open pull request")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_update_is_opened_checked_and_squash_merged_on_github() {
    let tmp = tempfile::tempdir().unwrap();
    let flow = GitHubFlow::start(tmp.path(), "[{name: AllChecksSuccessful}]");
    let _workers = flow.world.engine.spawn();
    flow.world.publish("1", "2.0.0");
    let (number, head) = until_open(&flow).await;
    assert_eq!(
        flow.world.target_version(),
        "1.0.0",
        "nothing merges before CI"
    );
    let pulls = flow.open_pull_requests().await;
    assert_eq!(pulls.len(), 1);
    assert_eq!(pulls[0]["user"]["login"], "sluice-bot");
    assert!(
        pulls[0]["head"]["ref"]
            .as_str()
            .is_some_and(|r| r.starts_with("sluice/main/")),
        "{}",
        pulls[0]
    );

    let (status, _) = flow
        .call(
            CI_TOKEN,
            "POST",
            &format!("/repos/{OWNER}/sdk/check-runs"),
            Some(json!({"name": "build", "head_sha": head, "status": "completed", "conclusion": "success"})),
        )
        .await;
    assert_eq!(status, 201);
    until_async("the update merged into main", LIMIT, || {
        flow.world.target_version() == "2.0.0"
    })
    .await;

    let merges: Vec<_> = flow
        .github
        .calls()
        .into_iter()
        .filter(|c| c.request.contains(&format!("/pulls/{number}/merge")))
        .collect();
    assert_eq!(merges.len(), 1, "{merges:?}");
    assert_eq!(merges[0].status, 200);
    let squash = {
        let state = flow.github.shared().state();
        let pr = &state.repos[&format!("{OWNER}/sdk")].pulls[&number];
        assert_eq!(pr.head_sha, head, "merged at the head the policies saw");
        pr.merge_commit_sha.clone().expect("merged by the fake")
    };
    let remote = tmp.path().join("remotes/sdk.git");
    let main = sluice_tests::demo::repos::git(&remote, &["rev-parse", "main"]);
    assert_eq!(main, squash, "main is the squash commit");
    let parents =
        sluice_tests::demo::repos::git(&remote, &["rev-list", "--parents", "-n1", "main"]);
    assert_eq!(
        parents.split_whitespace().count(),
        2,
        "one parent: a squash"
    );
    // The branch goes with the call after the merge: the engine may still be making it.
    until_async("the head branch deleted after merging", LIMIT, || {
        sluice_tests::demo::repos::git(&remote, &["branch", "--list", "sluice/*"]).is_empty()
    })
    .await;
    // Deleted by a git push, as sluice pushed it: no API call.
    let deletes: Vec<String> = flow
        .github
        .calls()
        .into_iter()
        .filter(|c| c.request.starts_with("DELETE "))
        .map(|c| c.request)
        .collect();
    assert!(deletes.is_empty(), "{deletes:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rate_limit_asking_to_wait_two_seconds_is_honoured() {
    let tmp = tempfile::tempdir().unwrap();
    let flow = GitHubFlow::start(tmp.path(), "[{name: NoRequestedChanges}]");
    flow.github
        .inject(Fault::retry_after(429, 2).on(&format!("POST /repos/{OWNER}/sdk/pulls")));
    let _workers = flow.world.engine.spawn();
    flow.world.publish("1", "2.0.0");
    until_async("the update merged after the wait", LIMIT, || {
        flow.world.target_version() == "2.0.0"
    })
    .await;
    let calls = flow.github.calls();
    let limited = calls
        .iter()
        .position(|c| c.status == 429)
        .expect("the rate-limited call");
    let next = calls.get(limited + 1).expect("a call after the wait");
    let gap = next.at - calls[limited].at;
    assert!(
        gap >= Duration::from_secs(2),
        "called GitHub again {gap:?} after it asked to wait 2 s: {}",
        next.request
    );
    let creates = calls
        .iter()
        .filter(|c| {
            c.request
                .starts_with(&format!("POST /repos/{OWNER}/sdk/pulls"))
        })
        .count();
    assert_eq!(creates, 2, "one refused, one served: {calls:?}");
    assert_eq!(flow.open_pull_requests().await.len(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_person_closing_the_pull_request_is_noticed() {
    let tmp = tempfile::tempdir().unwrap();
    let flow = GitHubFlow::start(tmp.path(), "[{name: AllChecksSuccessful}]");
    let _workers = flow.world.engine.spawn();
    flow.world.publish("1", "2.0.0");
    let (number, _) = until_open(&flow).await;
    let (status, closed) = flow
        .call(
            PERSON_TOKEN,
            "PATCH",
            &format!("/repos/{OWNER}/sdk/pulls/{number}"),
            Some(json!({"state": "closed"})),
        )
        .await;
    assert_eq!((status, closed["state"].as_str()), (200, Some("closed")));
    until_async("status to say the update was rejected", LIMIT, || {
        flow.world.status().summary.reason == "UpdateRejected"
    })
    .await;
    assert_eq!(flow.world.target_version(), "1.0.0");
    assert!(flow.open_pull_requests().await.is_empty(), "not reopened");
    let state = flow.github.shared().state();
    assert_eq!(
        state.repos[&format!("{OWNER}/sdk")].pulls.len(),
        1,
        "no second pull request"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_person_s_commit_on_the_update_branch_is_kept_and_said_so_on_the_pull_request() {
    let tmp = tempfile::tempdir().unwrap();
    let flow = GitHubFlow::start(tmp.path(), "[{name: AllChecksSuccessful}]");
    let _workers = flow.world.engine.spawn();
    flow.world.publish("1", "2.0.0");
    let (number, head) = until_open(&flow).await;
    let branch = {
        let state = flow.github.shared().state();
        state.repos[&format!("{OWNER}/sdk")].pulls[&number]
            .head
            .clone()
    };
    // A person pushes a fix onto sluice's update branch.
    let remote = tmp.path().join("remotes/sdk.git");
    let git = sluice_tests::demo::repos::git;
    let tree = format!("{head}^{{tree}}");
    let fix = git(
        &remote,
        &["commit-tree", &tree, "-p", &head, "-m", "a person's fix"],
    );
    git(
        &remote,
        &["update-ref", &format!("refs/heads/{branch}"), &fix, &head],
    );
    flow.world.publish("2", "2.0.1");
    let said = || {
        let state = flow.github.shared().state();
        state.repos[&format!("{OWNER}/sdk")]
            .comments
            .iter()
            .any(|c| {
                c.number == number && c.user == "sluice-bot" && c.body.contains("stopped updating")
            })
    };
    until_async(
        "sluice to say on the pull request that it stopped updating it",
        LIMIT,
        said,
    )
    .await;
    until_async("status to show updates paused", LIMIT, || {
        flow.world.status().summary.reason == "UpdatesPausedForManualCommits"
    })
    .await;
    assert_eq!(
        git(&remote, &["rev-parse", &format!("refs/heads/{branch}")]),
        fix,
        "the person's commit was not overwritten"
    );
    assert_eq!(flow.world.target_version(), "1.0.0");
}
