//! Leader election on a coordination.k8s.io/v1 Lease: what one replica does with the
//! lease as it just read it. The adapter reads the lease, asks [`decide`], writes what it
//! says with the `resourceVersion` it read as a precondition (a lost race is a `409`, and
//! the next read decides again), and acts only while [`still_leading`] holds.
//!
//! The rules, as Kubernetes' own leader election has them:
//! - a lease nobody holds (no lease, no holder, or one released) is taken;
//! - the holder renews it (`renewTime`), keeping its `acquireTime` and transitions;
//! - another holder's lease is taken over once `renewTime + leaseDurationSeconds` has
//!   passed, counting one more transition;
//! - a leader stops acting once its last successful renewal is older than the renew
//!   deadline, which is shorter than the lease duration, so it has stopped before any
//!   standby may take over.

use jiff::{SignedDuration, Timestamp};

/// A lease as read: the fields the decision needs.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LeaseRecord {
    /// `spec.holderIdentity`; `None` or empty when released.
    pub holder: Option<String>,
    /// `spec.leaseDurationSeconds`.
    pub duration_seconds: Option<i32>,
    /// `spec.renewTime`.
    pub renew_time: Option<Timestamp>,
    /// `spec.acquireTime`.
    pub acquire_time: Option<Timestamp>,
    /// `spec.leaseTransitions`.
    pub transitions: Option<i32>,
}

/// What to do with the lease.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LeaseStep {
    /// No lease exists: create it holding it.
    Create(LeaseRecord),
    /// Write this record (taking a free or expired lease, or renewing one's own) with
    /// the `resourceVersion` read as precondition.
    Write(LeaseRecord),
    /// Another replica holds it: stand by, and read again by `until` at the latest.
    Wait {
        /// The holder.
        holder: String,
        /// When its lease expires unless renewed.
        until: Timestamp,
    },
}

impl LeaseStep {
    /// Whether writing this step makes `me` the holder.
    pub fn holds(&self) -> bool {
        !matches!(self, LeaseStep::Wait { .. })
    }
}

/// Decides what replica `me` does with `lease` (`None` when none exists) at `now`, with
/// `duration` as its own lease duration.
pub fn decide(
    lease: Option<&LeaseRecord>,
    me: &str,
    now: Timestamp,
    duration: SignedDuration,
) -> LeaseStep {
    let duration_seconds = i32::try_from(duration.as_secs().max(1)).unwrap_or(i32::MAX);
    let mine = |acquire_time: Timestamp, transitions: i32| LeaseRecord {
        holder: Some(me.to_string()),
        duration_seconds: Some(duration_seconds),
        renew_time: Some(now),
        acquire_time: Some(acquire_time),
        transitions: Some(transitions),
    };
    let Some(lease) = lease else {
        return LeaseStep::Create(mine(now, 0));
    };
    let transitions = lease.transitions.unwrap_or(0).max(0);
    let holder = lease.holder.as_deref().filter(|h| !h.is_empty());
    match holder {
        Some(holder) if holder == me => {
            LeaseStep::Write(mine(lease.acquire_time.unwrap_or(now), transitions))
        }
        Some(holder) => {
            let held_for =
                SignedDuration::from_secs(i64::from(lease.duration_seconds.unwrap_or(0).max(0)));
            // A holder that never renewed has held it since it acquired it.
            let since = lease.renew_time.or(lease.acquire_time);
            match since.and_then(|t| t.checked_add(held_for).ok()) {
                Some(until) if until > now => LeaseStep::Wait {
                    holder: holder.to_string(),
                    until,
                },
                _ => LeaseStep::Write(mine(now, transitions.saturating_add(1))),
            }
        }
        // Released: taking it is a transition only when someone held it before.
        None => {
            let transitions = if lease.acquire_time.is_some() {
                transitions.saturating_add(1)
            } else {
                transitions
            };
            LeaseStep::Write(mine(now, transitions))
        }
    }
}

/// The record that releases `lease` held by `me` (holder cleared, so a standby takes it
/// at once), or `None` when `me` does not hold it.
pub fn release(lease: &LeaseRecord, me: &str) -> Option<LeaseRecord> {
    (lease.holder.as_deref() == Some(me)).then(|| LeaseRecord {
        holder: None,
        ..lease.clone()
    })
}

/// How long after its last successful renewal a leader keeps acting: two thirds of the
/// lease duration, so it has stopped a third of the duration before a standby may take
/// over (which absorbs a write in flight and a small clock skew).
pub fn renew_deadline(duration: SignedDuration) -> SignedDuration {
    duration * 2 / 3
}

/// How often the leader renews and a standby reads: a third of the lease duration.
pub fn retry_period(duration: SignedDuration) -> SignedDuration {
    duration / 3
}

/// Whether a leader whose last successful renewal started at `renewed` may still act at
/// `now`.
pub fn still_leading(renewed: Timestamp, now: Timestamp, duration: SignedDuration) -> bool {
    renewed
        .checked_add(renew_deadline(duration))
        .is_ok_and(|deadline| now < deadline)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(secs: i64) -> Timestamp {
        Timestamp::from_second(1_800_000_000 + secs).unwrap()
    }

    fn held(holder: &str, renewed: i64, transitions: i32) -> LeaseRecord {
        LeaseRecord {
            holder: Some(holder.to_string()),
            duration_seconds: Some(15),
            renew_time: Some(at(renewed)),
            acquire_time: Some(at(0)),
            transitions: Some(transitions),
        }
    }

    /// What a step writes: holder, renew time, acquire time (seconds from `at(0)`) and
    /// transitions; `None` for a wait.
    type Written<'a> = Option<(Option<&'a str>, i64, i64, i32)>;

    fn written(step: &LeaseStep) -> Written<'_> {
        match step {
            LeaseStep::Create(r) | LeaseStep::Write(r) => Some((
                r.holder.as_deref(),
                r.renew_time?.as_second() - 1_800_000_000,
                r.acquire_time?.as_second() - 1_800_000_000,
                r.transitions?,
            )),
            LeaseStep::Wait { .. } => None,
        }
    }

    #[test]
    fn decides_from_the_lease_as_read() {
        let duration = SignedDuration::from_secs(15);
        let released = LeaseRecord {
            holder: None,
            ..held("a", 10, 2)
        };
        let never_held = LeaseRecord {
            holder: Some(String::new()),
            ..Default::default()
        };
        let unrenewed = LeaseRecord {
            renew_time: None,
            ..held("b", 0, 0)
        };
        // (lease, now, expected: (holder, renewTime, acquireTime, transitions) or wait)
        let cases: Vec<(Option<LeaseRecord>, i64, Written)> = vec![
            // None exists: created, held from now.
            (None, 20, Some((Some("me"), 20, 20, 0))),
            // Mine: renewed, acquire time and transitions kept.
            (Some(held("me", 10, 3)), 20, Some((Some("me"), 20, 0, 3))),
            // Mine even past its expiry (nobody took it): renewed.
            (Some(held("me", 0, 3)), 40, Some((Some("me"), 40, 0, 3))),
            // Another's, renewed 5 s ago: wait.
            (Some(held("b", 15, 1)), 20, None),
            // Another's, one second before expiry: wait.
            (Some(held("b", 6, 1)), 20, None),
            // Another's, expired exactly now: taken over, one more transition.
            (Some(held("b", 5, 1)), 20, Some((Some("me"), 20, 20, 2))),
            // Another's, long expired.
            (Some(held("b", 0, 1)), 100, Some((Some("me"), 100, 100, 2))),
            // Another's that never renewed: expires from its acquire time.
            (Some(unrenewed.clone()), 14, None),
            (Some(unrenewed), 15, Some((Some("me"), 15, 15, 1))),
            // Released by its holder: taken at once, one more transition.
            (Some(released), 11, Some((Some("me"), 11, 11, 3))),
            // Created without a holder: taken, no transition.
            (Some(never_held), 11, Some((Some("me"), 11, 11, 0))),
        ];
        for (lease, now, expected) in cases {
            let step = decide(lease.as_ref(), "me", at(now), duration);
            assert_eq!(written(&step), expected, "{lease:?} at {now}");
            assert_eq!(step.holds(), expected.is_some());
            if let LeaseStep::Write(r) | LeaseStep::Create(r) = &step {
                assert_eq!(r.duration_seconds, Some(15));
            }
        }
        let wait = decide(Some(&held("b", 15, 1)), "me", at(20), duration);
        assert_eq!(
            wait,
            LeaseStep::Wait {
                holder: "b".into(),
                until: at(30)
            }
        );
        assert!(matches!(
            decide(None, "me", at(0), duration),
            LeaseStep::Create(_)
        ));
    }

    #[test]
    fn a_leader_stops_before_a_standby_may_take_over() {
        let duration = SignedDuration::from_secs(15);
        assert_eq!(renew_deadline(duration), SignedDuration::from_secs(10));
        assert_eq!(retry_period(duration), SignedDuration::from_secs(5));
        assert!(still_leading(at(0), at(9), duration));
        assert!(!still_leading(at(0), at(10), duration));
        // The standby's takeover of the same renewal comes later still.
        let step = decide(Some(&held("leader", 0, 0)), "standby", at(10), duration);
        assert!(!step.holds());
        assert!(decide(Some(&held("leader", 0, 0)), "standby", at(15), duration).holds());
    }

    #[test]
    fn only_the_holder_releases() {
        let lease = held("me", 10, 2);
        let released = release(&lease, "me").unwrap();
        assert_eq!(released.holder, None);
        assert_eq!(released.transitions, Some(2));
        assert_eq!(release(&lease, "other"), None);
    }
}
