//! Release readiness as text: the verdict, each incoherent repository with its stale
//! paths, hop by hop what is under way and what blocks it, and the estimate.

use std::fmt::Write as _;

use super::product::{RepoAt, Unreadable, display_name};
use super::readiness::{HopState, Readiness};
use super::render::short_commit;
use super::timing::human;

fn state_text(state: &HopState) -> String {
    match state {
        HopState::NoSubscription => "no subscription".into(),
        HopState::Applied => "applied".into(),
        HopState::PullRequestOpen { number, url } => match number {
            Some(n) => format!("pull request #{n} open ({url})"),
            None => format!("pull request open ({url})"),
        },
        HopState::BuildWaiting { build } => format!("build {build} waiting to be applied"),
        HopState::NotRequested => {
            "the build is not requested (not on the channel read, or not triggered)".into()
        }
        HopState::AwaitsSource => "waits for a new build of its source".into(),
    }
}

fn estimate_text(secs: Option<i64>, complete: bool) -> String {
    match secs {
        None => "none (a hop has no subscription)".into(),
        Some(s) if complete => format!("{} (median)", human(s)),
        Some(s) => format!("at least {} (median; some hops have no history)", human(s)),
    }
}

/// Readiness of the product rooted at `root` (on `branch`) as text, then the nodes that
/// could not be read (coherency is judged on what was read).
pub fn text(
    root: &RepoAt,
    branch: &str,
    readiness: &Readiness,
    unreadable: &[Unreadable],
) -> String {
    let mut out = verdict(root, branch, readiness);
    if !unreadable.is_empty() {
        let _ = writeln!(
            out,
            "\n{} node(s) could not be read; coherency is judged on the rest:",
            unreadable.len()
        );
        for u in unreadable {
            let _ = writeln!(
                out,
                "  {} at {}: {}",
                display_name(&u.repository),
                short_commit(&u.commit),
                u.reason
            );
        }
    }
    out
}

fn verdict(root: &RepoAt, branch: &str, readiness: &Readiness) -> String {
    let head = format!(
        "{}@{branch} ({})",
        display_name(&root.repository),
        short_commit(&root.commit)
    );
    if readiness.coherent {
        return format!("{head} is coherent: every repository is reached at one commit.\n");
    }
    let mut out = format!(
        "{head} is NOT coherent: {} repository(ies) reached at more than one commit.\n",
        readiness.findings.len()
    );
    for f in &readiness.findings {
        let _ = write!(out, "\n{}: ", display_name(&f.repository));
        match &f.align_on {
            Some(b) => {
                let _ = writeln!(
                    out,
                    "align on {} (build {}, id {}, the newest build of the commits reached)",
                    short_commit(&b.commit),
                    b.number,
                    b.id
                );
            }
            None => out.push_str(
                "no build of the commits reached is known, so no newest to align on; every path is listed\n",
            ),
        }
        for p in &f.stale {
            let names: Vec<&str> = p.path.iter().map(|r| display_name(r)).collect();
            let _ = writeln!(
                out,
                "  at {} via {}",
                short_commit(&p.commit),
                names.join(" -> ")
            );
            for h in &p.hops {
                let _ = writeln!(
                    out,
                    "    {} -> {} [{}]: {}",
                    display_name(&h.source),
                    display_name(&h.target),
                    h.subscription.as_deref().unwrap_or("-"),
                    state_text(&h.state)
                );
                for b in &h.blockers {
                    let _ = writeln!(out, "      blocked: {b}");
                }
            }
            let _ = writeln!(
                out,
                "    resolved in: {}",
                estimate_text(p.estimate_secs, p.estimate_complete)
            );
        }
    }
    let _ = writeln!(
        out,
        "\nEstimated time to a coherent product: {}",
        estimate_text(readiness.estimate_secs, readiness.estimate_complete)
    );
    out
}
