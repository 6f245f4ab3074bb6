//! Labels on the update pull requests sluice opens on GitHub: put on once after opening
//! (also on one adopted after a lost answer), and a failure to label does not fail the
//! opened pull request.

use std::path::Path;

use sluice::forge::github::GitHubForge;
use sluice::forge::{Forge, NewPullRequest};
use sluice::git::Secret;
use sluice_tests::demo::repos::git;
use sluice_tests::fake_github::Fault;
use sluice_tests::github_flow::{GitHubFlow, OWNER, SLUICE_TOKEN};

fn branch(root: &Path, name: &str) {
    let remote = root.join("remotes/sdk.git");
    let tree = git(&remote, &["rev-parse", "main^{tree}"]);
    let commit = git(&remote, &["commit-tree", &tree, "-p", "main", "-m", name]);
    git(
        &remote,
        &["update-ref", &format!("refs/heads/{name}"), &commit],
    );
}

fn labels(flow: &GitHubFlow, number: &str) -> Vec<String> {
    let state = flow.github.shared().state();
    state.repos[&format!("{OWNER}/sdk")].pulls[&number.parse::<u64>().unwrap()]
        .labels
        .clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn opened_pull_requests_carry_the_configured_labels() {
    let tmp = tempfile::tempdir().unwrap();
    let flow = GitHubFlow::start(tmp.path(), "[]");
    let names = [
        "dependencies".to_string(),
        String::new(),
        "flow".to_string(),
    ];
    let forge = GitHubForge::new(&flow.github.api_url(), Secret::new(SLUICE_TOKEN))
        .unwrap()
        .with_labels(&names);
    let new = |head: &str| NewPullRequest {
        repository: flow.world.git_server.url(&format!("{OWNER}/sdk.git")),
        base_branch: "main".into(),
        head_branch: head.into(),
        title: "Update dependencies".into(),
        description: "From runtime".into(),
    };
    branch(tmp.path(), "sluice/main/a");
    let pr = forge
        .create_pull_request(&new("sluice/main/a"))
        .await
        .unwrap();
    assert_eq!(labels(&flow, &pr.id), ["dependencies", "flow"]);

    // The answer to opening is lost: the pull request is adopted, and labelled.
    branch(tmp.path(), "sluice/main/b");
    flow.github
        .inject(Fault::server_error(502).on("POST /repos/").after_serving());
    let adopted = forge
        .create_pull_request(&new("sluice/main/b"))
        .await
        .unwrap();
    assert_eq!(labels(&flow, &adopted.id), ["dependencies", "flow"]);

    // Labelling fails: the pull request is open all the same.
    branch(tmp.path(), "sluice/main/c");
    flow.github.inject(Fault::server_error(500).on("/labels"));
    let unlabelled = forge
        .create_pull_request(&new("sluice/main/c"))
        .await
        .unwrap();
    assert!(labels(&flow, &unlabelled.id).is_empty());
}
