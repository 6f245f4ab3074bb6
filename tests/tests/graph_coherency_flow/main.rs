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
//!   commits, versions and paths;
//! - batched into sdk, the runtime fix alone is held back and the same pull request merges
//!   once aspnetcore's build carrying that runtime joins it.

mod world;

use serde_json::Value;
use sluice_core::model::PolicyEvaluation;
use sluice_tests::version_details::{Dep, xml};
use world::{FIVE, THREE, asset, names, world};

/// The `ValidateCoherency` evaluation among `policies`.
fn coherency_of(policies: &[PolicyEvaluation]) -> &PolicyEvaluation {
    policies
        .iter()
        .find(|p| p.name == "ValidateCoherency")
        .expect("ValidateCoherency evaluated")
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
    let coherency = coherency_of(&policies);
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
    let coherency = coherency_of(&policies);
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
    let coherency = coherency_of(&policies);
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
