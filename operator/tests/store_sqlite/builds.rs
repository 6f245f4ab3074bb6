use sluice::store::{BuildQuery, EventKind, Store, StoreError};
use sluice_core::flow::Reason;

use super::{RUNTIME, memory, new_build};

#[test]
fn publish_round_trips_and_merges_default_channels() {
    let store = memory();
    let new = new_build(RUNTIME, "20260301.1", &["dev", "release"]);
    let defaults = vec!["release".to_string(), "nightly".to_string()];
    let stored = store.publish_build(&new, &defaults, &[]).unwrap();
    assert_eq!(stored.repository, new.repository);
    assert_eq!(stored.branch, new.branch);
    assert_eq!(stored.commit, new.commit);
    assert_eq!(stored.build_number, new.build_number);
    assert_eq!(stored.produced_at, new.produced_at);
    assert_eq!(stored.assets, new.assets);
    assert_eq!(stored.channels, ["dev", "release", "nightly"]);
    assert_eq!(store.build(stored.id).unwrap(), Some(stored.clone()));
    assert_eq!(store.build(stored.id + 100).unwrap(), None);

    let events = store.events_for_build(stored.id).unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].kind, EventKind::BuildPublished);
    assert!(
        events[0].message.contains("20260301.1"),
        "{}",
        events[0].message
    );
    assert!(events[0].at.ends_with('Z'), "{}", events[0].at);
}

#[test]
fn ids_increase_in_publication_order() {
    let store = memory();
    let ids: Vec<i64> = (0..5)
        .map(|i| {
            store
                .publish_build(&new_build(RUNTIME, &format!("1.{i}"), &["dev"]), &[], &[])
                .unwrap()
                .id
        })
        .collect();
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "{ids:?}");
}

#[test]
fn builds_filter_by_repository_identity_channel_and_limit() {
    let store = memory();
    let a = store
        .publish_build(&new_build(RUNTIME, "1", &["dev"]), &[], &[])
        .unwrap();
    let b = store
        .publish_build(
            &new_build("https://github.com/contoso/sdk", "2", &["dev"]),
            &[],
            &[],
        )
        .unwrap();
    let c = store
        .publish_build(
            &new_build("https://GitHub.com/Contoso/Runtime.git", "3", &["release"]),
            &[],
            &[],
        )
        .unwrap();

    let all = store.builds(&BuildQuery::default()).unwrap();
    assert_eq!(
        all.iter().map(|b| b.id).collect::<Vec<_>>(),
        [c.id, b.id, a.id]
    );

    let runtime = BuildQuery {
        repository: Some(RUNTIME.to_string()),
        ..Default::default()
    };
    assert_eq!(
        store
            .builds(&runtime)
            .unwrap()
            .iter()
            .map(|b| b.id)
            .collect::<Vec<_>>(),
        [c.id, a.id]
    );

    let dev = BuildQuery {
        channel: Some("dev".to_string()),
        ..Default::default()
    };
    assert_eq!(
        store
            .builds(&dev)
            .unwrap()
            .iter()
            .map(|b| b.id)
            .collect::<Vec<_>>(),
        [b.id, a.id]
    );

    let both = BuildQuery {
        repository: Some(RUNTIME.to_string()),
        channel: Some("release".to_string()),
        ..Default::default()
    };
    assert_eq!(store.builds(&both).unwrap(), vec![c.clone()]);

    let one = BuildQuery {
        limit: Some(1),
        ..Default::default()
    };
    assert_eq!(store.builds(&one).unwrap(), vec![c.clone()]);
    let next = BuildQuery {
        limit: Some(1),
        before: Some(c.id),
        ..Default::default()
    };
    let page = store.builds(&next).unwrap();
    assert_eq!(page.len(), 1);
    assert!(page[0].id < c.id, "the next page starts below the cursor");

    // By repository and commit, as gather-drop finds a node's build; any case.
    let at = BuildQuery {
        repository: Some(RUNTIME.to_string()),
        commit: Some(c.commit.to_ascii_uppercase()),
        ..Default::default()
    };
    assert_eq!(store.builds(&at).unwrap(), vec![c.clone()]);
    let elsewhere = BuildQuery {
        repository: Some("https://github.com/contoso/sdk".to_string()),
        commit: Some(c.commit.clone()),
        ..Default::default()
    };
    assert!(store.builds(&elsewhere).unwrap().is_empty());
}

#[test]
fn latest_build_matches_repository_identity_and_channel() {
    let store = memory();
    assert_eq!(store.latest_build(RUNTIME, "dev").unwrap(), None);
    let first = store
        .publish_build(&new_build(RUNTIME, "1", &["dev"]), &[], &[])
        .unwrap();
    let second = store
        .publish_build(
            &new_build("https://github.com/Contoso/runtime.git", "2", &["dev"]),
            &[],
            &[],
        )
        .unwrap();
    store
        .publish_build(&new_build(RUNTIME, "3", &["release"]), &[], &[])
        .unwrap();
    store
        .publish_build(
            &new_build("https://github.com/contoso/sdk", "4", &["dev"]),
            &[],
            &[],
        )
        .unwrap();
    assert_eq!(
        store
            .latest_build("https://GITHUB.com/contoso/Runtime/", "dev")
            .unwrap(),
        Some(second)
    );
    assert!(store.add_to_channel(first.id, "hotfix", &[]).unwrap());
    assert_eq!(
        store.latest_build(RUNTIME, "hotfix").unwrap().map(|b| b.id),
        Some(first.id)
    );
    assert_eq!(store.latest_build(RUNTIME, "nope").unwrap(), None);
}

#[test]
fn add_to_channel_reports_whether_it_was_new() {
    let store = memory();
    let build = store
        .publish_build(&new_build(RUNTIME, "1", &["dev"]), &[], &[])
        .unwrap();
    assert!(!store.add_to_channel(build.id, "dev", &[]).unwrap());
    assert!(store.add_to_channel(build.id, "release", &[]).unwrap());
    assert_eq!(
        store.build(build.id).unwrap().unwrap().channels,
        ["dev", "release"]
    );
    match store.add_to_channel(build.id + 1, "dev", &[]) {
        Err(StoreError::NotFound { what }) => assert_eq!(what, format!("build {}", build.id + 1)),
        other => panic!("expected not found, got {other:?}"),
    }
}

#[test]
fn publish_with_triggers_requests_the_build_and_records_fired_events() {
    let store = memory();
    let trigger = vec![
        "sdk-main".to_string(),
        "installer-main".to_string(),
        "sdk-main".to_string(),
    ];
    let build = store
        .publish_build(&new_build(RUNTIME, "20260301.7", &["dev"]), &[], &trigger)
        .unwrap();
    for name in ["sdk-main", "installer-main"] {
        let record = store.subscription(name).unwrap();
        assert_eq!(record.state.requested_build, Some(build.id), "{name}");
        assert!(!record.state.force);
    }
    let events = store.events_for_build(build.id).unwrap();
    let kinds: Vec<_> = events
        .iter()
        .map(|e| (e.kind, e.subscription.as_deref()))
        .collect();
    assert_eq!(
        kinds,
        [
            (EventKind::BuildPublished, None),
            (EventKind::Fired, Some("sdk-main")),
            (EventKind::Fired, Some("installer-main")),
        ]
    );
    assert!(
        events[1].message.contains("20260301.7") && events[1].message.contains("dev"),
        "{}",
        events[1].message
    );
}

#[test]
fn a_request_never_moves_backwards_and_force_ends_when_superseded() {
    let store = memory();
    let trigger = vec!["sdk-main".to_string()];
    let old = store
        .publish_build(&new_build(RUNTIME, "1", &["dev"]), &[], &[])
        .unwrap();
    let new = store
        .publish_build(&new_build(RUNTIME, "2", &["dev"]), &[], &trigger)
        .unwrap();

    // Assigning the older build to a channel later must not pull the request back.
    store.add_to_channel(old.id, "release", &trigger).unwrap();
    assert_eq!(
        store
            .subscription("sdk-main")
            .unwrap()
            .state
            .requested_build,
        Some(new.id)
    );
    let fired = store
        .events_for_build(old.id)
        .unwrap()
        .into_iter()
        .filter(|e| e.kind == EventKind::Fired)
        .count();
    assert_eq!(fired, 0);

    // A forced request survives a trigger that does not supersede it...
    store
        .update_subscription("sdk-main", &mut |r| {
            r.state.requested_build = Some(new.id);
            r.state.force = true;
        })
        .unwrap();
    store.add_to_channel(new.id, "release", &trigger).unwrap();
    let state = store.subscription("sdk-main").unwrap().state;
    assert_eq!((state.requested_build, state.force), (Some(new.id), true));

    // ...and ends when a newer build is requested.
    let newer = store
        .publish_build(&new_build(RUNTIME, "3", &["dev"]), &[], &trigger)
        .unwrap();
    let state = store.subscription("sdk-main").unwrap().state;
    assert_eq!(
        (state.requested_build, state.force),
        (Some(newer.id), false)
    );
}

#[test]
fn a_trigger_keeps_the_rest_of_the_record() {
    let store = memory();
    store
        .update_subscription("sdk-main", &mut |r| {
            r.state.last_applied_build = Some(7);
            r.conditions = super::conditions(Reason::UpToDate);
            r.first_seen = Some(1_700_000_000);
        })
        .unwrap();
    let build = store
        .publish_build(
            &new_build(RUNTIME, "1", &["dev"]),
            &[],
            &["sdk-main".to_string()],
        )
        .unwrap();
    let record = store.subscription("sdk-main").unwrap();
    assert_eq!(record.state.requested_build, Some(build.id));
    assert_eq!(record.state.last_applied_build, Some(7));
    assert_eq!(record.conditions, super::conditions(Reason::UpToDate));
    assert_eq!(record.first_seen, Some(1_700_000_000));
}
