use sluice::store::{LocalForgeStore, StoreError};
use sluice_core::flow::{Check, CheckState, Review, ReviewState};
use sluice_core::model::PullRequestState;

use super::memory;

const SDK: &str = "https://github.com/contoso/sdk";

#[test]
fn create_round_trips_and_never_duplicates_an_open_pull_request() {
    let store = memory();
    let pr = store
        .create_local_pull_request(SDK, "main", "sluice/main/sdk-main", "Update", "body")
        .unwrap();
    assert_eq!(pr.state, PullRequestState::Open);
    assert_eq!(
        (
            pr.repository.as_str(),
            pr.base_branch.as_str(),
            pr.head_branch.as_str()
        ),
        (SDK, "main", "sluice/main/sdk-main")
    );
    assert_eq!(
        (pr.title.as_str(), pr.description.as_str()),
        ("Update", "body")
    );
    assert_eq!(pr.merge_commit, None);
    assert!(pr.comments.is_empty());
    assert_eq!(
        store.local_pull_request(pr.number).unwrap(),
        Some(pr.clone())
    );

    let again = store
        .create_local_pull_request(
            "https://GitHub.com/Contoso/SDK.git",
            "main",
            "sluice/main/sdk-main",
            "Other",
            "x",
        )
        .unwrap();
    assert_eq!(again, pr);
    assert_eq!(
        store
            .local_pull_request_page(&Default::default())
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        store
            .find_local_pull_request("https://github.com/contoso/sdk/", "sluice/main/sdk-main")
            .unwrap(),
        Some(pr.clone())
    );
    assert_eq!(store.find_local_pull_request(SDK, "other").unwrap(), None);

    let other = store
        .create_local_pull_request(SDK, "main", "sluice/main/other", "Other", "")
        .unwrap();
    assert!(other.number > pr.number);

    // Once closed, the head branch can carry a new pull request.
    let mut closed = pr.clone();
    closed.state = PullRequestState::Closed;
    store.save_local_pull_request(&closed).unwrap();
    assert_eq!(
        store
            .find_local_pull_request(SDK, "sluice/main/sdk-main")
            .unwrap(),
        None
    );
    let fresh = store
        .create_local_pull_request(SDK, "main", "sluice/main/sdk-main", "Update 2", "")
        .unwrap();
    assert!(fresh.number > other.number);
    let numbers: Vec<i64> = store
        .local_pull_request_page(&Default::default())
        .unwrap()
        .iter()
        .map(|p| p.number)
        .collect();
    assert_eq!(numbers, [fresh.number, other.number, pr.number]);

    // Reopening the closed one would make two open pull requests for one head branch.
    let mut reopened = closed;
    reopened.state = PullRequestState::Open;
    assert!(matches!(
        store.save_local_pull_request(&reopened),
        Err(StoreError::Conflict(_))
    ));
}

#[test]
fn save_replaces_mutable_fields_and_comments_append() {
    let store = memory();
    let pr = store
        .create_local_pull_request(SDK, "main", "sluice/main/sdk-main", "Update", "body")
        .unwrap();
    store
        .comment_local_pull_request(pr.number, "first")
        .unwrap();
    let mut merged = pr.clone();
    merged.title = "Update runtime".to_string();
    merged.description = "new body".to_string();
    merged.state = PullRequestState::Merged;
    merged.merge_commit = Some("c".repeat(40));
    merged.repository = "ignored".to_string();
    store.save_local_pull_request(&merged).unwrap();
    store
        .comment_local_pull_request(pr.number, "merged by sluice")
        .unwrap();

    let stored = store.local_pull_request(pr.number).unwrap().unwrap();
    assert_eq!(stored.title, "Update runtime");
    assert_eq!(stored.description, "new body");
    assert_eq!(stored.state, PullRequestState::Merged);
    assert_eq!(stored.merge_commit, Some("c".repeat(40)));
    assert_eq!(stored.repository, SDK);
    assert_eq!(stored.comments, ["first", "merged by sluice"]);

    let mut missing = merged;
    missing.number = 999;
    assert!(matches!(
        store.save_local_pull_request(&missing),
        Err(StoreError::NotFound { .. })
    ));
    assert!(matches!(
        store.comment_local_pull_request(999, "x"),
        Err(StoreError::NotFound { .. })
    ));
    assert_eq!(store.local_pull_request(999).unwrap(), None);
}

#[test]
fn checks_latest_report_per_commit_and_name_wins() {
    let store = memory();
    let pr = store
        .create_local_pull_request(SDK, "main", "sluice/main/sdk-main", "Update", "")
        .unwrap();
    let head = "a".repeat(40);
    let check = |name: &str, state| Check {
        name: name.to_string(),
        state,
    };
    store
        .report_check(pr.number, &head, &check("test", CheckState::Pending))
        .unwrap();
    store
        .report_check(pr.number, &head, &check("build", CheckState::Pending))
        .unwrap();
    store
        .report_check(pr.number, &head, &check("build", CheckState::Success))
        .unwrap();
    store
        .report_check(pr.number, &head, &check("test", CheckState::Failure))
        .unwrap();
    store
        .report_check(pr.number, "old", &check("build", CheckState::Failure))
        .unwrap();
    assert_eq!(
        store.checks(pr.number, &head).unwrap(),
        [
            check("build", CheckState::Success),
            check("test", CheckState::Failure)
        ]
    );
    assert_eq!(
        store.checks(pr.number, "old").unwrap(),
        [check("build", CheckState::Failure)]
    );
    assert!(store.checks(pr.number, "none").unwrap().is_empty());
    assert!(matches!(
        store.report_check(999, &head, &check("x", CheckState::Success)),
        Err(StoreError::NotFound { .. })
    ));

    let mut closed = pr.clone();
    closed.state = PullRequestState::Closed;
    store.save_local_pull_request(&closed).unwrap();
    assert!(matches!(
        store.report_check(pr.number, &head, &check("x", CheckState::Success)),
        Err(StoreError::Conflict(_))
    ));
}

#[test]
fn reviews_latest_per_reviewer_wins() {
    let store = memory();
    let pr = store
        .create_local_pull_request(SDK, "main", "sluice/main/sdk-main", "Update", "")
        .unwrap();
    let review = |who: &str, state| Review {
        reviewer: who.to_string(),
        state,
    };
    store
        .report_review(pr.number, &review("mona", ReviewState::ChangesRequested))
        .unwrap();
    store
        .report_review(pr.number, &review("hubot", ReviewState::Commented))
        .unwrap();
    store
        .report_review(pr.number, &review("mona", ReviewState::Approved))
        .unwrap();
    assert_eq!(
        store.reviews(pr.number).unwrap(),
        [
            review("hubot", ReviewState::Commented),
            review("mona", ReviewState::Approved)
        ]
    );
    assert!(store.reviews(999).unwrap().is_empty());
    assert!(matches!(
        store.report_review(999, &review("x", ReviewState::Approved)),
        Err(StoreError::NotFound { .. })
    ));
}

#[test]
fn a_conditional_save_never_undoes_a_change_of_state() {
    let store = memory();
    let pr = store
        .create_local_pull_request(SDK, "main", "sluice/main/sdk-main", "Update", "body")
        .unwrap();
    // A person closes it while sluice holds a stale open copy with a new title.
    let mut closed = pr.clone();
    closed.state = PullRequestState::Closed;
    assert!(
        store
            .save_local_pull_request_if(&closed, PullRequestState::Open)
            .unwrap()
    );
    let mut stale = pr.clone();
    stale.title = "Update runtime".to_string();
    assert!(
        !store
            .save_local_pull_request_if(&stale, PullRequestState::Open)
            .unwrap()
    );
    let stored = store.local_pull_request(pr.number).unwrap().unwrap();
    assert_eq!(
        (stored.state, stored.title.as_str()),
        (PullRequestState::Closed, "Update")
    );

    let mut missing = pr;
    missing.number = 999;
    assert!(
        store
            .save_local_pull_request_if(&missing, PullRequestState::Open)
            .is_err()
    );
}
