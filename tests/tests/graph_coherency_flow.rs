//! The product graph and the flow, end to end on real git repositories served over HTTP:
//!
//! - five repositories with a diamond (sdk takes runtime directly and through
//!   aspnetcore): a runtime fix that reaches sdk directly, and from sdk the installer,
//!   before it went through aspnetcore leaves the product incoherent, which `sluice graph`
//!   walked from the installer finds; the flow then carries the fix through extensions and
//!   aspnetcore up to the installer (builds published, updates merged) and `sluice graph`
//!   reports the product coherent;
//! - `Standard` with `graph: true` on sdk's subscriptions merges an update that keeps the
//!   graph coherent and blocks one that would leave runtime at two commits, naming the
//!   commits, versions and paths.

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

/// (repository, what it consumes), in dependency order.
/// runtime, aspnetcore taking it, and sdk taking both (a diamond).
const THREE: &[(&str, &[&str])] = &[
    ("runtime", &[]),
    ("aspnetcore", &["runtime"]),
    ("sdk", &["aspnetcore", "runtime"]),
];

const FIVE: &[(&str, &[&str])] = &[
    ("runtime", &[]),
    ("extensions", &["runtime"]),
    ("aspnetcore", &["runtime", "extensions"]),
    ("sdk", &["aspnetcore", "runtime"]),
    ("installer", &["sdk"]),
];

fn asset(repo: &str) -> String {
    format!("Contoso.{repo}")
}

struct World {
    dir: tempfile::TempDir,
    _server: GitHttpServer,
    repos: BTreeMap<&'static str, FixtureRepo>,
    urls: BTreeMap<&'static str, String>,
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
fn world(
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
    fn head(&self, repo: &str) -> String {
        self.repos[repo].rev("refs/heads/main").expect("main")
    }

    /// The repository's CI: publishes a build of its main head producing its asset at
    /// `version`.
    fn publish(&mut self, repo: &str, version: &str) -> String {
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

    async fn cycle(&self, subscription: &str) {
        let key = self
            .batched
            .get(subscription)
            .cloned()
            .unwrap_or_else(|| format!("sub/{subscription}"));
        if let CycleResult::Failed(f) = self.engine.reconcile(&key).await {
            panic!("{subscription}: cycle failed: {f:?}");
        }
    }

    fn row(&self, subscription: &str) -> sluice::engine::SubscriptionStatusView {
        self.engine
            .status()
            .expect("status")
            .into_iter()
            .find(|r| r.name == subscription)
            .expect("row")
    }

    /// Runs the subscription: its update pull request opens, its CI reports a passing
    /// check, and the policies decide. Returns whether it merged, and the policies.
    async fn run(&self, subscription: &str) -> (bool, Vec<PolicyEvaluation>) {
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
    async fn merge(&self, subscription: &str) {
        let (merged, policies) = self.run(subscription).await;
        assert!(merged, "{subscription} did not merge: {policies:?}");
    }

    /// `sluice graph` of `repo`'s main, as JSON.
    fn graph(&self, repo: &str) -> Value {
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

fn names(path: &Value) -> Vec<String> {
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_incoherent_product_is_found_from_the_top_and_resolved_by_the_flow() {
    let mut w = world(FIVE, &[], "", &[]);
    let before = w.graph("installer");
    assert_eq!(before["nodes"].as_array().expect("nodes").len(), 5);
    assert_eq!(before["incoherencies"], Value::Array(vec![]));
    let r1 = w.head("runtime");

    // A runtime fix goes straight into sdk, and sdk's build into the installer.
    let r2 = w.repos["runtime"].commit(&[("src/fix.txt", "fixed\n")], "a fix");
    w.publish("runtime", "2.0.0");
    w.merge("runtime-to-sdk").await;
    w.publish("sdk", "2.0.0");
    w.merge("sdk-to-installer").await;

    let found = w.graph("installer");
    let incoherencies = found["incoherencies"].as_array().expect("list");
    assert_eq!(incoherencies.len(), 1, "{found:#}");
    let runtime = &incoherencies[0];
    assert_eq!(runtime["repository"], w.urls["runtime"].as_str());
    let commits = runtime["commits"].as_array().expect("commits");
    assert_eq!(commits.len(), 2);
    assert_eq!(commits[0]["commit"], r2.as_str());
    assert_eq!(commits[0]["versions"], serde_json::json!(["2.0.0"]));
    assert_eq!(
        names(&commits[0]["paths"][0]),
        ["installer", "sdk", "runtime"]
    );
    assert_eq!(commits[1]["commit"], r1.as_str());
    assert_eq!(commits[1]["versions"], serde_json::json!(["1.0.0"]));
    let mut old_paths: Vec<Vec<String>> = commits[1]["paths"]
        .as_array()
        .expect("paths")
        .iter()
        .map(names)
        .collect();
    old_paths.sort();
    assert_eq!(
        old_paths,
        [
            vec!["installer", "sdk", "aspnetcore", "extensions", "runtime"],
            vec!["installer", "sdk", "aspnetcore", "runtime"],
        ]
    );

    // The flow carries the fix through the rest of the product.
    w.merge("runtime-to-extensions").await;
    w.publish("extensions", "2.0.0");
    w.merge("runtime-to-aspnetcore").await;
    w.merge("extensions-to-aspnetcore").await;
    w.publish("aspnetcore", "2.0.0");
    w.merge("aspnetcore-to-sdk").await;
    w.publish("sdk", "3.0.0");
    w.merge("sdk-to-installer").await;

    let after = w.graph("installer");
    assert_eq!(after["incoherencies"], Value::Array(vec![]), "{after:#}");
    assert_eq!(after["unreadable"], Value::Array(vec![]), "{after:#}");
    let runtimes: Vec<&Value> = after["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .filter(|n| n["repository"] == w.urls["runtime"].as_str())
        .collect();
    assert_eq!(runtimes.len(), 1);
    assert_eq!(runtimes[0]["commit"], r2.as_str());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn standard_with_graph_merges_a_coherent_update_and_blocks_an_incoherent_one() {
    let mut w = world(
        THREE,
        &["sdk"],
        "  mergePolicies: [{name: Standard, properties: {graph: true}}]\n",
        &[],
    );
    let r1 = w.head("runtime");

    // A change of aspnetcore's own, on the runtime sdk has: coherent, it merges.
    let aspnetcore_manifest = w.repos["aspnetcore"]
        .show("refs/heads/main", "eng/Version.Details.xml")
        .expect("manifest");
    w.repos["aspnetcore"].commit(
        &[
            ("eng/Version.Details.xml", &aspnetcore_manifest),
            ("src/feature.txt", "new\n"),
        ],
        "a feature",
    );
    w.publish("aspnetcore", "2.0.0");
    let (merged, policies) = w.run("aspnetcore-to-sdk").await;
    assert!(merged, "{policies:?}");
    let coherency = policies
        .iter()
        .find(|p| p.name == "ValidateCoherency")
        .expect("evaluated");
    assert_eq!(
        coherency.message,
        "every coherent dependency follows its parent; the product graph is coherent (3 repositories, each at one commit)"
    );

    // A runtime fix straight into sdk while aspnetcore still brings the old runtime.
    let r2 = w.repos["runtime"].commit(&[("src/fix.txt", "fixed\n")], "a fix");
    w.publish("runtime", "2.0.0");
    let sdk_before = w.head("sdk");
    let (merged, policies) = w.run("runtime-to-sdk").await;
    assert!(!merged, "merged an incoherent update: {policies:?}");
    assert_eq!(w.head("sdk"), sdk_before);
    let coherency = policies
        .iter()
        .find(|p| p.name == "ValidateCoherency")
        .expect("evaluated");
    assert_eq!(
        coherency.result,
        sluice_core::model::PolicyResult::Failed,
        "{coherency:?}"
    );
    assert_eq!(
        coherency.message,
        format!(
            "the product graph would be incoherent: {} at 2 commits: {r2} (2.0.0) along sdk -> runtime, {r1} (1.0.0) along sdk -> aspnetcore -> runtime",
            w.urls["runtime"]
        )
    );
    let others: Vec<&PolicyEvaluation> = policies
        .iter()
        .filter(|p| p.name != "ValidateCoherency")
        .collect();
    assert!(
        others
            .iter()
            .all(|p| p.result == sluice_core::model::PolicyResult::Passed),
        "{others:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batched_diamond_merges_once_both_sides_carry_the_same_runtime() {
    let policy = "apiVersion: sluice.dev/v1alpha1\nkind: RepositoryPolicy\nmetadata: {name: sdk-main}\nspec:\n  repository: \"{URL:sdk}\"\n  branch: main\n  mergePolicies: [{name: Standard, properties: {graph: true}}]\n";
    let mut w = world(THREE, &["sdk"], "  batchable: true\n", &[policy]);

    // The runtime fix alone: sdk's batched pull request would be incoherent.
    let r2 = w.repos["runtime"].commit(&[("src/fix.txt", "fixed\n")], "a fix");
    w.publish("runtime", "2.0.0");
    let sdk_before = w.head("sdk");
    let (merged, policies) = w.run("runtime-to-sdk").await;
    assert!(!merged, "{policies:?}");
    assert_eq!(w.head("sdk"), sdk_before);
    let coherency = policies
        .iter()
        .find(|p| p.name == "ValidateCoherency")
        .expect("evaluated");
    assert!(
        coherency
            .message
            .starts_with("the product graph would be incoherent: "),
        "{coherency:?}"
    );

    // aspnetcore takes the fix and publishes: the same pull request now carries both
    // builds, the graph is coherent, and it merges.
    let aspnetcore = xml(&[Dep::product(
        &asset("runtime"),
        "2.0.0",
        &w.urls["runtime"],
        &r2,
    )]);
    w.repos["aspnetcore"].commit(&[("eng/Version.Details.xml", &aspnetcore)], "runtime 2.0.0");
    w.publish("aspnetcore", "2.0.0");
    let (merged, policies) = w.run("aspnetcore-to-sdk").await;
    assert!(merged, "{policies:?}");
    let graph = w.graph("sdk");
    assert_eq!(graph["incoherencies"], Value::Array(vec![]), "{graph:#}");
    let runtimes: Vec<&Value> = graph["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .filter(|n| n["repository"] == w.urls["runtime"].as_str())
        .collect();
    assert_eq!(runtimes.len(), 1);
    assert_eq!(runtimes[0]["commit"], r2.as_str());
}
