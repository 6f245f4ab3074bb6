//! Kubernetes Events (events.k8s.io/v1, through kube-runtime's recorder) on Subscriptions
//! and Builds: each new entry of the store's flow history (pull request opened, updated,
//! merged, closed; an update requested; nothing to update), and each change of a
//! subscription's conditions into merge blocked, retrying or stalled. What each event
//! says is decided by [`sluice_core::flow::kube_events`]; this only finds the resource
//! and publishes. Events are best effort: one that cannot be published is logged.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use futures_util::StreamExt;
use k8s_openapi::api::core::v1::ObjectReference;
use kube::api::DynamicObject;
use kube::runtime::events::{Event, EventType, Recorder, Reporter};
use serde_json::Value;
use sluice_core::flow::event_batch::Batch;
use sluice_core::flow::kube_events::{self, ResourceEvent, Severity};
use sluice_core::model::Condition;

use super::Cluster;
use super::builds::Ingested;
use super::resources::{Resources, key};
use crate::server::AppState;

/// How many history entries one read takes.
const PAGE: u32 = 2_000;

/// How many history entries one pass folds at most (the rest wait for the next pass).
const BACKLOG: usize = 100_000;

/// How many events are published at once.
const CONCURRENCY: usize = 8;

/// The resource an event is on: a Subscription by name, or a Build by store id with the
/// subscription whose pull request the event tells of (events of different pull requests
/// never fold into one).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Target {
    Subscription(String),
    Build(i64, Option<String>),
}

/// Publishes events for the controller.
pub struct EventSink {
    client: kube::Client,
    reporter: Reporter,
    state: AppState,
    config: Arc<Resources>,
    builds: Arc<Resources>,
    ingested: Arc<Ingested>,
    /// The last history entry published.
    cursor: Mutex<i64>,
}

fn reference(object: &DynamicObject, kind: &str) -> ObjectReference {
    ObjectReference {
        api_version: Some("sluice.dev/v1alpha1".into()),
        kind: Some(kind.into()),
        name: object.metadata.name.clone(),
        namespace: object.metadata.namespace.clone(),
        uid: object.metadata.uid.clone(),
        resource_version: object.metadata.resource_version.clone(),
        field_path: None,
    }
}

impl EventSink {
    /// A sink reporting as `sluice` (instance: the pod name or host name).
    pub fn new(
        cluster: &Cluster,
        state: AppState,
        config: Arc<Resources>,
        builds: Arc<Resources>,
        ingested: Arc<Ingested>,
    ) -> Self {
        let instance = std::env::var("POD_NAME")
            .ok()
            .or_else(|| std::env::var("HOSTNAME").ok());
        let reporter = Reporter {
            controller: "sluice".into(),
            instance,
        };
        // What happened before the start is history, not news.
        let end = state
            .engine
            .store()
            .recent_events(1)
            .ok()
            .and_then(|e| e.last().map(|e| e.seq))
            .unwrap_or(0);
        EventSink {
            client: cluster.client.clone(),
            reporter,
            state,
            config,
            builds,
            ingested,
            cursor: Mutex::new(end),
        }
    }

    /// Publishes the history entries appended since the last call (since the start, at
    /// first). A backlog is folded first ([`event_batch`]): repeats of a reason on a
    /// resource become one event saying how many it stands for; the rest are published a
    /// few at a time.
    pub async fn follow(&self) {
        let store = self.state.engine.store();
        let Ok(mut cursor) = self.cursor.lock().map(|c| *c) else {
            return;
        };
        let mut batch: Batch<Target, Option<String>> = Batch::new();
        let mut read = 0;
        while read < BACKLOG {
            let entries = match store.events_after(cursor, PAGE) {
                Ok(entries) => entries,
                Err(err) => {
                    tracing::warn!(error = %err, "flow history not read for events");
                    break;
                }
            };
            let Some(last) = entries.last() else { break };
            cursor = last.seq;
            read += entries.len();
            for entry in &entries {
                let subscription = entry.subscription.as_deref();
                if let (Some(name), Some(event)) = (
                    subscription,
                    kube_events::for_subscription(entry.kind, &entry.message),
                ) {
                    batch.push(Target::Subscription(name.to_string()), event, None);
                }
                if let (Some(id), Some(event)) = (
                    entry.build,
                    kube_events::for_build(entry.kind, subscription, &entry.message),
                ) {
                    let per = kube_events::build_event_per_subscription(entry.kind)
                        .then(|| subscription.map(str::to_string))
                        .flatten();
                    batch.push(
                        Target::Build(id, per),
                        event,
                        subscription.map(str::to_string),
                    );
                }
            }
        }
        if read == 0 {
            return;
        }
        if batch.len() < read {
            tracing::debug!(
                entries = read,
                events = batch.len(),
                "flow history folded into fewer events"
            );
        }
        let subscriptions = self.by_name("Subscription");
        let builds = self.builds_by_id();
        let reference_of = |target: &Target| match target {
            Target::Subscription(name) => {
                subscriptions.get(name).map(|o| (o.clone(), "Subscription"))
            }
            Target::Build(id, _) => builds.get(id).map(|o| (o.clone(), "Build")),
        };
        // In order on each resource; resources a few at a time.
        let mut by_target: BTreeMap<Target, Vec<_>> = BTreeMap::new();
        for b in batch.finish() {
            let Some((object, kind)) = reference_of(&b.target) else {
                continue;
            };
            let related = b
                .extra
                .as_deref()
                .and_then(|name| subscriptions.get(name))
                .map(|s| reference(s, "Subscription"));
            by_target
                .entry(b.target)
                .or_default()
                .push((object, kind, b.event, related));
        }
        futures_util::stream::iter(by_target.into_values())
            .for_each_concurrent(CONCURRENCY, |events| async move {
                for (object, kind, event, related) in events {
                    self.publish_related(&object, kind, event, related).await;
                }
            })
            .await;
        if let Ok(mut c) = self.cursor.lock() {
            *c = cursor;
        }
    }

    /// Moves past the history appended so far without publishing it.
    pub fn skip(&self) {
        let end = self
            .state
            .engine
            .store()
            .recent_events(1)
            .ok()
            .and_then(|e| e.last().map(|e| e.seq));
        if let (Some(end), Ok(mut cursor)) = (end, self.cursor.lock()) {
            *cursor = end;
        }
    }

    /// The warning a subscription's new status makes, if its conditions changed into
    /// merge blocked, retrying or stalled.
    pub async fn transition(&self, object: &DynamicObject, desired: &Value) {
        let conditions = |value: Option<&Value>| -> Vec<Condition> {
            value
                .and_then(|v| v.get("conditions"))
                .and_then(|c| serde_json::from_value(c.clone()).ok())
                .unwrap_or_default()
        };
        let previous = conditions(super::resources::status(object).as_ref());
        let next = conditions(Some(desired));
        if let Some(event) = kube_events::for_transition(&previous, &next) {
            self.publish(object, "Subscription", event).await;
        }
    }

    fn by_name(&self, kind: &str) -> BTreeMap<String, Arc<DynamicObject>> {
        let Some(index) = self.config.kinds().iter().position(|k| k.kind == kind) else {
            return BTreeMap::new();
        };
        self.config
            .objects(index)
            .into_iter()
            .filter_map(|o| Some((o.metadata.name.clone()?, o)))
            .collect()
    }

    /// The Build resources that hold a stored build, by its id.
    fn builds_by_id(&self) -> BTreeMap<i64, Arc<DynamicObject>> {
        let by_key: BTreeMap<_, _> = self
            .builds
            .objects(0)
            .into_iter()
            .map(|o| (key(&o), o))
            .collect();
        self.ingested
            .stored()
            .into_iter()
            .filter_map(|(k, id)| Some((id, by_key.get(&k)?.clone())))
            .collect()
    }

    async fn publish(&self, object: &DynamicObject, kind: &str, event: ResourceEvent) {
        self.publish_related(object, kind, event, None).await;
    }

    /// Publishes `event` on `object`, naming `related` (the subscription an event on a
    /// build is about). Each event is its own: the recorder's aggregation of "the same"
    /// events (same reason on the same object) into a series would keep the first note,
    /// and the second pull request opened would read as the first one again.
    async fn publish_related(
        &self,
        object: &DynamicObject,
        kind: &str,
        event: ResourceEvent,
        related: Option<ObjectReference>,
    ) {
        let recorder = Recorder::new(self.client.clone(), self.reporter.clone());
        let event = Event {
            type_: match event.severity {
                Severity::Normal => EventType::Normal,
                Severity::Warning => EventType::Warning,
            },
            reason: event.reason.into(),
            note: Some(event.note),
            action: event.action.into(),
            secondary: related,
        };
        if let Err(err) = recorder.publish(&event, &reference(object, kind)).await {
            tracing::warn!(kind, name = ?object.metadata.name, reason = %event.reason, error = %err, "event not published");
        }
    }
}
