//! The breadth-first walk of the product graph: which nodes to read next, and the graph
//! once they are read. Both run the same traversal over what is known, so the node a
//! read is asked for is exactly the key its result is found under.

use std::collections::{BTreeMap, VecDeque};

use crate::validate;

use super::coherency;
use super::product::{
    Edge, ManifestRead, Manifests, Node, ProductGraph, RepoAt, Unreadable, WalkOptions,
};

/// What one traversal over the known manifests found.
pub(crate) struct Traversal {
    /// Nodes in breadth-first order, spelled as first met.
    pub nodes: Vec<(RepoAt, usize)>,
    /// For each node, the node it was first reached from (`None` for the root).
    pub parents: Vec<Option<usize>>,
    /// Every dependency followed.
    pub edges: Vec<Edge>,
    /// Nodes to expand whose manifests are not known yet.
    pub unread: Vec<usize>,
    /// Nodes that cannot be read, with the reason.
    pub unreadable: Vec<(usize, String)>,
}

/// Why a node cannot be read at all: its repository URL or its commit fails the core's
/// validators (a manifest is untrusted input).
fn invalid(at: &RepoAt) -> Option<String> {
    if let Err(e) = validate::repository(&at.repository) {
        return Some(e.to_string());
    }
    validate::commit(&at.commit).err().map(|e| e.to_string())
}

/// Walks breadth-first from `root` over `known`.
pub(crate) fn traverse(root: &RepoAt, known: &Manifests, options: WalkOptions) -> Traversal {
    let mut t = Traversal {
        nodes: Vec::new(),
        parents: Vec::new(),
        edges: Vec::new(),
        unread: Vec::new(),
        unreadable: Vec::new(),
    };
    let mut index: BTreeMap<(String, String), usize> = BTreeMap::new();
    let mut queue = VecDeque::new();
    let mut add = |t: &mut Traversal, at: &RepoAt, depth: usize, parent: Option<usize>| {
        let key = at.key();
        if let Some(&i) = index.get(&key) {
            return (i, false);
        }
        let i = t.nodes.len();
        index.insert(key, i);
        t.nodes.push((at.clone(), depth));
        t.parents.push(parent);
        (i, true)
    };
    let (root_index, _) = add(&mut t, root, 0, None);
    queue.push_back(root_index);
    while let Some(i) = queue.pop_front() {
        let (at, depth) = t.nodes[i].clone();
        if let Some(reason) = invalid(&at) {
            t.unreadable.push((i, reason));
            continue;
        }
        if !options.expands(depth) {
            continue;
        }
        let deps = match known.get(&at) {
            None => {
                t.unread.push(i);
                continue;
            }
            Some(ManifestRead::Unreadable(reason)) => {
                t.unreadable.push((i, reason.clone()));
                continue;
            }
            Some(ManifestRead::Dependencies(deps)) => deps,
        };
        for dep in deps.iter().filter(|d| options.follows(d.kind)) {
            let target = RepoAt::new(dep.repository.as_str(), dep.commit.as_str());
            let (j, new) = add(&mut t, &target, depth + 1, Some(i));
            if new {
                queue.push_back(j);
            }
            t.edges.push(Edge {
                from: i,
                to: j,
                dependency: dep.name.clone(),
                version: dep.version.clone(),
                kind: dep.kind,
            });
        }
    }
    t
}

/// The nodes whose manifests the walk needs next: every node reachable through what is
/// known, within the depth bound, not read yet. Empty when the walk is complete. Read
/// them (in parallel), add the results to `known` under these very keys, and ask again.
pub fn next_reads(root: &RepoAt, known: &Manifests, options: WalkOptions) -> Vec<RepoAt> {
    let t = traverse(root, known, options);
    t.unread.into_iter().map(|i| t.nodes[i].0.clone()).collect()
}

/// The product graph from `root` over the manifests read. A node the walk needed but
/// `known` lacks is reported as unreadable ("not read"), so the result is whole even
/// when the reads stopped early.
pub fn build_graph(root: &RepoAt, known: &Manifests, options: WalkOptions) -> ProductGraph {
    let t = traverse(root, known, options);
    let nodes: Vec<Node> = t
        .nodes
        .iter()
        .map(|(at, depth)| Node {
            repository: at.repository.clone(),
            commit: at.commit.clone(),
            depth: *depth,
        })
        .collect();
    let mut unreadable: Vec<Unreadable> = t
        .unreadable
        .iter()
        .cloned()
        .chain(t.unread.iter().map(|&i| (i, "not read".to_owned())))
        .map(|(node, reason)| Unreadable {
            node,
            repository: nodes[node].repository.clone(),
            commit: nodes[node].commit.clone(),
            reason,
        })
        .collect();
    unreadable.sort_by_key(|u| u.node);
    let incoherencies = coherency::incoherencies(&nodes, &t.parents, &t.edges);
    ProductGraph {
        root: root.clone(),
        nodes,
        edges: t.edges,
        incoherencies,
        unreadable,
    }
}
