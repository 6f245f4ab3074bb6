//! Status as the engine shows it: where a build flows.

use std::path::Path;
use std::sync::Arc;

use sluice::engine::snapshot::Snapshot;
use sluice::engine::{Engine, EngineConfig};
use sluice::forge::local::LocalForge;
use sluice::git::{Author, Git, GitConfig};
use sluice::remotes::Remotes;
use sluice::store::sqlite::SqliteStore;
use sluice::store::{NewBuild, Store};
use sluice_core::config::{self, SourceFile};

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
    let author = Author {
        name: "sluice".into(),
        email: "sluice@localhost".into(),
    };
    let forge = Arc::new(LocalForge::new(
        store.clone(),
        git.clone(),
        Remotes::anonymous(),
        "http://127.0.0.1:0",
        author.clone(),
    ));
    let engine = Engine::new(
        store.clone(),
        forge,
        git,
        Remotes::anonymous(),
        author,
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
