//! `sluice graph`: the product graph of a repository at a commit, and its incoherencies.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use sluice_core::graph::{RootRef, WalkOptions, draw, render};

use super::stdout::out;
use crate::git::{Credentials, Git, GitConfig};
use crate::product_graph::GraphReader;
use crate::remotes::Remotes;

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
#[command(after_help = "\
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

Examples:
  sluice graph https://github.com/contoso/sdk
  sluice graph https://github.com/contoso/sdk --ref release/9.0 --depth 2
  sluice graph https://github.com/contoso/sdk --format json | jq '.incoherencies'
  sluice graph https://github.com/contoso/sdk --format dot | dot -Tsvg > product.svg")]
pub struct GraphArgs {
    /// The repository to start from (https://, ssh://, file:// or git@host:path).
    #[arg(value_name = "REPO")]
    pub repository: String,
    /// The branch, or full commit id, to start from.
    #[arg(long = "ref", default_value = "main", value_name = "BRANCH|SHA")]
    pub reference: String,
    /// Go at most N dependencies deep (the root is depth 0); no bound by default.
    #[arg(long, value_name = "N")]
    pub depth: Option<usize>,
    /// Follow toolset dependencies too; they then count for coherency.
    #[arg(long)]
    pub include_toolset: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Directory of the bare repository caches (default: $XDG_CACHE_HOME/sluice/git or
    /// ~/.cache/sluice/git).
    #[arg(long, env = "SLUICE_GIT_CACHE", value_name = "DIR")]
    pub cache: Option<PathBuf>,
    /// Repositories read at once.
    #[arg(long, default_value_t = 8, value_name = "N")]
    pub parallel: usize,
    /// Environment variable holding an HTTPS token for git remotes.
    #[arg(long, value_name = "VAR", conflicts_with = "git_token_file")]
    pub git_token_env: Option<String>,
    /// File holding an HTTPS token for git remotes.
    #[arg(long, value_name = "FILE")]
    pub git_token_file: Option<PathBuf>,
}

pub(super) fn default_cache() -> anyhow::Result<PathBuf> {
    let base = match std::env::var_os("XDG_CACHE_HOME").filter(|v| !v.is_empty()) {
        Some(dir) => PathBuf::from(dir),
        None => std::env::var_os("HOME")
            .map(|home| PathBuf::from(home).join(".cache"))
            .context("neither XDG_CACHE_HOME nor HOME is set; give --cache DIR")?,
    };
    Ok(base.join("sluice").join("git"))
}

/// Runs `sluice graph`.
pub fn run(args: GraphArgs) -> anyhow::Result<ExitCode> {
    let reference = match RootRef::parse(&args.reference) {
        Ok(reference) => reference,
        Err(err) => {
            eprintln!("error: --ref: {err}");
            return Ok(ExitCode::from(super::EXIT_USAGE));
        }
    };
    if let Err(err) = sluice_core::validate::repository(&args.repository) {
        eprintln!("error: REPO: {err}");
        return Ok(ExitCode::from(super::EXIT_USAGE));
    }
    let cache = match &args.cache {
        Some(dir) => dir.clone(),
        None => default_cache()?,
    };
    let remotes = match (&args.git_token_env, &args.git_token_file) {
        (Some(var), _) => Remotes::with_https(Credentials::token_from_env("x-access-token", var)?),
        (None, Some(file)) => {
            Remotes::with_https(Credentials::token_from_file("x-access-token", file)?)
        }
        (None, None) => Remotes::anonymous(),
    };
    let reader = GraphReader::new(Git::new(GitConfig::new(cache)), remotes, args.parallel);
    let options = WalkOptions {
        max_depth: args.depth,
        include_toolset: args.include_toolset,
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let graph = runtime.block_on(async {
        let root = reader
            .resolve_root(&args.repository, &reference)
            .await
            .with_context(|| format!("cannot read the root {}", args.repository))?;
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
