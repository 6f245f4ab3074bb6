//! Table tests of the product graph: the walk, coherency and the renderers.

mod coherency;
mod diff;
mod gather;
mod network;
mod readiness;
mod render;
mod timing;
mod walk;

use std::collections::BTreeMap;

use crate::manifest::{Dependency, DependencyKind};

use super::product::{ManifestRead, Manifests, ProductGraph, RepoAt, WalkOptions};
use super::walk::{build_graph, next_reads};

/// A repository URL of the test world.
pub(super) fn url(name: &str) -> String {
    format!("https://example.com/contoso/{name}")
}

/// A 40-digit commit id made from a small number, which leads it (so short forms differ).
pub(super) fn sha(n: u32) -> String {
    format!("{n:04}{}", "ab".repeat(18))
}

/// `name` at commit `n`.
pub(super) fn at(name: &str, n: u32) -> RepoAt {
    RepoAt::new(url(name), sha(n))
}

/// A dependency on `name`'s asset at `version`, built from `name` at commit `n`.
pub(super) fn dep(name: &str, n: u32, version: &str, kind: DependencyKind) -> Dependency {
    let mut d = Dependency::new(&format!("Contoso.{name}"), version, &url(name), &sha(n));
    d.kind = kind;
    d
}

/// A product dependency.
pub(super) fn product(name: &str, n: u32, version: &str) -> Dependency {
    dep(name, n, version, DependencyKind::Product)
}

/// Every manifest that exists: what an adapter would find by reading.
pub(super) type World = BTreeMap<RepoAt, ManifestRead>;

/// A world from (node, dependencies) rows.
pub(super) fn world(rows: Vec<(RepoAt, Vec<Dependency>)>) -> World {
    rows.into_iter()
        .map(|(at, deps)| (at, ManifestRead::Dependencies(deps)))
        .collect()
}

/// Plays the adapter: asks what to read, reads that whole frontier from `world` (absent
/// means unreadable), until nothing is left; returns the graph and the frontiers read.
pub(super) fn walk(
    root: &RepoAt,
    world: &World,
    options: WalkOptions,
) -> (ProductGraph, Vec<Vec<RepoAt>>) {
    let mut known = Manifests::new();
    let mut frontiers = Vec::new();
    loop {
        let next = next_reads(root, &known, options);
        if next.is_empty() {
            break;
        }
        assert!(frontiers.len() < 100, "the walk does not terminate");
        for at in &next {
            let read = world.get(at).cloned().unwrap_or_else(|| {
                ManifestRead::Unreadable("eng/Version.Details.xml: not found".into())
            });
            known.insert(at.clone(), read);
        }
        frontiers.push(next);
    }
    (build_graph(root, &known, options), frontiers)
}

/// The (repository name, commit number) of every node, in order.
pub(super) fn node_names(graph: &ProductGraph) -> Vec<(String, usize)> {
    graph
        .nodes
        .iter()
        .map(|n| {
            (
                super::product::display_name(&n.repository).to_owned(),
                n.depth,
            )
        })
        .collect()
}

/// The product of the README: sdk takes runtime directly and through aspnetcore, which
/// took an older runtime; extensions sits under aspnetcore; arcade is the toolset.
pub(super) fn diamond() -> World {
    world(vec![
        (
            at("sdk", 1),
            vec![
                product("runtime", 2, "9.0.1"),
                product("aspnetcore", 3, "9.0.1"),
                dep("arcade", 9, "10.0.0-beta.1", DependencyKind::Toolset),
            ],
        ),
        (
            at("aspnetcore", 3),
            vec![
                product("runtime", 20, "9.0.0"),
                product("extensions", 4, "9.0.0"),
            ],
        ),
        (at("runtime", 2), vec![]),
        (at("runtime", 20), vec![]),
        (at("extensions", 4), vec![product("runtime", 20, "9.0.0")]),
        (
            at("arcade", 9),
            vec![dep("arcade", 8, "10.0.0-beta.0", DependencyKind::Toolset)],
        ),
        (at("arcade", 8), vec![]),
    ])
}
