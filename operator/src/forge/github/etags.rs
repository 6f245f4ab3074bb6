//! Conditional requests: the last answer to each GET is kept with its `ETag`, the next
//! GET of the same path sends `If-None-Match`, and a `304 Not Modified` (which GitHub
//! does not count against the rate limit) is answered from the kept body. Polling an
//! unchanged pull request thus costs no rate limit.

use std::collections::HashMap;
use std::sync::Mutex;

use http::HeaderMap;
use serde_json::Value;

/// Paths kept at most; beyond, the oldest half is dropped.
const CAPACITY: usize = 4096;

/// How long a path found absent (404, or 403 for lack of permission) is taken as absent
/// without asking again: such answers carry no `ETag`, so asking costs rate limit.
pub const ABSENT_FOR: std::time::Duration = std::time::Duration::from_secs(300);

/// Kept answers by path.
#[derive(Default)]
pub struct Etags {
    kept: Mutex<HashMap<String, (u64, String, Value)>>,
    clock: Mutex<u64>,
    absent: Mutex<HashMap<String, std::time::Instant>>,
}

impl Etags {
    /// The `ETag` kept for `path`, if any.
    pub fn etag(&self, path: &str) -> Option<String> {
        let kept = self.kept.lock().unwrap_or_else(|e| e.into_inner());
        kept.get(path).map(|(_, etag, _)| etag.clone())
    }

    /// The body kept for `path` (after a 304).
    pub fn body(&self, path: &str) -> Option<Value> {
        let kept = self.kept.lock().unwrap_or_else(|e| e.into_inner());
        kept.get(path).map(|(_, _, body)| body.clone())
    }

    /// Whether `path` was found absent less than [`ABSENT_FOR`] ago.
    pub fn absent(&self, path: &str) -> bool {
        let absent = self.absent.lock().unwrap_or_else(|e| e.into_inner());
        absent.get(path).is_some_and(|at| at.elapsed() < ABSENT_FOR)
    }

    /// Notes that `path` is absent now.
    pub fn note_absent(&self, path: &str) {
        let mut absent = self.absent.lock().unwrap_or_else(|e| e.into_inner());
        if absent.len() >= CAPACITY {
            absent.retain(|_, at| at.elapsed() < ABSENT_FOR);
        }
        absent.insert(path.to_string(), std::time::Instant::now());
    }

    /// Keeps `body` for `path` when `headers` carry an `ETag`.
    pub fn keep(&self, path: &str, headers: &HeaderMap, body: &Value) {
        let Some(etag) = headers
            .get(http::header::ETAG)
            .and_then(|v| v.to_str().ok())
        else {
            return;
        };
        let tick = {
            let mut clock = self.clock.lock().unwrap_or_else(|e| e.into_inner());
            *clock += 1;
            *clock
        };
        let mut kept = self.kept.lock().unwrap_or_else(|e| e.into_inner());
        if kept.len() >= CAPACITY && !kept.contains_key(path) {
            let mut ages: Vec<u64> = kept.values().map(|(t, _, _)| *t).collect();
            ages.sort_unstable();
            let cut = ages[ages.len() / 2];
            kept.retain(|_, (t, _, _)| *t > cut);
        }
        kept.insert(path.to_string(), (tick, etag.to_string(), body.clone()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_with_an_etag_are_kept_and_the_oldest_dropped_when_full() {
        let etags = Etags::default();
        let mut headers = HeaderMap::new();
        etags.keep("/a", &headers, &Value::Null);
        assert_eq!(etags.etag("/a"), None, "no ETag, nothing kept");
        headers.insert(http::header::ETAG, "\"1\"".parse().unwrap());
        for i in 0..CAPACITY + 1 {
            etags.keep(&format!("/{i}"), &headers, &Value::from(i));
        }
        assert_eq!(etags.etag("/0"), None, "the oldest went");
        assert_eq!(
            etags.body(&format!("/{CAPACITY}")),
            Some(Value::from(CAPACITY))
        );
        assert_eq!(
            etags.etag(&format!("/{CAPACITY}")).as_deref(),
            Some("\"1\"")
        );
    }
}
