//! Subscriptions that arrive with a configuration: recorded (first seen) in one
//! transaction however many arrive, each taking the newest build already waiting on its
//! channel when it takes every build.

use std::collections::BTreeMap;

use sluice_core::flow;

use super::Engine;
use super::snapshot::Snapshot;
use crate::store::{self, SubscriptionRecord};

impl Engine {
    /// Records the subscriptions of `snapshot` not known yet (`known`: the stored records)
    /// as first seen at `now`, and requests the newest waiting build for those that take
    /// every build.
    pub(super) fn record_arrivals(
        &self,
        snapshot: &Snapshot,
        known: &BTreeMap<String, SubscriptionRecord>,
        now: i64,
    ) {
        // New subscriptions, recorded in one transaction however many arrive. One that
        // arrives takes the newest build already waiting on its channel, as it would have
        // had it been there when the build landed.
        let mut arriving: Vec<String> = Vec::new();
        let mut waiting = BTreeMap::new();
        for (name, spec) in &snapshot.subscriptions {
            if known.get(name).is_some_and(|r| r.first_seen.is_some()) {
                continue;
            }
            arriving.push(name.clone());
            if flow::trigger::takes_newest_on_arrival(spec)
                && let Ok(Some(build)) = self
                    .store
                    .latest_build(&spec.source.repository, &spec.source.channel)
            {
                waiting.insert(name.clone(), build);
            }
        }
        if !arriving.is_empty() {
            let _ = self.store.update_subscriptions(&arriving, &mut |name, r| {
                r.first_seen.get_or_insert(now);
                if let Some(build) = waiting.get(name) {
                    r.state.request(build.id);
                }
            });
        }
        for (name, build) in &waiting {
            let channel = snapshot
                .subscriptions
                .get(name)
                .map(|s| s.source.channel.as_str())
                .unwrap_or_default();
            tracing::info!(subscription = %name, build = build.id, "new subscription takes the newest build on its channel");
            let _ = self.event(
            store::EventKind::Fired,
            Some(name),
            Some(build.id),
            None,
            &format!(
                "build {} requested: the newest on channel {channel} when the subscription arrived",
                build.build_number
            ),
        );
        }
    }
}
