//! Real changes between two product graphs: for every repository reached, where it was in
//! each, and of the commits it moved through, which were real work and which were
//! sluice's own dependency updates. Pure: the adapter walks the graphs and the history.
//!
//! A commit is sluice's own ([`is_flow_commit`]) when
//! - its subject has the shape of an update title (`[<branch>] Update dependencies from
//!   <repositories>`, as [`crate::flow::describe::title`] makes it), alone or as a squash
//!   merge (`<title> (#<n>)`) or an Azure DevOps merge (`Merged PR <n>: <title>`);
//! - or its message carries an update description's section marker
//!   (`<!-- sluice:begin subscription=`), as squash merges of update pull requests do;
//! - or it is a merge commit (two parents or more) of a sluice head branch
//!   (`sluice/<target-branch>/<key>`): `Merge pull request #<n> from <owner>/sluice/...`
//!   or `Merge branch 'sluice/...'`.
//!
//! Everything else is a real change, whoever wrote it.

use std::collections::BTreeMap;

use serde::Serialize;

use super::product::{ProductGraph, repository_identity};

/// Where one repository was in the two graphs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Presence {
    /// The repository URL, as first met.
    pub repository: String,
    /// The commits it was reached at in the first graph, nearest to the root first
    /// (more than one when that graph is incoherent); empty when absent.
    pub old: Vec<String>,
    /// The same in the second graph.
    pub new: Vec<String>,
}

/// How a repository changed between the two graphs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// Only in the second graph.
    Added,
    /// Only in the first graph.
    Removed,
    /// At the same commit in both.
    Unchanged,
    /// At another commit.
    Moved,
}

impl Presence {
    /// How it changed: the commits nearest to the root are compared.
    pub fn status(&self) -> Status {
        match (self.old.first(), self.new.first()) {
            (None, _) => Status::Added,
            (_, None) => Status::Removed,
            (Some(a), Some(b)) if a.eq_ignore_ascii_case(b) => Status::Unchanged,
            _ => Status::Moved,
        }
    }

    /// The range to walk for a moved repository: (old, new) commits nearest the root.
    pub fn range(&self) -> Option<(&str, &str)> {
        match self.status() {
            Status::Moved => Some((self.old[0].as_str(), self.new[0].as_str())),
            _ => None,
        }
    }
}

fn commits_by_repository(graph: &ProductGraph) -> BTreeMap<String, (String, Vec<String>)> {
    let mut out: BTreeMap<String, (String, Vec<String>)> = BTreeMap::new();
    for node in &graph.nodes {
        let entry = out
            .entry(repository_identity(&node.repository))
            .or_insert_with(|| (node.repository.clone(), Vec::new()));
        if !entry.1.iter().any(|c| c.eq_ignore_ascii_case(&node.commit)) {
            entry.1.push(node.commit.clone());
        }
    }
    out
}

/// Every repository of either graph (by identity), in the order first met: the second
/// graph's order, then those only in the first.
pub fn compare(old: &ProductGraph, new: &ProductGraph) -> Vec<Presence> {
    let (before, after) = (commits_by_repository(old), commits_by_repository(new));
    let mut order: Vec<String> = Vec::new();
    for node in new.nodes.iter().chain(&old.nodes) {
        let id = repository_identity(&node.repository);
        if !order.contains(&id) {
            order.push(id);
        }
    }
    order
        .into_iter()
        .map(|id| {
            let (a, b) = (before.get(&id), after.get(&id));
            let repository = b.or(a).map(|(r, _)| r.clone()).unwrap_or(id);
            Presence {
                repository,
                old: a.map(|(_, c)| c.clone()).unwrap_or_default(),
                new: b.map(|(_, c)| c.clone()).unwrap_or_default(),
            }
        })
        .collect()
}

/// One commit of a range, as the history gives it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CommitInfo {
    /// The commit id.
    pub id: String,
    /// How many parents it has.
    pub parents: usize,
    /// Its whole message.
    pub message: String,
}

impl CommitInfo {
    /// The message's first line.
    pub fn subject(&self) -> &str {
        self.message.lines().next().unwrap_or("").trim()
    }
}

/// The marker an update description opens each subscription's section with.
const SECTION_MARKER: &str = "<!-- sluice:begin subscription=";

/// Whether `subject` is an update title: `[<branch>] Update dependencies from <...>`.
fn is_update_title(subject: &str) -> bool {
    let Some(rest) = subject.strip_prefix('[') else {
        return false;
    };
    let Some((branch, rest)) = rest.split_once("] ") else {
        return false;
    };
    !branch.is_empty()
        && rest
            .strip_prefix("Update dependencies from ")
            .is_some_and(|r| !r.trim().is_empty())
}

/// `<rest>` of `Merged PR <n>: <rest>` (Azure DevOps), else the subject itself; and
/// without a trailing ` (#<n>)` (a squash merge's suffix).
fn unwrap_merge_subject(subject: &str) -> &str {
    let subject = subject
        .strip_prefix("Merged PR ")
        .and_then(|r| r.split_once(": "))
        .filter(|(n, _)| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()))
        .map_or(subject, |(_, rest)| rest);
    match subject.rsplit_once(" (#") {
        Some((head, tail))
            if tail
                .strip_suffix(')')
                .is_some_and(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit())) =>
        {
            head
        }
        _ => subject,
    }
}

/// Whether a merge subject merges a sluice head branch.
fn merges_update_branch(subject: &str) -> bool {
    if let Some(rest) = subject.strip_prefix("Merge pull request #") {
        // `Merge pull request #12 from owner/sluice/main/key`
        return rest
            .split_once(" from ")
            .and_then(|(_, from)| from.split_once('/'))
            .is_some_and(|(_, branch)| branch.starts_with("sluice/"));
    }
    subject.starts_with("Merge branch 'sluice/")
        || subject.starts_with("Merge remote-tracking branch 'origin/sluice/")
}

/// Whether `commit` is one of sluice's own dependency updates (see the module's rule).
pub fn is_flow_commit(commit: &CommitInfo) -> bool {
    let subject = commit.subject();
    is_update_title(unwrap_merge_subject(subject))
        || commit.message.contains(SECTION_MARKER)
        || (commit.parents >= 2 && merges_update_branch(subject))
}

/// The commits of a range split into real changes (in the order given) and the number
/// of sluice's own updates left out.
pub fn real_changes(commits: Vec<CommitInfo>) -> (Vec<CommitInfo>, usize) {
    let (flow, real): (Vec<CommitInfo>, Vec<CommitInfo>) =
        commits.into_iter().partition(is_flow_commit);
    (real, flow.len())
}
