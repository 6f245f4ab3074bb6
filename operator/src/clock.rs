//! The clock of the process: now as Unix seconds and as RFC 3339 UTC text, read through
//! `jiff`. Formatting and parsing are pure and live in [`sluice_core::time`]; this is the
//! one place that reads the time.

/// Seconds since the Unix epoch.
pub fn unix_now() -> i64 {
    jiff::Timestamp::now().as_second()
}

/// Now as RFC 3339 UTC with seconds, e.g. `2026-11-21T05:16:26Z`.
pub fn now_rfc3339() -> String {
    sluice_core::time::rfc3339(unix_now())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn now_reads_back_as_the_same_second() {
        let before = unix_now();
        let text = now_rfc3339();
        let after = unix_now();
        let parsed = sluice_core::time::parse_rfc3339(&text).expect("RFC 3339");
        assert!((before..=after).contains(&parsed), "{text}");
        assert!(text.ends_with('Z') && text.len() == 20, "{text}");
    }
}
