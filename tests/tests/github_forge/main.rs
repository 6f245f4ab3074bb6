//! The production GitHub forge against the fake GitHub, call by call: adoption instead
//! of duplicates, results looked up when an answer is lost, merges only at the evaluated
//! head, checks and reviews as the policies see them, and typed failures without
//! secrets.

use std::path::Path;
use std::time::Duration;

use sluice::forge::github::GitHubForge;
use sluice::forge::{Forge, ForgeError, NewPullRequest};
use sluice::git::Secret;
use sluice_core::flow::failure::FailureClass;
use sluice_core::model::PullRequestState;
use sluice_tests::demo::repos::git;
use sluice_tests::fake_github::Fault;
use sluice_tests::github_flow::{GitHubFlow, OWNER, PERSON_TOKEN, SLUICE_TOKEN};

mod reads;
mod repository;

/// A branch one commit ahead of sdk's main; its commit.
pub fn branch(root: &Path, name: &str) -> String {
    let remote = root.join("remotes/sdk.git");
    let tree = git(&remote, &["rev-parse", "main^{tree}"]);
    let commit = git(&remote, &["commit-tree", &tree, "-p", "main", "-m", name]);
    git(
        &remote,
        &["update-ref", &format!("refs/heads/{name}"), &commit],
    );
    commit
}

pub fn new_pr(flow: &GitHubFlow, head: &str) -> NewPullRequest {
    NewPullRequest {
        repository: target(flow),
        base_branch: "main".into(),
        head_branch: head.into(),
        title: "Update dependencies".into(),
        description: "From runtime".into(),
    }
}

pub fn target(flow: &GitHubFlow) -> String {
    flow.world.git_server.url(&format!("{OWNER}/sdk.git"))
}

pub fn pull_count(flow: &GitHubFlow) -> usize {
    let state = flow.github.shared().state();
    state
        .repos
        .get(&format!("{OWNER}/sdk"))
        .map_or(0, |r| r.pulls.len())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pull_requests_are_adopted_and_lost_answers_looked_up() {
    let tmp = tempfile::tempdir().unwrap();
    let flow = GitHubFlow::start(tmp.path(), "[]");
    let forge = &flow.world.forge;
    let repository = target(&flow);
    branch(tmp.path(), "sluice/main/a");
    assert_eq!(
        forge.find_pull_request(&repository, "sluice/main/a").await,
        Ok(None)
    );

    // GitHub served the create, but the answer was lost: the result is looked up.
    flow.github
        .inject(Fault::server_error(502).on("POST ").after_serving());
    let created = forge
        .create_pull_request(&new_pr(&flow, "sluice/main/a"))
        .await
        .expect("created");
    assert_eq!(
        (created.state, created.head_branch.as_str()),
        (PullRequestState::Open, "sluice/main/a")
    );
    assert_eq!(pull_count(&flow), 1);
    // Opening again adopts the open one (GitHub answers 422).
    let again = forge
        .create_pull_request(&new_pr(&flow, "sluice/main/a"))
        .await
        .expect("adopted");
    assert_eq!(again.id, created.id);
    assert_eq!(pull_count(&flow), 1);
    let found = forge
        .find_pull_request(&repository, "sluice/main/a")
        .await
        .expect("find");
    assert_eq!(found.map(|p| p.id), Some(created.id.clone()));

    forge
        .update_pull_request(&repository, &created.id, "New title", "New body")
        .await
        .expect("updated");
    let (_, pr) = flow
        .call(
            PERSON_TOKEN,
            "GET",
            &format!("/repos/{OWNER}/sdk/pulls/{}", created.id),
            None,
        )
        .await;
    assert_eq!(
        (pr["title"].as_str(), pr["body"].as_str()),
        (Some("New title"), Some("New body"))
    );
    forge
        .close_pull_request(&repository, &created.id)
        .await
        .expect("closed");
    let closed = forge
        .pull_request(&repository, &created.id)
        .await
        .expect("get");
    assert_eq!(closed.state, PullRequestState::Closed);
    let remote = tmp.path().join("remotes/sdk.git");
    assert_eq!(
        git(&remote, &["branch", "--list", "sluice/main/a"]),
        "",
        "head branch deleted"
    );
    let missing = forge.pull_request(&repository, "99").await.unwrap_err();
    assert!(matches!(missing, ForgeError::NotFound { .. }), "{missing}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn merges_happen_only_at_the_evaluated_head() {
    let tmp = tempfile::tempdir().unwrap();
    let flow = GitHubFlow::start(tmp.path(), "[]");
    let forge = &flow.world.forge;
    let repository = target(&flow);
    let remote = tmp.path().join("remotes/sdk.git");
    let base = git(&remote, &["rev-parse", "main"]);
    let evaluated = branch(tmp.path(), "sluice/main/b");
    let pr = forge
        .create_pull_request(&new_pr(&flow, "sluice/main/b"))
        .await
        .expect("created");
    // A person pushes to the head after the policies were evaluated.
    let moved = git(
        &remote,
        &[
            "commit-tree",
            &format!("{evaluated}^{{tree}}"),
            "-p",
            &evaluated,
            "-m",
            "person",
        ],
    );
    git(&remote, &["update-ref", "refs/heads/sluice/main/b", &moved]);
    let refused = forge
        .merge_pull_request(&repository, &pr.id, &evaluated)
        .await
        .unwrap_err();
    assert_eq!(refused.class(), FailureClass::Conflict, "{refused}");
    assert_eq!(git(&remote, &["rev-parse", "main"]), base, "nothing merged");

    // Merged at the head it is asked for, even when the answer is lost.
    flow.github
        .inject(Fault::server_error(504).on("/merge").after_serving());
    forge
        .merge_pull_request(&repository, &pr.id, &moved)
        .await
        .expect("merged");
    assert_ne!(git(&remote, &["rev-parse", "main"]), base);
    assert_eq!(
        git(&remote, &["rev-parse", "main^"]),
        base,
        "one squash commit on main"
    );
    let merged = forge.pull_request(&repository, &pr.id).await.expect("get");
    assert_eq!(merged.state, PullRequestState::Merged);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failures_are_typed_and_never_show_the_token() {
    let tmp = tempfile::tempdir().unwrap();
    let flow = GitHubFlow::start(tmp.path(), "[]");
    let forge = &flow.world.forge;
    let repository = target(&flow);

    flow.github.inject(Fault::server_error(503));
    let unavailable = forge.find_pull_request(&repository, "x").await.unwrap_err();
    assert_eq!(
        (unavailable.class(), unavailable.retry_after()),
        (FailureClass::Retryable, None)
    );

    let stranger = GitHubForge::new(&flow.github.api_url(), Secret::new("ghp_not_a_known_token"))
        .expect("forge");
    let refused = stranger
        .find_pull_request(&repository, "x")
        .await
        .unwrap_err();
    assert_eq!(refused.class(), FailureClass::Permanent);
    assert!(refused.to_string().contains("401"), "{refused}");
    assert!(
        !refused.to_string().contains("ghp_not_a_known_token"),
        "{refused}"
    );

    let unknown = forge
        .find_pull_request(&target(&flow).replace("/sdk.git", "/nope.git"), "x")
        .await
        .unwrap_err();
    assert!(matches!(unknown, ForgeError::NotFound { .. }), "{unknown}");
    let not_github = forge
        .find_pull_request("https://github.com/only-owner", "x")
        .await
        .unwrap_err();
    assert_eq!(not_github.class(), FailureClass::Permanent, "{not_github}");
    let unreachable =
        GitHubForge::new("http://127.0.0.1:9", Secret::new(SLUICE_TOKEN)).expect("forge");
    let down = unreachable
        .find_pull_request(&repository, "x")
        .await
        .unwrap_err();
    assert_eq!(down.class(), FailureClass::Retryable, "{down}");
    assert!(!down.to_string().contains(SLUICE_TOKEN), "{down}");

    flow.github.inject(Fault::exhausted(30));
    let limited = forge.find_pull_request(&repository, "x").await.unwrap_err();
    assert_eq!(limited.class(), FailureClass::Retryable, "{limited}");
    let wait = limited.retry_after().expect("a wait until the reset");
    assert!(
        wait > Duration::from_secs(25) && wait <= Duration::from_secs(30),
        "{wait:?}"
    );
    // Until it resets, the limited token's calls are not sent at all.
    let sent = flow.github.calls().len();
    let held = forge.find_pull_request(&repository, "y").await.unwrap_err();
    assert!(held.retry_after().is_some_and(|w| w <= wait), "{held}");
    assert_eq!(flow.github.calls().len(), sent, "held, not sent");
}
