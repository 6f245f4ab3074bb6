//! `sluice crds`.

use std::process::ExitCode;

/// Arguments of `sluice crds`.
#[derive(Debug, clap::Args)]
pub struct CrdsArgs {}

/// Runs `sluice crds`.
pub fn run(_args: CrdsArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("not yet available")
}
