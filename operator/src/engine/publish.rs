//! Builds arriving: publication (idempotent, validated at the door) and channel
//! assignment, each firing the subscriptions it concerns.

use serde::Serialize;
use sluice_core::flow::pacing::Trigger;
use sluice_core::flow::{self, BuildId, BuildInfo};

use super::Engine;
use super::triggers::TriggerError;
use crate::store::{NewBuild, StoreError};

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
        let defaults = flow::assign::default_channels_for(
            &build.repository,
            &build.branch,
            &snapshot.default_channels,
        );
        let channels = flow::publish::channels_for(&build.channels, &snapshot.channels, &defaults)
            .map_err(|unknown| TriggerError::Invalid(unknown.to_string()))?;
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
        let fired = snapshot.readers.fired_by(&probe);
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
        flow::publish::channels_for(&[channel.to_string()], &snapshot.channels, &[])
            .map_err(|unknown| TriggerError::Invalid(unknown.to_string()))?;
        let Some(mut build) = self.store.build(id)? else {
            return Err(TriggerError::NotFound(format!("build {id} not found")));
        };
        build.channels = vec![channel.to_string()];
        let fired = snapshot.readers.fired_by(&build);
        let added = self.store.add_to_channel(id, channel, &fired)?;
        self.enqueue_subscriptions(&fired, Trigger::Build);
        Ok(added)
    }
}

/// The core's build validator at the door: every field, bounded.
fn validate_build(build: &NewBuild) -> Result<(), TriggerError> {
    sluice_core::validate::build(&sluice_core::validate::BuildFields {
        repository: &build.repository,
        branch: &build.branch,
        commit: &build.commit,
        build_number: &build.build_number,
        produced_at: &build.produced_at,
        assets: &build.assets,
        channels: &build.channels,
    })
    .map_err(|e| TriggerError::Invalid(e.to_string()))
}
