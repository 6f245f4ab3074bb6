//! `ValidateCoherency` with `graph: true`: the product graph of the target as it would be
//! after the update. Its root is the target at the update's head commit, whose manifest
//! is the update's own (known to the planner, not read); below it are the repositories
//! at the commits the update's dependencies name, theirs, and so on, which the engine
//! reads. The planner asks for what it still needs ([`UpdateGraph::Unread`], carried out
//! as [`super::types::Plan::graph_reads`]); the engine reads those nodes, adds them to
//! [`super::types::KeyInput::product_manifests`] and plans again until the graph is whole.
//!
//! The policy fails when one repository is reached at two or more commits through
//! product dependencies, naming each commit with the versions that pin it and the paths
//! from the target that lead to it.

use crate::graph::{
    self, Incoherency, ManifestRead, Manifests, ProductGraph, RepoAt, WalkOptions,
    product::display_name,
};
use crate::manifest::{self, ManifestFiles};
use crate::model::{MergePolicy, MergePolicyName, PolicyResult};

use super::render::{directory_view, normalize_directory};

/// Whether any of `policies` checks the product graph: `ValidateCoherency`, or a
/// composite containing it, with `graph: true`.
pub fn wants_graph(policies: &[MergePolicy]) -> bool {
    policies.iter().any(|p| {
        p.properties.graph
            && p.name
                .members()
                .contains(&MergePolicyName::ValidateCoherency)
    })
}

/// The product graph of the target after an update, as far as it is known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UpdateGraph {
    /// Nodes below the update not read yet: the next breadth-first frontier.
    Unread(Vec<RepoAt>),
    /// The whole graph.
    Walked(ProductGraph),
}

/// The product graph of `root` (the target at the update's head commit) whose manifest
/// is `files` (the target's manifest files after the update) in each of `directories`
/// (as subscriptions name them; none means the repository root), over the manifests of
/// the nodes below read so far (`below`). Only product dependencies are followed.
pub fn update_graph(
    root: &RepoAt,
    files: &ManifestFiles,
    directories: &[String],
    below: &Manifests,
) -> UpdateGraph {
    let mut directories: Vec<String> = directories.iter().map(|d| normalize_directory(d)).collect();
    if directories.is_empty() {
        directories.push(String::new());
    }
    directories.sort();
    directories.dedup();
    let mut dependencies = Vec::new();
    let mut problems = Vec::new();
    for directory in &directories {
        match manifest::list(&directory_view(files, directory)) {
            Ok(list) => dependencies.extend(list),
            Err(err) => problems.push(err.to_string()),
        }
    }
    let read = if problems.is_empty() {
        ManifestRead::Dependencies(dependencies)
    } else {
        ManifestRead::Unreadable(problems.join("; "))
    };
    let mut known = below.clone();
    known.insert(root.clone(), read);
    let options = WalkOptions::default();
    let reads = graph::next_reads(root, &known, options);
    if reads.is_empty() {
        UpdateGraph::Walked(graph::build_graph(root, &known, options))
    } else {
        UpdateGraph::Unread(reads)
    }
}

/// One incoherency for people: the repository, then each commit it is reached at with
/// the versions pinning it and the paths (repository names from the target) leading
/// there.
pub fn describe(incoherency: &Incoherency) -> String {
    let commits: Vec<String> = incoherency
        .commits
        .iter()
        .map(|c| {
            let paths: Vec<String> = c
                .paths
                .iter()
                .map(|p| {
                    p.iter()
                        .map(|r| display_name(r))
                        .collect::<Vec<_>>()
                        .join(" -> ")
                })
                .collect();
            let versions = if c.versions.is_empty() {
                String::new()
            } else {
                format!(" ({})", c.versions.join(", "))
            };
            format!("{}{versions} along {}", c.commit, paths.join(" and "))
        })
        .collect();
    format!(
        "{} at {} commits: {}",
        incoherency.repository,
        incoherency.commits.len(),
        commits.join(", ")
    )
}

/// The graph half of `ValidateCoherency` with `graph: true`.
pub fn validate_graph(graph: Option<&UpdateGraph>) -> (PolicyResult, String) {
    let graph = match graph {
        None => {
            return (
                PolicyResult::Pending,
                "the product graph of the update is not worked out yet".to_string(),
            );
        }
        Some(UpdateGraph::Unread(reads)) => {
            return (
                PolicyResult::Pending,
                format!(
                    "the product graph of the update is not read yet ({} repositories to read)",
                    reads.len()
                ),
            );
        }
        Some(UpdateGraph::Walked(graph)) => graph,
    };
    if !graph.incoherencies.is_empty() {
        let found: Vec<String> = graph.incoherencies.iter().map(describe).collect();
        return (
            PolicyResult::Failed,
            format!(
                "the product graph would be incoherent: {}",
                found.join("; ")
            ),
        );
    }
    if !graph.unreadable.is_empty() {
        let found: Vec<String> = graph
            .unreadable
            .iter()
            .map(|u| format!("{} at {}: {}", u.repository, u.commit, u.reason))
            .collect();
        return (
            PolicyResult::Failed,
            format!("the product graph cannot be checked: {}", found.join("; ")),
        );
    }
    (
        PolicyResult::Passed,
        format!(
            "the product graph is coherent ({} repositories, each at one commit)",
            graph.nodes.len()
        ),
    )
}

/// `ValidateCoherency` with `graph: true`: both halves, failed when either fails, pending
/// when either is pending, each failing or pending half's message.
pub fn combine(
    parents: (PolicyResult, String),
    graph: (PolicyResult, String),
) -> (PolicyResult, String) {
    for result in [PolicyResult::Failed, PolicyResult::Pending] {
        let messages: Vec<&str> = [&parents, &graph]
            .into_iter()
            .filter(|(r, _)| *r == result)
            .map(|(_, m)| m.as_str())
            .collect();
        if !messages.is_empty() {
            return (result, messages.join("; "));
        }
    }
    (PolicyResult::Passed, format!("{}; {}", parents.1, graph.1))
}

#[cfg(test)]
#[path = "graph_policy_tests.rs"]
mod tests;
