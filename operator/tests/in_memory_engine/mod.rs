//! An engine for tests that need no remote: an in-memory store, the git-native forge, a
//! git cache under a temporary directory, and a configuration given as YAML text.

use std::path::Path;
use std::sync::Arc;

use sluice::engine::snapshot::Snapshot;
use sluice::engine::{Engine, EngineConfig};
use sluice::git::{Author, Git, GitConfig};
use sluice::remotes::Remotes;
use sluice::store::sqlite::SqliteStore;
use sluice_core::config::{self, SourceFile};

/// An engine with `config` (YAML documents) in force, its git cache under `dir`, and its
/// store.
pub fn start(dir: &Path, config: &str) -> (Arc<Engine>, Arc<SqliteStore>) {
    let store = Arc::new(SqliteStore::open_in_memory().unwrap());
    let git = Arc::new(Git::new(GitConfig::new(dir.join("git"))));
    let engine = Engine::embedded(
        store.clone(),
        git,
        Remotes::anonymous(),
        "http://127.0.0.1:0",
        Author::default(),
        EngineConfig::default(),
    );
    let loaded = config::load(&[SourceFile {
        path: "c.yaml".into(),
        text: config.into(),
    }]);
    assert!(!loaded.has_errors(), "{:?}", loaded.diagnostics);
    engine
        .set_config(Snapshot::new(&loaded.config))
        .expect("the config is accepted");
    (engine, store)
}
