//! Time as sluice writes and reads it: Unix seconds and RFC 3339 UTC text, through `jiff`.
//! Pure: the caller supplies the clock.

use jiff::Timestamp;

/// Formats Unix seconds as RFC 3339 UTC with seconds, e.g. `2026-11-21T05:16:26Z`.
/// Seconds outside the representable range (beyond year ±9999) are clamped to it.
pub fn rfc3339(secs: i64) -> String {
    let secs = secs.clamp(Timestamp::MIN.as_second(), Timestamp::MAX.as_second());
    Timestamp::from_second(secs)
        .unwrap_or(Timestamp::UNIX_EPOCH)
        .strftime("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

/// Parses an RFC 3339 instant (`2026-11-21T05:16:26Z`, fractions and `±HH:MM` offsets
/// allowed) into Unix seconds, fractions dropped.
pub fn parse_rfc3339(text: &str) -> Option<i64> {
    text.parse::<Timestamp>().ok().map(|t| t.as_second())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_rfc3339() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339(1_709_251_199), "2024-02-29T23:59:59Z");
        assert_eq!(rfc3339(1_735_689_600), "2025-01-01T00:00:00Z");
        assert_eq!(rfc3339(-1), "1969-12-31T23:59:59Z");
        assert_eq!(rfc3339(4_107_542_400), "2100-03-01T00:00:00Z");
        assert!(rfc3339(i64::MAX).starts_with("9999-12-"));
    }

    #[test]
    fn rfc3339_round_trip() {
        for secs in [0, 951_782_400, 1_795_238_974, 4_107_542_399] {
            assert_eq!(parse_rfc3339(&rfc3339(secs)), Some(secs));
        }
        assert_eq!(
            parse_rfc3339("2026-11-21T05:16:26+01:00"),
            parse_rfc3339("2026-11-21T04:16:26Z")
        );
        assert_eq!(
            parse_rfc3339("2026-11-21T05:16:26.123Z"),
            parse_rfc3339("2026-11-21T05:16:26Z")
        );
        for bad in [
            "",
            "2026-13-01T00:00:00Z",
            "2026-11-21 05:16",
            "2026-11-21T05:16:26",
            "yesterday",
            "2026-11-01T10:00:00+00é0",
            "2026-11-01T10:00:00é",
        ] {
            assert_eq!(parse_rfc3339(bad), None, "{bad}");
        }
    }
}
