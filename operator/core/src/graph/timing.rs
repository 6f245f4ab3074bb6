//! Time to flow, from the flow history: how long a build of a subscription's source takes
//! to be merged into its target (the update time), and how long the target then takes to
//! publish a build of its own (the build time). Pure: the adapter gathers the records.
//!
//! - An update sample is one merge of a subscription's pull request: merged at minus the
//!   carried build's `producedAt`.
//! - A build sample is the same merge followed by the first build of the target
//!   repository (by identity) on the target branch produced at or after the merge: that
//!   build's `producedAt` minus the merge time. A merge with no later build yields no
//!   build sample (the target has not built since).
//!
//! Only merges at or after the start of the window count.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::product::repository_identity;

/// The median and the 90th percentile of a set of durations, in seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Stats {
    /// How many samples.
    pub samples: usize,
    /// The median: the middle sample, or the mean of the two middle ones (rounded down).
    pub median_secs: i64,
    /// The 90th percentile by nearest rank: the smallest sample at least 90% of the
    /// samples are at or below.
    pub p90_secs: i64,
}

/// The statistics of `samples` (any order); `None` when there are none.
pub fn stats(samples: &[i64]) -> Option<Stats> {
    if samples.is_empty() {
        return None;
    }
    let mut sorted = samples.to_vec();
    sorted.sort_unstable();
    let n = sorted.len();
    let median = if n % 2 == 1 {
        sorted[n / 2]
    } else {
        // The mean of the two middle samples without overflow, rounded down.
        let (a, b) = (sorted[n / 2 - 1], sorted[n / 2]);
        a + (b - a) / 2
    };
    // Nearest rank: ceil(0.9 n), 1-based.
    let rank = (9 * n).div_ceil(10).max(1);
    Some(Stats {
        samples: n,
        median_secs: median,
        p90_secs: sorted[rank - 1],
    })
}

/// A subscription as the flow network sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Link {
    /// The subscription's name.
    pub subscription: String,
    /// Source repository URL.
    pub source: String,
    /// The channel it reads.
    pub channel: String,
    /// Target repository URL.
    pub target: String,
    /// Target branch.
    pub branch: String,
    /// Update frequency, e.g. `EveryBuild`.
    pub frequency: String,
    /// Merge policy names.
    pub policies: Vec<String>,
    /// Whether it is enabled.
    pub enabled: bool,
}

/// One merge of a subscription's update, from the flow history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MergeRecord {
    /// The subscription.
    pub subscription: String,
    /// When the build it carried was produced (Unix seconds).
    pub produced_at: i64,
    /// When the merge was recorded (Unix seconds).
    pub merged_at: i64,
}

/// One build of a repository, from the build registry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BuildRecord {
    /// Repository URL.
    pub repository: String,
    /// Branch built.
    pub branch: String,
    /// When it was produced (Unix seconds).
    pub produced_at: i64,
}

/// A link with the times observed on it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LinkTiming {
    /// The subscription.
    #[serde(flatten)]
    pub link: Link,
    /// Build produced to update merged.
    pub update: Option<Stats>,
    /// Update merged to the target's next build produced.
    pub build: Option<Stats>,
}

impl LinkTiming {
    /// What the link costs on a path: the median update time plus the median build time,
    /// an unknown part counting as zero.
    pub fn weight_secs(&self) -> i64 {
        self.update.map_or(0, |s| s.median_secs) + self.build.map_or(0, |s| s.median_secs)
    }
}

/// The times of every link over the merges at or after `since` (Unix seconds).
pub fn link_timings(
    links: &[Link],
    merges: &[MergeRecord],
    builds: &[BuildRecord],
    since: i64,
) -> Vec<LinkTiming> {
    // Each record is looked at once: builds by (repository identity, branch), sorted by
    // time; merges in the window by subscription.
    let mut by_target: BTreeMap<(String, &str), Vec<i64>> = BTreeMap::new();
    for b in builds {
        by_target
            .entry((repository_identity(&b.repository), b.branch.as_str()))
            .or_default()
            .push(b.produced_at);
    }
    for times in by_target.values_mut() {
        times.sort_unstable();
    }
    let mut by_subscription: BTreeMap<&str, Vec<&MergeRecord>> = BTreeMap::new();
    for m in merges.iter().filter(|m| m.merged_at >= since) {
        by_subscription
            .entry(m.subscription.as_str())
            .or_default()
            .push(m);
    }
    links
        .iter()
        .map(|link| {
            let key = (repository_identity(&link.target), link.branch.as_str());
            let target_builds = by_target.get(&key).map_or(&[][..], Vec::as_slice);
            let mine = by_subscription
                .get(link.subscription.as_str())
                .map_or(&[][..], Vec::as_slice);
            let (mut update, mut build) = (Vec::new(), Vec::new());
            for merge in mine {
                update.push((merge.merged_at - merge.produced_at).max(0));
                let next = target_builds.partition_point(|&at| at < merge.merged_at);
                if let Some(&at) = target_builds.get(next) {
                    build.push(at - merge.merged_at);
                }
            }
            LinkTiming {
                link: link.clone(),
                update: stats(&update),
                build: stats(&build),
            }
        })
        .collect()
}

/// `1d 4h`, `2h 05m`, `3m 20s`, `45s`, `30d`: a duration for people, two units at most,
/// the smaller left out when it is zero.
pub fn human(secs: i64) -> String {
    let sign = if secs < 0 { "-" } else { "" };
    let s = secs.unsigned_abs();
    let (d, h, m, sec) = (s / 86_400, s / 3_600 % 24, s / 60 % 60, s % 60);
    let body = if d > 0 {
        if h > 0 {
            format!("{d}d {h}h")
        } else {
            format!("{d}d")
        }
    } else if h > 0 {
        if m > 0 {
            format!("{h}h {m:02}m")
        } else {
            format!("{h}h")
        }
    } else if m > 0 {
        if sec > 0 {
            format!("{m}m {sec:02}s")
        } else {
            format!("{m}m")
        }
    } else {
        format!("{sec}s")
    };
    format!("{sign}{body}")
}

/// A window length: `30d`, `12h`, `90m`, `3600s` or `2w`; a positive number of seconds.
pub fn parse_window(text: &str) -> Result<i64, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (digits, unit) = text.split_at(split);
    let unit_secs = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3_600,
        "d" => 86_400,
        "w" => 604_800,
        _ => {
            return Err(format!(
                "window {text:?}: expected a number and a unit (s, m, h, d or w), e.g. 30d"
            ));
        }
    };
    let n: i64 = digits
        .parse()
        .map_err(|_| format!("window {text:?}: expected a number before the unit, e.g. 30d"))?;
    match n.checked_mul(unit_secs) {
        Some(secs) if secs > 0 => Ok(secs),
        _ => Err(format!(
            "window {text:?}: must be positive and under 290 billion years"
        )),
    }
}
