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
//!
//! The walk is a breadth-first search over (repository, commit) pairs, so every node is
//! visited once, cycles terminate, and a node's depth is its shortest distance from the
//! root.

pub mod coherency;
pub mod draw;
pub mod flow;
pub mod gather;
pub mod product;
pub mod render;
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
