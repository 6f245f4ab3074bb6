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
    let sync = Arc::new(builds::BuildSync::new(
        cluster.clone(),
        state.clone(),
        builds.clone(),
        ingested.clone(),
        cluster.build_namespace.clone(),
        cluster.build_retention,
    ));
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
        (resources.clone(), builds.clone()),
        ingested,
        events.clone(),
        status_interval,
    );
    let writer = Arc::new(writer);
    let may_act = state.engine.may_act().clone();
    let ready = {
        let (resources, builds) = (resources.clone(), builds.clone());
        move || resources.ready() && builds.ready()
    };
    // Status of the configuration, of Builds, and events each on their own: thousands of
    // events or Builds never hold back the status of a new Subscription.
    for part in [status::Part::Configuration, status::Part::Builds] {
        tokio::spawn(every_change(ready.clone(), may_act.clone(), {
            let writer = writer.clone();
            move |leading| {
                let writer = writer.clone();
                async move {
                    if leading {
                        writer.write_all(part).await;
                    }
                }
            }
        }));
    }
    tokio::spawn(every_change(ready, may_act, {
        let events = events.clone();
        move |leading| {
            let events = events.clone();
            async move {
                if leading {
                    events.follow().await;
                } else {
                    // What happens while another replica leads is that one's to tell.
                    events.skip();
                }
            }
        }
    }));
    let housekeeping = Arc::new(tokio::sync::Notify::new());
    tokio::spawn(keep_house(
        cluster.clone(),
        state.clone(),
        resources.clone(),
        sync.clone(),
        housekeeping.clone(),
        status_interval,
    ));
    let mut changed = resources.subscribe();
    let mut builds_changed = builds.subscribe();
    // Each resource's own checks, kept while it is unchanged: a change to one of ten
    // thousand resources checks that one again (the rules across resources see all).
    let mut memo = config::LoadMemo::default();
    loop {
        tokio::select! {
            _ = changed.changed() => {
                // Let a burst of changes (an `apply -R`) settle into one load, without
                // holding back a lone change.
                settle(&mut changed).await;
                if resources.ready() {
                    let started = std::time::Instant::now();
                    load(&cluster, &resources, &state, &mut memo);
                    tracing::debug!(elapsed_ms = started.elapsed().as_millis() as u64, "configuration loaded");
                    housekeeping.notify_one();
                }
            }
            _ = builds_changed.changed() => {
                tokio::time::sleep(Duration::from_millis(100)).await;
                builds_changed.mark_unchanged();
            }
        }
        if resources.ready() && builds.ready() {
            // A standby ingests builds into its own store too, ready to take over.
            sync.ingest();
        }
    }
}

/// Waits until no change came for [`QUIET`], or [`SETTLE_AT_MOST`] has passed.
async fn settle(changed: &mut tokio::sync::watch::Receiver<u64>) {
    let started = tokio::time::Instant::now();
    changed.mark_unchanged();
    loop {
        tokio::time::sleep(QUIET).await;
        if !changed.has_changed().unwrap_or(false) || started.elapsed() >= SETTLE_AT_MOST {
            changed.mark_unchanged();
            return;
        }
        changed.mark_unchanged();
    }
}

/// How long the resources must stay unchanged before a change is loaded.
const QUIET: Duration = Duration::from_millis(20);
/// The most a burst of changes holds back its load.
const SETTLE_AT_MOST: Duration = Duration::from_millis(500);

/// Finalizers and exported Build resources, apart from the loop that loads and ingests:
/// after every configuration change, when leadership is won, and every `interval`. Only
/// the leader writes; a standby keeps watching.
async fn keep_house(
    cluster: Cluster,
    state: AppState,
    resources: Arc<Resources>,
    sync: Arc<builds::BuildSync>,
    kick: Arc<tokio::sync::Notify>,
    interval: Duration,
) {
    let may_act = state.engine.may_act().clone();
    let mut leadership = may_act.subscribe();
    let mut tick = tokio::time::interval(interval);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        let exporting = tokio::select! {
            _ = kick.notified() => false,
            Ok(()) = leadership.changed() => {
                leadership.borrow_and_update();
                false
            }
            _ = tick.tick() => true,
        };
        if !(resources.ready() && may_act.get()) {
            continue;
        }
        finalizer::reconcile_finalizers(&cluster, &state, &resources).await;
        if exporting {
            sync.export().await;
        }
    }
}

/// How often the status and events tasks look for something to tell (a look that finds
/// nothing changed reads a few counters).
const TELL_EVERY: Duration = Duration::from_millis(250);

/// Runs `pass` every [`TELL_EVERY`] once the resources are listed, telling it whether
/// this replica leads (only the leader writes).
async fn every_change<F, Fut>(ready: impl Fn() -> bool, may_act: crate::engine::MayAct, pass: F)
where
    F: Fn(bool) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let mut every = tokio::time::interval(TELL_EVERY);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        every.tick().await;
        if ready() {
            pass(may_act.get()).await;
        }
    }
}

/// Loads what the cluster holds now: each resource on its own (its own checks from
/// `memo` while it is unchanged), the accepted ones in force, the refused ones kept for
/// their status.
fn load(cluster: &Cluster, resources: &Resources, state: &AppState, memo: &mut config::LoadMemo) {
    let files = resources.files();
    let started = std::time::Instant::now();
    let each = config::load_each_with(&files, memo);
    drop(files);
    tracing::debug!(
        elapsed_ms = started.elapsed().as_millis() as u64,
        refused = each.refused.len(),
        "configuration validated"
    );
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
    // The loaded set is let go before the new snapshot goes in, so three copies of ten
    // thousand subscriptions (set, old and new snapshot) never live at once.
    let snapshot = Snapshot::new(&each.loaded.config);
    let loaded_resources = each.loaded.config.len();
    drop(each.loaded);
    let accepted = match state.engine.set_config(snapshot) {
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
            resources: loaded_resources,
        };
    }
}
