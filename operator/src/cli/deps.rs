//! `sluice deps`: read and update a repository's dependency manifests locally.

use std::process::ExitCode;

/// Arguments of `sluice deps`.
#[derive(Debug, clap::Args)]
pub struct DepsArgs {}

/// Runs `sluice deps`.
pub fn run(_args: DepsArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("not yet available")
}
