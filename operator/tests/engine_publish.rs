//! `Engine::publish_build` as the API and the CLI use it: unknown channels are refused as
//! `add-to-channel` refuses them, a CI retry is the same build, a repeat with other fields
//! is a conflict naming the field, and a build that lands nowhere comes with a warning.

mod in_memory_engine;

use std::sync::Arc;

use sluice::engine::{Engine, TriggerError};
use sluice::store::sqlite::SqliteStore;
use sluice::store::{BuildQuery, NewBuild, Store};
use sluice_core::model::Asset;

const SOURCE: &str = "https://github.com/contoso/runtime";

const CONFIG: &str = "apiVersion: sluice.dev/v1alpha1\nkind: Channel\nmetadata: {name: dev}\nspec: {}\n---\napiVersion: sluice.dev/v1alpha1\nkind: Subscription\nmetadata: {name: runtime-to-sdk}\nspec:\n  source: {repository: \"https://github.com/contoso/runtime\", channel: dev}\n  target: {repository: \"https://github.com/contoso/sdk\", branch: main}\n";

fn engine(dir: &std::path::Path) -> (Arc<Engine>, Arc<SqliteStore>) {
    in_memory_engine::start(dir, CONFIG)
}

fn build(repository: &str, version: &str, channels: &[&str]) -> NewBuild {
    NewBuild {
        repository: repository.into(),
        branch: "main".into(),
        commit: "ab".repeat(20),
        build_number: "20261101.3".into(),
        produced_at: String::new(),
        assets: vec![Asset {
            name: "Contoso.Runtime".into(),
            version: version.into(),
            non_shipping: false,
            locations: vec![],
        }],
        channels: channels.iter().map(|c| c.to_string()).collect(),
    }
}

#[test]
fn unknown_channels_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let (engine, store) = engine(tmp.path());
    let err = engine
        .publish_build(&build(SOURCE, "1.0.0", &["dev", "nightly"]))
        .unwrap_err();
    assert!(
        matches!(&err, TriggerError::Invalid(m) if m.contains("unknown channel `nightly`")),
        "{err:?}"
    );
    assert!(store.builds(&BuildQuery::default()).unwrap().is_empty());
}

#[test]
fn a_retry_is_the_same_build_and_a_different_repeat_a_conflict() {
    let tmp = tempfile::tempdir().unwrap();
    let (engine, store) = engine(tmp.path());
    let first = engine
        .publish_build(&build(SOURCE, "1.0.0", &["dev"]))
        .unwrap();
    assert!(first.created && first.warnings.is_empty(), "{first:?}");
    // The retry names the repository another way and leaves the time to the server.
    let again = engine
        .publish_build(&build(
            "https://GitHub.com/Contoso/Runtime.git",
            "1.0.0",
            &["dev"],
        ))
        .unwrap();
    assert!(!again.created);
    assert_eq!(again.build, first.build);
    assert_eq!(store.builds(&BuildQuery::default()).unwrap().len(), 1);

    let err = engine
        .publish_build(&build(SOURCE, "1.0.1", &["dev"]))
        .unwrap_err();
    assert!(
        matches!(&err, TriggerError::Conflict(m) if m.contains("another assets") && m.contains("Contoso.Runtime=1.0.1")),
        "{err:?}"
    );
    assert_eq!(store.builds(&BuildQuery::default()).unwrap().len(), 1);
}

#[test]
fn a_build_nobody_takes_is_published_with_a_warning() {
    let tmp = tempfile::tempdir().unwrap();
    let (engine, _) = engine(tmp.path());
    let published = engine
        .publish_build(&build(
            "https://github.com/contoso/unknown",
            "1.0.0",
            &["dev"],
        ))
        .unwrap();
    assert!(published.created);
    assert_eq!(published.warnings.len(), 1, "{published:?}");
    assert!(
        published.warnings[0].contains("https://github.com/contoso/unknown")
            && published.warnings[0].contains("flows nowhere"),
        "{published:?}"
    );
    let json = serde_json::to_value(&published).unwrap();
    assert_eq!(
        json["id"], published.build.id,
        "the build's fields at the top: {json}"
    );
    assert!(json["warnings"].is_array(), "{json}");
}
