//! Dependency flow decisions: which build each subscription applies, what changes in the
//! target's manifests, and what to do about the update pull request.
//!
//! [`types`] holds the inputs and outputs. Everything here is a pure function; the engine
//! in the `sluice` crate observes, calls these, and executes the returned actions.

pub mod annotations;
pub mod assign;
pub mod azure_devops;
pub mod build_resource;
pub mod cleanup;
pub mod coherency;
pub mod describe;
pub mod event_batch;
pub mod failure;
pub mod forges;
pub mod github;
pub mod github_app;
pub mod github_commands;
pub mod github_events;
pub mod github_report;
pub mod github_required;
pub mod graph_policy;
pub mod head_branch;
pub mod history;
pub mod keys;
pub mod kube_events;
pub mod lease;
pub mod markdown;
pub mod merge_policies;
pub mod outcome;
pub mod pacing;
pub mod plan;
pub mod policy;
pub mod publish;
pub mod readers;
pub mod reload;
pub mod render;
mod review;
pub mod revisit;
pub mod schedule;
pub mod scheduled;
mod state;
pub mod status;
pub mod status_pass;
pub mod trigger;
pub mod types;
pub mod version;
pub mod visibility;
mod wanted;

#[cfg(test)]
mod plan_tests;

pub use assign::default_channels_for;
pub use head_branch::{HeadBranch, TipAncestry};
pub use keys::{repository_identity, update_key};
pub use merge_policies::{effective_merge_method, effective_merge_policies};
pub use outcome::{Outcome, Reason};
pub use plan::{builds_to_read, needs_target, plan};
pub use policy::{all_passed, evaluate, failure_comment};
pub use schedule::{ScheduleConfig, Weekday, is_due, next_due, next_firing};
pub use state::{FlowState, HandTrigger};
pub use types::*;
pub use version::compare_versions;
