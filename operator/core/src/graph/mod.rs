//! Graphs between repositories, pure.
//!
//! - [`flow`]: the dependency-flow graph of the configuration (subscriptions between
//!   repositories) and its cycles.
//! - The product graph: a repository at a commit, the repositories at the commits its
//!   `eng/Version.Details.xml` references, theirs, and so on. [`walk`] decides what to
//!   read next ([`next_reads`]: a whole breadth-first frontier at a time, so an adapter
//!   can read it in parallel) and assembles what was read ([`build_graph`]);
//!   [`coherency`] finds the repositories reached at more than one commit; [`render`]
//!   prints the graph as a text tree or JSON and [`draw`] as DOT or Mermaid.
//! - [`diff`]: what changed between two product graphs, sluice's own updates left out.
//! - [`timing`] and [`network`]: time to flow from the flow history, the flow network of
//!   subscriptions, its critical path and the slowest path between two repositories;
//!   [`network_render`] prints them.
//! - [`readiness`]: whether a product is coherent, and what would make it so.
//!
//! The walk is a breadth-first search over (repository, commit) pairs, so every node is
//! visited once, cycles terminate, and a node's depth is its shortest distance from the
//! root.

pub mod coherency;
pub mod diff;
pub mod diff_report;
pub mod draw;
pub mod flow;
pub mod flow_time;
pub mod gather;
mod longest;
pub mod network;
pub mod network_render;
pub mod product;
pub mod readiness;
pub mod readiness_render;
pub mod render;
pub mod timing;
pub mod walk;

pub use coherency::{Incoherency, IncoherentCommit};
pub use flow::{Cycle, FlowGraph};
pub use product::{
    Edge, ManifestRead, Manifests, Node, ProductGraph, RepoAt, RootRef, Unreadable, WalkOptions,
    manifest_read,
};
pub use walk::{build_graph, next_reads};

#[cfg(test)]
mod tests;
