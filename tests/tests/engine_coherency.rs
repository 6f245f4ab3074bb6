//! Coherent parents through the engine, on real git repositories: a runtime build moves
//! sdk's runtime and, in the same commit, the extensions dependency that follows it, to
//! the version runtime's own manifest references at the build's commit; a build whose
//! manifest lacks that dependency is held back by `ValidateCoherency` with a message
//! naming the failure.

use std::sync::Arc;

use sluice::engine::snapshot::Snapshot;
use sluice::engine::{CycleResult, Engine, EngineConfig};
use sluice::git::{Author, Git, GitConfig};
use sluice::remotes::Remotes;
use sluice::store::NewBuild;
use sluice::store::sqlite::SqliteStore;
use sluice_core::config::{self, SourceFile};
use sluice_core::model::{Asset, PolicyResult};
use sluice_tests::fixture_repo::FixtureRepo;
use sluice_tests::git_server::GitHttpServer;
use sluice_tests::version_details::{Dep, xml};

const RUNTIME: &str = "Contoso.Runtime";
const LOGGING: &str = "Contoso.Extensions.Logging";
const KEY: &str = "sub/runtime-to-sdk";

struct World {
    _dir: tempfile::TempDir,
    _server: GitHttpServer,
    runtime: FixtureRepo,
    sdk: FixtureRepo,
    runtime_url: String,
    extensions_url: String,
    engine: Arc<Engine>,
}

fn sdk_manifest(runtime_url: &str, extensions_url: &str) -> String {
    let mut logging = Dep::product(LOGGING, "1.0.0", extensions_url, &"e0".repeat(20));
    logging.coherent_parent = Some(RUNTIME.into());
    xml(&[
        Dep::product(RUNTIME, "1.0.0", runtime_url, &"0".repeat(40)),
        logging,
    ])
}

fn world() -> World {
    let dir = tempfile::tempdir().expect("tempdir");
    let served = dir.path().join("served");
    std::fs::create_dir_all(&served).expect("mkdir");
    let server = GitHttpServer::start(&served, None).expect("server");
    let runtime = FixtureRepo::create(&served, "runtime.git");
    let sdk = FixtureRepo::create(&served, "sdk.git");
    let runtime_url = server.url("runtime.git");
    let sdk_url = server.url("sdk.git");
    let extensions_url = server.url("extensions.git");
    sdk.commit(
        &[(
            "eng/Version.Details.xml",
            &sdk_manifest(&runtime_url, &extensions_url),
        )],
        "sdk",
    );
    let engine = Engine::embedded(
        Arc::new(SqliteStore::open_in_memory().expect("store")),
        Arc::new(Git::new(GitConfig::new(dir.path().join("cache")))),
        Remotes::anonymous(),
        "http://127.0.0.1:0",
        Author::default(),
        EngineConfig::default(),
    );
    let text = format!(
        "apiVersion: sluice.dev/v1alpha1\nkind: Channel\nmetadata: {{name: dev}}\nspec: {{}}\n---\napiVersion: sluice.dev/v1alpha1\nkind: Subscription\nmetadata: {{name: runtime-to-sdk}}\nspec:\n  source: {{repository: \"{runtime_url}\", channel: dev}}\n  target: {{repository: \"{sdk_url}\", branch: main}}\n  mergePolicies: [{{name: ValidateCoherency}}, {{name: NoRequestedChanges}}]\n"
    );
    let loaded = config::load(&[SourceFile {
        path: "coherency.yaml".into(),
        text,
    }]);
    assert!(!loaded.has_errors(), "{:?}", loaded.diagnostics);
    engine
        .set_config(Snapshot::new(&loaded.config))
        .expect("config accepted");
    World {
        _dir: dir,
        _server: server,
        runtime,
        sdk,
        runtime_url,
        extensions_url,
        engine,
    }
}

impl World {
    /// Commits `deps` as runtime's manifest and publishes that commit's build.
    fn runtime_build(&self, number: &str, version: &str, deps: &[Dep]) -> String {
        let commit = self
            .runtime
            .commit(&[("eng/Version.Details.xml", &xml(deps))], number);
        let build = NewBuild {
            repository: self.runtime_url.clone(),
            branch: "main".into(),
            commit: commit.clone(),
            build_number: number.into(),
            produced_at: String::new(),
            assets: vec![Asset {
                name: RUNTIME.into(),
                version: version.into(),
                non_shipping: false,
                locations: vec![],
            }],
            channels: vec!["dev".into()],
        };
        self.engine.publish_build(&build).expect("published");
        commit
    }

    /// One cycle of the key: push, open, evaluate the policies and merge if they pass.
    async fn settle(&self) {
        if let CycleResult::Failed(f) = self.engine.reconcile(KEY).await {
            panic!("cycle failed: {f:?}");
        }
    }

    fn sdk_manifest(&self) -> String {
        self.sdk
            .show("refs/heads/main", "eng/Version.Details.xml")
            .expect("sdk manifest")
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_coherent_child_moves_with_its_parent_and_the_update_merges() {
    let w = world();
    let logging_sha = "e1".repeat(20);
    w.runtime_build(
        "1",
        "2.0.0",
        &[Dep::product(
            LOGGING,
            "2.0.0",
            &w.extensions_url,
            &logging_sha,
        )],
    );
    w.settle().await;
    let manifest = w.sdk_manifest();
    assert!(
        manifest.contains(&format!("Name=\"{RUNTIME}\" Version=\"2.0.0\"")),
        "{manifest}"
    );
    assert!(
        manifest.contains(&format!(
            "Name=\"{LOGGING}\" Version=\"2.0.0\" CoherentParentDependency=\"{RUNTIME}\""
        )),
        "{manifest}"
    );
    assert!(
        manifest.contains(&format!("<Sha>{logging_sha}</Sha>")),
        "{manifest}"
    );
    let row = w
        .engine
        .status()
        .expect("status")
        .into_iter()
        .find(|r| r.name == "runtime-to-sdk")
        .expect("row");
    assert!(
        row.policies
            .iter()
            .any(|p| p.name == "ValidateCoherency" && p.result == PolicyResult::Passed),
        "{:?}",
        row.policies
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_parent_whose_manifest_lacks_the_child_blocks_the_merge() {
    let w = world();
    let before = w.sdk_manifest();
    let commit = w.runtime_build("1", "2.0.0", &[]);
    w.settle().await;
    assert_eq!(w.sdk_manifest(), before, "merged an incoherent update");
    let row = w
        .engine
        .status()
        .expect("status")
        .into_iter()
        .find(|r| r.name == "runtime-to-sdk")
        .expect("row");
    let coherency = row
        .policies
        .iter()
        .find(|p| p.name == "ValidateCoherency")
        .expect("evaluated");
    assert_eq!(coherency.result, PolicyResult::Failed);
    assert_eq!(
        coherency.message,
        format!(
            "coherency failures: {LOGGING} follows {RUNTIME}, but {} at {commit} does not reference it in eng/Version.Details.xml",
            w.runtime_url
        )
    );
}
