//! What sets work in motion: published builds, channel assignments, schedules, manual
//! triggers, and check or review reports on pull requests.

use serde::Serialize;
use sluice_core::flow::pacing::Trigger;
use sluice_core::flow::{self, BuildId, HandTrigger};
use sluice_core::model::PullRequestState;

use super::{Engine, parse_rfc3339, unix_now};
use crate::store::{EventKind, StoreError};

/// Why a trigger was refused.
#[derive(Debug, thiserror::Error)]
pub enum TriggerError {
    /// The input is malformed.
    #[error("{0}")]
    Invalid(String),
    /// The input names something that does not exist.
    #[error("{0}")]
    NotFound(String),
    /// The input no longer applies (a check for a commit the pull request moved past).
    #[error("{0}")]
    Conflict(String),
    /// No valid configuration is in force yet, so nothing could be fired; try again.
    #[error("no valid configuration is in force yet; try again once the server is ready")]
    NotReady,
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The repository or its forge did not answer; try again.
    #[error("{0}")]
    Unavailable(String),
}

impl From<crate::forge::ForgeError> for TriggerError {
    fn from(err: crate::forge::ForgeError) -> Self {
        use crate::forge::ForgeError as F;
        match err {
            F::Conflict { .. } => TriggerError::Conflict(err.to_string()),
            F::NotFound { .. } => TriggerError::NotFound(err.to_string()),
            F::Rejected { .. } => TriggerError::Invalid(err.to_string()),
            F::Unavailable { .. } => TriggerError::Unavailable(err.to_string()),
        }
    }
}

/// What a trigger by hand did, as the API answers it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TriggerReport {
    /// The subscription.
    pub subscription: String,
    /// The build asked for.
    pub build: BuildId,
    /// What happened, kebab-case: `requested`, `forced`, `already-requested`,
    /// `already-applied`, `older-than-applied` or `rejected`.
    pub outcome: &'static str,
    /// Whether the subscription's progress changed (a pull request may follow).
    pub changed: bool,
    /// One sentence for a person.
    pub message: String,
}

impl Engine {
    /// Asks a subscription to apply `build` (default: the newest on its channel); `force`
    /// applies it even when it is applied already, older than the applied one, or was
    /// rejected. Refuses a disabled subscription and a build that is not of its source
    /// repository and channel; the report says what the request changed.
    pub fn trigger_subscription(
        &self,
        name: &str,
        build: Option<BuildId>,
        force: bool,
    ) -> Result<TriggerReport, TriggerError> {
        let snapshot = self.snapshot();
        let Some(spec) = snapshot.subscriptions.get(name) else {
            return Err(TriggerError::NotFound(format!(
                "unknown subscription `{name}`"
            )));
        };
        let build = match build {
            Some(id) => self
                .store
                .build(id)?
                .ok_or_else(|| TriggerError::NotFound(format!("build {id} not found")))?,
            None => self
                .store
                .latest_build(&spec.source.repository, &spec.source.channel)?
                .ok_or_else(|| {
                    TriggerError::Conflict(format!(
                        "no build of {} on channel `{}` yet",
                        spec.source.repository, spec.source.channel
                    ))
                })?,
        };
        flow::trigger::check_by_hand(name, spec, &build).map_err(|refusal| match refusal {
            flow::trigger::TriggerRefusal::Disabled { .. } => {
                TriggerError::Conflict(refusal.to_string())
            }
            _ => TriggerError::Invalid(refusal.to_string()),
        })?;
        let id = build.id;
        let mut outcome = HandTrigger::AlreadyRequested;
        self.store.update_subscription(name, &mut |r| {
            outcome = r.state.request_by_hand(id, force);
        })?;
        let message = outcome.describe(id);
        tracing::info!(
            subscription = name,
            build = id,
            outcome = outcome.as_str(),
            "{message}"
        );
        if outcome.changed() {
            self.event(
                EventKind::Fired,
                Some(name),
                Some(id),
                None,
                if force {
                    "triggered by hand (forced)"
                } else {
                    "triggered by hand"
                },
            )?;
        }
        // A person asking is reason enough for a cycle, even when the request stands as it
        // was: a stalled subscription whose target was repaired looks again now.
        self.enqueue_subscriptions(&[name.to_string()], Trigger::Manual);
        Ok(TriggerReport {
            subscription: name.to_string(),
            build: id,
            outcome: outcome.as_str(),
            changed: outcome.changed(),
            message,
        })
    }

    pub(super) fn enqueue_subscriptions(&self, names: &[String], trigger: Trigger) {
        let snapshot = self.snapshot();
        for name in names {
            if let Some(key) = snapshot.key_of.get(name) {
                self.enqueue_for(key, trigger);
            }
        }
    }

    /// Fires every scheduled subscription that is due, with the newest build on its channel.
    pub(super) fn fire_due_schedules(&self) {
        self.fire_due_schedules_at(unix_now());
    }

    /// [`Engine::fire_due_schedules`] as of `now` (Unix seconds); returns the subscriptions
    /// that fired. Which are due and what firing requests are the core's
    /// ([`flow::scheduled`]); the records are read in one go.
    pub fn fire_due_schedules_at(&self, now: i64) -> Vec<String> {
        let mut fired = Vec::new();
        let snapshot = self.snapshot();
        let Ok(records) = self.store.subscriptions() else {
            return fired;
        };
        let due = flow::scheduled::due_subscriptions(
            snapshot.subscriptions.iter().map(|(name, spec)| {
                let firings =
                    records
                        .get(name)
                        .map_or_else(Default::default, |r| flow::scheduled::Firings {
                            last_fired: r.last_fired,
                            first_seen: r.first_seen,
                        });
                (name.as_str(), spec, firings)
            }),
            now,
            &self.config.schedule,
        );
        for name in due {
            let Some(spec) = snapshot.subscriptions.get(name) else {
                continue;
            };
            let latest = self
                .store
                .latest_build(&spec.source.repository, &spec.source.channel)
                .ok()
                .flatten();
            let result = self.store.update_subscription(name, &mut |r| {
                r.last_fired = Some(now);
                r.state.request_scheduled(latest.as_ref().map(|b| b.id));
            });
            if result.is_ok()
                && let Some(build) = latest
            {
                let _ = self.event(
                    EventKind::Fired,
                    Some(name),
                    Some(build.id),
                    None,
                    "scheduled update",
                );
                if let Some(key) = snapshot.key_of.get(name) {
                    self.enqueue_for(key, Trigger::Schedule);
                }
                fired.push(name.to_string());
            }
        }
        fired
    }

    /// Queues open pull requests whose re-evaluation is due: every interval at first,
    /// doubling with each hour of age, at most hourly.
    pub(super) fn revisit_pull_requests(&self) {
        let Ok(active) = self.store.active_pull_requests() else {
            return;
        };
        let now = unix_now();
        let base = self.config.pull_request_interval.as_secs();
        let Ok(mut visits) = self.revisits.lock() else {
            return;
        };
        for pr in active {
            let created = parse_rfc3339(&pr.created_at).unwrap_or(now);
            // A merged or closed one waits only for its outcome to be recorded.
            let due = pr.state != PullRequestState::Open
                || flow::revisit::revisit_due(now, created, visits.get(&pr.key).copied(), base);
            if due {
                visits.insert(pr.key.clone(), now);
                self.enqueue_for(&pr.key, Trigger::Revisit);
            }
        }
    }
}
