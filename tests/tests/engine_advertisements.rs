//! A pass over every key of a repository lists the repository once, however long the pass
//! takes, and a key queued after that listing was read lists it afresh.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use sluice::engine::snapshot::Snapshot;
use sluice::engine::{CycleResult, Engine, EngineConfig};
use sluice::git::{Author, Git, GitConfig};
use sluice::remotes::Remotes;
use sluice::store::NewBuild;
use sluice::store::sqlite::SqliteStore;
use sluice_core::config::{self, SourceFile};
use sluice_core::model::Asset;
use sluice_tests::demo::repos::git;

const SOURCE: &str = "https://git.example.com/contoso/runtime";
const BRANCHES: usize = 3;

/// A bare target repository with `BRANCHES` branches, each carrying Contoso.Runtime 1.0.0
/// at commit `aaaa…`; returns its `file://` URL.
fn target(root: &Path) -> String {
    let work = root.join("work");
    std::fs::create_dir_all(work.join("eng")).unwrap();
    git(&work, &["init", "--quiet", "--initial-branch=b0"]);
    let xml = format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<Dependencies>\n  <ProductDependencies>\n    <Dependency Name=\"Contoso.Runtime\" Version=\"1.0.0\">\n      <Uri>{SOURCE}</Uri>\n      <Sha>{}</Sha>\n    </Dependency>\n  </ProductDependencies>\n</Dependencies>\n",
        "a".repeat(40)
    );
    std::fs::write(work.join("eng/Version.Details.xml"), xml).unwrap();
    git(&work, &["add", "-A"]);
    git(&work, &["commit", "--quiet", "-m", "manifest"]);
    for b in 1..BRANCHES {
        git(&work, &["branch", &format!("b{b}")]);
    }
    let bare = root.join("target.git");
    git(
        root,
        &[
            "clone",
            "--quiet",
            "--bare",
            work.to_str().unwrap(),
            bare.to_str().unwrap(),
        ],
    );
    format!("file://{}", bare.display())
}

fn config_text(target: &str) -> String {
    let mut docs = vec![
        "apiVersion: sluice.dev/v1alpha1\nkind: Channel\nmetadata: {name: dev}\nspec: {}\n"
            .to_string(),
    ];
    for b in 0..BRANCHES {
        docs.push(format!(
            "apiVersion: sluice.dev/v1alpha1\nkind: Subscription\nmetadata: {{name: s{b}}}\nspec:\n  source: {{repository: \"{SOURCE}\", channel: dev}}\n  target: {{repository: \"{target}\", branch: b{b}}}\n"
        ));
    }
    docs.join("---\n")
}

/// A build the target already has: every key observes its branch and records it applied.
fn no_op_build(number: &str) -> NewBuild {
    NewBuild {
        repository: SOURCE.into(),
        branch: "main".into(),
        commit: "a".repeat(40),
        build_number: number.into(),
        produced_at: "2026-11-02T00:00:00Z".into(),
        assets: vec![Asset {
            name: "Contoso.Runtime".into(),
            version: "1.0.0".into(),
            non_shipping: false,
            locations: vec![],
        }],
        channels: vec!["dev".into()],
    }
}

#[tokio::test]
async fn every_key_of_a_repository_shares_one_listing_per_pass() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    let url = target(root);
    let store = Arc::new(SqliteStore::open(&root.join("sluice.db")).unwrap());
    let git_layer = Arc::new(Git::new(GitConfig::new(root.join("git"))));
    // No time-based reuse at all: only the pass shares the listing.
    let settings = EngineConfig {
        advertisement_ttl: Duration::ZERO,
        ..EngineConfig::default()
    };
    let engine = Engine::embedded(
        store,
        git_layer.clone(),
        Remotes::anonymous(),
        "http://127.0.0.1:0",
        Author::default(),
        settings,
    );
    let files = [SourceFile {
        path: "config.yaml".into(),
        text: config_text(&url),
    }];
    let loaded = config::load(&files);
    assert!(!loaded.has_errors(), "{:?}", loaded.diagnostics.first());
    engine.set_config(Snapshot::new(&loaded.config)).unwrap();
    let keys: Vec<String> = engine.snapshot().keys.keys().cloned().collect();
    assert_eq!(keys.len(), BRANCHES);

    for (round, number) in ["1", "2"].into_iter().enumerate() {
        engine.publish_build(&no_op_build(number)).unwrap();
        let before = git_layer.network_calls().heads;
        for key in &keys {
            assert_eq!(engine.reconcile(key).await, CycleResult::Settled);
            // However long the pass takes.
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        assert_eq!(
            git_layer.network_calls().heads - before,
            1,
            "pass {round}: one listing for the {BRANCHES} keys queued before it"
        );
    }
}
