use std::collections::BTreeMap;

use sluice::store::{EventKind, FlowEvent, Store, SubscriptionRecord, TrackedPullRequest};
use sluice_core::flow::{Reason, UpdateKey};
use sluice_core::model::{PolicyEvaluation, PolicyResult, PullRequestState};

use super::memory;

#[test]
fn subscriptions_default_then_read_modify_write() {
    let store = memory();
    assert_eq!(
        store.subscription("unknown").unwrap(),
        SubscriptionRecord::default()
    );
    assert!(store.subscriptions().unwrap().is_empty());

    let written = store
        .update_subscription("sdk-main", &mut |r| {
            r.state.last_applied_build = Some(3);
            r.state.requested_build = Some(4);
            r.state.force = true;
            r.state.rejected_build = Some(2);
            r.conditions = super::conditions(Reason::PoliciesPending);
            r.last_fired = Some(1_772_000_000);
            r.first_seen = Some(1_771_000_000);
        })
        .unwrap();
    assert_eq!(store.subscription("sdk-main").unwrap(), written);

    let bumped = store
        .update_subscription("sdk-main", &mut |r| {
            r.state.last_applied_build = r.state.requested_build
        })
        .unwrap();
    assert_eq!(bumped.state.last_applied_build, Some(4));
    assert_eq!(
        bumped.conditions,
        super::conditions(Reason::PoliciesPending)
    );

    store
        .update_subscription("aaa", &mut |r| {
            r.conditions = super::conditions(Reason::UpToDate)
        })
        .unwrap();
    let all = store.subscriptions().unwrap();
    assert_eq!(all.keys().collect::<Vec<_>>(), ["aaa", "sdk-main"]);
    assert_eq!(all["sdk-main"], bumped);
}

fn tracked(
    key: &UpdateKey,
    id: &str,
    state: PullRequestState,
    settled: bool,
) -> TrackedPullRequest {
    TrackedPullRequest {
        key: key.id(),
        id: id.to_string(),
        url: format!("https://github.com/contoso/sdk/pull/{id}"),
        repository: "https://github.com/contoso/sdk".to_string(),
        target_branch: "main".to_string(),
        head_branch: "sluice/main/sdk-main".to_string(),
        state,
        head_commit: "a".repeat(40),
        base_commit: "b".repeat(40),
        carried: BTreeMap::from([("sdk-main".to_string(), 12)]),
        failure_commented: false,
        manual_commits_noticed: false,
        settled,
        policies: vec![PolicyEvaluation {
            name: "Standard".to_string(),
            result: PolicyResult::Pending,
            message: "2 checks running".to_string(),
        }],
        created_at: "2026-03-01T10:00:00Z".to_string(),
        updated_at: "2026-03-01T10:00:00Z".to_string(),
    }
}

#[test]
fn tracked_pull_requests_round_trip_and_latest_wins() {
    let store = memory();
    let key = UpdateKey::Subscription {
        name: "sdk-main".to_string(),
    };
    let batch = UpdateKey::Batch {
        repository: "github.com/contoso/sdk".to_string(),
        branch: "main".to_string(),
    };
    assert_eq!(store.tracked_pull_request(&key).unwrap(), None);

    let first = tracked(&key, "41", PullRequestState::Open, false);
    store.save_tracked_pull_request(&first).unwrap();
    assert_eq!(
        store.tracked_pull_request(&key).unwrap(),
        Some(first.clone())
    );
    assert_eq!(store.tracked_pull_request(&batch).unwrap(), None);

    let mut second = tracked(&key, "42", PullRequestState::Open, false);
    second.manual_commits_noticed = true;
    store.save_tracked_pull_request(&second).unwrap();
    // Replacing the older one (by key and id) does not make it the latest again.
    let mut merged = first.clone();
    merged.state = PullRequestState::Merged;
    merged.settled = true;
    merged.failure_commented = true;
    merged.policies[0].result = PolicyResult::Passed;
    store.save_tracked_pull_request(&merged).unwrap();
    assert_eq!(
        store.tracked_pull_request(&key).unwrap(),
        Some(second.clone())
    );

    let other = tracked(&batch, "7", PullRequestState::Closed, false);
    store.save_tracked_pull_request(&other).unwrap();
    let settled_closed = tracked(&batch, "6", PullRequestState::Closed, true);
    store.save_tracked_pull_request(&settled_closed).unwrap();

    let active: Vec<_> = store
        .active_pull_requests()
        .unwrap()
        .into_iter()
        .map(|p| p.id)
        .collect();
    assert_eq!(active, ["42", "7"]);
}

#[test]
fn events_are_numbered_filtered_by_build_and_windowed() {
    let store = memory();
    for i in 0..5 {
        store
            .append_event(&FlowEvent {
                seq: 999,
                at: if i == 0 {
                    String::new()
                } else {
                    format!("2026-03-01T10:00:0{i}Z")
                },
                kind: if i % 2 == 0 {
                    EventKind::PullRequestCreated
                } else {
                    EventKind::Failed
                },
                subscription: Some("sdk-main".to_string()),
                build: Some(i % 2),
                pull_request: Some("https://github.com/contoso/sdk/pull/1".to_string()),
                message: format!("event {i}"),
            })
            .unwrap();
    }
    let recent = store.recent_events(3).unwrap();
    assert_eq!(
        recent
            .iter()
            .map(|e| e.message.as_str())
            .collect::<Vec<_>>(),
        ["event 2", "event 3", "event 4"]
    );
    assert!(recent.windows(2).all(|w| w[0].seq < w[1].seq));
    assert_eq!(recent[1].kind, EventKind::Failed);
    assert_eq!(recent[1].at, "2026-03-01T10:00:03Z");

    let all = store.recent_events(100).unwrap();
    assert_eq!(all.len(), 5);
    assert!(
        all[0].at.ends_with('Z') && all[0].at.len() == 20,
        "empty `at` becomes now: {}",
        all[0].at
    );
    assert_ne!(all[0].seq, 999);

    let odd = store.events_for_build(1).unwrap();
    assert_eq!(
        odd.iter().map(|e| e.message.as_str()).collect::<Vec<_>>(),
        ["event 1", "event 3"]
    );
    assert_eq!(odd[0].subscription.as_deref(), Some("sdk-main"));
    assert_eq!(
        odd[0].pull_request.as_deref(),
        Some("https://github.com/contoso/sdk/pull/1")
    );
    assert!(store.recent_events(0).unwrap().is_empty());
}
