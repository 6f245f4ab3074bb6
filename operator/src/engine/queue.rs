//! The work queue: update keys waiting for a cycle.
//!
//! - A key is never worked on by two workers at once; a key queued while it runs is run
//!   again right after (unless the run failed and nothing woke it, then after its backoff).
//! - A key that failed waits as the core's [`failure::retry_plan`] says: a permanent
//!   failure parks the key until a changed input queues it ([`failure::wakes_parked`]); a remote's
//!   `Retry-After` is waited out, and nothing runs the key before it ends; otherwise capped
//!   exponential backoff with jitter ([`pacing::backoff`]), which queueing the key again
//!   cuts short only for a changed input ([`failure::wakes_from_wait`]).
//! - Each key belongs to the host its network work goes to, and at most `host_limit` keys
//!   of one host run at once. A key whose host is saturated stays queued without taking a
//!   worker: the next key of another host goes first.

use std::collections::{BTreeSet, HashMap, HashSet, VecDeque};
use std::hash::BuildHasher;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use sluice_core::flow::failure::{self, Failure, FailureClass, RetryPlan};
use sluice_core::flow::pacing::{self, Trigger};
use tokio::sync::Notify;

#[derive(Default)]
struct State {
    /// Keys waiting for a worker, oldest first.
    ready: VecDeque<String>,
    queued: HashSet<String>,
    running: HashSet<String>,
    /// Keys queued while running, and whether a reason among them wakes from backoff.
    again: HashMap<String, Again>,
    /// Keys in backoff, by when it ends.
    delayed: BTreeSet<(Instant, String)>,
    backing_off: HashMap<String, Instant>,
    /// Keys in backoff whose wait the remote asked for: nothing cuts it short.
    held: HashSet<String>,
    /// Keys parked after a permanent failure, until a changed input queues them.
    parked: HashSet<String>,
    failures: HashMap<String, u32>,
    /// The host of each key, as last queued.
    hosts: HashMap<String, String>,
    /// Running keys per host.
    busy_hosts: HashMap<String, usize>,
}

/// What the triggers that came while a key ran may do once its cycle ends.
#[derive(Default, Clone, Copy)]
struct Again {
    /// One of them cuts a backoff short.
    wakes_backoff: bool,
    /// One of them wakes a key parked after a permanent failure.
    wakes_parked: bool,
}

impl State {
    fn enqueue(&mut self, key: &str) {
        if self.queued.insert(key.to_string()) {
            self.ready.push_back(key.to_string());
        }
    }

    fn delay(&mut self, key: &str, until: Instant) {
        self.delayed.insert((until, key.to_string()));
        self.backing_off.insert(key.to_string(), until);
    }

    fn host(&self, key: &str) -> &str {
        self.hosts.get(key).map_or("", String::as_str)
    }

    /// Moves keys whose backoff ended to the ready queue.
    fn release_due(&mut self, now: Instant) {
        while let Some((at, key)) = self.delayed.first().cloned() {
            if at > now {
                break;
            }
            self.delayed.pop_first();
            self.backing_off.remove(&key);
            self.held.remove(&key);
            self.enqueue(&key);
        }
    }

    /// The first ready key whose host has a free slot, marked running.
    fn take(&mut self, host_limit: usize) -> Option<String> {
        let index = self.ready.iter().position(|key| {
            self.busy_hosts.get(self.host(key)).copied().unwrap_or(0) < host_limit
        })?;
        let key = self.ready.remove(index)?;
        self.queued.remove(&key);
        self.running.insert(key.clone());
        let host = self.host(&key).to_string();
        *self.busy_hosts.entry(host).or_default() += 1;
        Some(key)
    }
}

/// Keys waiting for a reconcile cycle.
pub struct Queue {
    state: Mutex<State>,
    notify: Notify,
    host_limit: usize,
}

impl Default for Queue {
    /// A queue allowing one running key per host.
    fn default() -> Self {
        Queue::new(1)
    }
}

/// A random number in `[0, 1)` for backoff jitter (std's per-instance random hash keys;
/// no cryptographic quality needed).
fn jitter() -> f64 {
    let bits = std::collections::hash_map::RandomState::new().hash_one(Instant::now());
    (bits >> 11) as f64 / (1u64 << 53) as f64
}

impl Queue {
    /// A queue allowing `host_limit` running keys per host (at least one).
    pub fn new(host_limit: usize) -> Self {
        Queue {
            state: Mutex::default(),
            notify: Notify::new(),
            host_limit: host_limit.max(1),
        }
    }

    /// Queues `key`, whose network work goes to `host`, for `trigger`. No-op when already
    /// queued, or when in backoff and `trigger` does not wake it; run again after the
    /// current cycle when running.
    pub fn push(&self, key: &str, host: &str, trigger: Trigger) {
        let Ok(mut s) = self.state.lock() else { return };
        s.hosts.insert(key.to_string(), host.to_string());
        if s.running.contains(key) {
            let again = s.again.entry(key.to_string()).or_default();
            again.wakes_backoff |= pacing::wakes_from_backoff(trigger);
            again.wakes_parked |= failure::wakes_parked(trigger);
            return;
        }
        if s.parked.contains(key) {
            if !failure::wakes_parked(trigger) {
                return;
            }
            s.parked.remove(key);
        }
        if let Some(until) = s.backing_off.get(key).copied() {
            if !failure::wakes_from_wait(trigger, s.held.contains(key)) {
                return;
            }
            s.backing_off.remove(key);
            s.delayed.remove(&(until, key.to_string()));
        }
        s.enqueue(key);
        drop(s);
        self.notify.notify_waiters();
    }

    /// Waits for the next key to work on and marks it running.
    pub async fn next(&self) -> String {
        loop {
            let notified = self.notify.notified();
            tokio::pin!(notified);
            // Registered before looking, so a push between the look and the wait counts.
            notified.as_mut().enable();
            let wait = match self.try_next() {
                Ok(key) => return key,
                Err(wait) => wait,
            };
            match wait {
                Some(d) => {
                    let _ = tokio::time::timeout(d, notified).await;
                }
                None => notified.await,
            }
        }
    }

    /// The next key to work on, marked running; otherwise how long until a backoff ends
    /// (`None`: nothing in backoff either).
    fn try_next(&self) -> Result<String, Option<Duration>> {
        let Ok(mut s) = self.state.lock() else {
            return Err(None);
        };
        let now = Instant::now();
        s.release_due(now);
        if let Some(key) = s.take(self.host_limit) {
            return Ok(key);
        }
        Err(s
            .delayed
            .first()
            .map(|(t, _)| t.saturating_duration_since(now)))
    }

    /// Marks a key done. `retry` puts it in backoff as a retryable failure (see
    /// [`Queue::finish`]); otherwise its failure count resets.
    pub fn done(&self, key: &str, retry: bool) {
        let failure = retry.then_some(Failure {
            class: FailureClass::Retryable,
            retry_after: None,
        });
        self.finish(key, failure);
    }

    /// Marks a key's cycle finished, with the failure that ended it, if any. A failure
    /// waits as [`failure::retry_plan`] says (longer with each failure in a row); success
    /// resets the count. A key queued while running is queued again at once, unless it
    /// now waits and nothing that may cut the wait short came.
    pub fn finish(&self, key: &str, failure: Option<Failure>) {
        self.finish_with_jitter(key, failure, jitter());
    }

    fn finish_with_jitter(&self, key: &str, failure: Option<Failure>, jitter: f64) {
        let Ok(mut s) = self.state.lock() else { return };
        if s.running.remove(key) {
            let host = s.host(key).to_string();
            if let Some(count) = s.busy_hosts.get_mut(&host) {
                *count = count.saturating_sub(1);
                if *count == 0 {
                    s.busy_hosts.remove(&host);
                }
            }
        }
        let again = s.again.remove(key);
        let plan = failure.map(|f| {
            let failures = s.failures.entry(key.to_string()).or_insert(0);
            *failures = failures.saturating_add(1);
            failure::retry_plan(f.class, *failures, f.retry_after, jitter)
        });
        match plan {
            Some(RetryPlan::After { delay, binding }) => {
                if again.is_some_and(|a| a.wakes_backoff) && !binding {
                    s.enqueue(key);
                } else {
                    s.delay(key, Instant::now() + delay);
                    if binding {
                        s.held.insert(key.to_string());
                    }
                }
            }
            // A failure only a changed input mends: such an input queued while running
            // runs the key again; otherwise it is parked until one comes.
            Some(RetryPlan::Never) => {
                s.failures.remove(key);
                if again.is_some_and(|a| a.wakes_parked) {
                    s.enqueue(key);
                } else {
                    s.parked.insert(key.to_string());
                }
            }
            None => {
                s.failures.remove(key);
                if again.is_some() {
                    s.enqueue(key);
                }
            }
        }
        drop(s);
        self.notify.notify_waiters();
    }

    /// Number of keys queued or running (0 when idle; keys in backoff are not counted).
    pub fn busy(&self) -> usize {
        self.state
            .lock()
            .map(|s| s.ready.len() + s.running.len())
            .unwrap_or(0)
    }

    /// Whether `key`'s last cycle failed (it is in backoff or retrying now).
    pub fn failing(&self, key: &str) -> bool {
        self.state
            .lock()
            .is_ok_and(|s| s.failures.contains_key(key))
    }

    /// When `key`'s backoff ends, if it is in backoff.
    pub fn backoff_until(&self, key: &str) -> Option<Instant> {
        self.state.lock().ok()?.backing_off.get(key).copied()
    }
}

#[cfg(test)]
#[path = "queue_tests.rs"]
mod tests;
