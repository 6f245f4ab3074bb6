//! The work queue: update keys waiting for a cycle. A key is never worked on by two workers
//! at once; a key queued while it runs is run again right after; retries wait with
//! exponential backoff.

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use tokio::sync::Notify;

#[derive(Default)]
struct State {
    ready: VecDeque<String>,
    queued: HashSet<String>,
    running: HashSet<String>,
    again: HashSet<String>,
    delayed: BTreeMap<Instant, Vec<String>>,
    failures: HashMap<String, u32>,
}

/// Keys waiting for a reconcile cycle.
#[derive(Default)]
pub struct Queue {
    state: Mutex<State>,
    notify: Notify,
}

/// Backoff after `failures` consecutive failures: 1 s doubling up to 5 minutes.
pub fn backoff(failures: u32) -> Duration {
    Duration::from_secs(1u64 << failures.min(8)).min(Duration::from_secs(300))
}

impl Queue {
    /// Queues a key now (no-op when already queued; re-run after when running).
    pub fn push(&self, key: &str) {
        let Ok(mut s) = self.state.lock() else { return };
        if s.running.contains(key) {
            s.again.insert(key.to_string());
        } else if s.queued.insert(key.to_string()) {
            s.ready.push_back(key.to_string());
        }
        drop(s);
        self.notify.notify_one();
    }

    /// Waits for the next key to work on and marks it running.
    pub async fn next(&self) -> String {
        loop {
            let wait = {
                let Ok(mut s) = self.state.lock() else {
                    return String::new();
                };
                let now = Instant::now();
                let due: Vec<Instant> = s.delayed.range(..=now).map(|(t, _)| *t).collect();
                for t in due {
                    for key in s.delayed.remove(&t).unwrap_or_default() {
                        if !s.running.contains(&key) && s.queued.insert(key.clone()) {
                            s.ready.push_back(key);
                        }
                    }
                }
                if let Some(key) = s.ready.pop_front() {
                    s.queued.remove(&key);
                    s.running.insert(key.clone());
                    return key;
                }
                s.delayed
                    .keys()
                    .next()
                    .map(|t| t.saturating_duration_since(now))
            };
            match wait {
                Some(d) => {
                    let _ = tokio::time::timeout(d, self.notify.notified()).await;
                }
                None => self.notify.notified().await,
            }
        }
    }

    /// Marks a key done. `retry` schedules it again with backoff; otherwise its failure
    /// count resets. A key pushed while running is queued again at once.
    pub fn done(&self, key: &str, retry: bool) {
        let Ok(mut s) = self.state.lock() else { return };
        s.running.remove(key);
        if retry {
            let failures = s.failures.entry(key.to_string()).or_insert(0);
            *failures += 1;
            let delay = backoff(*failures - 1);
            s.delayed
                .entry(Instant::now() + delay)
                .or_default()
                .push(key.to_string());
        } else {
            s.failures.remove(key);
        }
        if s.again.remove(key) && s.queued.insert(key.to_string()) {
            s.ready.push_back(key.to_string());
        }
        drop(s);
        self.notify.notify_one();
    }

    /// Number of keys queued or running.
    pub fn busy(&self) -> usize {
        self.state
            .lock()
            .map(|s| s.ready.len() + s.running.len())
            .unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_key_pushed_while_running_runs_again_once() {
        let q = Queue::default();
        q.push("a");
        q.push("a");
        q.push("b");
        assert_eq!(q.next().await, "a");
        q.push("a");
        q.push("a");
        assert_eq!(q.next().await, "b");
        q.done("a", false);
        assert_eq!(q.next().await, "a");
        q.done("a", false);
        q.done("b", false);
        assert_eq!(q.busy(), 0);
    }

    #[test]
    fn backoff_doubles_and_caps() {
        assert_eq!(backoff(0), Duration::from_secs(1));
        assert_eq!(backoff(3), Duration::from_secs(8));
        assert_eq!(
            backoff(30),
            Duration::from_secs(256).min(Duration::from_secs(300))
        );
    }
}
