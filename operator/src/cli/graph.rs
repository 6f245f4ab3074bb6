//! `sluice graph`: the product graph of a repository at a commit, and its incoherencies.

use super::git_access::{GitAccessArgs, WalkArgs};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use sluice_core::graph::{RootRef, draw, render};

use super::stdout::out;

/// Output formats of `sluice graph`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// A tree from the root, then the incoherencies and unreadable nodes.
    Text,
    /// One JSON object: root, nodes, edges, incoherencies, unreadable.
    Json,
    /// Graphviz DOT (`| dot -Tsvg > graph.svg`).
    Dot,
    /// A Mermaid flowchart (GitHub renders it in Markdown).
    Mermaid,
}

/// Arguments of `sluice graph`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "\
sluice graph reads eng/Version.Details.xml of REPO at --ref, then of every repository at
the commit each dependency names (<Uri> and <Sha>), and so on: the product as it was
built. Each repository is read from a bare cache under --cache (one per remote, each
commit fetched by id, depth 1; no working tree), a whole level of the walk in parallel.
A repository without eng/Version.Details.xml at that commit is a leaf.

An incoherency is one repository reached at two or more commits: two paths bring two
builds of it into the product. Only product dependencies are followed, and so count,
unless --include-toolset is given. A node that cannot be read (unreachable, commit
missing, manifest malformed) is reported with the reason, and the walk goes on.

JSON output:
  {\"root\": {\"repository\", \"commit\"},
   \"nodes\": [{\"repository\", \"commit\", \"depth\"}],
   \"edges\": [{\"from\", \"to\", \"dependency\", \"version\", \"kind\"}],
   \"incoherencies\": [{\"repository\", \"commits\": [{\"commit\", \"versions\", \"paths\"}]}],
   \"unreadable\": [{\"node\", \"repository\", \"commit\", \"reason\"}]}
(from and to are indices into nodes; node 0 is the root; each path lists repositories
from the root.)

Exit status: 0 when the walk ran (coherent or not), 1 when the root cannot be read,
2 for a usage error.

`sluice graph diff REPO A B` reports the real changes between two commits of REPO across
the whole graph (see `sluice graph diff --help`).

Examples:
  sluice graph https://github.com/contoso/sdk
  sluice graph https://github.com/contoso/sdk --ref release/9.0 --depth 2
  sluice graph https://github.com/contoso/sdk --format json | jq '.incoherencies'
  sluice graph https://github.com/contoso/sdk --format dot | dot -Tsvg > product.svg
  sluice graph diff https://github.com/contoso/sdk v9.0.100 main --commits",
    subcommand_negates_reqs = true,
    args_conflicts_with_subcommands = true
)]
pub struct GraphArgs {
    /// Compare two commits instead of walking one.
    #[command(subcommand)]
    pub command: Option<GraphCommand>,
    /// The repository to start from (https://, ssh://, file:// or git@host:path).
    #[arg(value_name = "REPO", required = true)]
    pub repository: Option<String>,
    /// The branch, or full commit id, to start from.
    #[arg(long = "ref", default_value = "main", value_name = "BRANCH|SHA")]
    pub reference: String,
    /// How far the walk goes.
    #[command(flatten)]
    pub walk: WalkArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Caches and credentials.
    #[command(flatten)]
    pub access: GitAccessArgs,
}

/// The default cache directory: `$XDG_CACHE_HOME/sluice/git` or `~/.cache/sluice/git`.
pub(super) fn default_cache() -> anyhow::Result<PathBuf> {
    let base = match std::env::var_os("XDG_CACHE_HOME").filter(|v| !v.is_empty()) {
        Some(dir) => PathBuf::from(dir),
        None => std::env::var_os("HOME")
            .map(|home| PathBuf::from(home).join(".cache"))
            .context("neither XDG_CACHE_HOME nor HOME is set; give --cache DIR")?,
    };
    Ok(base.join("sluice").join("git"))
}

/// What `sluice graph` does besides walking.
#[derive(Debug, clap::Subcommand)]
pub enum GraphCommand {
    /// Real changes between two commits of REPO, across the whole product graph.
    Diff(super::graph_diff::DiffArgs),
}

/// Runs `sluice graph`.
pub fn run(args: GraphArgs) -> anyhow::Result<ExitCode> {
    if let Some(GraphCommand::Diff(diff)) = args.command {
        return super::graph_diff::run(diff);
    }
    let Some(repository) = args.repository.clone() else {
        eprintln!("error: REPO is required");
        return Ok(ExitCode::from(super::EXIT_USAGE));
    };
    let reference = match RootRef::parse(&args.reference) {
        Ok(reference) => reference,
        Err(err) => {
            eprintln!("error: --ref: {err}");
            return Ok(ExitCode::from(super::EXIT_USAGE));
        }
    };
    if let Err(err) = sluice_core::validate::repository(&repository) {
        eprintln!("error: REPO: {err}");
        return Ok(ExitCode::from(super::EXIT_USAGE));
    }
    let reader = args.access.reader()?;
    let options = args.walk.options();
    let runtime = super::git_access::runtime()?;
    let graph = runtime.block_on(async {
        let root = reader
            .resolve_root(&repository, &reference)
            .await
            .with_context(|| format!("cannot read the root {repository}"))?;
        anyhow::Ok(reader.walk(&root, options).await)
    })?;
    let text = match args.format {
        Format::Text => render::text(&graph),
        Format::Json => format!("{}\n", render::json(&graph)),
        Format::Dot => draw::dot(&graph),
        Format::Mermaid => draw::mermaid(&graph),
    };
    out!("{text}");
    Ok(ExitCode::SUCCESS)
}
