//! The product graph for people (a text tree) and for tools (JSON).

use std::fmt::Write as _;

use crate::manifest::DependencyKind;

use super::product::{Edge, Node, ProductGraph, display_name};

/// A commit shortened for people (12 hexadecimal digits, as `git log --abbrev=12`).
pub fn short_commit(commit: &str) -> &str {
    commit.get(..12).unwrap_or(commit)
}

fn node_label(node: &Node) -> String {
    format!(
        "{} @ {}",
        display_name(&node.repository),
        short_commit(&node.commit)
    )
}

fn marks(graph: &ProductGraph, index: usize) -> String {
    let mut out = String::new();
    if graph.is_incoherent(index) {
        out.push_str(" [incoherent]");
    }
    if let Some(reason) = graph.unreadable_reason(index) {
        let _ = write!(out, " [unreadable: {reason}]");
    }
    out
}

/// The graph as a tree from the root: one line per dependency, each node's dependencies
/// below it the first time it appears (`(see above)` afterwards), incoherent and
/// unreadable nodes marked; then the incoherencies and unreadable nodes spelled out.
pub fn text(graph: &ProductGraph) -> String {
    let mut children: Vec<Vec<&Edge>> = vec![Vec::new(); graph.nodes.len()];
    for edge in &graph.edges {
        children[edge.from].push(edge);
    }
    let mut out = String::new();
    let Some(root) = graph.nodes.first() else {
        return out;
    };
    let _ = writeln!(out, "{}{}", node_label(root), marks(graph, 0));
    let mut shown = vec![false; graph.nodes.len()];
    shown[0] = true;
    // (node, prefix of its children's lines, next child); iterative, so depth is no risk.
    let mut stack: Vec<(usize, String, usize)> = vec![(0, String::new(), 0)];
    while let Some((node, prefix, next)) = stack.last_mut() {
        let Some(edge) = children[*node].get(*next) else {
            stack.pop();
            continue;
        };
        *next += 1;
        let last = *next == children[*node].len();
        let (branch, indent) = if last {
            ("└── ", "    ")
        } else {
            ("├── ", "│   ")
        };
        let target = edge.to;
        let toolset = if edge.kind == DependencyKind::Toolset {
            " (toolset)"
        } else {
            ""
        };
        let again = if shown[target] && !children[target].is_empty() {
            " (see above)"
        } else {
            ""
        };
        let _ = writeln!(
            out,
            "{prefix}{branch}{} {}{toolset} -> {}{}{again}",
            edge.dependency,
            edge.version,
            node_label(&graph.nodes[target]),
            marks(graph, target)
        );
        if !shown[target] {
            shown[target] = true;
            let child_prefix = format!("{prefix}{indent}");
            stack.push((target, child_prefix, 0));
        }
    }
    summary(graph, &mut out);
    out
}

fn summary(graph: &ProductGraph, out: &mut String) {
    let _ = writeln!(
        out,
        "\n{} repositories at {} commits, {} dependencies",
        {
            let mut repos: Vec<String> = graph
                .nodes
                .iter()
                .map(|n| super::product::repository_identity(&n.repository))
                .collect();
            repos.sort();
            repos.dedup();
            repos.len()
        },
        graph.nodes.len(),
        graph.edges.len()
    );
    if graph.incoherencies.is_empty() {
        let _ = writeln!(out, "coherent: every repository is reached at one commit");
    } else {
        let count = graph.incoherencies.len();
        let _ = writeln!(
            out,
            "incoherent: {count} {} reached at more than one commit",
            if count == 1 {
                "repository"
            } else {
                "repositories"
            }
        );
    }
    for incoherency in &graph.incoherencies {
        let _ = writeln!(out, "  {}", incoherency.repository);
        for commit in &incoherency.commits {
            let _ = writeln!(
                out,
                "    {} {}",
                short_commit(&commit.commit),
                commit.versions.join(", ")
            );
            for path in &commit.paths {
                let names: Vec<&str> = path.iter().map(|r| display_name(r)).collect();
                let _ = writeln!(out, "      via {}", names.join(" -> "));
            }
        }
    }
    if !graph.unreadable.is_empty() {
        let _ = writeln!(out, "unreadable: {} nodes", graph.unreadable.len());
        for u in &graph.unreadable {
            let _ = writeln!(
                out,
                "  {} @ {}: {}",
                u.repository,
                short_commit(&u.commit),
                u.reason
            );
        }
    }
}

/// The graph as pretty-printed JSON: `{"root": {"repository", "commit"}, "nodes":
/// [{"repository", "commit", "depth"}], "edges": [{"from", "to", "dependency", "version",
/// "kind"}], "incoherencies": [{"repository", "commits": [{"commit", "versions",
/// "paths"}]}], "unreadable": [{"node", "repository", "commit", "reason"}]}`.
pub fn json(graph: &ProductGraph) -> String {
    // Plain strings and numbers only: serialising cannot fail.
    serde_json::to_string_pretty(graph).unwrap_or_default()
}
