//! The test world: fixture repositories served over smart HTTP, a config of
//! subscriptions between them, an embedded engine, and the `sluice graph` binary.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use serde_json::Value;
use sluice::engine::snapshot::Snapshot;
use sluice::engine::{CycleResult, Engine, EngineConfig};
use sluice::git::{Author, Git, GitConfig};
use sluice::remotes::Remotes;
use sluice::store::NewBuild;
use sluice::store::sqlite::SqliteStore;
use sluice_core::config::{self, SourceFile};
use sluice_core::flow::{Check, CheckState, repository_identity};
use sluice_core::model::{Asset, PolicyEvaluation, PullRequestState};
use sluice_tests::binary;
use sluice_tests::fixture_repo::FixtureRepo;
use sluice_tests::git_server::GitHttpServer;
use sluice_tests::version_details::{Dep, xml};

/// runtime, aspnetcore taking it, and sdk taking both (a diamond), in dependency order.
pub const THREE: &[(&str, &[&str])] = &[
    ("runtime", &[]),
    ("aspnetcore", &["runtime"]),
    ("sdk", &["aspnetcore", "runtime"]),
];

/// runtime, extensions, aspnetcore (taking both), sdk (taking aspnetcore and runtime),
/// installer (taking sdk), in dependency order.
pub const FIVE: &[(&str, &[&str])] = &[
    ("runtime", &[]),
    ("extensions", &["runtime"]),
    ("aspnetcore", &["runtime", "extensions"]),
    ("sdk", &["aspnetcore", "runtime"]),
    ("installer", &["sdk"]),
];

/// The asset a repository produces.
pub fn asset(repo: &str) -> String {
    format!("Contoso.{repo}")
}

/// The repositories, their server and an engine flowing between them.
pub struct World {
    dir: tempfile::TempDir,
    _server: GitHttpServer,
    /// By name.
    pub repos: BTreeMap<&'static str, FixtureRepo>,
    /// By name.
    pub urls: BTreeMap<&'static str, String>,
    engine: Arc<Engine>,
    builds: usize,
    /// The update key of each batched subscription.
    batched: BTreeMap<String, String>,
}

/// The product's repositories, each with a first commit whose manifest pins what it
/// consumes at the first commits of those (version 1.0.0); every edge a subscription,
/// whose spec ends with `strict_spec` (YAML lines) for targets in `strict` and with
/// `mergePolicies: [{name: AllChecksSuccessful}]` for the others; `extra` documents
/// follow, with `{URL:name}` replaced by the repository's URL.
pub fn world(
    product: &[(&'static str, &[&'static str])],
    strict: &[&str],
    strict_spec: &str,
    extra: &[&str],
) -> World {
    let dir = tempfile::tempdir().expect("tempdir");
    let served = dir.path().join("served");
    std::fs::create_dir_all(&served).expect("mkdir");
    let server = GitHttpServer::start(&served, None).expect("server");
    let mut repos: BTreeMap<&'static str, FixtureRepo> = BTreeMap::new();
    let mut urls: BTreeMap<&'static str, String> = BTreeMap::new();
    let mut heads: BTreeMap<&'static str, String> = BTreeMap::new();
    let mut batched = BTreeMap::new();
    let mut docs = vec![
        "apiVersion: sluice.dev/v1alpha1\nkind: Channel\nmetadata: {name: dev}\nspec: {}\n"
            .to_string(),
    ];
    for (name, consumes) in product {
        let repo = FixtureRepo::create(&served, &format!("{name}.git"));
        let url = server.url(&format!("{name}.git"));
        let deps: Vec<Dep> = consumes
            .iter()
            .map(|c| Dep::product(&asset(c), "1.0.0", &urls[c], &heads[c]))
            .collect();
        let mut files = vec![("README.md", format!("# {name}\n"))];
        if !deps.is_empty() {
            files.push(("eng/Version.Details.xml", xml(&deps)));
        }
        let files: Vec<(&str, &str)> = files.iter().map(|(p, t)| (*p, t.as_str())).collect();
        heads.insert(name, repo.commit(&files, "initial"));
        for source in *consumes {
            let tail = if strict.contains(name) {
                strict_spec
            } else {
                "  mergePolicies: [{name: AllChecksSuccessful}]\n"
            };
            if tail.contains("batchable: true") {
                batched.insert(
                    format!("{source}-to-{name}"),
                    format!("batch/{}#main", repository_identity(&url)),
                );
            }
            docs.push(format!(
                "apiVersion: sluice.dev/v1alpha1\nkind: Subscription\nmetadata: {{name: {source}-to-{name}}}\nspec:\n  source: {{repository: \"{}\", channel: dev}}\n  target: {{repository: \"{url}\", branch: main}}\n{tail}",
                urls[source]
            ));
        }
        repos.insert(*name, repo);
        urls.insert(*name, url);
    }
    for doc in extra {
        let mut doc = doc.to_string();
        for (name, url) in &urls {
            doc = doc.replace(&format!("{{URL:{name}}}"), url);
        }
        docs.push(doc);
    }
    let engine = Engine::embedded(
        Arc::new(SqliteStore::open_in_memory().expect("store")),
        Arc::new(Git::new(GitConfig::new(dir.path().join("cache")))),
        Remotes::anonymous(),
        "http://127.0.0.1:0",
        Author::default(),
        EngineConfig::default(),
    );
    let loaded = config::load(&[SourceFile {
        path: "product.yaml".into(),
        text: docs.join("---\n"),
    }]);
    assert!(!loaded.has_errors(), "{:?}", loaded.diagnostics);
    engine
        .set_config(Snapshot::new(&loaded.config))
        .expect("config accepted");
    World {
        dir,
        _server: server,
        repos,
        urls,
        engine,
        builds: 0,
        batched,
    }
}

impl World {
    /// Where `repo`'s main is.
    pub fn head(&self, repo: &str) -> String {
        self.repos[repo].rev("refs/heads/main").expect("main")
    }

    /// The repository's CI: publishes a build of its main head producing its asset at
    /// `version`.
    pub fn publish(&mut self, repo: &str, version: &str) -> String {
        self.builds += 1;
        let commit = self.head(repo);
        let build = NewBuild {
            repository: self.urls[repo].clone(),
            branch: "main".into(),
            commit: commit.clone(),
            build_number: format!("2026120{}", self.builds),
            produced_at: String::new(),
            assets: vec![Asset {
                name: asset(repo),
                version: version.into(),
                non_shipping: false,
                locations: vec![],
            }],
            channels: vec!["dev".into()],
        };
        self.engine.publish_build(&build).expect("published");
        commit
    }

    /// One cycle of the subscription's update key.
    pub async fn cycle(&self, subscription: &str) {
        let key = self
            .batched
            .get(subscription)
            .cloned()
            .unwrap_or_else(|| format!("sub/{subscription}"));
        if let CycleResult::Failed(f) = self.engine.reconcile(&key).await {
            panic!("{subscription}: cycle failed: {f:?}");
        }
    }

    /// The subscription's status row.
    pub fn row(&self, subscription: &str) -> sluice::engine::SubscriptionStatusView {
        self.engine
            .status()
            .expect("status")
            .into_iter()
            .find(|r| r.name == subscription)
            .expect("row")
    }

    /// Runs the subscription: its update pull request opens, its CI reports a passing
    /// check, and the policies decide. Returns whether it merged, and the policies.
    pub async fn run(&self, subscription: &str) -> (bool, Vec<PolicyEvaluation>) {
        self.cycle(subscription).await;
        let pr = self.row(subscription).pull_request.expect("a pull request");
        let check = Check {
            name: "build".into(),
            state: CheckState::Success,
        };
        self.engine
            .report_check(pr.number.expect("number"), &check, None)
            .await
            .expect("check reported");
        self.cycle(subscription).await;
        self.cycle(subscription).await;
        let row = self.row(subscription);
        let merged = row.pull_request.expect("pull request").state == PullRequestState::Merged;
        (merged, row.policies)
    }

    /// Runs the subscription, which must merge.
    pub async fn merge(&self, subscription: &str) {
        let (merged, policies) = self.run(subscription).await;
        assert!(merged, "{subscription} did not merge: {policies:?}");
    }

    /// `sluice graph` of `repo`'s main, as JSON.
    pub fn graph(&self, repo: &str) -> Value {
        let cache: PathBuf = self.dir.path().join("cli-cache");
        let out = binary::run(&[
            "graph",
            &self.urls[repo],
            "--format",
            "json",
            "--cache",
            cache.to_str().expect("utf-8"),
        ]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).expect("json")
    }
}

/// The repository names of a JSON path.
pub fn names(path: &Value) -> Vec<String> {
    path.as_array()
        .expect("path")
        .iter()
        .map(|r| {
            let url = r.as_str().expect("url");
            url.trim_end_matches(".git")
                .rsplit('/')
                .next()
                .expect("name")
                .to_owned()
        })
        .collect()
}
