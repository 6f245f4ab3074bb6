//! When an open pull request is looked at again without being told to (checks and reviews
//! reported to sluice trigger a look at once): every base interval while it is young, then
//! less often, doubling with each hour of age, at most hourly.

/// The revisit interval of a pull request `age_secs` old, for a base interval `base_secs`.
pub fn revisit_interval(base_secs: u64, age_secs: i64) -> u64 {
    let hours = u32::try_from(age_secs.max(0) / 3600)
        .unwrap_or(u32::MAX)
        .min(6);
    base_secs.max(1).saturating_mul(1 << hours).min(3600)
}

/// Whether a pull request opened at `created` and last looked at `last_visit` (never:
/// `None`) is due at `now`. Times are Unix seconds.
pub fn revisit_due(now: i64, created: i64, last_visit: Option<i64>, base_secs: u64) -> bool {
    let interval = revisit_interval(base_secs, now - created) as i64;
    last_visit.is_none_or(|visited| now - visited >= interval)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intervals_double_with_age_up_to_an_hour() {
        for (age_hours, want) in [
            (0, 300),
            (1, 600),
            (2, 1200),
            (3, 2400),
            (4, 3600),
            (100, 3600),
        ] {
            assert_eq!(
                revisit_interval(300, age_hours * 3600),
                want,
                "{age_hours} h"
            );
        }
        assert_eq!(revisit_interval(0, 0), 1, "a zero base still advances");
    }

    #[test]
    fn due_once_per_interval() {
        let created = 1_000_000;
        assert!(revisit_due(created, created, None, 300), "never looked at");
        assert!(!revisit_due(created + 299, created, Some(created), 300));
        assert!(revisit_due(created + 300, created, Some(created), 300));
        // Two hours old: every 20 minutes.
        let now = created + 7200;
        assert!(!revisit_due(now, created, Some(now - 1199), 300));
        assert!(revisit_due(now, created, Some(now - 1200), 300));
    }
}
