//! When the controller passes over the status of its resources again, and how far: a
//! pass over the configuration follows every change at once; a pass over Builds follows
//! a change to the resources or to the Build decisions at once, but only for the Builds
//! that changed, and makes where every build flowed again (a full pass) at most every
//! refresh interval when only the store moved. Thousands of Builds are not gone over
//! again for every write of every key.

use std::time::Duration;

/// The counters a status pass depends on; each grows with every change of its source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Revision {
    /// The configuration resources (and their validation).
    pub resources: u64,
    /// The Build resources.
    pub builds: u64,
    /// The decisions taken on Build resources (ingested, refused).
    pub decisions: u64,
    /// The store.
    pub store: u64,
}

/// How far a status pass goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Every resource of the part.
    Full,
    /// Only the Builds whose object or decision changed since their status was found
    /// right.
    Changed,
}

/// What the last complete pass over a part saw, and how long ago its last full pass
/// ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Last {
    /// The revision it saw. After a pass over changed Builds, the store's counter stays
    /// the one of the last full pass: the store's changes still wait for one.
    pub seen: Revision,
    /// How long ago the last full pass ended.
    pub full_ago: Duration,
}

/// The pass due over the Builds (`builds`) or the configuration now, at `now`, after
/// `last` (none yet, or the last one did not complete); `None` when none is due.
pub fn due(builds: bool, last: Option<Last>, now: Revision, refresh: Duration) -> Option<Mode> {
    let Some(last) = last else {
        return Some(Mode::Full);
    };
    if last.seen == now {
        return None;
    }
    if !builds || last.full_ago >= refresh {
        return Some(Mode::Full);
    }
    let watched = |r: Revision| (r.resources, r.builds, r.decisions);
    (watched(last.seen) != watched(now)).then_some(Mode::Changed)
}

/// What the next pass sees as the last one once a pass of `mode` at `now` completed;
/// `full_ago` is zero after a full pass.
pub fn after(mode: Mode, last: Option<Last>, now: Revision) -> Option<Last> {
    match (mode, last) {
        (Mode::Full, _) => Some(Last {
            seen: now,
            full_ago: Duration::ZERO,
        }),
        (Mode::Changed, Some(last)) => Some(Last {
            seen: Revision {
                store: last.seen.store,
                ..now
            },
            full_ago: last.full_ago,
        }),
        (Mode::Changed, None) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rev(resources: u64, builds: u64, decisions: u64, store: u64) -> Revision {
        Revision {
            resources,
            builds,
            decisions,
            store,
        }
    }

    #[test]
    fn builds_follow_their_resources_at_once_and_the_store_at_a_pace() {
        let refresh = Duration::from_secs(2);
        let last = |seen: Revision, ago: u64| {
            Some(Last {
                seen,
                full_ago: Duration::from_millis(ago),
            })
        };
        let base = rev(1, 1, 1, 1);
        // (builds, last, now, due)
        let table = [
            (true, None, base, Some(Mode::Full)),
            (false, None, base, Some(Mode::Full)),
            (true, last(base, 0), base, None),
            (false, last(base, 0), base, None),
            // The configuration follows every change, the store's too.
            (false, last(base, 0), rev(1, 1, 1, 2), Some(Mode::Full)),
            // Builds: the store alone waits for the refresh interval.
            (true, last(base, 500), rev(1, 1, 1, 2), None),
            (true, last(base, 2_000), rev(1, 1, 1, 2), Some(Mode::Full)),
            // A changed Build resource or decision, or configuration, goes at once, for
            // the changed Builds only.
            (true, last(base, 500), rev(1, 2, 1, 1), Some(Mode::Changed)),
            (true, last(base, 500), rev(1, 1, 2, 5), Some(Mode::Changed)),
            (true, last(base, 500), rev(2, 1, 1, 1), Some(Mode::Changed)),
            (true, last(base, 2_500), rev(1, 2, 1, 1), Some(Mode::Full)),
        ];
        for (builds, last, now, want) in table {
            assert_eq!(
                due(builds, last, now, refresh),
                want,
                "{builds} {last:?} {now:?}"
            );
        }
    }

    #[test]
    fn a_pass_over_changed_builds_leaves_the_store_to_the_next_full_pass() {
        let refresh = Duration::from_secs(2);
        let before = Last {
            seen: rev(1, 1, 1, 1),
            full_ago: Duration::from_millis(300),
        };
        let now = rev(1, 2, 1, 7);
        let after_changed = after(Mode::Changed, Some(before), now).expect("a last pass");
        assert_eq!(after_changed.seen, rev(1, 2, 1, 1));
        assert_eq!(after_changed.full_ago, before.full_ago);
        // Nothing more before the interval; a full pass for the store after it.
        assert_eq!(due(true, Some(after_changed), now, refresh), None);
        let later = Last {
            full_ago: refresh,
            ..after_changed
        };
        assert_eq!(due(true, Some(later), now, refresh), Some(Mode::Full));
        let after_full = after(Mode::Full, Some(later), now).expect("a last pass");
        assert_eq!(after_full.seen, now);
        assert_eq!(due(true, Some(after_full), now, refresh), None);
    }
}
