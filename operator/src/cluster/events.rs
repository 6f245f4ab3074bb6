//! Kubernetes Events (events.k8s.io/v1, through kube-runtime's recorder) on Subscriptions
//! and Builds: each new entry of the store's flow history (pull request opened, updated,
//! merged, closed; an update requested; nothing to update), and each change of a
//! subscription's conditions into merge blocked, retrying or stalled. What each event
//! says is decided by [`sluice_core::flow::kube_events`]; this only finds the resource
//! and publishes. Events are best effort: one that cannot be published is logged.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use k8s_openapi::api::core::v1::ObjectReference;
use kube::api::DynamicObject;
use kube::runtime::events::{Event, EventType, Recorder, Reporter};
use serde_json::Value;
use sluice_core::flow::kube_events::{self, ResourceEvent, Severity};
use sluice_core::model::Condition;

use super::Cluster;
use super::builds::Ingested;
use super::resources::Resources;
use crate::server::AppState;

/// How many history entries one pass publishes at most.
const PAGE: u32 = 500;

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
    /// first).
    pub async fn follow(&self) {
        let store = self.state.engine.store();
        let Ok(cursor) = self.cursor.lock().map(|c| *c) else {
            return;
        };
        let entries = match store.events_after(cursor, PAGE) {
            Ok(entries) if !entries.is_empty() => entries,
            Ok(_) => return,
            Err(err) => {
                tracing::warn!(error = %err, "flow history not read for events");
                return;
            }
        };
        let subscriptions = self.by_name("Subscription");
        for entry in &entries {
            if let (Some(name), Some(event)) = (
                entry.subscription.as_deref(),
                kube_events::for_subscription(entry.kind, &entry.message),
            ) && let Some(object) = subscriptions.get(name)
            {
                self.publish(object, "Subscription", event).await;
            }
            if let (Some(id), Some(event)) = (
                entry.build,
                kube_events::for_build(entry.kind, entry.subscription.as_deref(), &entry.message),
            ) && let Some(object) = self.build_resource(id)
            {
                let related = entry
                    .subscription
                    .as_deref()
                    .and_then(|name| subscriptions.get(name))
                    .map(|s| reference(s, "Subscription"));
                self.publish_related(&object, "Build", event, related).await;
            }
        }
        if let (Some(last), Ok(mut c)) = (entries.last(), self.cursor.lock()) {
            *c = last.seq;
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
        let previous = conditions(object.data.get("status"));
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

    fn build_resource(&self, id: i64) -> Option<Arc<DynamicObject>> {
        let (namespace, name) = self.ingested.resource_of(id)?;
        self.builds.objects(0).into_iter().find(|o| {
            o.metadata.name.as_deref() == Some(name.as_str())
                && o.metadata.namespace.as_deref() == Some(namespace.as_str())
        })
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
