//! Frequency triggers: when a subscription with a scheduled [`UpdateFrequency`] applies the
//! latest build of its channel. Times are Unix seconds (UTC); the calendar arithmetic is
//! done here on the proleptic Gregorian calendar.

use crate::model::UpdateFrequency;

const DAY: i64 = 86_400;
const HOUR: i64 = 3_600;

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
    /// Days since Monday (Monday = 0).
    fn index(self) -> i64 {
        self as i64
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

/// Days since 1970-01-01 of a civil date (month 1..=12, day 1..=31).
pub fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(month);
    let mp = if m > 2 { m - 3 } else { m + 9 };
    let doy = (153 * mp + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The civil date (year, month, day) of a day count since 1970-01-01.
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// Number of days in a month of a year.
pub fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// The hours (sorted, valid only) at which `freq` fires on the day `days` since the epoch.
fn firing_hours(freq: UpdateFrequency, days: i64, cfg: &ScheduleConfig) -> Vec<u32> {
    let (year, month, day) = civil_from_days(days);
    let last = days_in_month(year, month);
    let on_day = |wanted: u32| (1..=31).contains(&wanted) && wanted.min(last) == day;
    let mut hours = match freq {
        UpdateFrequency::None | UpdateFrequency::EveryBuild => Vec::new(),
        UpdateFrequency::TwiceDaily => cfg.twice_daily_hours.clone(),
        UpdateFrequency::EveryDay => vec![cfg.daily_hour],
        UpdateFrequency::EveryWeek => {
            // 1970-01-01 was a Thursday (index 3).
            let weekday = (days + 3).rem_euclid(7);
            if weekday == cfg.weekly_weekday.index() {
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
    let first_day = after.div_euclid(DAY);
    // Every schedule fires at least once in any 32 consecutive days when it fires at all;
    // 62 days leave room for the instant after a month's last firing.
    (first_day..first_day + 62).find_map(|days| {
        firing_hours(freq, days, cfg)
            .into_iter()
            .map(|h| days * DAY + i64::from(h) * HOUR)
            .find(|t| *t > after)
    })
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
