//! The product graph as a drawing: Graphviz DOT and Mermaid. Incoherent nodes are drawn
//! in red, unreadable ones dashed, toolset dependencies as dashed edges.

use std::fmt::Write as _;

use crate::manifest::DependencyKind;

use super::product::{ProductGraph, display_name};
use super::render::short_commit;

pub(crate) fn dot_escape(text: &str) -> String {
    text.replace('\\', "\\\\").replace('"', "\\\"")
}

/// The graph in Graphviz DOT (`dot -Tsvg`).
pub fn dot(graph: &ProductGraph) -> String {
    let mut out = String::from("digraph product {\n  rankdir=LR;\n  node [shape=box];\n");
    for (i, node) in graph.nodes.iter().enumerate() {
        let mut style = Vec::new();
        if graph.is_incoherent(i) {
            style.push("color=red, fontcolor=red, penwidth=2");
        }
        if graph.unreadable_reason(i).is_some() {
            style.push("style=dashed");
        }
        let extra = if style.is_empty() {
            String::new()
        } else {
            format!(", {}", style.join(", "))
        };
        let _ = writeln!(
            out,
            "  n{i} [label=\"{}\\n{}\", tooltip=\"{}\"{extra}];",
            dot_escape(display_name(&node.repository)),
            dot_escape(short_commit(&node.commit)),
            dot_escape(&node.repository)
        );
    }
    for edge in &graph.edges {
        let dashed = if edge.kind == DependencyKind::Toolset {
            ", style=dashed"
        } else {
            ""
        };
        let _ = writeln!(
            out,
            "  n{} -> n{} [label=\"{} {}\"{dashed}];",
            edge.from,
            edge.to,
            dot_escape(&edge.dependency),
            dot_escape(&edge.version)
        );
    }
    out.push_str("}\n");
    out
}

/// Text inside a Mermaid quoted label: quotes and the characters Mermaid reads as markup
/// become entity codes.
pub(crate) fn mermaid_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '"' => out.push_str("#quot;"),
            '<' => out.push_str("#lt;"),
            '>' => out.push_str("#gt;"),
            '|' => out.push_str("#124;"),
            '#' => out.push_str("#35;"),
            c => out.push(c),
        }
    }
    out
}

/// The graph as a Mermaid flowchart (renders in GitHub Markdown).
pub fn mermaid(graph: &ProductGraph) -> String {
    let mut out = String::from("flowchart LR\n");
    let (mut incoherent, mut unreadable) = (Vec::new(), Vec::new());
    for (i, node) in graph.nodes.iter().enumerate() {
        let _ = writeln!(
            out,
            "  n{i}[\"{} @ {}\"]",
            mermaid_escape(display_name(&node.repository)),
            mermaid_escape(short_commit(&node.commit))
        );
        if graph.is_incoherent(i) {
            incoherent.push(format!("n{i}"));
        }
        if graph.unreadable_reason(i).is_some() {
            unreadable.push(format!("n{i}"));
        }
    }
    for edge in &graph.edges {
        let arrow = if edge.kind == DependencyKind::Toolset {
            "-.->"
        } else {
            "-->"
        };
        let _ = writeln!(
            out,
            "  n{} {arrow}|\"{} {}\"| n{}",
            edge.from,
            mermaid_escape(&edge.dependency),
            mermaid_escape(&edge.version),
            edge.to
        );
    }
    if !incoherent.is_empty() {
        out.push_str("  classDef incoherent stroke:#d00,stroke-width:3px,color:#d00\n");
        let _ = writeln!(out, "  class {} incoherent", incoherent.join(","));
    }
    if !unreadable.is_empty() {
        out.push_str("  classDef unreadable stroke-dasharray:5 5\n");
        let _ = writeln!(out, "  class {} unreadable", unreadable.join(","));
    }
    out
}
