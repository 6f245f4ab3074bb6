//! The merge method a RepositoryPolicy sets for its branch: `merge` writes a merge commit;
//! `platform` turns GitHub's auto-merge on once sluice's policies pass, and GitHub merges
//! when its branch protection is satisfied (a pull request mergeable at once is merged by
//! sluice, since GitHub refuses auto-merge for it).

use std::time::Duration;

use serde_json::json;
use sluice::forge::{Forge, Merged, NewPullRequest};
use sluice_core::model::MergeMethod;
use sluice_tests::demo::repos::git;
use sluice_tests::github_flow::{CI_TOKEN, GitHubFlow, OWNER};
use sluice_tests::wait::until_async;

const LIMIT: Duration = Duration::from_secs(60);

fn branch(root: &std::path::Path, name: &str) -> String {
    let remote = root.join("remotes/sdk.git");
    let tree = git(&remote, &["rev-parse", "main^{tree}"]);
    let commit = git(&remote, &["commit-tree", &tree, "-p", "main", "-m", name]);
    git(
        &remote,
        &["update-ref", &format!("refs/heads/{name}"), &commit],
    );
    commit
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_forge_merges_by_the_method_asked() {
    let tmp = tempfile::tempdir().unwrap();
    let flow = GitHubFlow::start(tmp.path(), "[]");
    let forge = &flow.world.forge;
    let repository = flow.world.git_server.url(&format!("{OWNER}/sdk.git"));
    let remote = tmp.path().join("remotes/sdk.git");
    let new = |head: &str| NewPullRequest {
        repository: repository.clone(),
        base_branch: "main".into(),
        head_branch: head.into(),
        title: "Update dependencies".into(),
        description: "From runtime".into(),
    };
    let head = branch(tmp.path(), "sluice/main/a");
    let pr = forge
        .create_pull_request(&new("sluice/main/a"))
        .await
        .unwrap();
    let done = forge
        .merge_pull_request_by(&repository, &pr.id, &head, MergeMethod::Merge)
        .await
        .unwrap();
    assert_eq!(done, Merged::Now);
    let parents = git(&remote, &["rev-list", "--parents", "-n1", "main"]);
    assert_eq!(
        parents.split_whitespace().count(),
        3,
        "a merge commit: {parents}"
    );

    // Platform on a branch that requires nothing: GitHub could merge at once and refuses
    // auto-merge, so it is merged now.
    let head = branch(tmp.path(), "sluice/main/b");
    let pr = forge
        .create_pull_request(&new("sluice/main/b"))
        .await
        .unwrap();
    let done = forge
        .merge_pull_request_by(&repository, &pr.id, &head, MergeMethod::Platform)
        .await
        .unwrap();
    assert_eq!(done, Merged::Now);
    assert_eq!(git(&remote, &["rev-parse", "main^"]).len(), 40);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn platform_auto_merge_is_turned_on_when_sluice_s_policies_pass() {
    let tmp = tempfile::tempdir().unwrap();
    let flow = GitHubFlow::start_with_config(tmp.path(), |target| {
        format!(
            "[{{name: NoRequestedChanges}}]\n---\napiVersion: sluice.dev/v1alpha1\nkind: RepositoryPolicy\nmetadata: {{name: sdk-main}}\nspec: {{repository: \"{target}\", branch: main, mergeMethod: platform}}\n"
        )
    });
    flow.github
        .protect(&format!("{OWNER}/sdk"), "main", &["build"]);
    let _workers = flow.world.engine.spawn();
    flow.world.publish("1", "2.0.0");
    let auto_merging = || {
        let state = flow.github.shared().state();
        let repo = state.repos.get(&format!("{OWNER}/sdk"))?;
        let pr = repo
            .pulls
            .values()
            .find(|p| p.state == "open" && p.auto_merge.is_some())?;
        Some(pr.head_sha.clone())
    };
    until_async("auto-merge turned on", LIMIT, || auto_merging().is_some()).await;
    let head = auto_merging().expect("auto-merging");
    assert_eq!(
        flow.world.target_version(),
        "1.0.0",
        "GitHub waits for build"
    );

    let run =
        json!({"name": "build", "head_sha": head, "status": "completed", "conclusion": "success"});
    let path = format!("/repos/{OWNER}/sdk/check-runs");
    let (status, _) = flow.call(CI_TOKEN, "POST", &path, Some(run)).await;
    assert_eq!(status, 201);
    until_async("merged by GitHub", LIMIT, || {
        flow.world.target_version() == "2.0.0"
    })
    .await;
    let merges = flow
        .github
        .calls()
        .iter()
        .filter(|c| c.request.contains("/merge"))
        .count();
    assert_eq!(merges, 0, "sluice did not merge it itself");
}
