//! The reconcile engine: glues the store, the git layer and the forge to the planner of
//! `sluice_core::flow`. It holds no business rules: triggers, plans and policies are
//! decided in the core; the engine observes, calls them, and executes what comes back.
//!
//! Work is organised per update key ([`sluice_core::flow::UpdateKey`]): a [`queue::Queue`]
//! makes sure one key is never worked on twice at once, gives no host more than half of the
//! workers, and retries failed keys as their failure's class says: a permanent failure
//! waits for a changed input, a remote's `Retry-After` is waited out, anything else backs
//! off with jitter, and only changed inputs cut a backoff short. Each repository's pull
//! requests go through the forge the [`ForgeRegistry`] picks for it.

mod advertisements;
mod arrivals;
mod cycle;
mod enqueue;
pub mod error;
mod execute;
mod flow_times;
mod forge_events;
mod github_commands;
mod hand;
mod head_branch;
mod may_act;
pub mod observe;
mod observe_key;
mod observe_visibility;
mod publish;
mod pull_request_view;
pub mod queue;
mod record;
pub mod snapshot;
mod status;
mod time;
mod tracked;
mod triggers;

use std::sync::{Arc, RwLock};
use std::time::Duration;

pub use cycle::CycleResult;
pub use error::{CycleFailure, ExecuteError, ObserveError};
pub use may_act::MayAct;
pub use publish::Published;
pub use pull_request_view::{CarriedBuild, PullRequestView, wire_name};
pub use status::{BuildFlowEntry, BuildRef, FlowReader, PullRequestRef, SubscriptionStatusView};
pub use time::{now_rfc3339, parse_rfc3339, rfc3339, unix_now};
pub use triggers::{TriggerError, TriggerReport};

use sluice_core::flow::failure::{Failure, FailureClass};
use sluice_core::flow::forges::InvalidHostPattern;
use sluice_core::flow::{self, reload::ReloadRefusal};

use crate::forge::local::LocalForge;
use crate::forge::{ForgeRegistry, HostedForge};
use crate::git::{Author, Git};
use crate::metrics::Metrics;
use crate::remotes::Remotes;
use crate::store::{self, LocalForgeStore, Store};
use observe::Observer;
use queue::Queue;
use snapshot::Snapshot;

/// Settings of the engine.
#[derive(Debug, Clone)]
pub struct EngineConfig {
    /// Concurrent reconcile cycles.
    pub workers: usize,
    /// How often open pull requests are looked at again (doubles with the pull request's
    /// age in hours, up to an hour; see `sluice_core::flow::revisit`).
    pub pull_request_interval: Duration,
    /// How often scheduled subscriptions are checked for being due.
    pub schedule_tick: Duration,
    /// When scheduled frequencies fire.
    pub schedule: sluice_core::flow::schedule::ScheduleConfig,
    /// How long a repository's ref advertisement serves every key on it.
    pub advertisement_ttl: Duration,
    /// Whether this process may act; always, unless leader election shares its flag.
    pub may_act: MayAct,
}

impl Default for EngineConfig {
    fn default() -> Self {
        EngineConfig {
            workers: 4,
            pull_request_interval: Duration::from_secs(300),
            schedule_tick: Duration::from_secs(30),
            schedule: Default::default(),
            advertisement_ttl: Duration::from_secs(5),
            may_act: MayAct::default(),
        }
    }
}

/// The reconcile engine.
pub struct Engine {
    store: Arc<dyn Store>,
    forges: ForgeRegistry,
    observer: Arc<Observer>,
    author: Author,
    snapshot: RwLock<Arc<Snapshot>>,
    /// Whether a valid configuration is in force. Until it is, no cycle runs: planning
    /// against the empty configuration would retire every subscription.
    configured: tokio::sync::watch::Sender<bool>,
    queue: Queue,
    /// When each key's open pull request was last revisited (Unix seconds).
    revisits: std::sync::Mutex<std::collections::HashMap<String, i64>>,
    config: EngineConfig,
    /// Whether this process may act (always, unless leader election says otherwise).
    may_act: MayAct,
    /// Metrics, for `/metrics`.
    pub metrics: Metrics,
}

impl Engine {
    /// An engine over the given adapters, with an empty configuration. `forges` picks
    /// the forge of each repository (a bare git-native forge serves every repository).
    pub fn new(
        store: Arc<dyn Store>,
        forges: impl Into<ForgeRegistry>,
        git: Arc<Git>,
        remotes: Remotes,
        author: Author,
        config: EngineConfig,
    ) -> Arc<Engine> {
        let metrics = Metrics::new();
        metrics.leader.set(i64::from(config.may_act.get()));
        Arc::new(Engine {
            store,
            forges: forges.into(),
            observer: Arc::new(Observer::new(git, remotes, config.advertisement_ttl)),
            author,
            snapshot: RwLock::new(Arc::new(Snapshot::default())),
            configured: tokio::sync::watch::Sender::new(false),
            queue: Queue::new(sluice_core::flow::pacing::host_limit(config.workers)),
            revisits: Default::default(),
            may_act: config.may_act.clone(),
            config,
            metrics,
        })
    }

    /// The embedded deployment's engine: `store` keeps both the engine's state and the
    /// git-native forge's pull requests (whose URLs start with `public_url`), and every
    /// repository not on a host of another forge uses that forge.
    pub fn embedded<S: Store + LocalForgeStore>(
        store: Arc<S>,
        git: Arc<Git>,
        remotes: Remotes,
        public_url: &str,
        author: Author,
        config: EngineConfig,
    ) -> Arc<Engine> {
        let forge = Arc::new(LocalForge::new(
            store.clone(),
            git.clone(),
            remotes.clone(),
            public_url,
            author.clone(),
        ));
        Engine::new(store, forge, git, remotes, author, config)
    }

    /// Like [`Engine::embedded`], with `hosted` forges (GitHub, say) serving the
    /// repositories on their hosts; a host pattern that is not a host is refused.
    #[allow(clippy::too_many_arguments)]
    pub fn embedded_with<S: Store + LocalForgeStore>(
        store: Arc<S>,
        git: Arc<Git>,
        remotes: Remotes,
        public_url: &str,
        author: Author,
        config: EngineConfig,
        hosted: Vec<HostedForge>,
    ) -> Result<Arc<Engine>, InvalidHostPattern> {
        let native = Arc::new(LocalForge::new(
            store.clone(),
            git.clone(),
            remotes.clone(),
            public_url,
            author.clone(),
        ));
        let mut forges = ForgeRegistry::new(native);
        for forge in hosted {
            let hosts: Vec<&str> = forge.hosts.iter().map(String::as_str).collect();
            forges = forges.with(forge.kind, forge.forge, &hosts)?;
        }
        Ok(Engine::new(store, forges, git, remotes, author, config))
    }

    /// The configuration in force.
    pub fn snapshot(&self) -> Arc<Snapshot> {
        self.snapshot.read().map(|s| s.clone()).unwrap_or_default()
    }

    /// The store.
    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    /// The forges, by repository.
    pub fn forges(&self) -> &ForgeRegistry {
        &self.forges
    }

    /// Whether this process may act: cycles, pushes, merges and schedules run only while
    /// it says so. Leader election sets it; taking over queues every key again.
    pub fn may_act(&self) -> &MayAct {
        &self.may_act
    }

    /// Queues every key of the configuration and every key with an open pull request,
    /// as a replica that just became the leader must (what the previous one left
    /// unfinished is found again by observing).
    pub fn wake_all(&self) {
        let mut keys: Vec<String> = self.snapshot().keys.keys().cloned().collect();
        for t in self.store.active_pull_requests().unwrap_or_default() {
            if !t.settled && !keys.contains(&t.key) {
                keys.push(t.key);
            }
        }
        for key in keys {
            self.enqueue_for(&key, sluice_core::flow::pacing::Trigger::Config);
        }
    }

    /// Whether a valid configuration is in force.
    pub fn configured(&self) -> bool {
        *self.configured.borrow()
    }

    /// Waits until a valid configuration is in force.
    async fn until_configured(&self) {
        let mut rx = self.configured.subscribe();
        let _ = rx.wait_for(|c| *c).await;
    }

    /// Puts a new configuration in force and queues the keys it affects: every key on the
    /// first load, afterwards the keys whose configuration changed. Refused (and nothing
    /// changes) when the core's reload rule says the configuration must not replace the one
    /// in force, such as an empty one while pull requests are open.
    pub fn set_config(&self, snapshot: Snapshot) -> Result<(), ReloadRefusal> {
        let tracked = self.store.active_pull_requests().unwrap_or_default();
        let open = tracked.iter().filter(|t| !t.settled).count();
        flow::reload::accept(snapshot.subscriptions.len(), open)?;
        let now = unix_now();
        let known = self.store.subscriptions().unwrap_or_default();
        self.record_arrivals(&snapshot, &known, now);
        // Subscriptions this configuration dropped: said once (the record forgets when it
        // was first seen, so a later return counts as new).
        for (name, record) in &known {
            if record.first_seen.is_none() || snapshot.subscriptions.contains_key(name) {
                continue;
            }
            let _ = self
                .store
                .update_subscription(name, &mut |r| r.first_seen = None);
            tracing::info!(subscription = %name, "subscription removed from the configuration");
            let _ = self.event(
                store::EventKind::SubscriptionRemoved,
                Some(name),
                None,
                None,
                "removed from the configuration",
            );
        }
        let previous = self.configured().then(|| self.snapshot());
        let mut keys = flow::reload::keys_to_wake(
            previous.as_ref().map(|p| p.key_inputs()).as_ref(),
            &snapshot.key_inputs(),
        );
        // Pull requests of keys the configuration does not hold get a cycle too (which
        // closes them).
        for t in tracked {
            if !snapshot.keys.contains_key(&t.key) && !keys.contains(&t.key) {
                keys.push(t.key);
            }
        }
        if let Ok(mut s) = self.snapshot.write() {
            *s = Arc::new(snapshot);
        }
        self.configured.send_replace(true);
        for key in keys {
            self.enqueue_for(&key, sluice_core::flow::pacing::Trigger::Config);
        }
        Ok(())
    }

    /// Keys queued or running (0 when idle).
    pub fn busy(&self) -> usize {
        self.queue.busy()
    }

    /// Runs the workers and timers until the process ends.
    pub fn spawn(self: &Arc<Self>) -> Vec<tokio::task::JoinHandle<()>> {
        let mut tasks = Vec::new();
        for _ in 0..self.config.workers.max(1) {
            let engine = self.clone();
            tasks.push(tokio::spawn(async move {
                engine.until_configured().await;
                loop {
                    let key = engine.queue.next().await;
                    // Each cycle is a task of its own: a panic fails that cycle (retried
                    // with backoff), never the worker or the key's place in the queue.
                    let cycle = tokio::spawn({
                        let (engine, key) = (engine.clone(), key.clone());
                        async move { engine.reconcile(&key).await }
                    });
                    let failure = match cycle.await {
                        Ok(CycleResult::Failed(failure)) => Some(failure.failure()),
                        Ok(CycleResult::Settled | CycleResult::Waiting) => None,
                        Err(err) => {
                            tracing::error!(key = %key, error = %err, "reconcile cycle panicked");
                            engine.metrics.panic();
                            Some(Failure {
                                class: FailureClass::Retryable,
                                retry_after: None,
                            })
                        }
                    };
                    engine.queue.finish(&key, failure);
                }
            }));
        }
        if let Some(mut listings) = self.observer.listings() {
            let engine = self.clone();
            tasks.push(tokio::spawn(async move {
                while let Some(listing) = listings.recv().await {
                    engine.notice_moved_targets(&listing);
                }
            }));
        }
        let engine = self.clone();
        tasks.push(tokio::spawn(async move {
            let mut may_act = engine.may_act.subscribe();
            // The gauge from now on, even when the flag moved before this task began.
            let now = *may_act.borrow_and_update();
            engine.metrics.leader.set(i64::from(now));
            while may_act.changed().await.is_ok() {
                let may = *may_act.borrow_and_update();
                engine.metrics.leader.set(i64::from(may));
                if may && engine.configured() {
                    engine.wake_all();
                }
            }
        }));
        let engine = self.clone();
        tasks.push(tokio::spawn(async move {
            engine.until_configured().await;
            let mut tick = tokio::time::interval(engine.config.schedule_tick);
            loop {
                tick.tick().await;
                if !engine.may_act.get() {
                    continue;
                }
                engine.fire_due_schedules();
                engine.revisit_pull_requests();
                engine.refresh_advertisements();
            }
        }));
        tasks
    }
}
