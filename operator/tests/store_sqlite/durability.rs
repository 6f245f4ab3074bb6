use std::collections::BTreeSet;
use std::sync::Arc;

use sluice::store::sqlite::{SCHEMA_VERSION, SqliteStore};
use sluice::store::{BuildQuery, LocalForgeStore, Store, StoreError};
use sluice_core::flow::{Check, CheckState, Reason};

use super::{RUNTIME, new_build};

#[test]
fn reopening_a_file_keeps_everything() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sluice.db");
    let (build, pr) = {
        let store = SqliteStore::open(&path).unwrap();
        let build = store
            .publish_build(
                &new_build(RUNTIME, "1", &["dev"]),
                &["nightly".to_string()],
                &["sdk-main".to_string()],
            )
            .unwrap();
        let pr = store
            .create_local_pull_request(
                "https://github.com/contoso/sdk",
                "main",
                "sluice/main/sdk-main",
                "Update",
                "",
            )
            .unwrap();
        store
            .comment_local_pull_request(pr.number, "hello")
            .unwrap();
        store
            .report_check(
                pr.number,
                "abc",
                &Check {
                    name: "build".to_string(),
                    state: CheckState::Success,
                },
            )
            .unwrap();
        (build, store.local_pull_request(pr.number).unwrap().unwrap())
    };
    let store = SqliteStore::open(&path).unwrap();
    assert_eq!(store.path(), path.display().to_string());
    assert_eq!(store.build(build.id).unwrap(), Some(build.clone()));
    assert_eq!(
        store.latest_build(RUNTIME, "nightly").unwrap(),
        Some(build.clone())
    );
    assert_eq!(
        store
            .subscription("sdk-main")
            .unwrap()
            .state
            .requested_build,
        Some(build.id)
    );
    assert_eq!(
        store.local_pull_request(pr.number).unwrap(),
        Some(pr.clone())
    );
    assert_eq!(store.checks(pr.number, "abc").unwrap().len(), 1);
    assert_eq!(store.events_for_build(build.id).unwrap().len(), 2);
    // Ids keep growing across reopen.
    let next = store
        .publish_build(&new_build(RUNTIME, "2", &["dev"]), &[], &[])
        .unwrap();
    assert!(next.id > build.id);
}

#[test]
fn migrations_are_idempotent_and_journal_is_wal() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sluice.db");
    for _ in 0..3 {
        let store = SqliteStore::open(&path).unwrap();
        assert_eq!(store.schema_version().unwrap(), SCHEMA_VERSION);
    }
    let raw = rusqlite::Connection::open(&path).unwrap();
    let rows: i64 = raw
        .query_row("SELECT COUNT(*) FROM schema_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(rows, SCHEMA_VERSION);
    let mode: String = raw
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
}

#[test]
fn a_newer_schema_is_refused_with_the_file_named() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sluice.db");
    drop(SqliteStore::open(&path).unwrap());
    let raw = rusqlite::Connection::open(&path).unwrap();
    raw.execute(
        "INSERT INTO schema_version (version, applied_at) VALUES (?1, 'later')",
        [SCHEMA_VERSION + 1],
    )
    .unwrap();
    drop(raw);
    match SqliteStore::open(&path) {
        Err(StoreError::Database {
            path: named,
            message,
        }) => {
            assert_eq!(named, path.display().to_string());
            assert!(message.contains("newer"), "{message}");
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[test]
fn a_missing_directory_is_an_error_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("absent").join("sluice.db");
    match SqliteStore::open(&path) {
        Err(StoreError::Database { path: named, .. }) => {
            assert_eq!(named, path.display().to_string())
        }
        other => panic!("expected a database error, got {other:?}"),
    }
}

#[test]
fn corrupt_columns_are_errors_naming_table_and_row() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sluice.db");
    let store = SqliteStore::open(&path).unwrap();
    let build = store
        .publish_build(&new_build(RUNTIME, "1", &["dev"]), &[], &[])
        .unwrap();
    let pr = store
        .create_local_pull_request("https://github.com/contoso/sdk", "main", "h", "t", "")
        .unwrap();
    let raw = rusqlite::Connection::open(&path).unwrap();
    raw.execute(
        "UPDATE assets SET locations = '{not json' WHERE build_id = ?1 AND ordinal = 0",
        [build.id],
    )
    .unwrap();
    raw.execute(
        "UPDATE local_pull_requests SET state = 'Sideways' WHERE number = ?1",
        [pr.number],
    )
    .unwrap();
    drop(raw);

    match store.build(build.id) {
        Err(StoreError::Database { message, .. }) => {
            assert!(
                message.contains("assets") && message.contains(&format!("build {}", build.id)),
                "{message}"
            );
            assert!(message.contains("locations"), "{message}");
        }
        other => panic!("expected a database error, got {other:?}"),
    }
    assert!(store.builds(&BuildQuery::default()).is_err());
    match store.local_pull_request(pr.number) {
        Err(StoreError::Database { message, .. }) => {
            assert!(
                message.contains("local_pull_requests") && message.contains("Sideways"),
                "{message}"
            )
        }
        other => panic!("expected a database error, got {other:?}"),
    }
}

#[test]
fn concurrent_publishers_get_distinct_ids() {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(SqliteStore::open(&dir.path().join("sluice.db")).unwrap());
    let threads: Vec<_> = (0..4)
        .map(|t| {
            let store = Arc::clone(&store);
            std::thread::spawn(move || {
                let trigger = vec![format!("sub-{t}"), "shared".to_string()];
                (0..50)
                    .map(|i| {
                        store
                            .publish_build(
                                &new_build(RUNTIME, &format!("{t}.{i}"), &["dev"]),
                                &[],
                                &trigger,
                            )
                            .map(|b| b.id)
                    })
                    .collect::<Result<Vec<_>, _>>()
            })
        })
        .collect();
    let mut ids = BTreeSet::new();
    for thread in threads {
        ids.extend(thread.join().unwrap().unwrap());
    }
    assert_eq!(ids.len(), 200);
    let newest = *ids.last().unwrap();
    assert_eq!(
        store.subscription("shared").unwrap().state.requested_build,
        Some(newest)
    );
    assert_eq!(
        store.latest_build(RUNTIME, "dev").unwrap().map(|b| b.id),
        Some(newest)
    );
    let limit = BuildQuery {
        limit: Some(1000),
        ..Default::default()
    };
    assert_eq!(store.builds(&limit).unwrap().len(), 200);
}

#[test]
fn two_stores_on_one_file_share_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sluice.db");
    let a = SqliteStore::open(&path).unwrap();
    let b = SqliteStore::open(&path).unwrap();
    let build = a
        .publish_build(&new_build(RUNTIME, "1", &["dev"]), &[], &[])
        .unwrap();
    assert_eq!(b.build(build.id).unwrap(), Some(build));
    let other = b
        .publish_build(&new_build(RUNTIME, "2", &["dev"]), &[], &[])
        .unwrap();
    assert_eq!(a.latest_build(RUNTIME, "dev").unwrap(), Some(other));
}

#[test]
fn a_failed_publish_leaves_nothing_behind() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sluice.db");
    let store = SqliteStore::open(&path).unwrap();
    let first = store
        .publish_build(
            &new_build(RUNTIME, "1", &["dev"]),
            &[],
            &["sdk-main".to_string()],
        )
        .unwrap();
    // Make the last write of a publication (its Fired event) fail.
    let raw = rusqlite::Connection::open(&path).unwrap();
    raw.execute_batch(
        "CREATE TRIGGER refuse_fired BEFORE INSERT ON events WHEN NEW.kind = 'fired'
         BEGIN SELECT RAISE(ABORT, 'refused for the test'); END;",
    )
    .unwrap();
    drop(raw);

    let failed = store.publish_build(
        &new_build(RUNTIME, "2", &["dev"]),
        &[],
        &["sdk-main".to_string()],
    );
    assert!(
        matches!(failed, Err(StoreError::Database { .. })),
        "{failed:?}"
    );
    assert_eq!(
        store.builds(&BuildQuery::default()).unwrap(),
        vec![first.clone()]
    );
    assert_eq!(
        store
            .subscription("sdk-main")
            .unwrap()
            .state
            .requested_build,
        Some(first.id)
    );
    assert_eq!(store.recent_events(100).unwrap().len(), 2);
}

#[test]
fn a_panicking_update_changes_nothing_and_the_store_stays_usable() {
    let store = super::memory();
    store
        .update_subscription("sdk-main", &mut |r| {
            r.conditions = super::conditions(Reason::UpToDate)
        })
        .unwrap();
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let _ = store.update_subscription("sdk-main", &mut |r| {
            r.conditions = super::conditions(Reason::Merging);
            panic!("closure failed");
        });
    }));
    assert!(outcome.is_err());
    assert_eq!(
        store.subscription("sdk-main").unwrap().conditions,
        super::conditions(Reason::UpToDate)
    );
    store
        .update_subscription("sdk-main", &mut |r| {
            r.conditions = super::conditions(Reason::ManifestInvalid)
        })
        .unwrap();
    assert_eq!(
        store.subscription("sdk-main").unwrap().conditions,
        super::conditions(Reason::ManifestInvalid)
    );
}

#[test]
fn a_version_1_database_gains_the_manual_commits_notice() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sluice.db");
    drop(SqliteStore::open(&path).unwrap());
    // Take the file back to version 1, with a pull request recorded then.
    let raw = rusqlite::Connection::open(&path).unwrap();
    raw.execute_batch(
        "ALTER TABLE subscriptions DROP COLUMN conditions;
         ALTER TABLE subscriptions ADD COLUMN condition TEXT NOT NULL DEFAULT '';
         ALTER TABLE subscriptions ADD COLUMN reason TEXT NOT NULL DEFAULT '';
         ALTER TABLE subscriptions ADD COLUMN message TEXT NOT NULL DEFAULT '';
         ALTER TABLE tracked_pull_requests DROP COLUMN manual_commits_noticed;
         DROP INDEX builds_once;
         ALTER TABLE builds DROP COLUMN duplicate_of;
         DELETE FROM schema_version WHERE version > 1;
         INSERT INTO tracked_pull_requests (key, id, url, repository, target_branch, head_branch,
             state, head_commit, base_commit, carried, failure_commented, settled, policies,
             created_at, updated_at)
         VALUES ('subscription/sdk-main', '7', 'u', 'https://github.com/contoso/sdk', 'main',
             'sluice/main/sdk-main', 'Open', 'a', 'b', '{}', 0, 0, '[]', 't', 't');",
    )
    .unwrap();
    drop(raw);
    let store = SqliteStore::open(&path).unwrap();
    assert_eq!(store.schema_version().unwrap(), SCHEMA_VERSION);
    let active = store.active_pull_requests().unwrap();
    assert_eq!(active.len(), 1);
    assert!(!active[0].manual_commits_noticed);
}
