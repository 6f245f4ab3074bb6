//! Waiting for a condition in end-to-end tests: poll, and fail naming what did not happen.

use std::time::{Duration, Instant};

/// Polls `probe` every 100 ms until it returns a value, which is returned; panics naming
/// `what` once `limit` has passed.
pub fn until<T>(what: &str, limit: Duration, mut probe: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(value) = probe() {
            return value;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Like [`until`] for a condition without a value.
pub fn until_true(what: &str, limit: Duration, mut check: impl FnMut() -> bool) {
    until(what, limit, || check().then_some(()))
}
