//! sluice: a Git-native GitOps reconciler for dependency flow between repositories.
//!
//! This crate holds the adapters (git, forges, store), the engine that glues them to the
//! pure decisions of [`sluice_core`], and the entry points (CLI, server, controller).

pub mod cli;
pub mod clock;
pub mod cluster;
pub mod config_dir;
pub mod config_source;
pub mod data_dir;
pub mod engine;
pub mod files;
pub mod forge;
pub mod gather;
pub mod git;
pub mod logging;
pub mod metrics;
pub mod product_graph;
pub mod remotes;
pub mod secret_source;
pub mod server;
pub mod store;
