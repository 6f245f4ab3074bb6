//! How long a fix in one repository takes to reach another, from the flow history: the
//! slowest path of subscriptions between them, and per hop the update time (build
//! produced to update merged) and the target's own build time (merge to the target's
//! next build), with the figures used.

use std::fmt::Write as _;

use serde::Serialize;

use super::network::slowest_path;
use super::network_render::{columns, figures};
use super::product::display_name;
use super::timing::{LinkTiming, Stats, human};

/// One hop of the path.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Hop {
    /// The subscription.
    pub subscription: String,
    /// Its source repository.
    pub source: String,
    /// Its target repository.
    pub target: String,
    /// Its target branch.
    pub branch: String,
    /// Build produced to update merged.
    pub update: Option<Stats>,
    /// Update merged to the target's next build.
    pub build: Option<Stats>,
}

/// The answer of [`flow_time`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FlowTime {
    /// Where the fix starts.
    pub source: String,
    /// Where it must arrive.
    pub target: String,
    /// How many paths between them were compared.
    pub paths_compared: usize,
    /// The slowest path's hops, in flow order.
    pub hops: Vec<Hop>,
    /// The sum of the medians along it (unknown figures count as zero).
    pub total_secs: i64,
    /// The sum of the 90th percentiles along it (unknown figures count as zero).
    pub total_p90_secs: i64,
    /// Whether every figure along it is known.
    pub complete: bool,
}

/// The flow time from `source` to `target` over `links`; `None` when no chain of
/// subscriptions leads from one to the other.
pub fn flow_time(links: &[LinkTiming], source: &str, target: &str) -> Option<FlowTime> {
    let (path, compared) = slowest_path(links, source, target)?;
    let hops: Vec<Hop> = path
        .links
        .iter()
        .map(|&l| {
            let t = &links[l];
            Hop {
                subscription: t.link.subscription.clone(),
                source: t.link.source.clone(),
                target: t.link.target.clone(),
                branch: t.link.branch.clone(),
                update: t.update,
                build: t.build,
            }
        })
        .collect();
    let sum = |f: fn(&Stats) -> i64| -> i64 {
        hops.iter()
            .map(|h| h.update.as_ref().map_or(0, f) + h.build.as_ref().map_or(0, f))
            .sum()
    };
    Some(FlowTime {
        source: source.to_owned(),
        target: target.to_owned(),
        paths_compared: compared,
        total_secs: sum(|s| s.median_secs),
        total_p90_secs: sum(|s| s.p90_secs),
        complete: hops.iter().all(|h| h.update.is_some() && h.build.is_some()),
        hops,
    })
}

/// The flow time as text: one row per hop with the figures used, then the totals.
pub fn text(time: &FlowTime) -> String {
    let mut out = format!(
        "{} -> {}: slowest of {} path(s), {} hop(s)\n\n",
        display_name(&time.source),
        display_name(&time.target),
        time.paths_compared,
        time.hops.len()
    );
    let mut rows = vec![
        [
            "HOP",
            "SUBSCRIPTION",
            "UPDATE median / p90 (n)",
            "BUILD median / p90 (n)",
        ]
        .map(String::from)
        .to_vec(),
    ];
    for h in &time.hops {
        rows.push(vec![
            format!(
                "{} -> {}@{}",
                display_name(&h.source),
                display_name(&h.target),
                h.branch
            ),
            h.subscription.clone(),
            figures(h.update),
            figures(h.build),
        ]);
    }
    out.push_str(&columns(&rows));
    let _ = writeln!(
        out,
        "\nEstimated time to flow: {} (median), {} (p90)",
        human(time.total_secs),
        human(time.total_p90_secs)
    );
    if !time.complete {
        out.push_str(
            "Some hops have no history in the window (no merge, or no build of the target since): they count as 0, so the estimate is a lower bound.\n",
        );
    }
    out
}
