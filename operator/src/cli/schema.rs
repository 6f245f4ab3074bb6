//! `sluice schema`.

use std::process::ExitCode;

/// Arguments of `sluice schema`.
#[derive(Debug, clap::Args)]
pub struct SchemaArgs {}

/// Runs `sluice schema`.
pub fn run(_args: SchemaArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("not yet available")
}
