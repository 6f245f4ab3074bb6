//! Status as the engine records and shows it: kstatus conditions made by the core, written
//! only when they change, the disabled and not-yet-reconciled conditions, and where a build
//! flows.

use std::path::Path;
use std::sync::Arc;

use sluice::engine::snapshot::Snapshot;
use sluice::engine::{Engine, EngineConfig};
use sluice::git::{Author, Git, GitConfig};
use sluice::remotes::Remotes;
use sluice::store::sqlite::SqliteStore;
use sluice::store::{NewBuild, Store};
use sluice_core::config::{self, SourceFile};
use sluice_core::flow::status::Standing;
use sluice_core::model::{ConditionStatus, ConditionType};

const CHANNEL: &str =
    "apiVersion: sluice.dev/v1alpha1\nkind: Channel\nmetadata: {name: dev}\nspec: {}\n";

/// A subscription document reading `source` on `dev` into contoso/sdk.
fn subscription(name: &str, source: &str, enabled: bool) -> String {
    format!(
        "---\napiVersion: sluice.dev/v1alpha1\nkind: Subscription\nmetadata: {{name: {name}}}\nspec:\n  source: {{repository: \"{source}\", channel: dev}}\n  target: {{repository: \"https://github.com/contoso/{name}\", branch: main}}\n  enabled: {enabled}\n"
    )
}

/// An engine over a SQLite file in `dir` with the configuration `text` in force (whatever
/// its findings: an unparseable URL is what some tests are about).
fn engine(dir: &Path, text: String) -> (Arc<Engine>, Arc<SqliteStore>) {
    let store = Arc::new(SqliteStore::open(&dir.join("sluice.db")).unwrap());
    let git = Arc::new(Git::new(GitConfig::new(dir.join("git"))));
    let engine = Engine::embedded(
        store.clone(),
        git.clone(),
        Remotes::anonymous(),
        "http://127.0.0.1:0",
        Author::default(),
        EngineConfig::default(),
    );
    let loaded = config::load(&[SourceFile {
        path: "c.yaml".into(),
        text,
    }]);
    engine
        .set_config(Snapshot::new(&loaded.config))
        .expect("the config is accepted");
    (engine, store)
}

fn build(repository: &str) -> NewBuild {
    NewBuild {
        repository: repository.into(),
        branch: "main".into(),
        commit: "ab".repeat(20),
        build_number: "20261101.3".into(),
        produced_at: "2026-11-01T00:00:00Z".into(),
        assets: vec![],
        channels: vec!["dev".into()],
    }
}

/// Makes the database at `path` count every write to the subscriptions table (an upsert
/// of unchanged values included), for [`writes`].
fn count_writes(path: &Path) -> rusqlite::Connection {
    let watcher = rusqlite::Connection::open(path).unwrap();
    watcher
        .execute_batch(
            "CREATE TABLE test_writes (n INTEGER NOT NULL);
             INSERT INTO test_writes VALUES (0);
             CREATE TRIGGER test_insert AFTER INSERT ON subscriptions
                 BEGIN UPDATE test_writes SET n = n + 1; END;
             CREATE TRIGGER test_update AFTER UPDATE ON subscriptions
                 BEGIN UPDATE test_writes SET n = n + 1; END;",
        )
        .unwrap();
    watcher
}

/// Writes to the subscriptions table since [`count_writes`].
fn writes(watcher: &rusqlite::Connection) -> i64 {
    watcher
        .query_row("SELECT n FROM test_writes", [], |r| r.get(0))
        .unwrap()
}

#[tokio::test]
async fn conditions_are_recorded_once_and_a_steady_pass_writes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let text = format!(
        "{CHANNEL}{}",
        subscription("sdk", "https://github.com/contoso/runtime", true)
    );
    let (engine, store) = engine(tmp.path(), text);
    let keys: Vec<String> = engine.snapshot().keys.keys().cloned().collect();
    assert_eq!(keys.len(), 1);

    let before = engine.status().unwrap();
    assert_eq!(before[0].summary.condition, Standing::Unknown);
    assert_eq!(before[0].summary.reason, "NotReconciled");
    assert!(store.subscription("sdk").unwrap().conditions.is_empty());

    engine.reconcile(&keys[0]).await;
    let recorded = store.subscription("sdk").unwrap().conditions;
    assert_eq!(recorded.len(), 1, "{recorded:?}");
    assert_eq!(
        (
            recorded[0].type_,
            recorded[0].status,
            recorded[0].reason.as_str()
        ),
        (ConditionType::Ready, ConditionStatus::True, "UpToDate")
    );
    assert!(recorded[0].last_transition_time.is_some());

    let watcher = count_writes(&tmp.path().join("sluice.db"));
    engine.reconcile(&keys[0]).await;
    engine.reconcile(&keys[0]).await;
    assert_eq!(writes(&watcher), 0, "a steady pass wrote");
    assert_eq!(store.subscription("sdk").unwrap().conditions, recorded);
    // The counter does count the store's writes, unchanged ones included.
    store.update_subscription("sdk", &mut |_| {}).unwrap();
    assert_eq!(writes(&watcher), 1);

    let row = &engine.status().unwrap()[0];
    assert_eq!(row.conditions, recorded);
    assert_eq!(row.summary.condition, Standing::Ready);
    let json = serde_json::to_value(row).unwrap();
    assert_eq!(json["condition"], "Ready", "{json:#}");
    assert_eq!(json["reason"], "UpToDate", "{json:#}");
    assert_eq!(json["conditions"][0]["type"], "Ready", "{json:#}");
    assert_eq!(json["conditions"][0]["status"], "True", "{json:#}");
}

#[test]
fn a_disabled_subscription_shows_the_disabled_condition_whatever_was_recorded() {
    let tmp = tempfile::tempdir().unwrap();
    let text = format!(
        "{CHANNEL}{}",
        subscription("sdk", "https://github.com/contoso/runtime", false)
    );
    let (engine, store) = engine(tmp.path(), text);
    store
        .update_subscription("sdk", &mut |r| {
            r.conditions = sluice_core::flow::status::conditions(
                &[],
                &sluice_core::flow::Outcome::new(
                    sluice_core::flow::Reason::ManifestInvalid,
                    "eng/Version.Details.xml:1:1: bad",
                ),
                None,
                "2026-01-01T00:00:00Z",
            )
        })
        .unwrap();
    let row = &engine.status().unwrap()[0];
    assert!(!row.enabled);
    assert_eq!(row.summary.condition, Standing::Ready);
    assert_eq!(row.summary.reason, "Disabled");
    assert_eq!(row.summary.message, "the subscription is disabled");
    assert_eq!(row.conditions.len(), 1, "{:?}", row.conditions);
}

#[test]
fn a_build_flows_only_to_subscriptions_of_its_repository() {
    let tmp = tempfile::tempdir().unwrap();
    let text = format!(
        "{CHANNEL}{}{}",
        subscription("good", "https://github.com/contoso/runtime", true),
        subscription("bad", "not a url", true)
    );
    let (engine, store) = engine(tmp.path(), text);
    let runtime = store
        .publish_build(&build("https://github.com/Contoso/Runtime.git"), &[], &[])
        .unwrap();
    let flow = engine.build_flow(runtime.id).unwrap();
    let names: Vec<&str> = flow.iter().map(|e| e.subscription.as_str()).collect();
    assert_eq!(names, ["good"]);
    // Two URLs that do not parse name no repository: they do not match each other.
    let garbage = store
        .publish_build(&build("also not a url"), &[], &[])
        .unwrap();
    let flow = engine.build_flow(garbage.id).unwrap();
    assert!(flow.is_empty(), "{flow:?}");
}
