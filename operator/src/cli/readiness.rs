//! placeholder
/// Arguments.
#[derive(Debug, clap::Args)]
pub struct ReadinessArgs {}
/// Runs.
pub fn run(_: ReadinessArgs) -> anyhow::Result<std::process::ExitCode> {
    unimplemented!()
}
