//! Incoherencies: one source repository reached at two or more commits. In a product,
//! that means two paths bring two builds of the same repository in, and nothing fails
//! until it ships.

use std::collections::BTreeMap;

use serde::Serialize;

use super::product::{Edge, Node, repository_identity};

/// One repository reached at more than one commit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Incoherency {
    /// The repository, as first met.
    pub repository: String,
    /// Each commit it was reached at, nearest to the root first.
    pub commits: Vec<IncoherentCommit>,
}

/// One of the commits of an incoherent repository, and how the walk got there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IncoherentCommit {
    /// The commit.
    pub commit: String,
    /// The versions the dependencies on it carry, sorted, without repeats.
    pub versions: Vec<String>,
    /// One path per depending node: the repositories from the root to this one, each
    /// depending node reached by its shortest path.
    pub paths: Vec<Vec<String>>,
}

/// The repositories from the root to node `to`, following the breadth-first parents.
fn path_to(nodes: &[Node], parents: &[Option<usize>], to: usize) -> Vec<String> {
    let mut path = vec![nodes[to].repository.clone()];
    let mut at = to;
    // Parents form a tree rooted at node 0; the bound only guards against a malformed one.
    for _ in 0..nodes.len() {
        match parents[at] {
            Some(p) => {
                path.push(nodes[p].repository.clone());
                at = p;
            }
            None => break,
        }
    }
    path.reverse();
    path
}

/// Every repository reached at more than one commit through `edges`, in the order the
/// repositories were first met.
pub fn incoherencies(
    nodes: &[Node],
    parents: &[Option<usize>],
    edges: &[Edge],
) -> Vec<Incoherency> {
    let mut by_repository: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (i, node) in nodes.iter().enumerate() {
        by_repository
            .entry(repository_identity(&node.repository))
            .or_default()
            .push(i);
    }
    let mut groups: Vec<Vec<usize>> = by_repository
        .into_values()
        .filter(|members| members.len() > 1)
        .collect();
    groups.sort_by_key(|members| members[0]);
    groups
        .into_iter()
        .map(|members| Incoherency {
            repository: nodes[members[0]].repository.clone(),
            commits: members
                .iter()
                .map(|&node| incoherent_commit(nodes, parents, edges, node))
                .collect(),
        })
        .collect()
}

fn incoherent_commit(
    nodes: &[Node],
    parents: &[Option<usize>],
    edges: &[Edge],
    node: usize,
) -> IncoherentCommit {
    let incoming: Vec<&Edge> = edges.iter().filter(|e| e.to == node).collect();
    let mut versions: Vec<String> = incoming.iter().map(|e| e.version.clone()).collect();
    versions.sort();
    versions.dedup();
    let mut sources: Vec<usize> = incoming.iter().map(|e| e.from).collect();
    sources.sort_unstable();
    sources.dedup();
    let paths = if sources.is_empty() {
        // The root, reached by no edge.
        vec![path_to(nodes, parents, node)]
    } else {
        sources
            .into_iter()
            .map(|from| {
                let mut path = path_to(nodes, parents, from);
                path.push(nodes[node].repository.clone());
                path
            })
            .collect()
    };
    IncoherentCommit {
        commit: nodes[node].commit.clone(),
        versions,
        paths,
    }
}
