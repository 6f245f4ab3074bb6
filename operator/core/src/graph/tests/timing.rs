//! Table tests of time to flow: statistics, samples from the history, windows, durations.

use super::super::timing::{
    BuildRecord, Link, MergeRecord, Stats, human, link_timings, parse_window, stats,
};
use super::url;

#[test]
fn median_and_p90() {
    let s = |samples, median_secs, p90_secs| {
        Some(Stats {
            samples,
            median_secs,
            p90_secs,
        })
    };
    for (samples, want) in [
        (vec![], None),
        (vec![7], s(1, 7, 7)),
        (vec![30, 10], s(2, 20, 30)),
        (vec![3, 1, 2], s(3, 2, 3)),
        (vec![4, 1, 3, 2], s(4, 2, 4)),
        // Nearest rank: ceil(0.9 * 10) = 9th of 10.
        ((1..=10).collect(), s(10, 5, 9)),
        ((1..=11).rev().collect(), s(11, 6, 10)),
        ((1..=20).collect(), s(20, 10, 18)),
        (vec![5, 5, 5, 100], s(4, 5, 100)),
        (vec![i64::MAX - 1, i64::MAX], s(2, i64::MAX - 1, i64::MAX)),
    ] {
        assert_eq!(stats(&samples), want, "{samples:?}");
    }
}

fn link(name: &str, source: &str, target: &str) -> Link {
    Link {
        subscription: name.into(),
        source: url(source),
        channel: "dev".into(),
        target: url(target),
        branch: "main".into(),
        frequency: "EveryBuild".into(),
        policies: vec!["Standard".into()],
        enabled: true,
    }
}

fn merge(sub: &str, produced_at: i64, merged_at: i64) -> MergeRecord {
    MergeRecord {
        subscription: sub.into(),
        produced_at,
        merged_at,
    }
}

fn build(name: &str, branch: &str, produced_at: i64) -> BuildRecord {
    BuildRecord {
        repository: url(name),
        branch: branch.into(),
        produced_at,
    }
}

#[test]
fn samples_pair_merges_with_the_next_target_build() {
    let links = [
        link("rt-ext", "runtime", "extensions"),
        link("ext-sdk", "extensions", "sdk"),
    ];
    let merges = [
        merge("rt-ext", 1_000, 1_600),
        merge("rt-ext", 2_000, 2_300),
        // Before the window: left out.
        merge("rt-ext", 0, 500),
        // Produced after the merge was recorded (clock skew): zero, not negative.
        merge("rt-ext", 5_000, 4_000),
    ];
    let builds = [
        // extensions on another branch: not its build.
        build("extensions", "release", 1_650),
        build("extensions", "main", 1_700),
        build("extensions", "main", 1_900),
        // Spelled differently, the same repository.
        BuildRecord {
            repository: format!("{}.git", url("extensions")),
            branch: "main".into(),
            produced_at: 2_400,
        },
        // No build of extensions after 4_000: that merge has no build sample.
    ];
    let t = link_timings(&links, &merges, &builds, 1_000);
    assert_eq!(t.len(), 2);
    // Update samples 600, 300, 0.
    assert_eq!(
        t[0].update,
        Some(Stats {
            samples: 3,
            median_secs: 300,
            p90_secs: 600
        })
    );
    // Build samples 100 (1_600 -> 1_700) and 100 (2_300 -> 2_400).
    assert_eq!(
        t[0].build,
        Some(Stats {
            samples: 2,
            median_secs: 100,
            p90_secs: 100
        })
    );
    assert_eq!(t[0].weight_secs(), 400);
    // No merge of ext-sdk: no history.
    assert_eq!(
        (t[1].update, t[1].build, t[1].weight_secs()),
        (None, None, 0)
    );
}

#[test]
fn durations_for_people() {
    for (secs, want) in [
        (0, "0s"),
        (45, "45s"),
        (60, "1m"),
        (200, "3m 20s"),
        (3_600, "1h"),
        (7_500, "2h 05m"),
        (3_601, "1h"),
        (2_592_000, "30d"),
        (86_400, "1d"),
        (100_800, "1d 4h"),
        (-90, "-1m 30s"),
    ] {
        assert_eq!(human(secs), want, "{secs}");
    }
}

#[test]
fn windows() {
    for (text, want) in [
        ("30d", Ok(2_592_000)),
        ("12h", Ok(43_200)),
        ("90m", Ok(5_400)),
        ("3600s", Ok(3_600)),
        ("2w", Ok(1_209_600)),
        (" 1d ", Ok(86_400)),
    ] {
        assert_eq!(parse_window(text), want, "{text}");
    }
    for (text, says) in [
        ("30", "unit"),
        ("d", "number before the unit"),
        ("0d", "positive"),
        ("-1d", "unit"),
        ("1y", "unit"),
        ("99999999999999999w", "positive"),
        ("99999999999999999999d", "number before the unit"),
        ("9999999999999999d", "positive"),
    ] {
        let err = parse_window(text).unwrap_err();
        assert!(err.contains(says), "{text}: {err}");
    }
}
