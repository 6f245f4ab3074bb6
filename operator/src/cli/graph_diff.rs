//! `sluice graph diff REPO A B`: the real changes between two commits of a repository,
//! across its whole product graph. The graphs and the verdict on each commit are the
//! core's ([`sluice_core::graph::diff`]); this module reads manifests and histories.

use std::process::ExitCode;

use anyhow::Context;
use sluice_core::graph::RootRef;
use sluice_core::graph::diff::{self, CommitInfo, Presence};
use sluice_core::graph::diff_report::{self, GraphDiff, RangeSummary, RepoDiff};

use super::git_access::{GitAccessArgs, WalkArgs};
use super::stdout::out;
use crate::git::{Git, ObjectId};
use crate::remotes::Remotes;

/// Commits walked at most from each end of a range.
const RANGE_LIMIT: usize = 100_000;

/// Output formats of `sluice graph diff`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum DiffFormat {
    /// A table of repositories; with --commits, the subjects of the real changes.
    Text,
    /// One JSON object.
    Json,
}

/// Arguments of `sluice graph diff`.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
Walks the product graph of REPO at A and at B (each a branch or a full commit id), and
for every repository reached in either reports how it changed: added, removed,
unchanged, or moved from one commit to another. For a moved repository the commits of
the range (those B's commit reaches and A's does not, as `git log OLD..NEW`) are read
from a cache of whole histories (under --cache, `_history`; each repository fetched
once with its full history, then incrementally) and split into real changes and
sluice's own dependency updates, which are left out:

  - a subject of the shape sluice gives update pull requests and commits,
    `[<branch>] Update dependencies from <repositories>`, alone, as a squash merge
    (`... (#12)`) or as an Azure DevOps merge (`Merged PR 12: ...`);
  - a message carrying the section marker of an update description
    (`<!-- sluice:begin subscription=`), as squash merges of update pull requests do;
  - a merge commit of a sluice head branch (`Merge pull request #12 from
    owner/sluice/...`, `Merge branch 'sluice/...'`).

A repository reached at several commits (an incoherent graph) is compared by the commit
nearest the root; the others are listed. A history that cannot be read is reported for
that repository and the rest goes on.

JSON output:
  {\"old\": {\"repository\", \"commit\"}, \"new\": {...},
   \"repositories\": [{\"repository\", \"old\": [commits], \"new\": [commits], \"status\",
                     \"range\": {\"realCommits\", \"commits\": [{\"id\", \"parents\", \"message\"}], \"leftOut\",
                               \"behind\", \"truncated\"}, \"error\"}],
   \"unreadable\": [{\"node\", \"repository\", \"commit\", \"reason\"}]}
(`range.commits` lists the real changes with --commits and is empty without it.)

Examples:
  sluice graph diff https://github.com/contoso/sdk v9.0.100 main
  sluice graph diff https://github.com/contoso/sdk 1f3c...e2 9ab0...4d --commits
  sluice graph diff https://github.com/contoso/sdk release/9.0 main --format json | jq '.repositories[] | select(.status == \"moved\")'")]
pub struct DiffArgs {
    /// The repository to start from (https://, ssh://, file:// or git@host:path).
    #[arg(value_name = "REPO")]
    pub repository: String,
    /// The older side: a branch or a full commit id.
    #[arg(value_name = "A")]
    pub old: String,
    /// The newer side: a branch or a full commit id.
    #[arg(value_name = "B")]
    pub new: String,
    /// List the subject of every real change.
    #[arg(long)]
    pub commits: bool,
    /// How far the walk goes.
    #[command(flatten)]
    pub walk: WalkArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = DiffFormat::Text)]
    pub format: DiffFormat,
    #[command(flatten)]
    pub access: GitAccessArgs,
}

fn usage(what: &str, err: impl std::fmt::Display) -> ExitCode {
    eprintln!("error: {what}: {err}");
    ExitCode::from(super::EXIT_USAGE)
}

/// Runs `sluice graph diff`.
pub fn run(args: DiffArgs) -> anyhow::Result<ExitCode> {
    if let Err(err) = sluice_core::validate::repository(&args.repository) {
        return Ok(usage("REPO", err));
    }
    let old_ref = match RootRef::parse(&args.old) {
        Ok(r) => r,
        Err(err) => return Ok(usage("A", err)),
    };
    let new_ref = match RootRef::parse(&args.new) {
        Ok(r) => r,
        Err(err) => return Ok(usage("B", err)),
    };
    let reader = args.access.reader()?;
    let history = args.access.history_git()?;
    let remotes = args.access.remotes()?;
    let options = args.walk.options();
    let runtime = super::git_access::runtime()?;
    let diff = runtime.block_on(async {
        let old_root = reader
            .resolve_root(&args.repository, &old_ref)
            .await
            .with_context(|| format!("cannot read {} at {}", args.repository, args.old))?;
        let new_root = reader
            .resolve_root(&args.repository, &new_ref)
            .await
            .with_context(|| format!("cannot read {} at {}", args.repository, args.new))?;
        let (old, new) = tokio::join!(
            reader.walk(&old_root, options),
            reader.walk(&new_root, options)
        );
        let mut ranges = tokio::task::JoinSet::new();
        let presences = diff::compare(&old, &new);
        for (i, presence) in presences.iter().enumerate() {
            if presence.range().is_some() {
                let (history, remotes, presence) =
                    (history.clone(), remotes.clone(), presence.clone());
                ranges.spawn(async move { (i, read_range(&history, &remotes, &presence).await) });
            }
        }
        let mut repositories: Vec<RepoDiff> = presences
            .into_iter()
            .map(|presence| RepoDiff {
                status: presence.status(),
                presence,
                range: None,
                error: None,
            })
            .collect();
        while let Some(joined) = ranges.join_next().await {
            let (i, result) = joined.context("a history read failed")?;
            match result {
                Ok(mut range) => {
                    if !args.commits {
                        range.commits.clear();
                    }
                    repositories[i].range = Some(range);
                }
                Err(err) => repositories[i].error = Some(err),
            }
        }
        let mut unreadable = old.unreadable.clone();
        for u in new.unreadable {
            if !unreadable
                .iter()
                .any(|o| o.repository == u.repository && o.commit == u.commit)
            {
                unreadable.push(u);
            }
        }
        anyhow::Ok(GraphDiff {
            old: old_root,
            new: new_root,
            repositories,
            unreadable,
        })
    })?;
    let text = match args.format {
        DiffFormat::Text => diff_report::text(&diff, args.commits),
        DiffFormat::Json => format!("{}\n", serde_json::to_string_pretty(&diff)?),
    };
    out!("{text}");
    Ok(ExitCode::SUCCESS)
}

/// Fetches both ends of a moved repository's range with their history and summarizes
/// the commits between them; the error says why when it cannot.
async fn read_range(
    git: &Git,
    remotes: &Remotes,
    presence: &Presence,
) -> Result<RangeSummary, String> {
    let (old, new) = presence.range().ok_or("not moved")?;
    let remote = remotes
        .resolve(&presence.repository)
        .map_err(|e| e.to_string())?;
    let parse = |hex: &str| {
        ObjectId::from_hex(hex.as_bytes()).map_err(|_| format!("{hex} is not a full commit id"))
    };
    let (old, new) = (parse(old)?, parse(new)?);
    let repo = git.remote(remote);
    repo.fetch_history(new).await.map_err(|e| e.to_string())?;
    repo.fetch_history(old).await.map_err(|e| e.to_string())?;
    let range = repo
        .range(old, new, RANGE_LIMIT)
        .await
        .map_err(|e| e.to_string())?;
    let commits = range
        .ahead
        .into_iter()
        .map(|c| CommitInfo {
            id: c.id.to_string(),
            parents: c.parents,
            message: c.message,
        })
        .collect();
    Ok(RangeSummary::new(commits, range.behind, range.truncated))
}
