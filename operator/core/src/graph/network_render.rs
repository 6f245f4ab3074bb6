//! The flow network for people: a text table with the critical path, Graphviz DOT and
//! Mermaid (critical links drawn in red and bold, links on a cycle dashed).

use std::fmt::Write as _;

use super::draw::{dot_escape, mermaid_escape};
use super::network::FlowNetwork;
use super::product::display_name;
use super::timing::{Stats, human};

/// `2h 00m / 2h 10m (n=3)`, or `no history`.
pub fn figures(stats: Option<Stats>) -> String {
    match stats {
        Some(s) => format!(
            "{} / {} (n={})",
            human(s.median_secs),
            human(s.p90_secs),
            s.samples
        ),
        None => "no history".to_owned(),
    }
}

/// Rows as columns two spaces apart, padded to the widest cell, trailing blanks trimmed.
pub fn columns(rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = Vec::new();
    for row in rows {
        for (i, cell) in row.iter().enumerate() {
            let w = cell.chars().count();
            match widths.get_mut(i) {
                Some(max) => *max = (*max).max(w),
                None => widths.push(w),
            }
        }
    }
    let mut out = String::new();
    for row in rows {
        let cells: Vec<String> = row
            .iter()
            .enumerate()
            .map(|(i, c)| format!("{c:<w$}", w = widths[i]))
            .collect();
        out.push_str(cells.join("  ").trim_end());
        out.push('\n');
    }
    out
}

fn on_critical(network: &FlowNetwork, link: usize) -> bool {
    network
        .critical_path
        .as_ref()
        .is_some_and(|p| p.links.contains(&link))
}

/// The network as text: one row per subscription (`*` marks the critical path), then
/// the critical path and the links that close a cycle.
pub fn text(network: &FlowNetwork) -> String {
    let mut out = format!(
        "Flow network over the last {}: {} repositories, {} subscriptions\n\n",
        human(network.window_secs),
        network.nodes.len(),
        network.links.len()
    );
    if network.links.is_empty() {
        out.push_str("No subscriptions.\n");
        return out;
    }
    let mut rows = vec![
        [
            "",
            "SUBSCRIPTION",
            "SOURCE",
            "TARGET",
            "FREQUENCY",
            "POLICIES",
            "UPDATE (median / p90)",
            "BUILD (median / p90)",
        ]
        .map(String::from)
        .to_vec(),
    ];
    for (i, l) in network.links.iter().enumerate() {
        let mark = if on_critical(network, i) { "*" } else { "" };
        let policies = if l.link.policies.is_empty() {
            "-".to_owned()
        } else {
            l.link.policies.join(",")
        };
        rows.push(vec![
            mark.to_owned(),
            l.link.subscription.clone(),
            display_name(&l.link.source).to_owned(),
            format!("{}@{}", display_name(&l.link.target), l.link.branch),
            l.link.frequency.clone(),
            policies,
            figures(l.update),
            figures(l.build),
        ]);
    }
    out.push_str(&columns(&rows));
    if let Some(path) = &network.critical_path {
        let names: Vec<&str> = path.repositories.iter().map(|r| display_name(r)).collect();
        let _ = writeln!(
            out,
            "\nCritical path (* above), {} by median update + build time:\n  {}",
            human(path.total_secs),
            names.join(" -> ")
        );
        for &l in &path.links {
            let link = &network.links[l];
            let _ = writeln!(
                out,
                "  {}: {}{}",
                link.link.subscription,
                human(link.weight_secs()),
                if link.update.is_none() || link.build.is_none() {
                    " (part of it without history, counted as 0)"
                } else {
                    ""
                }
            );
        }
    }
    if !network.cycle_links.is_empty() {
        let names: Vec<&str> = network
            .cycle_links
            .iter()
            .map(|&l| network.links[l].link.subscription.as_str())
            .collect();
        let _ = writeln!(
            out,
            "On a cycle (a path follows each at most once): {}",
            names.join(", ")
        );
    }
    if !network.exhaustive {
        out.push_str("The network has too many paths to compare them all: the critical path is the slowest found.\n");
    }
    out
}

fn edge_label(network: &FlowNetwork, l: usize) -> String {
    let link = &network.links[l];
    format!(
        "{} ({})\nupdate {}\nbuild {}",
        link.link.subscription,
        link.link.frequency,
        figures(link.update),
        figures(link.build)
    )
}

/// The network in Graphviz DOT.
pub fn dot(network: &FlowNetwork) -> String {
    let mut out = String::from("digraph flow {\n  rankdir=LR;\n  node [shape=box];\n");
    let index = |url: &str| network.nodes.iter().position(|n| n.repository == *url);
    for (i, node) in network.nodes.iter().enumerate() {
        let style = if node.critical {
            ", color=red, fontcolor=red, penwidth=2"
        } else {
            ""
        };
        let _ = writeln!(
            out,
            "  n{i} [label=\"{}\", tooltip=\"{}\"{style}];",
            dot_escape(display_name(&node.repository)),
            dot_escape(&node.repository)
        );
    }
    for (l, link) in network.links.iter().enumerate() {
        let (Some(a), Some(b)) = (
            node_of(network, &link.link.source, index),
            node_of(network, &link.link.target, index),
        ) else {
            continue;
        };
        let mut style = String::new();
        if on_critical(network, l) {
            style.push_str(", color=red, fontcolor=red, penwidth=2");
        }
        if network.cycle_links.contains(&l) {
            style.push_str(", style=dashed");
        }
        let label = dot_escape(&edge_label(network, l)).replace('\n', "\\n");
        let _ = writeln!(out, "  n{a} -> n{b} [label=\"{label}\"{style}];");
    }
    out.push_str("}\n");
    out
}

/// The node of a link end: the same spelling, else the same identity.
fn node_of(
    network: &FlowNetwork,
    url: &str,
    index: impl Fn(&str) -> Option<usize>,
) -> Option<usize> {
    index(url).or_else(|| {
        let id = super::product::repository_identity(url);
        network
            .nodes
            .iter()
            .position(|n| super::product::repository_identity(&n.repository) == id)
    })
}

/// The network as a Mermaid flowchart.
pub fn mermaid(network: &FlowNetwork) -> String {
    let mut out = String::from("flowchart LR\n");
    let index = |url: &str| network.nodes.iter().position(|n| n.repository == *url);
    for (i, node) in network.nodes.iter().enumerate() {
        let _ = writeln!(
            out,
            "  n{i}[\"{}\"]",
            mermaid_escape(display_name(&node.repository))
        );
    }
    let mut critical = Vec::new();
    for (l, link) in network.links.iter().enumerate() {
        let (Some(a), Some(b)) = (
            node_of(network, &link.link.source, index),
            node_of(network, &link.link.target, index),
        ) else {
            continue;
        };
        let arrow = if network.cycle_links.contains(&l) {
            "-.->"
        } else {
            "-->"
        };
        let label = mermaid_escape(&edge_label(network, l)).replace('\n', "<br/>");
        let _ = writeln!(out, "  n{a} {arrow}|\"{label}\"| n{b}");
        if on_critical(network, l) {
            critical.push(l);
        }
    }
    for (i, node) in network.nodes.iter().enumerate() {
        if node.critical {
            let _ = writeln!(out, "  style n{i} stroke:red,stroke-width:3px");
        }
    }
    for l in critical {
        let _ = writeln!(out, "  linkStyle {l} stroke:red,stroke-width:3px");
    }
    out
}
