//! Dependency flow decisions: which build each subscription applies, what changes in the
//! target's manifests, and what to do about the update pull request.
//!
//! [`types`] holds the inputs and outputs. Everything here is a pure function; the engine
//! in the `sluice` crate observes, calls these, and executes the returned actions.

pub mod types;

pub use types::*;
