//! Answers a forge keeps for a while instead of asking on every cycle (a repository's
//! visibility and settings change rarely): each is used for its time to live, then asked
//! again; a forge forgets one at once when told it changed.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Entries kept at most; beyond, all are forgotten (each is asked again when needed).
const CAPACITY: usize = 4096;

/// Values by key, each with when it was read.
pub struct TtlCache<V> {
    ttl: Duration,
    kept: Mutex<HashMap<String, (Instant, V)>>,
}

impl<V: Clone> TtlCache<V> {
    /// A cache using a value for `ttl` after it was read.
    pub fn new(ttl: Duration) -> TtlCache<V> {
        TtlCache {
            ttl,
            kept: Mutex::default(),
        }
    }

    /// The value of `key` if it was read less than the time to live before `now`.
    pub fn fresh(&self, key: &str, now: Instant) -> Option<V> {
        let kept = self.kept.lock().unwrap_or_else(|e| e.into_inner());
        let (read, value) = kept.get(key)?;
        (now.saturating_duration_since(*read) < self.ttl).then(|| value.clone())
    }

    /// Keeps `value` for `key`, read at `now`.
    pub fn keep(&self, key: String, now: Instant, value: V) {
        let mut kept = self.kept.lock().unwrap_or_else(|e| e.into_inner());
        if kept.len() >= CAPACITY && !kept.contains_key(&key) {
            kept.clear();
        }
        kept.insert(key, (now, value));
    }

    /// Forgets `key`: the next use asks again.
    pub fn forget(&self, key: &str) {
        let mut kept = self.kept.lock().unwrap_or_else(|e| e.into_inner());
        kept.remove(key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_value_is_fresh_for_its_ttl_then_asked_again() {
        let cache = TtlCache::new(Duration::from_secs(60));
        let t0 = Instant::now();
        cache.keep("a".into(), t0, 1);
        // (at, fresh value)
        let table = [(0, Some(1)), (59, Some(1)), (60, None), (600, None)];
        for (after, expected) in table {
            let at = t0 + Duration::from_secs(after);
            assert_eq!(cache.fresh("a", at), expected, "{after} s after");
        }
        assert_eq!(cache.fresh("b", t0), None, "never read");
        cache.forget("a");
        assert_eq!(cache.fresh("a", t0), None, "forgotten");
    }
}
