//! What the forge reads of a repository itself: its visibility, kept for a while instead
//! of being asked on every cycle, forgotten when the repository changes; and whether
//! GitHub deletes merged head branches itself, so sluice does not.

use sluice::forge::Forge;
use sluice_core::model::Visibility;
use sluice_tests::demo::repos::git;
use sluice_tests::github_flow::{GitHubFlow, OWNER};

use super::{branch, new_pr, target};

fn repository_reads(flow: &GitHubFlow) -> usize {
    let path = format!("GET /repos/{OWNER}/sdk");
    flow.github
        .calls()
        .iter()
        .filter(|c| c.request == path)
        .count()
}

fn deletes(flow: &GitHubFlow) -> usize {
    let calls = flow.github.calls();
    calls
        .iter()
        .filter(|c| c.request.starts_with("DELETE "))
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn visibility_is_kept_until_the_repository_changes() {
    let tmp = tempfile::tempdir().unwrap();
    let flow = GitHubFlow::start(tmp.path(), "[]");
    let forge = &flow.world.forge;
    let repository = target(&flow);
    let before = repository_reads(&flow);
    for _ in 0..5 {
        let seen = forge.repository_visibility(&repository).await.unwrap();
        assert_eq!(seen, Some(Visibility::Public));
    }
    assert_eq!(repository_reads(&flow) - before, 1, "asked once, then kept");

    // Made private: a `repository` delivery says the repository changed.
    flow.github
        .shared()
        .state()
        .repo(&format!("{OWNER}/sdk"))
        .private = true;
    assert_eq!(
        forge.repository_visibility(&repository).await.unwrap(),
        Some(Visibility::Public),
        "kept until told"
    );
    forge.repository_changed(&repository);
    assert_eq!(
        forge.repository_visibility(&repository).await.unwrap(),
        Some(Visibility::Internal)
    );
    assert_eq!(repository_reads(&flow) - before, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_merged_head_branch_is_left_to_github_or_to_sluices_git() {
    let tmp = tempfile::tempdir().unwrap();
    let flow = GitHubFlow::start(tmp.path(), "[]");
    let forge = &flow.world.forge;
    let repository = target(&flow);
    let remote = tmp.path().join("remotes/sdk.git");

    // Off (GitHub's default): the merge leaves the branch, for sluice's git to delete
    // (no API call).
    let head = branch(tmp.path(), "sluice/main/off");
    let pr = forge
        .create_pull_request(&new_pr(&flow, "sluice/main/off"))
        .await
        .expect("created");
    forge
        .merge_pull_request(&repository, &pr.id, &head)
        .await
        .expect("merged");
    assert_eq!(
        git(&remote, &["branch", "--list", "sluice/main/off"]),
        "sluice/main/off"
    );
    assert!(forge.leaves_merged_head(&repository).await);
    assert_eq!(deletes(&flow), 0, "no DELETE");

    // On: GitHub deletes it with the merge, and nothing is left to sluice.
    flow.github
        .shared()
        .state()
        .repo(&format!("{OWNER}/sdk"))
        .delete_branch_on_merge = true;
    forge.repository_changed(&repository);
    let head = branch(tmp.path(), "sluice/main/on");
    let pr = forge
        .create_pull_request(&new_pr(&flow, "sluice/main/on"))
        .await
        .expect("created");
    forge
        .merge_pull_request(&repository, &pr.id, &head)
        .await
        .expect("merged");
    assert_eq!(git(&remote, &["branch", "--list", "sluice/main/on"]), "");
    assert!(!forge.leaves_merged_head(&repository).await);
    assert_eq!(deletes(&flow), 0, "no DELETE");
}
