//! Completion: a squash at the evaluated head only, a refusal of the branch policies
//! read as blocked, and a lost answer looked up instead of sent again.

use sluice::forge::Forge;
use sluice_core::flow::failure::FailureClass;
use sluice_core::model::PullRequestState;
use sluice_tests::demo::repos::git;
use sluice_tests::fake_azdo::Fault;

use super::{EMPTY_TREE, opened, world};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn completion_squashes_at_the_evaluated_head_and_deletes_the_source_branch() {
    let w = world();
    let id = opened(&w, "sluice/main/a").await;
    let main_before = git(&w.bare, &["rev-parse", "main"]);
    let evaluated = git(&w.bare, &["rev-parse", "sluice/main/a"]);
    // A person pushes to the branch after the policies were evaluated: a conflict.
    let moved = git(
        &w.bare,
        &[
            "commit-tree",
            EMPTY_TREE,
            "-p",
            &evaluated,
            "-m",
            "a person",
        ],
    );
    git(&w.bare, &["update-ref", "refs/heads/sluice/main/a", &moved]);
    let stale = w
        .forge
        .merge_pull_request(&w.repository, &id.to_string(), &evaluated)
        .await;
    let error = stale.expect_err("a moved head is refused");
    assert_eq!(error.class(), FailureClass::Conflict, "{error}");
    assert_eq!(
        git(&w.bare, &["rev-parse", "main"]),
        main_before,
        "nothing merged"
    );

    w.forge
        .merge_pull_request(&w.repository, &id.to_string(), &moved)
        .await
        .expect("completed");
    let pull = w.fake.shared().pull(id).unwrap();
    assert_eq!(pull.status, "completed");
    assert_eq!(pull.completion_options["mergeStrategy"], "squash");
    let main = git(&w.bare, &["rev-parse", "main"]);
    assert_eq!(Some(main.clone()), pull.merge_commit);
    assert_eq!(
        git(&w.bare, &["rev-list", "--parents", "-n1", "main"]),
        format!("{main} {main_before}"),
        "one parent: a squash"
    );
    assert!(git(&w.bare, &["log", "-1", "--format=%s", "main"]).ends_with(&format!("(!{id})")));
    assert_eq!(
        git(&w.bare, &["branch", "--list", "sluice/main/a"]),
        "",
        "the source branch is deleted"
    );
    let done = w
        .forge
        .pull_request(&w.repository, &id.to_string())
        .await
        .unwrap();
    assert_eq!(done.state, PullRequestState::Merged);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_completion_the_policies_refuse_is_blocked_not_retried() {
    let w = world();
    let id = opened(&w, "sluice/main/a").await;
    w.fake
        .shared()
        .set_policy(id, "Minimum number of reviewers", "rejected", true);
    let head = git(&w.bare, &["rev-parse", "sluice/main/a"]);
    let error = w
        .forge
        .merge_pull_request(&w.repository, &id.to_string(), &head)
        .await
        .expect_err("blocked");
    assert_eq!(error.class(), FailureClass::Permanent, "{error}");
    assert_eq!(error.retry_after(), None);
    let message = error.to_string();
    assert!(
        message.contains("blocked by its branch policies"),
        "{message}"
    );
    assert!(message.contains("TF401027"), "{message}");
    assert_eq!(w.fake.shared().pull(id).unwrap().status, "active");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_completion_whose_answer_was_lost_is_looked_up_not_repeated() {
    let w = world();
    let id = opened(&w, "sluice/main/a").await;
    let head = git(&w.bare, &["rev-parse", "sluice/main/a"]);
    // Azure DevOps completed it, but the answer was lost.
    w.fake
        .shared()
        .faults
        .push(Fault::server_error(502).on("PATCH ").after_serving());
    w.forge
        .merge_pull_request(&w.repository, &id.to_string(), &head)
        .await
        .expect("found completed");
    assert_eq!(w.fake.shared().pull(id).unwrap().status, "completed");
    let patches = w
        .fake
        .shared()
        .calls
        .all()
        .iter()
        .filter(|c| c.request.starts_with("PATCH "))
        .count();
    assert_eq!(patches, 1, "the completion is sent once");
    // Refused with a 503 before anything happened: the look finds it still active and
    // the failure stands, to be retried.
    let id = opened(&w, "sluice/main/b").await;
    let head = git(&w.bare, &["rev-parse", "sluice/main/b"]);
    w.fake
        .shared()
        .faults
        .push(Fault::server_error(503).on("PATCH "));
    let error = w
        .forge
        .merge_pull_request(&w.repository, &id.to_string(), &head)
        .await
        .expect_err("unknown");
    assert_eq!(error.class(), FailureClass::Retryable, "{error}");
    assert_eq!(w.fake.shared().pull(id).unwrap().status, "active");
}
