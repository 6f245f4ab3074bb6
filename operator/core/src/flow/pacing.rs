//! How the engine paces work on update keys: which host a key's network work goes to and
//! how many cycles may run against one host at once, how long a failed key waits before
//! its next cycle, and which reasons for queueing a key may cut that wait short.
//!
//! The rules, in short: a key in backoff stays there unless one of its inputs changed (a
//! build for it, a check or review report, something a person did, a config change);
//! periodic revisits, schedule ticks and observations of a moved target never wake it.
//! A host gets at most half of the workers (at least one), so a remote that stops
//! answering cannot take every worker away from the others.

use std::time::Duration;

/// Why a key is being queued.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Trigger {
    /// A build was published or assigned to a channel that fires the key.
    Build,
    /// A check or review was reported, or a person merged or closed the pull request.
    Report,
    /// A person asked for a cycle (a manual trigger).
    Manual,
    /// The configuration of the key changed (or appeared, or went away).
    Config,
    /// The periodic look at an open pull request.
    Revisit,
    /// The periodic check of scheduled subscriptions.
    Schedule,
    /// A ref advertisement showed the target branch away from where the key's pull
    /// request was built.
    TargetMoved,
}

/// Whether a key queued for `trigger` leaves its backoff at once. Only changed inputs do;
/// anything periodic or observed waits for the backoff to end (the cycle it then runs
/// sees the same state anyway).
pub fn wakes_from_backoff(trigger: Trigger) -> bool {
    match trigger {
        Trigger::Build | Trigger::Report | Trigger::Manual | Trigger::Config => true,
        Trigger::Revisit | Trigger::Schedule | Trigger::TargetMoved => false,
    }
}

/// The first retry waits about this long.
pub const BACKOFF_BASE: Duration = Duration::from_secs(1);
/// No retry waits longer than this.
pub const BACKOFF_CAP: Duration = Duration::from_secs(300);

/// The wait before the next cycle of a key that failed `failures` times in a row (at
/// least 1): the base doubling with each failure up to the cap, then scaled by
/// `0.5 + jitter / 2` so keys that failed together do not retry together. `jitter` is
/// a random number in `[0, 1)`; values outside are clamped.
pub fn backoff(failures: u32, jitter: f64) -> Duration {
    let doublings = failures.saturating_sub(1).min(16);
    let full = BACKOFF_BASE
        .saturating_mul(1u32 << doublings)
        .min(BACKOFF_CAP);
    let jitter = if jitter.is_finite() {
        jitter.clamp(0.0, 1.0)
    } else {
        0.0
    };
    full.mul_f64(0.5 + jitter / 2.0)
}

/// How many cycles may run against one host at once with `workers` workers: half of
/// them, at least one.
pub fn host_limit(workers: usize) -> usize {
    (workers / 2).max(1)
}

/// The host a repository's network operations go to, as the unit of concurrency limits:
/// `host[:port]` for network URLs (`https`, `http`, `ssh`, `git`, `user@host:path`), the
/// repository itself for `file://` URLs (local disks share no remote).
pub fn host_of(repository: &str) -> String {
    let url = repository.trim();
    if url.starts_with("file://") {
        return url.to_string();
    }
    if let Some((_, rest)) = url.split_once("://") {
        let authority = rest.split('/').next().unwrap_or_default();
        let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
        return host.to_ascii_lowercase();
    }
    // scp-like: user@host:path
    let authority = url.split(':').next().unwrap_or_default();
    let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    host.to_ascii_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_changed_inputs_wake_a_key_in_backoff() {
        for (trigger, wakes) in [
            (Trigger::Build, true),
            (Trigger::Report, true),
            (Trigger::Manual, true),
            (Trigger::Config, true),
            (Trigger::Revisit, false),
            (Trigger::Schedule, false),
            (Trigger::TargetMoved, false),
        ] {
            assert_eq!(wakes_from_backoff(trigger), wakes, "{trigger:?}");
        }
    }

    #[test]
    fn backoff_doubles_with_jitter_and_caps() {
        let s = Duration::from_secs;
        for (failures, jitter, want) in [
            (1, 0.0, Duration::from_millis(500)),
            (1, 1.0, s(1)),
            (2, 0.0, s(1)),
            (2, 0.5, Duration::from_millis(1500)),
            (4, 1.0, s(8)),
            (9, 1.0, s(256)),
            (10, 1.0, s(300)),
            (10, 0.0, s(150)),
            (u32::MAX, 1.0, s(300)),
            (0, 1.0, s(1)),
            (3, -4.0, s(2)),
            (3, 9.0, s(4)),
            (3, f64::NAN, s(2)),
        ] {
            assert_eq!(backoff(failures, jitter), want, "{failures} {jitter}");
        }
    }

    #[test]
    fn backoff_never_shrinks_as_failures_grow() {
        for jitter in [0.0, 0.3, 0.99] {
            let mut last = Duration::ZERO;
            for failures in 1..40 {
                let d = backoff(failures, jitter);
                assert!(d >= last, "{failures} {jitter}");
                assert!(d <= BACKOFF_CAP);
                last = d;
            }
        }
    }

    #[test]
    fn a_host_gets_half_the_workers_at_least_one() {
        for (workers, limit) in [(0, 1), (1, 1), (2, 1), (3, 1), (4, 2), (9, 4)] {
            assert_eq!(host_limit(workers), limit, "{workers}");
        }
    }

    #[test]
    fn hosts_of_repositories() {
        for (url, host) in [
            ("https://github.com/contoso/sdk", "github.com"),
            ("https://GitHub.com/contoso/runtime.git", "github.com"),
            ("http://127.0.0.1:8080/sdk.git", "127.0.0.1:8080"),
            (
                "ssh://git@ssh.dev.azure.com/v3/contoso/p/r",
                "ssh.dev.azure.com",
            ),
            ("git@github.com:contoso/sdk.git", "github.com"),
            ("file:///srv/git/sdk.git", "file:///srv/git/sdk.git"),
        ] {
            assert_eq!(host_of(url), host, "{url}");
        }
        assert_ne!(
            host_of("http://127.0.0.1:1/a.git"),
            host_of("http://127.0.0.1:2/a.git"),
            "ports are separate services"
        );
    }
}
