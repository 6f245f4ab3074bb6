//! `sluice deps`: read and update a repository's dependency manifests locally.

mod commands;
mod files;

use std::path::PathBuf;
use std::process::ExitCode;

/// Arguments of `sluice deps`.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
A repository's dependency manifest is either the darc-compatible layout
(eng/Version.Details.xml with eng/Versions.props or eng/Version.Details.props,
global.json, .config/dotnet-tools.json, NuGet.config) or the native
.sluice/dependencies.yaml, whose entries point at the TOML, YAML, JSON or
regex-matched spots in other files where each version is written.

Every edit touches only the bytes that change: formatting, comments, line endings,
byte-order marks and attribute quoting are kept. Generated files
(eng/Version.Details.props) are regenerated, and a file already laid out the way
the .NET tooling writes it keeps exactly that layout.

Examples:
  sluice deps list --dir ~/src/sdk
  sluice deps update --dir . --source-repo https://github.com/dotnet/arcade \\
      --commit e5b13e054339e41d422212a0ecaf24fec20cb5a1 \\
      --asset Microsoft.DotNet.Arcade.Sdk=8.0.0-beta.24508.1
  sluice deps verify --dir .
  sluice deps add --dir . --name Contoso.Tools --version 1.2.3 \\
      --repo https://github.com/contoso/tools --commit 0123abc --toolset")]
pub struct DepsArgs {
    /// What to do.
    #[command(subcommand)]
    pub command: DepsCommand,
}

/// The `sluice deps` subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum DepsCommand {
    /// Print the dependencies the manifest declares.
    List(ListArgs),
    /// Apply a build of a source repository: move every matching dependency.
    Update(UpdateArgs),
    /// Check that the manifest files agree with each other.
    Verify(VerifyArgs),
    /// Add a new dependency to the manifest.
    Add(AddArgs),
}

/// Output format of `sluice deps list`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ListFormat {
    /// Aligned columns.
    Table,
    /// A JSON array of dependencies.
    Json,
}

/// Arguments of `sluice deps list`.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
Columns: name, version, kind (product or toolset), flags (pinned, coherent parent),
source repository and commit.

Examples:
  sluice deps list
  sluice deps list --dir ~/src/sdk --format json | jq '.[] | select(.pinned)'")]
pub struct ListArgs {
    /// The repository's working tree.
    #[arg(long, default_value = ".")]
    pub dir: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ListFormat::Table)]
    pub format: ListFormat,
}

/// Arguments of `sluice deps update`.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
Every dependency whose name matches an asset (case-insensitively) and is not pinned
takes the asset's version, the build's commit and the source repository URI; then
every file that carries that version follows: Versions.props properties (or a
regenerated Version.Details.props), global.json msbuild-sdks, tool manifests, and
for the native layout every reference. Dependencies with a coherent parent move
only when the build also carries the parent.

With --asset-location, assets published only to isolated build feeds get those
feeds in NuGet.config's managed block. With --source-global-json, the SDK in
global.json (tools.dotnet and sdk.version) is raised to the source's when newer,
unless tools.pinned is true.

Each asset that moves nothing is named with the reason: no dependency matches, pinned,
follows a coherent parent the build does not carry (or one that is pinned), or already
at the build's version. Nothing is written when nothing moves. All files are computed first
and then replaced atomically; a malformed file aborts the update with FILE:LINE:COL, and a
value that would change a file's structure (a line break, an MSBuild `$(...)`, a version a
regex reference would not read back) aborts it naming the file and the dependency.

Exit status: 0 updated or nothing to do, 1 error.

Examples:
  sluice deps update --dir . --source-repo https://github.com/dotnet/arcade \\
      --commit e5b13e054339e41d422212a0ecaf24fec20cb5a1 \\
      --asset Microsoft.DotNet.Arcade.Sdk=8.0.0-beta.24508.1 \\
      --asset Microsoft.DotNet.Helix.Sdk=8.0.0-beta.24508.1
  sluice deps update --dir . --source-repo https://github.com/dotnet/sdk --commit abc1234 \\
      --asset Microsoft.NET.Sdk=9.0.100 --source-global-json ../sdk/global.json")]
pub struct UpdateArgs {
    /// The repository's working tree.
    #[arg(long, default_value = ".")]
    pub dir: PathBuf,
    /// URI of the repository that produced the build.
    #[arg(long)]
    pub source_repo: String,
    /// Commit the build was made from.
    #[arg(long)]
    pub commit: String,
    /// An asset of the build, NAME=VERSION (repeatable).
    #[arg(long = "asset", value_name = "NAME=VERSION", value_parser = parse_pair)]
    pub assets: Vec<(String, String)>,
    /// A feed an asset was published to, NAME=URL (repeatable).
    #[arg(long = "asset-location", value_name = "NAME=URL", value_parser = parse_pair)]
    pub asset_locations: Vec<(String, String)>,
    /// The source repository's global.json at the build's commit.
    #[arg(long, value_name = "FILE")]
    pub source_global_json: Option<PathBuf>,
    /// Print what would change without writing.
    #[arg(long)]
    pub dry_run: bool,
}

/// Arguments of `sluice deps verify`.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
Checks: every dependency has its version property (Versions.props or
Version.Details.props, or a global.json or tool manifest entry; unless SkipProperty)
with the same version, no dependency is declared twice, no
generated property is left without a dependency, global.json and tool manifests
carry the declared versions, and (native layout) every reference resolves to the
declared version.

Exit status: 0 consistent, 1 findings (printed as FILE:LINE:COL: message).

Examples:
  sluice deps verify
  sluice deps verify --dir ~/src/sdk")]
pub struct VerifyArgs {
    /// The repository's working tree.
    #[arg(long, default_value = ".")]
    pub dir: PathBuf,
}

/// Arguments of `sluice deps add`.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
Adds the dependency to Version.Details.xml (and its version property to
Versions.props, or regenerates Version.Details.props), or appends it to
.sluice/dependencies.yaml.

Examples:
  sluice deps add --dir . --name Contoso.Runtime --version 9.0.0-preview.1 \\
      --repo https://github.com/contoso/runtime --commit 0123abcd
  sluice deps add --dir . --name Contoso.Build.Sdk --version 1.0.0 \\
      --repo https://github.com/contoso/build --commit 4567ef01 --toolset")]
pub struct AddArgs {
    /// The repository's working tree.
    #[arg(long, default_value = ".")]
    pub dir: PathBuf,
    /// Dependency (asset) name.
    #[arg(long)]
    pub name: String,
    /// Current version.
    #[arg(long)]
    pub version: String,
    /// URI of the repository that produces it.
    #[arg(long)]
    pub repo: String,
    /// Commit of that repository.
    #[arg(long)]
    pub commit: String,
    /// Mark it as a toolset (build-only) dependency.
    #[arg(long)]
    pub toolset: bool,
    /// Name of a dependency this one must stay coherent with; it must be declared.
    #[arg(long)]
    pub coherent_parent: Option<String>,
    /// Never update it from builds.
    #[arg(long)]
    pub pinned: bool,
}

fn parse_pair(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((k, v)) if !k.trim().is_empty() && !v.trim().is_empty() => {
            Ok((k.trim().to_string(), v.trim().to_string()))
        }
        _ => Err(format!(
            "expected NAME=VALUE, found {}",
            sluice_core::validate::quote(s)
        )),
    }
}

/// The `--asset` and `--asset-location` values through the core's validators: a value that
/// could change a file's structure never gets as far as a manifest writer, and the error
/// quotes only an escaped prefix of it.
fn validate_assets(args: &UpdateArgs) -> anyhow::Result<()> {
    use sluice_core::validate;
    validate::commit(&args.commit).map_err(|e| anyhow::anyhow!("--commit: {e}"))?;
    for (name, version) in &args.assets {
        validate::asset_name(name).map_err(|e| anyhow::anyhow!("--asset: {e}"))?;
        validate::version(version).map_err(|e| anyhow::anyhow!("--asset {name}: {e}"))?;
    }
    for (name, location) in &args.asset_locations {
        validate::asset_name(name).map_err(|e| anyhow::anyhow!("--asset-location: {e}"))?;
        validate::location(location)
            .map_err(|e| anyhow::anyhow!("--asset-location {name}: {e}"))?;
    }
    Ok(())
}

/// Runs `sluice deps`.
pub fn run(args: DepsArgs) -> anyhow::Result<ExitCode> {
    match args.command {
        DepsCommand::List(a) => commands::list(&a),
        DepsCommand::Update(a) => {
            validate_assets(&a)?;
            commands::update(&a)
        }
        DepsCommand::Verify(a) => commands::verify(&a),
        DepsCommand::Add(a) => commands::add(&a),
    }
}
