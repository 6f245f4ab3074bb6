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
    next_firing(freq, last_fired, first_seen, cfg).is_some_and(|t| t <= now)
}

/// When a scheduled subscription fires next: the first scheduled instant after it last
/// fired or, when it never fired, after it was first seen. An instant already past means
/// it fires at the next schedule check. `None` when it is not scheduled.
pub fn next_firing(
    freq: UpdateFrequency,
    last_fired: Option<i64>,
    first_seen: i64,
    cfg: &ScheduleConfig,
) -> Option<i64> {
    next_due(freq, last_fired.unwrap_or(first_seen), cfg)
}

#[cfg(test)]
#[path = "schedule_tests.rs"]
mod tests;
