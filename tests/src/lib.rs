//! End-to-end test harness for sluice.
//!
//! - [`git_server`]: a real smart-HTTP git server (`git http-backend` behind a small
//!   HTTP shim) with optional basic authentication and fault injection.
//! - [`asset_server`]: a real HTTP server of build assets (blobs with ranges, a NuGet
//!   feed) for gather-drop.
//! - [`binary`]: the `sluice` binary of the same build.
//! - [`demo`]: a self-contained multi-repository flow driven through the CLI.
//! - [`fake_azdo`]: a stateful fake Azure DevOps (REST API 7.1, PAT checks, throttling,
//!   policy evaluations, squash completion, service hooks) serving its git repositories
//!   at the same URLs.
//! - [`fake_github`]: a stateful fake GitHub (REST API, rate limits, ETags, signed
//!   webhooks) over the bare repositories a [`git_server`] serves.
//! - [`faults`]: faults injected into the fakes on demand, and their call logs.
//! - [`fake_kube`]: a Kubernetes API server in this process that the real `kubectl` and
//!   the controller's client talk to.
//! - [`fixture_repo`]: fixture repositories built by code with the `git` CLI.
//! - [`github_flow`]: the demo flow with its target on the fake GitHub, through the
//!   production GitHub forge.
//! - [`http`]: raw HTTP requests with full control over headers and body.
//! - [`scripted_forge`]: a forge injecting hosted forges' failures in front of a real one,
//!   and an engine run in this process against it.
//! - [`served`]: an axum app on a thread and runtime of its own (the fakes).
//! - [`version_details`]: `eng/Version.Details.xml` for fixture repositories.
//! - [`wait`]: polling for a condition with a deadline.

pub mod asset_server;
pub mod binary;
pub mod demo;
pub mod fake_azdo;
pub mod fake_github;
pub mod fake_kube;
pub mod faults;
pub mod fixture_repo;
pub mod git_server;
pub mod github_flow;
pub mod http;
pub mod kubectl;
pub mod scripted_forge;
pub mod served;
pub mod version_details;
pub mod wait;
