//! What sets work in motion: published builds, channel assignments, schedules, manual
//! triggers, and check or review reports on pull requests.

use serde::Serialize;
use sluice_core::flow::pacing::Trigger;
use sluice_core::flow::{self, BuildId, BuildInfo, Check, HandTrigger, Review};
use sluice_core::model::{PullRequestState, UpdateFrequency};

use super::observe::ObserveError;
use super::{Engine, parse_rfc3339, unix_now};
use crate::store::{EventKind, NewBuild, StoreError, TrackedPullRequest};

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
}

/// A publication's result: the stored build, whether this request stored it (a repeat
/// returns the build stored before), and warnings for a build that flows nowhere.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Published {
    /// The stored build.
    #[serde(flatten)]
    pub build: BuildInfo,
    /// False for a repeat of a build published before.
    pub created: bool,
    /// Why the build may land nowhere; empty when it flows.
    pub warnings: Vec<String>,
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
    /// Stores a build, assigns it to its channels and the default channels of its branch,
    /// and fires the subscriptions that take every build. Unknown explicit channels are
    /// refused. A repeat (same repository, commit and build number) is the stored build,
    /// returned unchanged with `created: false`, or a conflict naming the field that
    /// differs. An empty `produced_at` means now.
    pub fn publish_build(&self, build: &NewBuild) -> Result<Published, TriggerError> {
        let mut build = build.clone();
        let repeat_time = build.produced_at.clone();
        if build.produced_at.trim().is_empty() {
            build.produced_at = super::now_rfc3339();
        }
        validate_build(&build)?;
        // Published before the configuration is known, the build would fire no
        // subscription and be lost to them.
        if !self.configured() {
            return Err(TriggerError::NotReady);
        }
        let snapshot = self.snapshot();
        let unknown: Vec<&str> = build
            .channels
            .iter()
            .filter(|c| !snapshot.channels.contains(c))
            .map(String::as_str)
            .collect();
        if !unknown.is_empty() {
            return Err(TriggerError::Invalid(format!(
                "unknown channel `{}` (declared channels: {})",
                unknown.join("`, `"),
                snapshot.channels.join(", ")
            )));
        }
        let defaults = flow::assign::default_channels_for(
            &build.repository,
            &build.branch,
            &snapshot.default_channels,
        );
        let mut channels = build.channels.clone();
        for c in &defaults {
            if !channels.contains(c) {
                channels.push(c.clone());
            }
        }
        let probe = BuildInfo {
            id: 0,
            repository: build.repository.clone(),
            branch: build.branch.clone(),
            commit: build.commit.clone(),
            build_number: build.build_number.clone(),
            produced_at: build.produced_at.clone(),
            assets: build.assets.clone(),
            channels,
        };
        let repeat = BuildInfo {
            produced_at: repeat_time,
            channels: build.channels.clone(),
            ..probe.clone()
        };
        if let Some(stored) = self.stored_build(&build)? {
            return self.repeated(stored, &repeat);
        }
        let fired = flow::trigger::fired_by(
            &probe,
            snapshot.subscriptions.iter().map(|(n, s)| (n.as_str(), s)),
        );
        let stored = match self.store.publish_build(&build, &defaults, &fired) {
            Ok(stored) => stored,
            // Published meanwhile by a concurrent request: that one is the build.
            Err(StoreError::Conflict(message)) => match self.stored_build(&build)? {
                Some(stored) => return self.repeated(stored, &repeat),
                None => return Err(TriggerError::Conflict(message)),
            },
            Err(err) => return Err(err.into()),
        };
        self.metrics.builds_published.inc();
        let subscriptions: Vec<_> = snapshot.subscriptions.values().collect();
        let warnings =
            flow::publish::publish_warnings(&stored, &snapshot.default_channels, &subscriptions);
        tracing::info!(build = stored.id, repository = %stored.repository, channels = ?stored.channels, fired = ?fired, "build published");
        for warning in &warnings {
            tracing::warn!(build = stored.id, repository = %stored.repository, "{warning}");
        }
        self.enqueue_subscriptions(&fired, Trigger::Build);
        Ok(Published {
            build: stored,
            created: true,
            warnings,
        })
    }

    fn stored_build(&self, build: &NewBuild) -> Result<Option<BuildInfo>, TriggerError> {
        Ok(self
            .store
            .find_build(&build.repository, &build.commit, &build.build_number)?)
    }

    /// A repeat publication of `stored`: the same build, or a conflict.
    fn repeated(&self, stored: BuildInfo, repeat: &BuildInfo) -> Result<Published, TriggerError> {
        flow::publish::same_build(&stored, repeat)
            .map_err(|conflict| TriggerError::Conflict(conflict.to_string()))?;
        tracing::info!(build = stored.id, repository = %stored.repository, "build published again; the stored one stands");
        Ok(Published {
            build: stored,
            created: false,
            warnings: Vec::new(),
        })
    }

    /// Assigns a stored build to one more channel, firing what that assignment fires.
    pub fn add_to_channel(&self, id: BuildId, channel: &str) -> Result<bool, TriggerError> {
        if !self.configured() {
            return Err(TriggerError::NotReady);
        }
        let snapshot = self.snapshot();
        if !snapshot.channels.iter().any(|c| c == channel) {
            return Err(TriggerError::Invalid(format!(
                "unknown channel `{channel}`"
            )));
        }
        let Some(mut build) = self.store.build(id)? else {
            return Err(TriggerError::NotFound(format!("build {id} not found")));
        };
        build.channels = vec![channel.to_string()];
        let fired = flow::trigger::fired_by(
            &build,
            snapshot.subscriptions.iter().map(|(n, s)| (n.as_str(), s)),
        );
        let added = self.store.add_to_channel(id, channel, &fired)?;
        self.enqueue_subscriptions(&fired, Trigger::Build);
        Ok(added)
    }

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

    /// Records a check result on a local pull request's current head (where its head
    /// branch is, with any commits a person added) and re-evaluates it. With `commit`, the
    /// result is refused unless it is that head or the last one sluice pushed, so a result
    /// for an older head can never pass a newer one; each result counts only for the
    /// commit it names.
    pub async fn report_check(
        &self,
        pull_request: i64,
        check: &Check,
        commit: Option<&str>,
    ) -> Result<(), TriggerError> {
        let tracked = self.tracked_local(pull_request)?;
        let head = self.current_head(&tracked).await?;
        let checked = match commit {
            None => head.as_str(),
            Some(commit) if commit == head || commit == tracked.head_commit => commit,
            Some(commit) => {
                return Err(TriggerError::Conflict(format!(
                    "pull request #{pull_request} is at {head}, not {commit}; report the check for the current head"
                )));
            }
        };
        self.store.report_check(pull_request, checked, check)?;
        self.enqueue_for(&tracked.key, Trigger::Report);
        Ok(())
    }

    /// Where a pull request's head branch is now (read afresh), or the head sluice
    /// recorded while the branch is missing.
    async fn current_head(&self, tracked: &TrackedPullRequest) -> Result<String, TriggerError> {
        let repo = self
            .observer
            .repo(&tracked.repository)
            .map_err(|e| match e {
                ObserveError::Invalid(m) => TriggerError::Invalid(m),
                ObserveError::Retryable(m) => TriggerError::Conflict(m),
            })?;
        let tip = repo
            .head(&tracked.head_branch)
            .await
            .map_err(|e| TriggerError::Conflict(e.to_string()))?;
        Ok(tip.map_or(tracked.head_commit.clone(), |tip| tip.to_string()))
    }

    /// Records a review on a local pull request and re-evaluates it.
    pub fn report_review(&self, pull_request: i64, review: &Review) -> Result<(), TriggerError> {
        let tracked = self.tracked_local(pull_request)?;
        self.store.report_review(pull_request, review)?;
        self.enqueue_for(&tracked.key, Trigger::Report);
        Ok(())
    }

    /// Closes a local pull request as a person would (not reopened until a newer build);
    /// the forge deletes its head branch.
    pub async fn close_local_pull_request(&self, pull_request: i64) -> Result<(), TriggerError> {
        let tracked = self.tracked_local(pull_request)?;
        let result = self
            .forge
            .close_pull_request(&tracked.repository, &tracked.id)
            .await;
        self.enqueue(&tracked.key);
        match result {
            Ok(()) => Ok(()),
            // Only an open one closes; a merge that landed meanwhile stays merged.
            Err(crate::forge::ForgeError::Conflict(m)) => Err(TriggerError::Conflict(m)),
            Err(crate::forge::ForgeError::NotFound(m)) => Err(TriggerError::NotFound(m)),
            Err(err) => Err(TriggerError::Invalid(err.to_string())),
        }
    }

    /// Merges a local pull request as a person would, whatever its merge policies say.
    pub async fn merge_local_pull_request(&self, pull_request: i64) -> Result<(), TriggerError> {
        let tracked = self.tracked_local(pull_request)?;
        // A person merges the branch as it is, with any commits they added to it.
        let tip = self.current_head(&tracked).await?;
        let result = self
            .forge
            .merge_pull_request(&tracked.repository, &tracked.id, &tip)
            .await;
        self.enqueue(&tracked.key);
        match result {
            Ok(()) => Ok(()),
            Err(crate::forge::ForgeError::Conflict(m)) => Err(TriggerError::Conflict(format!(
                "{m}; sluice is rebuilding the update, try again shortly"
            ))),
            Err(err) => Err(TriggerError::Invalid(err.to_string())),
        }
    }

    /// The open pull request `number`; one that is merged or closed is a conflict, one
    /// that does not exist is not found.
    fn tracked_local(&self, number: i64) -> Result<TrackedPullRequest, TriggerError> {
        let id = number.to_string();
        let open = self
            .store
            .active_pull_requests()?
            .into_iter()
            .find(|t| t.id == id && t.state == PullRequestState::Open);
        if let Some(tracked) = open {
            return Ok(tracked);
        }
        match self.store.local_pull_request(number)? {
            Some(pr) if pr.state != PullRequestState::Open => Err(TriggerError::Conflict(format!(
                "pull request #{number} is already {}",
                format!("{:?}", pr.state).to_lowercase()
            ))),
            _ => Err(TriggerError::NotFound(format!(
                "no open pull request #{number}"
            ))),
        }
    }

    fn enqueue_subscriptions(&self, names: &[String], trigger: Trigger) {
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
    /// that fired.
    pub fn fire_due_schedules_at(&self, now: i64) -> Vec<String> {
        let mut fired = Vec::new();
        let snapshot = self.snapshot();
        for (name, spec) in &snapshot.subscriptions {
            if !spec.enabled
                || matches!(
                    spec.update_frequency,
                    UpdateFrequency::None | UpdateFrequency::EveryBuild
                )
            {
                continue;
            }
            let Ok(record) = self.store.subscription(name) else {
                continue;
            };
            // Unseen (config loaded this instant): the first scheduled time counts from now.
            let first_seen = record.first_seen.unwrap_or(now);
            if !flow::schedule::is_due(
                spec.update_frequency,
                record.last_fired,
                first_seen,
                now,
                &self.config.schedule,
            ) {
                continue;
            }
            let latest = self
                .store
                .latest_build(&spec.source.repository, &spec.source.channel)
                .ok()
                .flatten();
            let result = self.store.update_subscription(name, &mut |r| {
                r.last_fired = Some(now);
                if let Some(build) = &latest
                    && r.state.last_applied_build != Some(build.id)
                {
                    r.state.request(build.id);
                }
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
                fired.push(name.clone());
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

fn validate_build(build: &NewBuild) -> Result<(), TriggerError> {
    sluice_core::model::RepositoryUrl::parse(&build.repository)
        .map_err(|e| TriggerError::Invalid(format!("repository: {e}")))?;
    if build.branch.trim().is_empty() {
        return Err(TriggerError::Invalid("branch is empty".into()));
    }
    if build.commit.len() < 7 || !build.commit.chars().all(|c| c.is_ascii_hexdigit()) {
        return Err(TriggerError::Invalid(format!(
            "commit {:?} is not a hexadecimal commit id",
            build.commit
        )));
    }
    if parse_rfc3339(&build.produced_at).is_none() {
        return Err(TriggerError::Invalid(format!(
            "producedAt {:?} is not an RFC 3339 time such as 2026-11-01T10:00:00Z",
            build.produced_at
        )));
    }
    for asset in &build.assets {
        if asset.name.trim().is_empty() || asset.version.trim().is_empty() {
            return Err(TriggerError::Invalid(
                "every asset needs a name and a version".into(),
            ));
        }
    }
    Ok(())
}
