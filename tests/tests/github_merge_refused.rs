//! A merge GitHub refuses with 405 (the pull request is not mergeable as it stands: a
//! conflict with the target, or the base branch modified meanwhile) is a conflict the
//! engine re-plans, never a permanent failure; nothing is merged.

use std::path::Path;

use sluice::forge::{Forge, NewPullRequest};
use sluice_core::flow::failure::FailureClass;
use sluice_tests::demo::repos::git;
use sluice_tests::fake_github::Fault;
use sluice_tests::github_flow::{GitHubFlow, OWNER};

/// A commit on top of `parent` in sdk's bare repository whose `file` says `text`.
fn commit(remote: &Path, parent: &str, file: &str, text: &str) -> String {
    let blob = {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("blob");
        std::fs::write(&path, text).unwrap();
        git(
            remote,
            &["hash-object", "-w", path.to_str().expect("utf-8 path")],
        )
    };
    let index = remote.join(format!("index-{file}-{text}"));
    let with_index = |args: &[&str]| {
        let out = std::process::Command::new("git")
            .arg("--git-dir")
            .arg(remote)
            .args(args)
            .env("GIT_INDEX_FILE", &index)
            .output()
            .expect("git");
        assert!(out.status.success(), "{args:?}: {out:?}");
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    };
    with_index(&["read-tree", parent]);
    with_index(&[
        "update-index",
        "--add",
        "--cacheinfo",
        &format!("100644,{blob},{file}"),
    ]);
    let tree = with_index(&["write-tree"]);
    let _ = std::fs::remove_file(&index);
    git(remote, &["commit-tree", &tree, "-p", parent, "-m", text])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_405_on_merge_is_a_conflict_not_a_permanent_failure() {
    let tmp = tempfile::tempdir().unwrap();
    let flow = GitHubFlow::start(tmp.path(), "[]");
    let forge = &flow.world.forge;
    let remote = tmp.path().join("remotes/sdk.git");
    let base = git(&remote, &["rev-parse", "main"]);
    let head = commit(&remote, &base, "conflict.txt", "from the update");
    git(&remote, &["update-ref", "refs/heads/sluice/main/a", &head]);
    let pr = forge
        .create_pull_request(&NewPullRequest {
            repository: flow.world.git_server.url(&format!("{OWNER}/sdk.git")),
            base_branch: "main".into(),
            head_branch: "sluice/main/a".into(),
            title: "Update dependencies".into(),
            description: "From runtime".into(),
        })
        .await
        .unwrap();
    let repository = flow.world.git_server.url(&format!("{OWNER}/sdk.git"));

    // The target moved into a conflict: GitHub answers 405 "not mergeable".
    let theirs = commit(&remote, &base, "conflict.txt", "from a person");
    git(&remote, &["update-ref", "refs/heads/main", &theirs]);
    let refused = forge
        .merge_pull_request(&repository, &pr.id, &head)
        .await
        .unwrap_err();
    assert_eq!(refused.class(), FailureClass::Conflict, "{refused}");
    assert!(refused.to_string().contains("not mergeable"), "{refused}");
    assert_eq!(
        git(&remote, &["rev-parse", "main"]),
        theirs,
        "nothing merged"
    );

    // "Base branch was modified" comes as a 405 too.
    git(&remote, &["update-ref", "refs/heads/main", &base]);
    flow.github.inject(Fault {
        status: 405,
        message: "Base branch was modified. Review and try the merge again.".into(),
        ..Fault::server_error(405).on("/merge")
    });
    let refused = forge
        .merge_pull_request(&repository, &pr.id, &head)
        .await
        .unwrap_err();
    assert_eq!(refused.class(), FailureClass::Conflict, "{refused}");
    assert_eq!(git(&remote, &["rev-parse", "main"]), base, "nothing merged");

    // Once mergeable, it merges.
    forge
        .merge_pull_request(&repository, &pr.id, &head)
        .await
        .expect("merged");
    assert_eq!(git(&remote, &["rev-parse", "main^"]), base);
}
