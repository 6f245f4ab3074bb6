//! Frequency triggers: when a subscription with a scheduled [`UpdateFrequency`] applies the
//! latest build of its channel. Times are Unix seconds (UTC); the calendar is `jiff`'s.

use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::TimeZone;

use crate::model::UpdateFrequency;

/// A day of the week.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Weekday {
    /// Monday.
    Monday,
    /// Tuesday.
    Tuesday,
    /// Wednesday.
    Wednesday,
    /// Thursday.
    Thursday,
    /// Friday.
    Friday,
    /// Saturday.
    Saturday,
    /// Sunday.
    Sunday,
}

impl Weekday {
    /// The same day in `jiff`'s calendar.
    fn civil(self) -> jiff::civil::Weekday {
        use jiff::civil::Weekday as W;
        match self {
            Weekday::Monday => W::Monday,
            Weekday::Tuesday => W::Tuesday,
            Weekday::Wednesday => W::Wednesday,
            Weekday::Thursday => W::Thursday,
            Weekday::Friday => W::Friday,
            Weekday::Saturday => W::Saturday,
            Weekday::Sunday => W::Sunday,
        }
    }
}

/// When the scheduled frequencies fire, in UTC. Hours outside `0..24` and days outside
/// `1..=31` are ignored; a day past the end of a month (e.g. 31 in April) fires on the
/// month's last day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScheduleConfig {
    /// Hours of [`UpdateFrequency::TwiceDaily`].
    pub twice_daily_hours: Vec<u32>,
    /// Hour of [`UpdateFrequency::EveryDay`].
    pub daily_hour: u32,
    /// Day of [`UpdateFrequency::EveryWeek`].
    pub weekly_weekday: Weekday,
    /// Hour of [`UpdateFrequency::EveryWeek`].
    pub weekly_hour: u32,
    /// Days of the month of [`UpdateFrequency::EveryTwoWeeks`].
    pub two_weekly_days: Vec<u32>,
    /// Hour of [`UpdateFrequency::EveryTwoWeeks`].
    pub two_weekly_hour: u32,
    /// Day of the month of [`UpdateFrequency::EveryMonth`].
    pub monthly_day: u32,
    /// Hour of [`UpdateFrequency::EveryMonth`].
    pub monthly_hour: u32,
}

impl Default for ScheduleConfig {
    /// 05:00 and 19:00 twice daily; 05:00 daily, Mondays, on the 1st and 14th, and on the 1st.
    fn default() -> Self {
        ScheduleConfig {
            twice_daily_hours: vec![5, 19],
            daily_hour: 5,
            weekly_weekday: Weekday::Monday,
            weekly_hour: 5,
            two_weekly_days: vec![1, 14],
            two_weekly_hour: 5,
            monthly_day: 1,
            monthly_hour: 5,
        }
    }
}

/// The hours (sorted, valid only) at which `freq` fires on `date`.
fn firing_hours(freq: UpdateFrequency, date: Date, cfg: &ScheduleConfig) -> Vec<u32> {
    let last = u32::try_from(date.days_in_month()).unwrap_or(31);
    let day = u32::try_from(date.day()).unwrap_or(0);
    let on_day = |wanted: u32| (1..=31).contains(&wanted) && wanted.min(last) == day;
    let mut hours = match freq {
        UpdateFrequency::None | UpdateFrequency::EveryBuild => Vec::new(),
        UpdateFrequency::TwiceDaily => cfg.twice_daily_hours.clone(),
        UpdateFrequency::EveryDay => vec![cfg.daily_hour],
        UpdateFrequency::EveryWeek => {
            if date.weekday() == cfg.weekly_weekday.civil() {
                vec![cfg.weekly_hour]
            } else {
                Vec::new()
            }
        }
        UpdateFrequency::EveryTwoWeeks => {
            if cfg.two_weekly_days.iter().any(|d| on_day(*d)) {
                vec![cfg.two_weekly_hour]
            } else {
                Vec::new()
            }
        }
        UpdateFrequency::EveryMonth => {
            if on_day(cfg.monthly_day) {
                vec![cfg.monthly_hour]
            } else {
                Vec::new()
            }
        }
    };
    hours.retain(|h| *h < 24);
    hours.sort_unstable();
    hours.dedup();
    hours
}

/// The first scheduled instant of `freq` strictly after `after`; `None` for
/// [`UpdateFrequency::None`] and [`UpdateFrequency::EveryBuild`] (not scheduled) and for a
/// configuration that never fires.
pub fn next_due(freq: UpdateFrequency, after: i64, cfg: &ScheduleConfig) -> Option<i64> {
    if matches!(freq, UpdateFrequency::None | UpdateFrequency::EveryBuild) {
        return None;
    }
    let first = Timestamp::from_second(after)
        .ok()?
        .to_zoned(TimeZone::UTC)
        .date();
    // Every schedule fires at least once in any 32 consecutive days when it fires at all;
    // 62 days leave room for the instant after a month's last firing.
    first
        .series(jiff::Span::new().days(1))
        .take(62)
        .find_map(|date| {
            firing_hours(freq, date, cfg)
                .into_iter()
                .filter_map(|h| instant(date, h))
                .find(|t| *t > after)
        })
}

/// Unix seconds of `hour`:00 UTC on `date`.
fn instant(date: Date, hour: u32) -> Option<i64> {
    let hour = i8::try_from(hour).ok()?;
    let zoned = date.at(hour, 0, 0, 0).to_zoned(TimeZone::UTC).ok()?;
    Some(zoned.timestamp().as_second())
}

/// Whether a scheduled subscription should apply the latest build now: a scheduled
/// instant lies in `(since, now]`, where `since` is when it last fired or, when it never
/// fired, when the subscription was first seen (so a new subscription waits for its
/// first scheduled instant rather than firing at once). Always false for
/// [`UpdateFrequency::None`] and [`UpdateFrequency::EveryBuild`], which builds trigger.
pub fn is_due(
    freq: UpdateFrequency,
    last_fired: Option<i64>,
    first_seen: i64,
    now: i64,
    cfg: &ScheduleConfig,
) -> bool {
    let since = last_fired.unwrap_or(first_seen);
    next_due(freq, since, cfg).is_some_and(|t| t <= now)
}

#[cfg(test)]
mod tests {
    use super::*;
    use UpdateFrequency as F;

    /// Unix seconds of a UTC date and time.
    fn at(y: i16, mo: i8, d: i8, h: i8, mi: i8) -> i64 {
        jiff::civil::date(y, mo, d)
            .at(h, mi, 0, 0)
            .to_zoned(TimeZone::UTC)
            .unwrap()
            .timestamp()
            .as_second()
    }

    #[test]
    fn next_due_table() {
        let cfg = ScheduleConfig::default();
        let cases = [
            (F::None, at(2025, 1, 1, 0, 0), None),
            (F::EveryBuild, at(2025, 1, 1, 0, 0), None),
            (
                F::TwiceDaily,
                at(2025, 1, 1, 0, 0),
                Some(at(2025, 1, 1, 5, 0)),
            ),
            (
                F::TwiceDaily,
                at(2025, 1, 1, 5, 0),
                Some(at(2025, 1, 1, 19, 0)),
            ),
            (
                F::TwiceDaily,
                at(2025, 12, 31, 19, 0),
                Some(at(2026, 1, 1, 5, 0)),
            ),
            (
                F::EveryDay,
                at(2025, 1, 1, 4, 59),
                Some(at(2025, 1, 1, 5, 0)),
            ),
            (
                F::EveryDay,
                at(2024, 2, 28, 6, 0),
                Some(at(2024, 2, 29, 5, 0)),
            ),
            (
                F::EveryDay,
                at(2023, 2, 28, 6, 0),
                Some(at(2023, 3, 1, 5, 0)),
            ),
            // 2025-01-01 is a Wednesday.
            (
                F::EveryWeek,
                at(2025, 1, 1, 0, 0),
                Some(at(2025, 1, 6, 5, 0)),
            ),
            (
                F::EveryWeek,
                at(2025, 1, 6, 5, 0),
                Some(at(2025, 1, 13, 5, 0)),
            ),
            (
                F::EveryWeek,
                at(2024, 12, 28, 0, 0),
                Some(at(2024, 12, 30, 5, 0)),
            ),
            (
                F::EveryTwoWeeks,
                at(2025, 1, 1, 6, 0),
                Some(at(2025, 1, 14, 5, 0)),
            ),
            (
                F::EveryTwoWeeks,
                at(2025, 12, 14, 5, 0),
                Some(at(2026, 1, 1, 5, 0)),
            ),
            (
                F::EveryMonth,
                at(2025, 1, 1, 5, 0),
                Some(at(2025, 2, 1, 5, 0)),
            ),
            (
                F::EveryMonth,
                at(2025, 12, 2, 0, 0),
                Some(at(2026, 1, 1, 5, 0)),
            ),
            (
                F::EveryDay,
                at(1969, 12, 31, 12, 0),
                Some(at(1970, 1, 1, 5, 0)),
            ),
        ];
        for (freq, after, want) in cases {
            assert_eq!(next_due(freq, after, &cfg), want, "{freq:?} after {after}");
        }
    }

    #[test]
    fn days_past_month_end_fire_on_the_last_day() {
        let cfg = ScheduleConfig {
            monthly_day: 31,
            ..ScheduleConfig::default()
        };
        let cases = [
            (at(2024, 2, 1, 0, 0), at(2024, 2, 29, 5, 0)),
            (at(2023, 2, 1, 0, 0), at(2023, 2, 28, 5, 0)),
            (at(2025, 4, 1, 0, 0), at(2025, 4, 30, 5, 0)),
            (at(2025, 1, 31, 5, 0), at(2025, 2, 28, 5, 0)),
        ];
        for (after, want) in cases {
            assert_eq!(next_due(F::EveryMonth, after, &cfg), Some(want));
        }
    }

    #[test]
    fn invalid_configuration_never_fires() {
        let cfg = ScheduleConfig {
            twice_daily_hours: vec![24, 99],
            monthly_day: 0,
            two_weekly_days: vec![],
            ..ScheduleConfig::default()
        };
        for freq in [F::TwiceDaily, F::EveryMonth, F::EveryTwoWeeks] {
            assert_eq!(next_due(freq, 0, &cfg), None, "{freq:?}");
        }
    }

    #[test]
    fn is_due_table() {
        let cfg = ScheduleConfig::default();
        let seen = at(2025, 3, 10, 12, 0);
        let cases = [
            // Never fired: waits for the first instant after it was first seen.
            (F::EveryDay, None, at(2025, 3, 10, 23, 0), false),
            (F::EveryDay, None, at(2025, 3, 11, 5, 0), true),
            // Fired at 05:00: the next instant is tomorrow.
            (
                F::EveryDay,
                Some(at(2025, 3, 11, 5, 0)),
                at(2025, 3, 11, 18, 0),
                false,
            ),
            (
                F::EveryDay,
                Some(at(2025, 3, 11, 5, 0)),
                at(2025, 3, 12, 5, 1),
                true,
            ),
            // Missed several instants: due once.
            (
                F::TwiceDaily,
                Some(at(2025, 3, 1, 0, 0)),
                at(2025, 3, 9, 0, 0),
                true,
            ),
            (
                F::EveryMonth,
                Some(at(2025, 3, 1, 5, 0)),
                at(2025, 3, 31, 23, 59),
                false,
            ),
            (
                F::EveryMonth,
                Some(at(2025, 3, 1, 5, 0)),
                at(2025, 4, 1, 5, 0),
                true,
            ),
            (F::EveryBuild, None, at(2030, 1, 1, 0, 0), false),
            (F::None, Some(0), at(2030, 1, 1, 0, 0), false),
        ];
        for (freq, last, now, want) in cases {
            assert_eq!(
                is_due(freq, last, seen, now, &cfg),
                want,
                "{freq:?} {last:?} {now}"
            );
        }
    }
}
