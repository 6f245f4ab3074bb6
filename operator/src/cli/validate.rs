//! `sluice validate`.

use std::process::ExitCode;

/// Arguments of `sluice validate`.
#[derive(Debug, clap::Args)]
pub struct ValidateArgs {}

/// Runs `sluice validate`.
pub fn run(_args: ValidateArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("not yet available")
}
