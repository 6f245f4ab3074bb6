//! Reading the product graph: each repository@commit's `eng/Version.Details.xml` from
//! its bare cache (fetched by commit id, depth 1; no working tree), a whole breadth-first
//! frontier at a time and in parallel. What to read and what the graph is are the core's
//! answers ([`sluice_core::graph`]); this module only reads.

use std::sync::Arc;

use sluice_core::flow::failure::FailureClass;
use sluice_core::graph::{
    self, ManifestRead, Manifests, ProductGraph, RepoAt, RootRef, WalkOptions,
};
use sluice_core::manifest::paths::VERSION_DETAILS_XML;
use tokio::sync::Semaphore;

use crate::git::{FetchError, Git, InvalidRemoteUrl, ObjectId, ReadError};
use crate::remotes::Remotes;

/// Why the walk could not start: the root could not be resolved. Nodes below the root
/// never fail the walk; they are reported as unreadable.
#[derive(Debug, thiserror::Error)]
pub enum GraphError {
    /// The repository URL is not one sluice can reach.
    #[error("repository {url}: {source}")]
    Url {
        /// The URL as given.
        url: String,
        /// Why it was refused.
        source: InvalidRemoteUrl,
    },
    /// The branch or commit could not be fetched.
    #[error(transparent)]
    Fetch(#[from] FetchError),
}

/// Reads manifests of repositories at commits through the git layer.
#[derive(Clone, Debug)]
pub struct GraphReader {
    git: Git,
    remotes: Remotes,
    parallel: usize,
}

impl GraphReader {
    /// A reader through `git`, reaching repositories as `remotes` says, with at most
    /// `parallel` reads at once (at least one).
    pub fn new(git: Git, remotes: Remotes, parallel: usize) -> Self {
        GraphReader {
            git,
            remotes,
            parallel: parallel.max(1),
        }
    }

    /// The commit the walk starts from: `reference` itself when it is a commit (fetched
    /// so it can be read), else the head of the branch, fetched.
    pub async fn resolve_root(
        &self,
        repository: &str,
        reference: &RootRef,
    ) -> Result<RepoAt, GraphError> {
        let remote = self
            .remotes
            .resolve(repository)
            .map_err(|source| GraphError::Url {
                url: repository.to_owned(),
                source,
            })?;
        let repo = self.git.remote(remote);
        let commit = match reference {
            RootRef::Branch(branch) => repo.fetch(branch).await?,
            RootRef::Commit(hex) => {
                let id = parse_commit(hex).ok_or_else(|| FetchError::MissingCommit {
                    remote: repo.remote().url.clone(),
                    commit: hex.clone(),
                })?;
                repo.fetch_commit(id).await?;
                id
            }
        };
        Ok(RepoAt::new(repository, commit.to_string()))
    }

    /// What `eng/Version.Details.xml` of `at` declares, or why it cannot be read.
    pub async fn read_manifest(&self, at: &RepoAt) -> ManifestRead {
        read_details(&self.git, &self.remotes, at)
            .await
            .unwrap_or_else(ManifestRead::Unreadable)
    }

    /// Walks the product graph from `root`: reads each frontier the core asks for, in
    /// parallel, until it asks for nothing, and returns the core's graph.
    pub async fn walk(&self, root: &RepoAt, options: WalkOptions) -> ProductGraph {
        let mut known = Manifests::new();
        let permits = Arc::new(Semaphore::new(self.parallel));
        loop {
            let frontier = graph::next_reads(root, &known, options);
            if frontier.is_empty() {
                break;
            }
            tracing::debug!(
                nodes = frontier.len(),
                "reading a frontier of the product graph"
            );
            let mut reads = tokio::task::JoinSet::new();
            for at in frontier.iter().cloned() {
                let (reader, permits) = (self.clone(), permits.clone());
                reads.spawn(async move {
                    let _permit = permits.acquire_owned().await;
                    let read = reader.read_manifest(&at).await;
                    (at, read)
                });
            }
            while let Some(joined) = reads.join_next().await {
                match joined {
                    Ok((at, read)) => {
                        known.insert(at, read);
                    }
                    Err(err) => tracing::warn!(error = %err, "a manifest read failed"),
                }
            }
            // A read that did not finish still answers, so the next frontier moves on.
            for at in frontier {
                known
                    .entry(at)
                    .or_insert_with(|| ManifestRead::Unreadable("the read did not finish".into()));
            }
        }
        graph::build_graph(root, &known, options)
    }
}

/// What `eng/Version.Details.xml` of `at` declares, or why it cannot be read; `Err` with
/// the reason when the failure may mend by itself (the network, the remote, the disk), so
/// a caller that runs again may rather wait than report it.
pub async fn read_details(
    git: &Git,
    remotes: &Remotes,
    at: &RepoAt,
) -> Result<ManifestRead, String> {
    let remote = match remotes.resolve(&at.repository) {
        Ok(remote) => remote,
        Err(err) => return Ok(ManifestRead::Unreadable(err.to_string())),
    };
    let Some(commit) = parse_commit(&at.commit) else {
        return Ok(ManifestRead::Unreadable(format!(
            "{} is not a full commit id",
            at.commit
        )));
    };
    let repo = git.remote(remote);
    if let Err(err) = repo.fetch_commit(commit).await {
        return match err.class() {
            FailureClass::Retryable => Err(err.to_string()),
            _ => Ok(ManifestRead::Unreadable(err.to_string())),
        };
    }
    let path = VERSION_DETAILS_XML.to_owned();
    match repo.read(commit, std::slice::from_ref(&path)).await {
        Ok(mut files) => Ok(graph::manifest_read(
            files.remove(&path).flatten().as_deref(),
        )),
        Err(err) => match err.class() {
            FailureClass::Retryable => Err(read_error(err)),
            _ => Ok(ManifestRead::Unreadable(read_error(err))),
        },
    }
}

/// Manifests of repositories at commits, kept once read: the files of a commit never
/// change, so a node read once is not read again (nor its bare cache opened). Only
/// answers that cannot change are kept (a commit missing now may be pushed later), and
/// at most [`MEMO_LIMIT`] of them: past that the memo starts over.
#[derive(Debug, Default)]
pub struct ManifestMemo {
    known: std::sync::Mutex<Manifests>,
}

/// Most manifests a [`ManifestMemo`] keeps.
pub const MEMO_LIMIT: usize = 2_000;

impl ManifestMemo {
    fn get(&self, at: &RepoAt) -> Option<ManifestRead> {
        self.known.lock().ok()?.get(at).cloned()
    }

    fn keep(&self, at: &RepoAt, read: &ManifestRead) {
        if !matches!(read, ManifestRead::Dependencies(_)) {
            return;
        }
        if let Ok(mut known) = self.known.lock() {
            if known.len() >= MEMO_LIMIT {
                known.clear();
            }
            known.insert(at.clone(), read.clone());
        }
    }
}

/// `eng/Version.Details.xml` of each of `reads`, at most `parallel` at once, through
/// `memo` when given. A read that failed in a way that may mend is left out (and
/// logged), so what needs it stays undecided until a later read.
pub async fn read_all(
    git: &Git,
    remotes: &Remotes,
    reads: Vec<RepoAt>,
    parallel: usize,
    memo: Option<&ManifestMemo>,
) -> Manifests {
    let mut out = Manifests::new();
    let permits = Arc::new(Semaphore::new(parallel.max(1)));
    let mut tasks = tokio::task::JoinSet::new();
    for at in reads {
        if let Some(read) = memo.and_then(|m| m.get(&at)) {
            out.insert(at, read);
            continue;
        }
        let (git, remotes, permits) = (git.clone(), remotes.clone(), permits.clone());
        tasks.spawn(async move {
            let _permit = permits.acquire_owned().await;
            let read = read_details(&git, &remotes, &at).await;
            (at, read)
        });
    }
    while let Some(joined) = tasks.join_next().await {
        match joined {
            Ok((at, Ok(read))) => {
                if let Some(memo) = memo {
                    memo.keep(&at, &read);
                }
                out.insert(at, read);
            }
            Ok((at, Err(reason))) => {
                tracing::warn!(repository = %at.repository, commit = %at.commit, %reason, "cannot read a manifest yet");
            }
            Err(err) => tracing::warn!(error = %err, "a manifest read failed"),
        }
    }
    out
}

fn parse_commit(hex: &str) -> Option<ObjectId> {
    ObjectId::from_hex(hex.as_bytes()).ok()
}

fn read_error(err: ReadError) -> String {
    format!("{VERSION_DETAILS_XML}: {err}")
}
