//! Status of the sluice resources, written with server-side apply (field manager
//! `sluice`) to the status subresource, and only when it differs from what the resource
//! shows, so a steady state writes nothing:
//!
//! - a refused resource: `Ready` `False` and `Stalled` `True` with the rule as reason;
//! - a Subscription in force: its conditions, last applied and pending build and pull
//!   request, as the store has them ([`subscription`]);
//! - a Build: its store id and where it flowed; a Channel, DefaultChannel or
//!   RepositoryPolicy: `Ready` and what it holds ([`kinds`]).
//!
//! A pass does nothing at all while neither the resources nor the store changed.
//! `observedGeneration` follows `metadata.generation`.

mod kinds;
mod settle;
mod subscription;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use futures_util::StreamExt;

use kube::api::{Api, DynamicObject, Patch, PatchParams};
use serde::Deserialize;
use serde_json::{Value, json};
use sluice_core::flow::status;
use sluice_core::model::{CommonStatus, Condition};

use super::Cluster;
use super::builds::Ingested;
use super::events::EventSink;
use super::resources::{self, ConfigKind, Resources};
use crate::clock::now_rfc3339;
use crate::engine::{FlowReader, SubscriptionStatusView};
use crate::server::AppState;
use sluice_core::flow::status_pass::{self, Mode, Revision};

/// The field manager of sluice's status writes.
pub const FIELD_MANAGER: &str = "sluice";

/// How many status writes are in flight at once.
const CONCURRENCY: usize = 16;

/// Writes the status of every watched resource that needs it.
pub struct StatusWriter {
    cluster: Cluster,
    state: AppState,
    config: Arc<Resources>,
    builds: Arc<Resources>,
    ingested: Arc<Ingested>,
    events: Arc<EventSink>,
    /// Annotation values acted upon, by subscription and whether forced: a pass that runs
    /// before the status write reaches the watch does not act on them twice.
    handled: Mutex<BTreeMap<(String, bool), String>>,
    /// The digest of the status last written to each resource, with the digest its status
    /// showed then: while the resource still shows that, the write's echo is on its way.
    written: Mutex<BTreeMap<ResourcePath, (u64, Option<u64>)>>,
    /// What the last complete pass over each [`Part`] saw: the revisions of the
    /// resources, of the Build decisions and of the store, and when it ended.
    seen: Mutex<[Option<Seen>; 2]>,
    /// For each Subscription whose status was found right: the digest of what it was
    /// made from (the object as watched and the store's view of it) and of the status
    /// shown. While both are the same, a pass does not make its status again: one
    /// change among ten thousand subscriptions costs one status, not ten thousand.
    settled: Mutex<BTreeMap<ResourcePath, (u64, Option<u64>)>>,
    /// How often Builds are passed over again for a change in the store alone.
    build_refresh: std::time::Duration,
}

/// The resources a status pass goes over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    /// Channels, DefaultChannels, Subscriptions and RepositoryPolicies.
    Configuration = 0,
    /// Build resources.
    Builds = 1,
}

/// What the last complete pass over a part saw, and when the last full pass ended.
type Seen = (Revision, std::time::Instant);

/// A resource: its plural, namespace and name.
type ResourcePath = (&'static str, Option<String>, Option<String>);

/// What one pass reads once for all resources.
struct Pass<'a> {
    views: BTreeMap<String, SubscriptionStatusView>,
    /// Where builds flowed, read build by build as their statuses are made.
    flows: Option<FlowReader<'a>>,
    now: String,
}

fn previous_conditions(object: &DynamicObject) -> Vec<Condition> {
    resources::status(object)
        .and_then(|status| Vec::<Condition>::deserialize(status.get("conditions")?).ok())
        .unwrap_or_default()
}

impl StatusWriter {
    /// A writer for `cluster`'s configuration resources and Build resources; where
    /// builds flowed is refreshed at most every `build_refresh` when only the store
    /// changed (at once when Build resources change).
    pub fn new(
        cluster: Cluster,
        state: AppState,
        (config, builds): (Arc<Resources>, Arc<Resources>),
        ingested: Arc<Ingested>,
        events: Arc<EventSink>,
        build_refresh: std::time::Duration,
    ) -> Self {
        StatusWriter {
            cluster,
            state,
            config,
            builds,
            ingested,
            events,
            handled: Mutex::new(BTreeMap::new()),
            written: Mutex::new(BTreeMap::new()),
            seen: Mutex::new([None, None]),
            settled: Mutex::new(BTreeMap::new()),
            build_refresh,
        }
    }

    /// Brings the status of every resource of `part` up to date, unless nothing changed
    /// since the last pass over it that wrote everything it had to. The configuration
    /// and the Builds are passed over apart, so thousands of Builds never hold back the
    /// status of a new Subscription.
    pub async fn write_all(&self, part: Part) {
        let revision = Revision {
            resources: self.config.revision(),
            builds: self.builds.revision(),
            decisions: self.ingested.revision(),
            store: self.state.engine.store().revision(),
        };
        let Some((mode, last)) = self.mode(part, revision) else {
            return;
        };
        let started = std::time::Instant::now();
        let (resources, pass) = match part {
            Part::Configuration => {
                let views = self.state.engine.status().unwrap_or_default();
                let pass = Pass {
                    views: views.into_iter().map(|v| (v.name.clone(), v)).collect(),
                    flows: None,
                    now: now_rfc3339(),
                };
                (&self.config, pass)
            }
            Part::Builds => {
                let pass = Pass {
                    views: BTreeMap::new(),
                    flows: self.state.engine.flow_reader().ok(),
                    now: now_rfc3339(),
                };
                (&self.builds, pass)
            }
        };
        let mut objects = Vec::new();
        for (index, kind) in resources.kinds().iter().enumerate() {
            // A resource being deleted is no longer acted upon; its status stays.
            objects.extend(
                resources
                    .objects_with_status(index)
                    .into_iter()
                    .filter(|(o, _)| o.metadata.deletion_timestamp.is_none())
                    .map(|(o, shown)| (resources, kind, o, shown)),
            );
        }
        let present: BTreeSet<ResourcePath> = objects
            .iter()
            .map(|(_, kind, o, _)| {
                (
                    kind.plural,
                    o.metadata.namespace.clone(),
                    o.metadata.name.clone(),
                )
            })
            .collect();
        // Only this part's resources are known to this pass.
        let ours = |plural: &str| resources.kinds().iter().any(|k| k.plural == plural);
        if let Ok(mut w) = self.written.lock() {
            w.retain(|path, _| !ours(path.0) || present.contains(path));
        }
        if let Ok(mut settled) = self.settled.lock() {
            settled.retain(|path, _| !ours(path.0) || present.contains(path));
        }
        // Each desired status is made, compared and written in turn: a pass over
        // thousands of resources holds a few statuses at a time, not all of them.
        let looked_at = objects.len();
        let writes = AtomicUsize::new(0);
        let complete = AtomicBool::new(true);
        futures_util::stream::iter(objects)
            .for_each_concurrent(CONCURRENCY, |(resources, kind, object, shown)| {
                let (complete, writes, pass) = (&complete, &writes, &pass);
                async move {
                    let path = (kind.plural, object.metadata.namespace.clone(), object.metadata.name.clone());
                    let inputs = self.inputs((resources, kind), &object, pass);
                    // A full pass over Builds makes each again: the store may have moved
                    // where it flowed.
                    let may_skip = kind.kind != "Build" || mode == Mode::Changed;
                    if may_skip && inputs.is_some_and(|inputs| {
                        self.settled.lock().is_ok_and(|s| s.get(&path) == Some(&(inputs, shown)))
                    }) {
                        return;
                    }
                    let Some(desired) = self.desired(resources, kind, &object, pass) else {
                        return;
                    };
                    let wanted = resources::digest(&desired);
                    if let (Some(inputs), true) = (inputs, shown == Some(wanted))
                        && let Ok(mut settled) = self.settled.lock()
                    {
                        settled.insert(path.clone(), (inputs, shown));
                    }
                    // Shown already, or written and its echo not back yet.
                    let echo_pending = self
                        .written
                        .lock()
                        .is_ok_and(|w| w.get(&path) == Some(&(wanted, shown)));
                    if shown == Some(wanted) || echo_pending {
                        return;
                    }
                    writes.fetch_add(1, Ordering::Relaxed);
                    match self.write(kind, &object, &desired).await {
                        // Told once the status shows it: a failed write is tried again
                        // by a later pass, and its warning is not told twice.
                        Ok(()) => {
                            if let Ok(mut w) = self.written.lock() {
                                w.insert(path, (wanted, shown));
                            }
                            if kind.kind == "Subscription" {
                                self.events.transition(&object, &desired).await;
                            }
                        }
                        Err(err) => {
                            complete.store(false, Ordering::Relaxed);
                            tracing::warn!(kind = kind.kind, name = ?object.metadata.name, error = %err, "status not written; trying again later");
                        }
                    }
                }
            })
            .await;
        let writes = writes.into_inner();
        let complete = complete.into_inner();
        tracing::debug!(
            resources = looked_at,
            writes,
            complete,
            elapsed_ms = started.elapsed().as_millis() as u64,
            "status pass"
        );
        if let Ok(mut seen) = self.seen.lock() {
            let full_at = match (mode, last) {
                (Mode::Changed, Some((_, at))) => at,
                _ => std::time::Instant::now(),
            };
            let last = last.map(|(seen, at)| status_pass::Last {
                seen,
                full_ago: at.elapsed(),
            });
            seen[part as usize] = complete
                .then(|| status_pass::after(mode, last, revision))
                .flatten()
                .map(|last| (last.seen, full_at));
        }
    }

    /// The status `object` should show; `None` when it has none to show yet.
    fn desired(
        &self,
        resources: &Resources,
        kind: &ConfigKind,
        object: &DynamicObject,
        pass: &Pass<'_>,
    ) -> Option<Value> {
        let namespace = object.metadata.namespace.as_deref().unwrap_or("");
        let name = object.metadata.name.as_deref().unwrap_or("");
        let generation = object.metadata.generation;
        let previous = previous_conditions(object);
        if let Some((rule, message)) = resources
            .refusal(&resources::path(kind, namespace, name))
            .and_then(|findings| status::refusal(&findings))
        {
            return Some(refused(&previous, &rule, &message, generation, &pass.now));
        }
        let accepted = status::accepted(&previous, generation, &pass.now);
        match kind.kind {
            "Subscription" => {
                let view = pass.views.get(name)?;
                Some(self.subscription(object, view))
            }
            "Build" => self.build(object, &previous, &pass.now, pass.flows.as_ref()),
            "Channel" => Some(self.channel(name, generation, accepted)),
            "DefaultChannel" => Some(self.default_channel(object, generation, accepted)),
            "RepositoryPolicy" => Some(self.repository_policy(object, generation, accepted)),
            _ => Some(to_value(&CommonStatus {
                observed_generation: generation,
                conditions: accepted,
            })),
        }
    }

    async fn write(
        &self,
        kind: &ConfigKind,
        object: &DynamicObject,
        desired: &Value,
    ) -> Result<(), kube::Error> {
        let resource = kind.api_resource();
        let name = object.metadata.name.clone().unwrap_or_default();
        let api: Api<DynamicObject> = match &object.metadata.namespace {
            Some(ns) => Api::namespaced_with(self.cluster.client.clone(), ns, &resource),
            None => Api::all_with(self.cluster.client.clone(), &resource),
        };
        let patch =
            json!({"apiVersion": "sluice.dev/v1alpha1", "kind": kind.kind, "status": desired});
        api.patch_status(
            &name,
            &PatchParams::apply(FIELD_MANAGER).force(),
            &Patch::Apply(patch),
        )
        .await?;
        Ok(())
    }
}

/// The status of a resource refused by `rule`.
fn refused(
    previous: &[Condition],
    rule: &str,
    message: &str,
    generation: Option<i64>,
    now: &str,
) -> Value {
    to_value(&CommonStatus {
        observed_generation: generation,
        conditions: status::refused(previous, rule, message, generation, now),
    })
}

fn to_value<T: serde::Serialize>(status: &T) -> Value {
    serde_json::to_value(status).unwrap_or(Value::Null)
}
