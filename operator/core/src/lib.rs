//! sluice-core: every decision sluice makes, as pure functions over data.
//!
//! No I/O happens here: no network, no filesystem writes, no async runtime. The
//! `sluice` crate observes the world, hands the observations to this crate, and
//! executes what comes back.

pub mod access;
pub mod config;
pub mod flow;
pub mod graph;
pub mod manifest;
pub mod model;
pub mod time;
pub mod validate;
