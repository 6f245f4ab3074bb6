//! What a failed step of a reconcile cycle means for the key, and how long the key waits
//! before its next cycle.
//!
//! Every failure the engine meets (git, forge, store) is put in one of three classes by
//! the adapter that met it, next to the operation that failed:
//!
//! - [`FailureClass::Conflict`]: something moved under the cycle (a branch, the pull
//!   request, the target). Observe afresh and plan again at once.
//! - [`FailureClass::Retryable`]: the remote or the disk failed in a way time may mend
//!   (network, timeouts, 5xx, rate limits). Try again later: when the remote said when
//!   (`Retry-After`), exactly then and not before; otherwise after a backoff.
//! - [`FailureClass::Permanent`]: the input is wrong (an invalid branch name, a path that
//!   cannot be written, a repository URL that cannot be used, a refusal for lack of
//!   permission). Retrying cannot help: the key stalls with the reason until an input
//!   changes.

use std::time::Duration;

use super::outcome::{Outcome, Reason};
use super::pacing::{self, Trigger};

/// The one classification of a failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FailureClass {
    /// Something moved; re-plan now.
    Conflict,
    /// Worth retrying later.
    Retryable,
    /// Retrying will not help until the input changes.
    Permanent,
}

impl FailureClass {
    /// Every class, in a stable order (for metrics present from the start).
    pub const ALL: [FailureClass; 3] = [
        FailureClass::Conflict,
        FailureClass::Retryable,
        FailureClass::Permanent,
    ];

    /// Lower-case name, as metrics label it.
    pub fn as_str(self) -> &'static str {
        match self {
            FailureClass::Conflict => "conflict",
            FailureClass::Retryable => "retryable",
            FailureClass::Permanent => "permanent",
        }
    }
}

impl std::fmt::Display for FailureClass {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A failed cycle as the queue sees it: its class and the wait the remote asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Failure {
    /// What it means.
    pub class: FailureClass,
    /// The remote's `Retry-After`, if it said.
    pub retry_after: Option<Duration>,
}

/// The longest wait a remote's `Retry-After` is honoured for; a remote asking for more
/// (or a clock gone wrong) waits this long, then is asked again.
pub const RETRY_AFTER_CAP: Duration = Duration::from_secs(3600);

/// What the queue does with a key after a failed cycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryPlan {
    /// No retry: the key waits for a changed input (a permanent failure).
    Never,
    /// Wait `delay`. With `binding`, the remote asked for the wait, and nothing (not even
    /// a changed input) runs the key before it ends; otherwise changed inputs cut it
    /// short ([`pacing::wakes_from_backoff`]).
    After {
        /// How long.
        delay: Duration,
        /// Whether the remote asked for it.
        binding: bool,
    },
}

/// The retry of a key whose cycle failed with `class`, after `failures` failures in a row
/// (counting this one), where the remote asked to wait `retry_after` (if it said).
/// `Retry-After` comes first (capped at [`RETRY_AFTER_CAP`]); otherwise the capped
/// exponential backoff with `jitter` in `[0, 1)` ([`pacing::backoff`]). A conflict that
/// reaches the queue (a cycle that kept meeting conflicts until it gave up) backs off
/// like a retryable failure.
pub fn retry_plan(
    class: FailureClass,
    failures: u32,
    retry_after: Option<Duration>,
    jitter: f64,
) -> RetryPlan {
    match (class, retry_after) {
        (FailureClass::Permanent, _) => RetryPlan::Never,
        (_, Some(asked)) => RetryPlan::After {
            delay: asked.min(RETRY_AFTER_CAP),
            binding: true,
        },
        (_, None) => RetryPlan::After {
            delay: pacing::backoff(failures, jitter),
            binding: false,
        },
    }
}

/// Whether a key waiting after a failure runs now when queued for `trigger`: never while
/// the wait was asked for by the remote, otherwise when the trigger is a changed input.
pub fn wakes_from_wait(trigger: Trigger, binding: bool) -> bool {
    !binding && pacing::wakes_from_backoff(trigger)
}

/// Whether a key parked after a permanent failure runs again when queued for `trigger`:
/// only for a changed input, the target branch moving among them (a person may have
/// fixed what the failure named); periodic revisits and schedule ticks never.
pub fn wakes_parked(trigger: Trigger) -> bool {
    trigger == Trigger::TargetMoved || pacing::wakes_from_backoff(trigger)
}

/// What status says about a cycle that failed on `subject` (the target repository)
/// with `message`: a permanent failure stalls with `stalled` (or `ActionFailed` when
/// `stalled` is not a stalling reason); any other failure is being retried, and the
/// message says when: as the remote asked, or with backoff. A failure that repeats (an
/// expired token, say) thus never hides behind the last good condition.
pub fn failure_outcome(
    failure: &Failure,
    stalled: Reason,
    subject: &str,
    message: &str,
) -> Outcome {
    match failure.class {
        FailureClass::Permanent => {
            let reason = if stalled.condition() == crate::model::ConditionType::Stalled {
                stalled
            } else {
                Reason::ActionFailed
            };
            Outcome::new(reason, format!("{subject}: {message}"))
        }
        FailureClass::Conflict | FailureClass::Retryable => {
            let when = match failure.retry_after {
                Some(wait) => format!(
                    "retrying in {} s, as the remote asked",
                    wait.min(RETRY_AFTER_CAP).as_secs()
                ),
                None => "retrying with backoff".to_string(),
            };
            Outcome::new(Reason::Retrying, format!("{subject}: {message}; {when}"))
        }
    }
}

/// Parses an HTTP `Retry-After` value: delay seconds, or an HTTP date (IMF-fixdate,
/// e.g. `Wed, 21 Oct 2015 07:28:00 GMT`) measured from `now`. A date in the past means
/// no wait; anything else unreadable is `None` (the caller backs off instead).
pub fn parse_retry_after(value: &str, now: jiff::Timestamp) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = jiff::fmt::rfc2822::parse(value).ok()?.timestamp();
    Some(Duration::try_from(at.duration_since(now)).unwrap_or(Duration::ZERO))
}

/// The wait until a rate limit resets, from a reset time in seconds since the Unix
/// epoch (GitHub's `x-ratelimit-reset`) measured from `now`; a reset in the past means
/// no wait, an unreadable value `None`.
pub fn parse_rate_limit_reset(value: &str, now: jiff::Timestamp) -> Option<Duration> {
    let at = jiff::Timestamp::from_second(value.trim().parse::<i64>().ok()?).ok()?;
    Some(Duration::try_from(at.duration_since(now)).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_values() {
        let now: jiff::Timestamp = "2026-11-30T12:00:00Z".parse().unwrap();
        let s = Duration::from_secs;
        for (value, want) in [
            ("2", Some(s(2))),
            (" 120 ", Some(s(120))),
            ("0", Some(s(0))),
            ("Mon, 30 Nov 2026 12:00:30 GMT", Some(s(30))),
            ("Mon, 30 Nov 2026 11:00:00 GMT", Some(s(0))),
            ("-5", None),
            ("soon", None),
            ("", None),
        ] {
            assert_eq!(parse_retry_after(value, now), want, "{value:?}");
        }
        let reset = now.as_second();
        for (value, want) in [
            (format!("{}", reset + 90), Some(s(90))),
            (format!("{}", reset - 90), Some(s(0))),
            ("later".to_string(), None),
        ] {
            assert_eq!(parse_rate_limit_reset(&value, now), want, "{value:?}");
        }
    }

    #[test]
    fn retry_after_comes_first_capped_else_backoff() {
        let s = Duration::from_secs;
        for (class, failures, asked, want) in [
            (FailureClass::Permanent, 1, None, RetryPlan::Never),
            (FailureClass::Permanent, 3, Some(s(2)), RetryPlan::Never),
            (
                FailureClass::Retryable,
                5,
                Some(s(2)),
                RetryPlan::After {
                    delay: s(2),
                    binding: true,
                },
            ),
            (
                FailureClass::Retryable,
                1,
                Some(s(86_400)),
                RetryPlan::After {
                    delay: RETRY_AFTER_CAP,
                    binding: true,
                },
            ),
            (
                FailureClass::Retryable,
                3,
                None,
                RetryPlan::After {
                    delay: s(4),
                    binding: false,
                },
            ),
            (
                FailureClass::Conflict,
                1,
                None,
                RetryPlan::After {
                    delay: s(1),
                    binding: false,
                },
            ),
        ] {
            assert_eq!(
                retry_plan(class, failures, asked, 1.0),
                want,
                "{class} {failures} {asked:?}"
            );
        }
    }

    #[test]
    fn a_wait_the_remote_asked_for_is_never_cut_short() {
        for trigger in [Trigger::Build, Trigger::Manual, Trigger::Config] {
            assert!(wakes_from_wait(trigger, false), "{trigger:?}");
            assert!(!wakes_from_wait(trigger, true), "{trigger:?}");
        }
        assert!(!wakes_from_wait(Trigger::Revisit, false));
    }

    #[test]
    fn a_parked_key_wakes_for_changed_inputs_only() {
        for (trigger, wakes) in [
            (Trigger::Build, true),
            (Trigger::Report, true),
            (Trigger::Manual, true),
            (Trigger::Config, true),
            (Trigger::TargetMoved, true),
            (Trigger::Revisit, false),
            (Trigger::Schedule, false),
        ] {
            assert_eq!(wakes_parked(trigger), wakes, "{trigger:?}");
        }
    }

    #[test]
    fn classes_have_stable_names() {
        let names: Vec<_> = FailureClass::ALL.iter().map(|c| c.as_str()).collect();
        assert_eq!(names, ["conflict", "retryable", "permanent"]);
    }

    #[test]
    fn a_failure_becomes_a_stalled_or_retrying_outcome() {
        let secs = |s| Some(Duration::from_secs(s));
        let table = [
            (
                FailureClass::Permanent,
                None,
                Reason::TargetUnreachable,
                Reason::TargetUnreachable,
                "r: m",
            ),
            (
                FailureClass::Permanent,
                secs(5),
                Reason::ActionFailed,
                Reason::ActionFailed,
                "r: m",
            ),
            // A reason that does not stall is not used to stall.
            (
                FailureClass::Permanent,
                None,
                Reason::UpToDate,
                Reason::ActionFailed,
                "r: m",
            ),
            (
                FailureClass::Retryable,
                None,
                Reason::ActionFailed,
                Reason::Retrying,
                "r: m; retrying with backoff",
            ),
            (
                FailureClass::Retryable,
                secs(2),
                Reason::ActionFailed,
                Reason::Retrying,
                "r: m; retrying in 2 s, as the remote asked",
            ),
            (
                FailureClass::Retryable,
                secs(86_400),
                Reason::ActionFailed,
                Reason::Retrying,
                "r: m; retrying in 3600 s, as the remote asked",
            ),
            (
                FailureClass::Conflict,
                None,
                Reason::TargetUnreachable,
                Reason::Retrying,
                "r: m; retrying with backoff",
            ),
        ];
        for (class, retry_after, stalled, reason, message) in table {
            let failure = Failure { class, retry_after };
            let got = failure_outcome(&failure, stalled, "r", "m");
            assert_eq!(
                got,
                Outcome::new(reason, message),
                "{class} {retry_after:?} {stalled}"
            );
        }
    }
}
