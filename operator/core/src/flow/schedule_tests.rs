//! Table tests of the schedule: due instants and next firings.

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

#[test]
fn next_firings() {
    let cfg = ScheduleConfig::default();
    let monday_6 = at(2026, 11, 2, 6, 0);
    for (freq, last_fired, first_seen, want) in [
        (F::EveryBuild, None, monday_6, None),
        (F::None, Some(monday_6), monday_6, None),
        // Never fired: counts from when it was first seen.
        (F::EveryDay, None, monday_6, Some(at(2026, 11, 3, 5, 0))),
        // Fired: counts from then, even when first seen long before.
        (
            F::EveryDay,
            Some(at(2026, 11, 3, 5, 0)),
            0,
            Some(at(2026, 11, 4, 5, 0)),
        ),
        (F::TwiceDaily, None, monday_6, Some(at(2026, 11, 2, 19, 0))),
        (F::EveryWeek, None, monday_6, Some(at(2026, 11, 9, 5, 0))),
    ] {
        assert_eq!(
            next_firing(freq, last_fired, first_seen, &cfg),
            want,
            "{freq:?} {last_fired:?} {first_seen}"
        );
    }
}
