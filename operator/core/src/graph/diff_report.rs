//! What `sluice graph diff` reports: per repository, how it changed and the real commits
//! of its range, as text or JSON.

use std::fmt::Write as _;

use serde::Serialize;

use super::diff::{CommitInfo, Presence, Status, real_changes};
use super::network_render::columns;
use super::product::{RepoAt, Unreadable, display_name};
use super::render::short_commit;

/// The commits a moved repository went through.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RangeSummary {
    /// How many real changes (sluice's own updates left out).
    pub real_commits: usize,
    /// The real changes, newest first (listed on request only).
    pub commits: Vec<CommitInfo>,
    /// How many of sluice's own updates were left out.
    pub left_out: usize,
    /// Commits of the old side the new one lacks (moved back or diverged).
    pub behind: usize,
    /// The walk stopped at its limit: the counts are lower bounds.
    pub truncated: bool,
}

impl RangeSummary {
    /// The summary of a range from its commits as walked.
    pub fn new(commits: Vec<CommitInfo>, behind: usize, truncated: bool) -> Self {
        let (commits, left_out) = real_changes(commits);
        RangeSummary {
            real_commits: commits.len(),
            commits,
            left_out,
            behind,
            truncated,
        }
    }
}

/// One repository of the diff.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RepoDiff {
    /// Where it was in each graph.
    #[serde(flatten)]
    pub presence: Presence,
    /// How it changed.
    pub status: Status,
    /// Its range, for a moved repository whose history could be read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub range: Option<RangeSummary>,
    /// Why its history could not be read, for a moved repository.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// The whole diff.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GraphDiff {
    /// The first root.
    pub old: RepoAt,
    /// The second root.
    pub new: RepoAt,
    /// Every repository of either graph.
    pub repositories: Vec<RepoDiff>,
    /// Nodes of either graph that could not be read.
    pub unreadable: Vec<Unreadable>,
}

fn commits_cell(d: &RepoDiff) -> (String, String) {
    match (&d.range, &d.error) {
        (Some(r), _) => {
            let plus = if r.truncated { "+" } else { "" };
            let mut real = format!("{}{plus}", r.real_commits);
            if r.behind > 0 {
                real.push_str(&format!(" ({} behind)", r.behind));
            }
            (real, r.left_out.to_string())
        }
        (None, Some(_)) => ("?".into(), "?".into()),
        (None, None) => (String::new(), String::new()),
    }
}

/// The diff as text: a table of repositories, then (with `commits`) the subjects of
/// each moved repository's real changes, then what could not be read.
pub fn text(diff: &GraphDiff, commits: bool) -> String {
    let mut out = format!(
        "{}: {} -> {}\n\n",
        display_name(&diff.new.repository),
        short_commit(&diff.old.commit),
        short_commit(&diff.new.commit)
    );
    let mut rows = vec![
        [
            "REPOSITORY",
            "CHANGE",
            "OLD",
            "NEW",
            "REAL COMMITS",
            "SLUICE UPDATES",
        ]
        .map(String::from)
        .to_vec(),
    ];
    let list = |c: &[String]| {
        c.iter()
            .map(|c| short_commit(c))
            .collect::<Vec<_>>()
            .join(",")
    };
    for d in &diff.repositories {
        let (real, flow) = commits_cell(d);
        rows.push(vec![
            display_name(&d.presence.repository).to_owned(),
            format!("{:?}", d.status).to_lowercase(),
            list(&d.presence.old),
            list(&d.presence.new),
            real,
            flow,
        ]);
    }
    out.push_str(&columns(&rows));
    for d in &diff.repositories {
        if let Some(error) = &d.error {
            let _ = writeln!(
                out,
                "\n{}: history not readable: {error}",
                display_name(&d.presence.repository)
            );
        }
        let (Some(range), true) = (&d.range, commits) else {
            continue;
        };
        let _ = writeln!(
            out,
            "\n{} {}..{}: {} real commit(s), {} sluice update(s) left out",
            display_name(&d.presence.repository),
            list(&d.presence.old[..1]),
            list(&d.presence.new[..1]),
            range.real_commits,
            range.left_out
        );
        for c in &range.commits {
            let _ = writeln!(out, "  {} {}", short_commit(&c.id), c.subject());
        }
    }
    for u in &diff.unreadable {
        let _ = writeln!(
            out,
            "\nunreadable: {} at {}: {}",
            display_name(&u.repository),
            short_commit(&u.commit),
            u.reason
        );
    }
    out
}
