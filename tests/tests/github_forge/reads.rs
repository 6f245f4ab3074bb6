//! Reading through the forge: checks and reviews as the policies see them, sluice's one
//! comment edited in place, and conditional requests for unchanged answers.

use serde_json::json;
use sluice::forge::Forge;
use sluice::forge::github::COMMENT_MARKER;
use sluice_core::flow::failure::FailureClass;
use sluice_core::flow::github::SLUICE_CHECK_RUN;
use sluice_core::flow::{CheckState, ReviewState};
use sluice_core::model::PullRequestState;
use sluice_tests::fake_github::Fault;
use sluice_tests::github_flow::{CI_TOKEN, GitHubFlow, OWNER, PERSON_TOKEN, SLUICE_TOKEN};

use super::{branch, new_pr, target};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn checks_and_reviews_read_as_the_policies_need() {
    let tmp = tempfile::tempdir().unwrap();
    let flow = GitHubFlow::start(tmp.path(), "[]");
    let forge = &flow.world.forge;
    let repository = target(&flow);
    let head = branch(tmp.path(), "sluice/main/c");
    let pr = forge
        .create_pull_request(&new_pr(&flow, "sluice/main/c"))
        .await
        .expect("created");
    let runs = format!("/repos/{OWNER}/sdk/check-runs");
    for (token, name, conclusion) in [
        (CI_TOKEN, "build", "success"),
        (SLUICE_TOKEN, SLUICE_CHECK_RUN, "failure"),
    ] {
        let body = json!({"name": name, "head_sha": head, "status": "completed", "conclusion": conclusion});
        assert_eq!(flow.call(token, "POST", &runs, Some(body)).await.0, 201);
    }
    let body = json!({"name": "test", "head_sha": head, "status": "in_progress"});
    flow.call(CI_TOKEN, "POST", &runs, Some(body)).await;
    let status = json!({"state": "error", "context": "ci/legacy"});
    flow.call(
        CI_TOKEN,
        "POST",
        &format!("/repos/{OWNER}/sdk/statuses/{head}"),
        Some(status),
    )
    .await;
    let mut checks: Vec<_> = forge
        .checks(&repository, &pr.id, &head)
        .await
        .expect("checks")
        .into_iter()
        .map(|c| (c.name, c.state))
        .collect();
    checks.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(
        checks,
        [
            ("build".to_string(), CheckState::Success),
            ("ci/legacy".to_string(), CheckState::Failure),
            ("test".to_string(), CheckState::Pending),
        ]
    );
    let reviews = format!("/repos/{OWNER}/sdk/pulls/{}/reviews", pr.id);
    for (token, event) in [
        (PERSON_TOKEN, "REQUEST_CHANGES"),
        (CI_TOKEN, "APPROVE"),
        (PERSON_TOKEN, "APPROVE"),
    ] {
        flow.call(token, "POST", &reviews, Some(json!({"event": event})))
            .await;
    }
    let got: Vec<_> = forge
        .reviews(&repository, &pr.id)
        .await
        .expect("reviews")
        .into_iter()
        .map(|r| (r.reviewer, r.state))
        .collect();
    assert_eq!(
        got,
        [
            ("ci".to_string(), ReviewState::Approved),
            ("octocat".to_string(), ReviewState::Approved)
        ]
    );
    forge
        .comment(&repository, &pr.id, "hello")
        .await
        .expect("commented");
    let (_, comments) = flow
        .call(
            PERSON_TOKEN,
            "GET",
            &format!("/repos/{OWNER}/sdk/issues/{}/comments", pr.id),
            None,
        )
        .await;
    assert_eq!(comments[0]["user"]["login"], "sluice-bot");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sluice_keeps_one_comment_per_pull_request_edited_in_place() {
    let tmp = tempfile::tempdir().unwrap();
    let flow = GitHubFlow::start(tmp.path(), "[]");
    let forge = &flow.world.forge;
    let repository = target(&flow);
    branch(tmp.path(), "sluice/main/d");
    let pr = forge
        .create_pull_request(&new_pr(&flow, "sluice/main/d"))
        .await
        .expect("created");
    let comments = format!("/repos/{OWNER}/sdk/issues/{}/comments", pr.id);
    // A person quoting sluice's marker does not make their comment sluice's.
    let quoted = format!("see above\n\n{COMMENT_MARKER}");
    flow.call(
        PERSON_TOKEN,
        "POST",
        &comments,
        Some(json!({"body": quoted})),
    )
    .await;
    forge
        .comment(&repository, &pr.id, "Policy failed: build")
        .await
        .expect("commented");
    // A lost answer: the next attempt edits the comment that was posted.
    flow.github
        .inject(Fault::server_error(502).on("PATCH ").after_serving());
    let lost = forge
        .comment(&repository, &pr.id, "Policy failed: test")
        .await
        .unwrap_err();
    assert_eq!(lost.class(), FailureClass::Retryable, "{lost}");
    forge
        .comment(&repository, &pr.id, "Policy failed: test")
        .await
        .expect("edited");
    let (_, list) = flow.call(PERSON_TOKEN, "GET", &comments, None).await;
    let list = list.as_array().expect("comments").clone();
    let own: Vec<_> = list
        .iter()
        .filter(|c| c["user"]["login"] == "sluice-bot")
        .collect();
    assert_eq!(list.len(), 2, "{list:?}");
    assert_eq!(own.len(), 1, "{list:?}");
    let body = own[0]["body"].as_str().expect("body");
    assert!(
        body.starts_with("Policy failed: test\n") && body.ends_with(COMMENT_MARKER),
        "{body}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn looking_again_at_an_unchanged_pull_request_is_a_conditional_request() {
    let tmp = tempfile::tempdir().unwrap();
    let flow = GitHubFlow::start(tmp.path(), "[]");
    let forge = &flow.world.forge;
    let repository = target(&flow);
    let head = branch(tmp.path(), "sluice/main/e");
    let pr = forge
        .create_pull_request(&new_pr(&flow, "sluice/main/e"))
        .await
        .expect("created");
    let statuses = |path: &str| -> Vec<u16> {
        flow.github
            .calls()
            .iter()
            .filter(|c| c.request.starts_with(&format!("GET {path}")))
            .map(|c| c.status)
            .collect()
    };
    let pull = format!("/repos/{OWNER}/sdk/pulls/{}", pr.id);
    let runs = format!("/repos/{OWNER}/sdk/commits/{head}/check-runs");
    for _ in 0..2 {
        assert_eq!(
            forge
                .pull_request(&repository, &pr.id)
                .await
                .expect("get")
                .state,
            PullRequestState::Open
        );
        assert!(
            forge
                .checks(&repository, &pr.id, &head)
                .await
                .expect("checks")
                .is_empty()
        );
    }
    // The checks read the pull request's base branch too (for its required checks).
    assert_eq!(statuses(&pull), [200, 304, 304, 304]);
    assert_eq!(statuses(&runs), [200, 304]);
    // No protection: asked once (a 404 has no ETag), then taken as absent for a while;
    // the rulesets answer a list with an ETag.
    let protection = format!("/repos/{OWNER}/sdk/branches/main/protection");
    assert_eq!(statuses(&protection), [404]);
    assert_eq!(
        statuses(&format!("/repos/{OWNER}/sdk/rules/branches/main")),
        [200, 304]
    );
    // A change is seen at once: the old ETag no longer matches.
    let body =
        json!({"name": "build", "head_sha": head, "status": "completed", "conclusion": "success"});
    flow.call(
        CI_TOKEN,
        "POST",
        &format!("/repos/{OWNER}/sdk/check-runs"),
        Some(body),
    )
    .await;
    let checks = forge
        .checks(&repository, &pr.id, &head)
        .await
        .expect("checks");
    assert_eq!(checks.len(), 1);
    assert_eq!(statuses(&runs), [200, 304, 200]);
}
