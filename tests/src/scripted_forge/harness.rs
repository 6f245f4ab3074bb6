//! An engine in this process: a real SQLite store, real git caches, a real smart-HTTP
//! git server holding the demo product, and a [`ScriptedForge`] serving the target
//! repositories' host, so engine behaviour is driven and observed without processes.

use std::path::Path;
use std::sync::Arc;

use sluice::engine::snapshot::Snapshot;
use sluice::engine::{Engine, EngineConfig, SubscriptionStatusView};
use sluice::forge::local::LocalForge;
use sluice::forge::{Forge, ForgeRegistry};
use sluice::git::{Author, Git, GitConfig};
use sluice::remotes::Remotes;
use sluice::store::NewBuild;
use sluice::store::sqlite::SqliteStore;
use sluice_core::config::{self, SourceFile};
use sluice_core::flow::forges::ForgeKind;
use sluice_core::model::Asset;

use super::ScriptedForge;
use crate::demo::repos::{self, remote_url};
use crate::git_server::GitHttpServer;

/// The subscription every scenario flows through: runtime (on `file://`) into sdk (on
/// the scripted forge's host).
pub const SUBSCRIPTION: &str = "runtime-to-sdk";
/// Its update key's id.
pub const KEY: &str = "sub/runtime-to-sdk";

/// An engine flowing runtime into sdk, whose target is on the host of forge `F` (a
/// [`ScriptedForge`] unless said otherwise).
pub struct InProcess<F: ?Sized = ScriptedForge> {
    /// The engine (workers not started: call `spawn` for the queue's pacing).
    pub engine: Arc<Engine>,
    /// The forge of the target's host.
    pub forge: Arc<F>,
    /// Serves the target repository.
    pub git_server: GitHttpServer,
    root: std::path::PathBuf,
}

impl InProcess {
    /// Creates the demo repositories under `root`, serves them over HTTP, and loads a
    /// config with one subscription merging under `merge_policies` (YAML flow list).
    pub fn start(root: &Path, merge_policies: &str) -> InProcess {
        repos::create_repositories(root);
        let git_server = GitHttpServer::start(root.join("remotes"), None).expect("git server");
        let target = git_server.url("sdk.git");
        InProcess::start_with(
            root,
            merge_policies,
            git_server,
            &target,
            Remotes::anonymous(),
            EngineConfig {
                workers: 2,
                ..EngineConfig::default()
            },
            |local| ScriptedForge::new(local),
        )
    }
}

impl<F: Forge> InProcess<F> {
    /// An engine with `config` over the demo repositories already created under `root`,
    /// flowing runtime into `target` (served by `git_server`, reached with `remotes`)
    /// under `merge_policies`; `forge` makes the forge of the target's host from a
    /// git-native forge it may wrap.
    pub fn start_with(
        root: &Path,
        merge_policies: &str,
        git_server: GitHttpServer,
        target: &str,
        remotes: Remotes,
        config: EngineConfig,
        forge: impl FnOnce(Arc<LocalForge>) -> Arc<F>,
    ) -> InProcess<F> {
        let store = Arc::new(SqliteStore::open_in_memory().expect("store"));
        let git = Arc::new(Git::new(GitConfig::new(root.join("cache"))));
        let author = Author {
            name: "sluice".into(),
            email: "sluice@localhost".into(),
        };
        let local = |url: &str| {
            Arc::new(LocalForge::new(
                store.clone(),
                git.clone(),
                remotes.clone(),
                url,
                author.clone(),
            ))
        };
        let forge = forge(local("http://forge.invalid"));
        let host = git_server.addr().to_string();
        let forges = ForgeRegistry::new(local("http://127.0.0.1:0"))
            .with(ForgeKind::GitHub, forge.clone(), &[&host])
            .expect("host pattern");
        let engine = Engine::new(store, forges, git, remotes, author, config);
        let text = format!(
            "apiVersion: sluice.dev/v1alpha1\nkind: Channel\nmetadata: {{name: dev}}\nspec: {{}}\n---\napiVersion: sluice.dev/v1alpha1\nkind: Subscription\nmetadata: {{name: {SUBSCRIPTION}}}\nspec:\n  source: {{repository: \"{}\", channel: dev, visibility: public}}\n  target: {{repository: \"{target}\", branch: main}}\n  mergePolicies: {merge_policies}\n",
            remote_url(root, "runtime"),
        );
        let loaded = config::load(&[SourceFile {
            path: "scenario.yaml".into(),
            text,
        }]);
        assert!(!loaded.has_errors(), "{:?}", loaded.diagnostics);
        engine
            .set_config(Snapshot::new(&loaded.config))
            .expect("config accepted");
        InProcess {
            engine,
            forge,
            git_server,
            root: root.to_path_buf(),
        }
    }

    /// Publishes a build of runtime's `main` head with `Contoso.Runtime` at `version` on
    /// the channel (a commit the public runtime has, so it may flow into the public target).
    pub fn publish(&self, build_number: &str, version: &str) {
        let runtime = self.root.join("remotes/runtime.git");
        let build = NewBuild {
            repository: remote_url(&self.root, "runtime"),
            branch: "main".into(),
            commit: repos::git(&runtime, &["rev-parse", "main"]),
            build_number: build_number.into(),
            produced_at: String::new(),
            assets: vec![Asset {
                name: repos::asset_name("runtime"),
                version: version.into(),
                non_shipping: false,
                locations: vec![],
            }],
            channels: vec!["dev".into()],
        };
        self.engine.publish_build(&build).expect("published");
    }

    /// The subscription's status row.
    pub fn status(&self) -> SubscriptionStatusView {
        let rows = self.engine.status().expect("status");
        rows.into_iter()
            .find(|r| r.name == SUBSCRIPTION)
            .expect("the subscription's row")
    }

    /// The version of `Contoso.Runtime` on the target's main branch.
    pub fn target_version(&self) -> String {
        repos::versions(&self.root, "sdk")
            .into_iter()
            .find(|(name, _)| name == &repos::asset_name("runtime"))
            .map(|(_, version)| version)
            .expect("Contoso.Runtime in sdk's manifest")
    }
}
