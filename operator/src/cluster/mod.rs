//! The cluster as the configuration source (`sluice controller`): Channels,
//! DefaultChannels, Subscriptions and RepositoryPolicies are watched through the API
//! server (all namespaces, or one), each resource is validated on its own with the rules
//! of `sluice validate` ([`sluice_core::config::load_each`]), the accepted ones are put in
//! force in the same engine `sluice serve` runs, and [`status`] writes what became of each
//! resource to its status subresource. Build resources are ingested into the store and
//! builds published otherwise get one ([`builds`]); [`events`] tells what happened as
//! Kubernetes Events.

pub mod builds;
mod events;
mod finalizer;
pub mod lease;
mod resources;
pub mod secrets;
pub mod status;

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use futures_util::StreamExt;
use kube::api::{Api, DynamicObject};
use kube::runtime::WatchStreamExt;
use kube::runtime::watcher;
use sluice_core::config::{self, Severity};

pub use resources::{BUILD_KINDS, CONFIG_KINDS, ConfigKind, Resources};

use crate::clock::now_rfc3339;
use crate::engine::snapshot::Snapshot;
use crate::server::{AppState, ConfigReport};

/// Where in the cluster the configuration is.
#[derive(Clone)]
pub struct Cluster {
    /// The API client.
    pub client: kube::Client,
    /// One namespace, or all when `None`.
    pub namespace: Option<String>,
    /// The namespace where builds published through the API get their Build resource.
    pub build_namespace: String,
    /// Build resources kept per repository branch (0: all).
    pub build_retention: usize,
}

impl std::fmt::Debug for Cluster {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.describe())
    }
}

impl Cluster {
    /// For messages: which namespaces.
    pub fn describe(&self) -> String {
        match &self.namespace {
            Some(ns) => format!("the cluster (namespace {ns})"),
            None => "the cluster (all namespaces)".to_string(),
        }
    }

    /// The API of one kind, in the watched namespace or all.
    pub fn api(&self, kind: &ConfigKind) -> Api<DynamicObject> {
        let resource = kind.api_resource();
        match &self.namespace {
            Some(ns) => Api::namespaced_with(self.client.clone(), ns, &resource),
            None => Api::all_with(self.client.clone(), &resource),
        }
    }
}

/// Watches every kind of `resources` through the API server, keeping it current.
fn watch_all(cluster: &Cluster, resources: &Arc<Resources>) {
    for (index, kind) in resources.kinds().iter().enumerate() {
        let stream =
            watcher::watcher(cluster.api(kind), watcher::Config::default()).default_backoff();
        let resources = resources.clone();
        tokio::spawn(async move {
            futures_util::pin_mut!(stream);
            while let Some(event) = stream.next().await {
                match event {
                    Ok(event) => resources.observe(index, event),
                    Err(err) => {
                        tracing::warn!(kind = kind.kind, error = %err, "watch failed; retrying")
                    }
                }
            }
        });
    }
}

/// Watches every configuration kind and Build resources, keeps [`Resources`] current,
/// loads the accepted resources into the engine whenever something changed, ingests and
/// exports builds, and writes status and events. Runs until the process ends.
pub async fn run(cluster: Cluster, state: AppState, status_interval: Duration) {
    let resources = Arc::new(Resources::new(&CONFIG_KINDS));
    let builds = Arc::new(Resources::new(&BUILD_KINDS));
    watch_all(&cluster, &resources);
    watch_all(&cluster, &builds);
    let ingested = Arc::new(builds::Ingested::default());
    let sync = builds::BuildSync::new(
        cluster.clone(),
        state.clone(),
        builds.clone(),
        ingested.clone(),
        cluster.build_namespace.clone(),
        cluster.build_retention,
    );
    let events = Arc::new(events::EventSink::new(
        &cluster,
        state.clone(),
        resources.clone(),
        builds.clone(),
        ingested.clone(),
    ));
    let writer = status::StatusWriter::new(
        cluster.clone(),
        state.clone(),
        resources.clone(),
        builds.clone(),
        ingested,
        events.clone(),
    );
    let mut changed = resources.subscribe();
    let mut builds_changed = builds.subscribe();
    let mut tick = tokio::time::interval(status_interval);
    // Only the leader writes (status, finalizers, Build resources, events); a standby
    // loads, ingests and keeps watching.
    let may_act = state.engine.may_act().clone();
    let mut leadership = may_act.subscribe();
    loop {
        tokio::select! {
            _ = changed.changed() => {
                // Let a burst of changes (an `apply -R`) settle into one load.
                tokio::time::sleep(Duration::from_millis(100)).await;
                changed.mark_unchanged();
                if resources.ready() {
                    load(&cluster, &resources, &state);
                    if may_act.get() {
                        finalizer::reconcile_finalizers(&cluster, &state, &resources).await;
                    }
                }
            }
            Ok(()) = leadership.changed() => {
                if *leadership.borrow_and_update() && resources.ready() {
                    finalizer::reconcile_finalizers(&cluster, &state, &resources).await;
                }
            }
            _ = builds_changed.changed() => {
                tokio::time::sleep(Duration::from_millis(100)).await;
                builds_changed.mark_unchanged();
            }
            _ = tick.tick() => {
                if resources.ready() && may_act.get() {
                    finalizer::reconcile_finalizers(&cluster, &state, &resources).await;
                    sync.export().await;
                }
            }
        }
        if resources.ready() && builds.ready() {
            // A standby ingests builds into its own store too, ready to take over.
            sync.ingest();
            if may_act.get() {
                events.follow().await;
                writer.write_all().await;
            } else {
                // What happens while another replica leads is that one's to tell.
                events.skip();
            }
        }
    }
}

/// Loads what the cluster holds now: each resource on its own, the accepted ones in
/// force, the refused ones kept for their status.
fn load(cluster: &Cluster, resources: &Resources, state: &AppState) {
    let files = resources.files();
    let each = config::load_each(&files);
    for (path, findings) in &each.refused {
        for d in findings {
            tracing::warn!(resource = %path, rule = ?d.rule, "{}", d.message);
        }
    }
    for d in &each.loaded.diagnostics {
        if d.severity == Severity::Warning {
            tracing::info!(resource = %d.file, "{}", d.message);
        }
    }
    let mut diagnostics: Vec<String> = each
        .refused
        .values()
        .flatten()
        .map(|d| d.to_string().replace('\n', " "))
        .collect();
    let accepted = match state.engine.set_config(Snapshot::new(&each.loaded.config)) {
        Ok(()) => {
            state.ready.store(true, Ordering::SeqCst);
            true
        }
        Err(refusal) => {
            tracing::error!(source = %cluster.describe(), "configuration refused: {refusal}");
            diagnostics.push(refusal.to_string());
            false
        }
    };
    resources.set_refused(each.refused);
    if let Ok(mut report) = state.config_report.write() {
        *report = ConfigReport {
            source: cluster.describe(),
            valid: accepted,
            loaded_at: now_rfc3339(),
            diagnostics,
            resources: each.loaded.config.len(),
        };
    }
}
