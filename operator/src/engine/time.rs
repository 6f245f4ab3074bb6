//! The clock: now as Unix seconds and as RFC 3339 text (formatting and parsing live in
//! [`sluice_core::time`]).

use std::time::SystemTime;

pub use sluice_core::time::{parse_rfc3339, rfc3339};

/// Now as RFC 3339 UTC with seconds.
pub fn now_rfc3339() -> String {
    rfc3339(unix_now())
}

/// Seconds since the Unix epoch.
pub fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}
