//! The production Azure DevOps forge against the fake Azure DevOps, call by call:
//! adoption instead of duplicates, lost answers looked up, one comment thread edited in
//! place, policy evaluations, statuses and votes as the policies see them, squash
//! completion only at the evaluated head, policy refusals as a blocked state, throttling
//! with the wait asked for, and a bad token refused without being quoted.

mod completion;

use std::path::{Path, PathBuf};
use std::time::Duration;

use sluice::forge::azure_devops::AzureDevOpsForge;
use sluice::forge::{COMMENT_MARKER, Forge, ForgeError, NewPullRequest};
use sluice::git::Secret;
use sluice_core::flow::failure::FailureClass;
use sluice_core::flow::{CheckState, ReviewState};
use sluice_core::model::PullRequestState;
use sluice_tests::demo::repos::git;
use sluice_tests::fake_azdo::{FakeAzureDevOps, Fault, Status};

const PAT: &str = "azdopat0123456789abcdefghijklmnopqrstuvwxyz0";
const EMPTY_TREE: &str = "4b825dc642cb6eb9a060e54bf8d69288fbee4904";

struct World {
    _tmp: tempfile::TempDir,
    fake: FakeAzureDevOps,
    forge: AzureDevOpsForge,
    repository: String,
    bare: PathBuf,
}

/// A fake serving `contoso/Sdk Team/_git/sdk` with a `main` branch, and the forge.
fn world() -> World {
    let tmp = tempfile::tempdir().unwrap();
    let bare = FakeAzureDevOps::repo_path(tmp.path(), "contoso", "Sdk Team", "sdk");
    std::fs::create_dir_all(&bare).unwrap();
    git(&bare, &["init", "--quiet", "--bare", "-b", "main", "."]);
    let root = git(&bare, &["commit-tree", EMPTY_TREE, "-m", "root"]);
    git(&bare, &["update-ref", "refs/heads/main", &root]);
    let fake = FakeAzureDevOps::start(tmp.path()).unwrap();
    fake.add_pat(PAT, "sluice@contoso.com");
    let forge = AzureDevOpsForge::new(Secret::new(PAT)).unwrap();
    let repository = fake.repo_url("contoso", "Sdk%20Team", "sdk");
    World {
        _tmp: tmp,
        fake,
        forge,
        repository,
        bare,
    }
}

/// A branch one commit ahead of main; its commit.
fn branch(bare: &Path, name: &str, message: &str) -> String {
    let tree = git(bare, &["rev-parse", "main^{tree}"]);
    let commit = git(bare, &["commit-tree", &tree, "-p", "main", "-m", message]);
    git(
        bare,
        &["update-ref", &format!("refs/heads/{name}"), &commit],
    );
    commit
}

fn new_pr(world: &World, head: &str) -> NewPullRequest {
    NewPullRequest {
        repository: world.repository.clone(),
        base_branch: "main".into(),
        head_branch: head.into(),
        title: "Update dependencies".into(),
        description: "From runtime".into(),
    }
}

async fn opened(world: &World, head: &str) -> u64 {
    branch(&world.bare, head, head);
    let pr = world
        .forge
        .create_pull_request(&new_pr(world, head))
        .await
        .expect("opened");
    pr.id.parse().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pull_requests_are_adopted_updated_and_abandoned() {
    let w = world();
    branch(&w.bare, "sluice/main/a", "a");
    assert_eq!(
        w.forge
            .find_pull_request(&w.repository, "sluice/main/a")
            .await,
        Ok(None)
    );

    // Azure DevOps created it, but the answer was lost: the result is looked up.
    w.fake
        .shared()
        .faults
        .push(Fault::server_error(502).on("POST ").after_serving());
    let created = w
        .forge
        .create_pull_request(&new_pr(&w, "sluice/main/a"))
        .await
        .expect("created");
    assert_eq!(
        (created.state, created.head_branch.as_str()),
        (PullRequestState::Open, "sluice/main/a")
    );
    assert!(
        created
            .url
            .ends_with(&format!("/_git/sdk/pullrequest/{}", created.id)),
        "{}",
        created.url
    );
    // Opening again adopts the active one (Azure DevOps answers TF401179).
    let again = w
        .forge
        .create_pull_request(&new_pr(&w, "sluice/main/a"))
        .await
        .expect("adopted");
    assert_eq!(again.id, created.id);
    assert_eq!(w.fake.shared().pulls().len(), 1);
    let found = w
        .forge
        .find_pull_request(&w.repository, "sluice/main/a")
        .await
        .unwrap();
    assert_eq!(found.map(|p| p.id), Some(created.id.clone()));

    w.forge
        .update_pull_request(&w.repository, &created.id, "New title", "New body")
        .await
        .expect("updated");
    let id: u64 = created.id.parse().unwrap();
    let pull = w.fake.shared().pull(id).unwrap();
    assert_eq!(
        (pull.title.as_str(), pull.description.as_str()),
        ("New title", "New body")
    );

    w.forge
        .close_pull_request(&w.repository, &created.id)
        .await
        .expect("abandoned");
    let closed = w
        .forge
        .pull_request(&w.repository, &created.id)
        .await
        .unwrap();
    assert_eq!(closed.state, PullRequestState::Closed);
    assert_eq!(
        git(&w.bare, &["branch", "--list", "sluice/main/a"]),
        "",
        "the branch is deleted"
    );
    let changed = w
        .forge
        .update_pull_request(&w.repository, &created.id, "t", "d")
        .await;
    assert_eq!(changed.map_err(|e| e.class()), Err(FailureClass::Conflict));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_comment_thread_is_edited_in_place() {
    let w = world();
    let id = opened(&w, "sluice/main/a").await;
    let text = id.to_string();
    w.forge
        .comment(&w.repository, &text, "policies: 1 failing")
        .await
        .unwrap();
    w.forge
        .comment(&w.repository, &text, "policies: all passing")
        .await
        .unwrap();
    let pull = w.fake.shared().pull(id).unwrap();
    assert_eq!(pull.threads.len(), 1, "one thread: {:?}", pull.threads);
    let thread = &pull.threads[0];
    assert_eq!(thread.status, "closed", "never waits on comment resolution");
    assert_eq!(thread.comments.len(), 1);
    let content = &thread.comments[0].content;
    assert!(content.starts_with("policies: all passing"), "{content}");
    assert!(content.trim_end().ends_with(COMMENT_MARKER), "{content}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn policy_evaluations_statuses_and_votes_read_as_checks_and_reviews() {
    let w = world();
    let id = opened(&w, "sluice/main/a").await;
    let shared = w.fake.shared();
    shared.set_policy(id, "Build", "rejected", true);
    shared.set_policy(id, "Work items", "notApplicable", true);
    shared.set_policy(id, "Advice", "broken", false);
    shared.set_policy(id, "Reviewers", "queued", true);
    shared.update(id, |pull| {
        for (name, state) in [
            ("tests", "pending"),
            ("lint", "error"),
            ("tests", "succeeded"),
        ] {
            pull.statuses.push(Status {
                genre: "ci".into(),
                name: name.into(),
                state: state.into(),
            });
        }
    });
    let head = shared.pull(id).unwrap().source_commit;
    let checks = w
        .forge
        .checks(&w.repository, &id.to_string(), &head)
        .await
        .expect("checks");
    let seen: Vec<_> = checks.iter().map(|c| (c.name.as_str(), c.state)).collect();
    assert_eq!(
        seen,
        [
            ("policy: Build", CheckState::Failure),
            ("policy: Reviewers", CheckState::Pending),
            ("ci/lint", CheckState::Failure),
            ("ci/tests", CheckState::Success),
        ]
    );
    for (who, vote) in [
        ("ann", 10),
        ("bob", 5),
        ("cy", 0),
        ("dee", -5),
        ("eve", -10),
    ] {
        shared.vote(id, who, vote);
    }
    let reviews = w
        .forge
        .reviews(&w.repository, &id.to_string())
        .await
        .expect("reviews");
    let seen: Vec<_> = reviews
        .iter()
        .map(|r| (r.reviewer.as_str(), r.state))
        .collect();
    assert_eq!(
        seen,
        [
            ("ann", ReviewState::Approved),
            ("bob", ReviewState::Approved),
            ("dee", ReviewState::ChangesRequested),
            ("eve", ReviewState::ChangesRequested),
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn throttling_asks_for_the_wait_azure_devops_names() {
    let w = world();
    for (status, seconds) in [(429, 7), (503, 3)] {
        w.fake
            .shared()
            .faults
            .push(Fault::retry_after(status, seconds));
        let error = w
            .forge
            .find_pull_request(&w.repository, "x")
            .await
            .expect_err("throttled");
        assert_eq!(error.class(), FailureClass::Retryable, "{error}");
        assert_eq!(
            error.retry_after(),
            Some(Duration::from_secs(seconds)),
            "{error}"
        );
    }
    assert_eq!(
        w.forge.find_pull_request(&w.repository, "x").await,
        Ok(None)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_token_is_a_permanent_failure_that_does_not_quote_it() {
    let w = world();
    let bad = "azdopatWRONG0123456789abcdefghijklmnopqrstu";
    let forge = AzureDevOpsForge::new(Secret::new(bad)).unwrap();
    let error = forge
        .find_pull_request(&w.repository, "x")
        .await
        .expect_err("refused");
    assert!(matches!(error, ForgeError::Rejected { .. }), "{error:?}");
    let message = error.to_string();
    assert!(
        message.contains("personal access token is invalid"),
        "{message}"
    );
    assert!(
        !message.contains(bad) && !message.contains(PAT),
        "{message}"
    );
    let calls = w.fake.shared().calls.all();
    assert_eq!(calls.last().map(|c| c.status), Some(401));
    let other = forge
        .find_pull_request("https://dev.azure.com/contoso/p/_git/", "x")
        .await;
    assert_eq!(other.map_err(|e| e.class()), Err(FailureClass::Permanent));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_repository_is_as_visible_as_its_project() {
    use sluice_core::model::Visibility;
    let w = world();
    let seen = w.forge.repository_visibility(&w.repository).await;
    assert_eq!(seen.unwrap(), Some(Visibility::Internal), "private project");
    w.fake
        .shared()
        .state()
        .public_projects
        .insert("contoso/Sdk Team".into());
    let projects = |w: &World| {
        let calls = w.fake.shared().calls.all();
        calls
            .iter()
            .filter(|c| c.request.contains("/_apis/projects/"))
            .count()
    };
    let seen = w.forge.repository_visibility(&w.repository).await;
    assert_eq!(
        seen.unwrap(),
        Some(Visibility::Internal),
        "kept, not asked again"
    );
    assert_eq!(projects(&w), 1);
    // Told the repository changed (as after a webhook), the forge asks again.
    w.forge.repository_changed(&w.repository);
    let seen = w.forge.repository_visibility(&w.repository).await;
    assert_eq!(seen.unwrap(), Some(Visibility::Public), "public project");
    assert_eq!(projects(&w), 2);
    // A project that does not exist is an error, never a guess.
    let missing = w.fake.repo_url("contoso", "Nowhere", "sdk");
    assert!(w.forge.repository_visibility(&missing).await.is_err());
}
