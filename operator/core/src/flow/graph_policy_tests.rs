//! Table tests of `ValidateCoherency` with `graph: true`: the update's graph, read a
//! frontier at a time, and the policy's verdicts.

use super::*;
use crate::flow::coherency::CoherencyReport;
use crate::flow::policy::{UpdateFacts, evaluate_update};
use crate::manifest::Dependency;
use crate::model::MergePolicyProperties;
use PolicyResult::{Failed, Passed, Pending};

fn url(name: &str) -> String {
    format!("https://example.com/contoso/{name}")
}

fn sha(n: u32) -> String {
    format!("{n:04}{}", "cd".repeat(18))
}

fn at(name: &str, n: u32) -> RepoAt {
    RepoAt::new(url(name), sha(n))
}

fn dep(name: &str, n: u32, version: &str) -> Dependency {
    Dependency::new(&format!("Contoso.{name}"), version, &url(name), &sha(n))
}

/// `eng/Version.Details.xml` declaring `product` and `toolset` as (name, commit, version).
fn details(product: &[(&str, u32, &str)], toolset: &[(&str, u32, &str)]) -> String {
    let section = |rows: &[(&str, u32, &str)]| -> String {
        rows.iter()
            .map(|(name, n, version)| {
                format!(
                    "    <Dependency Name=\"Contoso.{name}\" Version=\"{version}\">\n      <Uri>{}</Uri>\n      <Sha>{}</Sha>\n    </Dependency>\n",
                    url(name),
                    sha(*n)
                )
            })
            .collect()
    };
    format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<Dependencies>\n  <ProductDependencies>\n{}  </ProductDependencies>\n  <ToolsetDependencies>\n{}  </ToolsetDependencies>\n</Dependencies>\n",
        section(product),
        section(toolset)
    )
}

fn files(path: &str, text: &str) -> ManifestFiles {
    ManifestFiles::from([(path.to_owned(), text.as_bytes().to_vec())])
}

fn read(deps: Vec<Dependency>) -> ManifestRead {
    ManifestRead::Dependencies(deps)
}

/// Plays the engine: reads each frontier the planner asks for from `world` until the
/// graph is whole; returns it and the frontiers read.
fn walk(
    root: &RepoAt,
    files: &ManifestFiles,
    directories: &[String],
    world: &Manifests,
) -> (UpdateGraph, Vec<Vec<RepoAt>>) {
    let mut below = Manifests::new();
    let mut frontiers = Vec::new();
    loop {
        match update_graph(root, files, directories, &below) {
            UpdateGraph::Unread(reads) => {
                for r in &reads {
                    let found = world
                        .get(r)
                        .cloned()
                        .unwrap_or_else(|| ManifestRead::Unreadable("commit not found".into()));
                    below.insert(r.clone(), found);
                }
                frontiers.push(reads);
            }
            walked => return (walked, frontiers),
        }
    }
}

fn policy(name: MergePolicyName, graph: bool) -> MergePolicy {
    MergePolicy {
        name,
        properties: MergePolicyProperties {
            graph,
            ..Default::default()
        },
    }
}

#[test]
fn which_policies_want_the_graph() {
    use MergePolicyName::*;
    let cases = [
        (vec![policy(ValidateCoherency, true)], true),
        (vec![policy(Standard, true)], true),
        (vec![policy(ValidateCoherency, false)], false),
        (vec![policy(Standard, false)], false),
        (vec![policy(AllChecksSuccessful, true)], false),
        (
            vec![policy(NoRequestedChanges, false), policy(Standard, true)],
            true,
        ),
        (vec![], false),
    ];
    for (policies, expected) in cases {
        assert_eq!(wants_graph(&policies), expected, "{policies:?}");
    }
}

/// sdk's update moves runtime to commit 2; aspnetcore (at 1) still brings runtime 1.
fn incoherent_world() -> (ManifestFiles, Manifests) {
    let root = files(
        "eng/Version.Details.xml",
        &details(&[("aspnetcore", 1, "8.0.1"), ("runtime", 2, "8.0.2")], &[]),
    );
    let world = Manifests::from([
        (at("aspnetcore", 1), read(vec![dep("runtime", 1, "8.0.1")])),
        (at("runtime", 1), read(vec![])),
        (at("runtime", 2), read(vec![])),
    ]);
    (root, world)
}

#[test]
fn an_update_leaving_two_runtimes_in_the_product_fails_naming_versions_and_paths() {
    let (root_files, world) = incoherent_world();
    let root = at("sdk", 9);
    let (graph, frontiers) = walk(&root, &root_files, &[], &world);
    assert_eq!(
        frontiers,
        vec![
            vec![at("aspnetcore", 1), at("runtime", 2)],
            vec![at("runtime", 1)]
        ],
        "one breadth-first level per read"
    );
    let (result, message) = validate_graph(Some(&graph));
    assert_eq!(result, Failed);
    assert_eq!(
        message,
        format!(
            "the product graph would be incoherent: {} at 2 commits: {} (8.0.2) along sdk -> runtime, {} (8.0.1) along sdk -> aspnetcore -> runtime",
            url("runtime"),
            sha(2),
            sha(1)
        )
    );
}

#[test]
fn a_coherent_diamond_passes() {
    let root_files = files(
        "eng/Version.Details.xml",
        &details(
            &[("aspnetcore", 1, "8.0.1"), ("runtime", 2, "8.0.2")],
            // A toolset dependency on another runtime does not count.
            &[("runtime", 5, "7.0.0")],
        ),
    );
    let world = Manifests::from([
        (at("aspnetcore", 1), read(vec![dep("runtime", 2, "8.0.2")])),
        (at("runtime", 2), read(vec![])),
    ]);
    let (graph, _) = walk(&at("sdk", 9), &root_files, &[], &world);
    assert_eq!(
        validate_graph(Some(&graph)),
        (
            Passed,
            "the product graph is coherent (3 repositories, each at one commit)".to_string()
        )
    );
}

#[test]
fn manifests_in_subscription_directories_are_the_root() {
    let root_files = files(
        "src/sdk/eng/Version.Details.xml",
        &details(&[("runtime", 2, "8.0.2")], &[]),
    );
    let world = Manifests::from([(at("runtime", 2), read(vec![]))]);
    let (graph, frontiers) = walk(
        &at("sdk", 9),
        &root_files,
        &["./src/sdk".to_string(), "src/sdk/".to_string()],
        &world,
    );
    assert_eq!(frontiers, vec![vec![at("runtime", 2)]]);
    assert_eq!(validate_graph(Some(&graph)).0, Passed);
}

#[test]
fn unreadable_nodes_and_manifests_fail_with_the_reason() {
    let root_files = files(
        "eng/Version.Details.xml",
        &details(&[("runtime", 2, "8.0.2")], &[]),
    );
    let (graph, _) = walk(&at("sdk", 9), &root_files, &[], &Manifests::new());
    assert_eq!(
        validate_graph(Some(&graph)),
        (
            Failed,
            format!(
                "the product graph cannot be checked: {} at {}: commit not found",
                url("runtime"),
                sha(2)
            )
        )
    );
    let broken = files("eng/Version.Details.xml", "<Dependencies><oops");
    let (graph, frontiers) = walk(&at("sdk", 9), &broken, &[], &Manifests::new());
    assert!(frontiers.is_empty());
    let (result, message) = validate_graph(Some(&graph));
    assert_eq!(result, Failed);
    assert!(
        message.starts_with(&format!(
            "the product graph cannot be checked: {} at {}: eng/Version.Details.xml",
            url("sdk"),
            sha(9)
        )),
        "{message}"
    );
}

#[test]
fn graph_not_read_is_pending() {
    let (root_files, _) = incoherent_world();
    let graph = update_graph(&at("sdk", 9), &root_files, &[], &Manifests::new());
    assert_eq!(
        validate_graph(Some(&graph)),
        (
            Pending,
            "the product graph of the update is not read yet (2 repositories to read)".into()
        )
    );
    assert_eq!(validate_graph(None).0, Pending);
}

#[test]
fn both_halves_combine() {
    let pass = |m: &str| (Passed, m.to_string());
    let fail = |m: &str| (Failed, m.to_string());
    let wait = |m: &str| (Pending, m.to_string());
    let cases = [
        (pass("a"), pass("b"), (Passed, "a; b")),
        (fail("a"), pass("b"), (Failed, "a")),
        (pass("a"), fail("b"), (Failed, "b")),
        (fail("a"), fail("b"), (Failed, "a; b")),
        (wait("a"), fail("b"), (Failed, "b")),
        (wait("a"), pass("b"), (Pending, "a")),
        (pass("a"), wait("b"), (Pending, "b")),
    ];
    for (parents, graph, (result, message)) in cases {
        assert_eq!(
            combine(parents.clone(), graph.clone()),
            (result, message.to_string()),
            "{parents:?} {graph:?}"
        );
    }
}

#[test]
fn standard_with_graph_reports_the_incoherency_under_validate_coherency() {
    let (root_files, world) = incoherent_world();
    let (graph, _) = walk(&at("sdk", 9), &root_files, &[], &world);
    let clean = CoherencyReport::default();
    let facts = UpdateFacts {
        updates: &[],
        coherency: Some(&clean),
        details_props: None,
        product_graph: Some(&graph),
    };
    let with = evaluate_update(&[policy(MergePolicyName::Standard, true)], &[], &[], &facts);
    let coherency = with
        .iter()
        .find(|e| e.name == "ValidateCoherency")
        .expect("evaluated");
    assert_eq!(coherency.result, Failed);
    assert!(
        coherency
            .message
            .starts_with("the product graph would be incoherent: "),
        "{}",
        coherency.message
    );
    // Without the property the graph is not looked at.
    let without = evaluate_update(
        &[policy(MergePolicyName::Standard, false)],
        &[],
        &[],
        &facts,
    );
    let coherency = without
        .iter()
        .find(|e| e.name == "ValidateCoherency")
        .expect("evaluated");
    assert_eq!(coherency.result, Passed);
}
