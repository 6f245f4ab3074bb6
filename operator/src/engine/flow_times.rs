//! The flow network with its observed times: the configured subscriptions, and from the
//! store the merges of their updates and the builds of their targets over a window. The
//! pairing, statistics and critical path are the core's ([`sluice_core::graph::timing`],
//! [`sluice_core::graph::network`]); this module only reads.

use std::collections::BTreeMap;

use sluice_core::flow::BuildId;
use sluice_core::graph::network::{self, FlowNetwork};
use sluice_core::graph::product::repository_identity;
use sluice_core::graph::timing::{self, BuildRecord, Link, MergeRecord};

use super::Engine;
use super::time::parse_rfc3339;
use crate::store::{BuildQuery, EventKind, StoreError};

/// Events read from the store per page.
const PAGE: u32 = 1_000;
/// Builds read per page.
const BUILD_PAGE: u32 = 200;

impl Engine {
    /// The flow network over the `window_secs` before `now` (Unix seconds), only the
    /// subscriptions reading `channel` when given.
    pub fn flow_network(
        &self,
        window_secs: i64,
        channel: Option<&str>,
        now: i64,
    ) -> Result<FlowNetwork, StoreError> {
        let since = now.saturating_sub(window_secs);
        let snapshot = self.snapshot();
        let links: Vec<Link> = snapshot
            .subscriptions
            .iter()
            .map(|(name, spec)| Link {
                subscription: name.clone(),
                source: spec.source.repository.clone(),
                channel: spec.source.channel.clone(),
                target: spec.target.repository.clone(),
                branch: spec.target.branch.clone(),
                frequency: format!("{:?}", spec.update_frequency),
                policies: spec
                    .merge_policies
                    .iter()
                    .map(|p| p.name.to_string())
                    .collect(),
                enabled: spec.enabled,
            })
            .collect();
        let merges = self.merges_since(since)?;
        let builds = self.target_builds_since(&links, since)?;
        let timings = timing::link_timings(&links, &merges, &builds, since);
        Ok(network::network(timings, channel, window_secs))
    }

    /// Every recorded merge at or after `since`, with its build's production time.
    fn merges_since(&self, since: i64) -> Result<Vec<MergeRecord>, StoreError> {
        let store = self.store();
        let mut produced: BTreeMap<BuildId, Option<i64>> = BTreeMap::new();
        let mut out = Vec::new();
        let mut seq = 0;
        loop {
            let page = store.events_after(seq, PAGE)?;
            let Some(last) = page.last() else { break };
            seq = last.seq;
            for event in page {
                let (EventKind::PullRequestMerged, Some(subscription), Some(build)) =
                    (event.kind, event.subscription, event.build)
                else {
                    continue;
                };
                let Some(merged_at) = parse_rfc3339(&event.at).filter(|&at| at >= since) else {
                    continue;
                };
                let produced_at = match produced.get(&build) {
                    Some(at) => *at,
                    None => {
                        let at = store
                            .build(build)?
                            .and_then(|b| parse_rfc3339(&b.produced_at));
                        produced.insert(build, at);
                        at
                    }
                };
                if let Some(produced_at) = produced_at {
                    out.push(MergeRecord {
                        subscription,
                        produced_at,
                        merged_at,
                    });
                }
            }
        }
        Ok(out)
    }

    /// The builds of every link's target produced at or after `since`.
    fn target_builds_since(
        &self,
        links: &[Link],
        since: i64,
    ) -> Result<Vec<BuildRecord>, StoreError> {
        let mut targets: BTreeMap<String, &str> = BTreeMap::new();
        for link in links {
            targets
                .entry(repository_identity(&link.target))
                .or_insert(&link.target);
        }
        let mut out = Vec::new();
        for repository in targets.into_values() {
            let mut before = None;
            loop {
                let page = self.store().builds(&BuildQuery {
                    repository: Some(repository.to_owned()),
                    limit: Some(BUILD_PAGE),
                    before,
                    ..BuildQuery::default()
                })?;
                let Some(last) = page.last() else { break };
                before = Some(last.id);
                let mut older = false;
                for build in &page {
                    match parse_rfc3339(&build.produced_at) {
                        Some(at) if at >= since => out.push(BuildRecord {
                            repository: build.repository.clone(),
                            branch: build.branch.clone(),
                            produced_at: at,
                        }),
                        Some(_) => older = true,
                        None => {}
                    }
                }
                // Newest first: once a page reaches before the window, so does the rest
                // (give or take builds published out of order, which a page absorbs).
                if older || page.len() < BUILD_PAGE as usize {
                    break;
                }
            }
        }
        Ok(out)
    }
}
