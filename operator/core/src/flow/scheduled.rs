//! Scheduled subscriptions at a schedule check: which of them are due, and what firing one
//! asks of its progress. The engine reads the records, calls these, and writes back.

use crate::model::{SubscriptionSpec, UpdateFrequency};

use super::schedule::{ScheduleConfig, is_due};
use super::types::{BuildId, SubscriptionState};

/// When a subscription last fired and when sluice first saw it (Unix seconds), as the
/// store keeps them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Firings {
    /// When a scheduled trigger last fired it.
    pub last_fired: Option<i64>,
    /// When sluice first saw it; `None` for one the configuration brought in this instant.
    pub first_seen: Option<i64>,
}

/// Names of the subscriptions due at `now`: enabled, with a scheduled frequency (not
/// `None`, not `EveryBuild`), and a scheduled instant in `(last fired, now]`. One that
/// never fired counts from when it was first seen, and one not seen yet from `now` (so it
/// waits for its first scheduled instant). Names come out in the order given.
pub fn due_subscriptions<'a>(
    subscriptions: impl IntoIterator<Item = (&'a str, &'a SubscriptionSpec, Firings)>,
    now: i64,
    cfg: &ScheduleConfig,
) -> Vec<&'a str> {
    subscriptions
        .into_iter()
        .filter(|(_, spec, firings)| {
            spec.enabled
                && !matches!(
                    spec.update_frequency,
                    UpdateFrequency::None | UpdateFrequency::EveryBuild
                )
                && is_due(
                    spec.update_frequency,
                    firings.last_fired,
                    firings.first_seen.unwrap_or(now),
                    now,
                    cfg,
                )
        })
        .map(|(name, _, _)| name)
        .collect()
}

impl SubscriptionState {
    /// A schedule fired with `latest`, the newest build on the subscription's channel
    /// (`None`: the channel has none yet). It is requested unless the target has it
    /// applied already; requests only move forward ([`SubscriptionState::request`]).
    /// Returns whether the request moved.
    pub fn request_scheduled(&mut self, latest: Option<BuildId>) -> bool {
        match latest {
            Some(build) if self.last_applied_build != Some(build) => self.request(build),
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{SubscriptionSource, SubscriptionTarget};
    use UpdateFrequency as F;

    const DAY: i64 = 86_400;
    /// 2025-01-01T00:00:00Z, a Wednesday; daily schedules fire at 05:00.
    const NEW_YEAR: i64 = 1_735_689_600;

    fn spec(frequency: UpdateFrequency, enabled: bool) -> SubscriptionSpec {
        SubscriptionSpec {
            source: SubscriptionSource {
                repository: "https://example.com/a/source".into(),
                channel: "dev".into(),
                visibility: None,
                public_repository: None,
            },
            target: SubscriptionTarget {
                repository: "https://example.com/a/target".into(),
                branch: "main".into(),
                directories: vec![".".into()],
                visibility: None,
            },
            update_frequency: frequency,
            batchable: false,
            excluded_assets: Vec::new(),
            merge_policies: Vec::new(),
            failure_notification_tags: Vec::new(),
            enabled,
            source_enabled: false,
            source_directory: None,
            target_directory: None,
        }
    }

    #[test]
    fn which_subscriptions_are_due() {
        let cfg = ScheduleConfig::default();
        let now = NEW_YEAR + 6 * 3600; // 06:00, one hour past the daily instant
        let never = Firings::default();
        let seen_yesterday = Firings {
            last_fired: None,
            first_seen: Some(now - DAY),
        };
        let fired_at_five = Firings {
            last_fired: Some(NEW_YEAR + 5 * 3600),
            first_seen: Some(now - 10 * DAY),
        };
        let fired_yesterday = Firings {
            last_fired: Some(now - DAY),
            first_seen: Some(now - 10 * DAY),
        };
        // (frequency, enabled, firings, due)
        let table = [
            (F::EveryDay, true, seen_yesterday, true),
            (F::EveryDay, true, fired_yesterday, true),
            (F::EveryDay, true, fired_at_five, false),
            (F::EveryDay, true, never, false),
            (F::EveryDay, false, fired_yesterday, false),
            (F::EveryBuild, true, fired_yesterday, false),
            (F::None, true, fired_yesterday, false),
            (F::TwiceDaily, true, seen_yesterday, true),
            // The 1st of the month: monthly subscriptions fire at 05:00 too.
            (F::EveryMonth, true, seen_yesterday, true),
            (F::EveryMonth, true, fired_at_five, false),
            (
                F::EveryMonth,
                true,
                Firings {
                    last_fired: Some(now - 40 * DAY),
                    first_seen: None,
                },
                true,
            ),
        ];
        let specs: Vec<(String, SubscriptionSpec, Firings)> = table
            .iter()
            .enumerate()
            .map(|(i, (f, enabled, firings, _))| (format!("s{i}"), spec(*f, *enabled), *firings))
            .collect();
        let due = due_subscriptions(specs.iter().map(|(n, s, f)| (n.as_str(), s, *f)), now, &cfg);
        let expected: Vec<String> = table
            .iter()
            .enumerate()
            .filter(|(_, row)| row.3)
            .map(|(i, _)| format!("s{i}"))
            .collect();
        assert_eq!(due, expected);
    }

    #[test]
    fn firing_requests_the_latest_unless_applied() {
        // (requested, applied, latest) -> (moved, requested after)
        type Row = (
            (Option<BuildId>, Option<BuildId>, Option<BuildId>),
            (bool, Option<BuildId>),
        );
        let table: [Row; 6] = [
            ((None, None, Some(4)), (true, Some(4))),
            ((None, Some(4), Some(4)), (false, None)),
            ((Some(3), Some(2), Some(4)), (true, Some(4))),
            ((Some(5), Some(2), Some(4)), (false, Some(5))),
            ((Some(4), Some(2), Some(4)), (false, Some(4))),
            ((None, Some(2), None), (false, None)),
        ];
        for ((requested, applied, latest), (moved, after)) in table {
            let mut state = SubscriptionState {
                last_applied_build: applied,
                requested_build: requested,
                force: false,
                rejected_build: None,
            };
            assert_eq!(
                state.request_scheduled(latest),
                moved,
                "{requested:?} {applied:?} {latest:?}"
            );
            assert_eq!(state.requested_build, after);
        }
    }
}
