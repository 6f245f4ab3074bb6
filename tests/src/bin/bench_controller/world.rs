//! The benchmark's cluster: the sluice CRDs, a channel, the subscriptions of `make
//! bench-engine`'s config as resources, and builds that change nothing, all created in
//! the fake API server directly (as `kubectl apply` would, without its per-object cost).

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use sluice_tests::fake_kube::FakeKube;
use sluice_tests::fake_kube::kinds::ResourceType;
use sluice_tests::fake_kube::objects::Objects;

use super::fixture::{source_url, target_url};

const NAMESPACE: &str = "default";

/// How often a single object is looked at while timing.
pub const FINE: Duration = Duration::from_millis(20);

/// How often every object is looked at (each look lists 12,000 objects).
pub const COARSE: Duration = Duration::from_secs(1);

/// The resources of the benchmark, in one fake API server.
pub struct World<'a> {
    objects: &'a Objects,
    root: PathBuf,
}

impl<'a> World<'a> {
    /// The fake API server `kube` with the sluice CRDs registered.
    pub fn new(kube: &'a FakeKube, root: &Path) -> World<'a> {
        let world = World {
            objects: kube.objects(),
            root: root.to_path_buf(),
        };
        let crds = world.kind("customresourcedefinitions");
        for crd in sluice_core::model::all_crds() {
            let value = serde_json::to_value(crd).expect("CRD as JSON");
            world.objects.create(&crds, "", value).expect("CRD created");
        }
        world
    }

    fn kind(&self, plural: &str) -> ResourceType {
        self.objects
            .types()
            .into_iter()
            .find(|t| t.plural == plural)
            .unwrap_or_else(|| panic!("the API server serves {plural}"))
    }

    fn create(&self, plural: &str, object: Value) {
        self.objects
            .create(&self.kind(plural), NAMESPACE, object)
            .expect("resource created");
    }

    /// Channels `product-dev` and `waiting`, `subscriptions` Subscriptions spread over the
    /// target branches (as `make bench-engine` does), and `builds` Builds of the sources
    /// on `product-dev` that change nothing in any target.
    pub fn create_all(
        &self,
        repos: usize,
        branches: usize,
        subscriptions: usize,
        sources: usize,
        builds: usize,
    ) {
        for channel in ["product-dev", "waiting"] {
            self.create(
                "channels",
                json!({"apiVersion": "sluice.dev/v1alpha1", "kind": "Channel",
                    "metadata": {"name": channel}, "spec": {}}),
            );
        }
        let targets = repos * branches;
        for i in 0..subscriptions {
            let target = i % targets;
            let (repo, branch) = (target / branches, target % branches);
            let source = (i / targets + target * 7) % sources;
            self.create(
                "subscriptions",
                subscription(
                    &format!("s{i:05}"),
                    &source_url(source),
                    "product-dev",
                    &target_url(&self.root, repo),
                    &format!("b{branch}"),
                ),
            );
        }
        for b in 0..builds {
            let (source, n) = (b % sources, b / sources);
            let at = format!("2026-11-01T{:02}:{:02}:00Z", n / 60 % 24, n % 60);
            self.create(
                "builds",
                build(
                    &format!("build-{b:05}"),
                    source,
                    &format!("2026.{source}.{n}"),
                    &"a".repeat(40),
                    "1.0.0",
                    "product-dev",
                    &at,
                ),
            );
        }
    }

    /// Lists every Subscription and Build once over HTTP, as a client would; how many.
    pub fn list_everything(&self, url: &str) -> usize {
        let client = reqwest::blocking::Client::new();
        ["subscriptions", "builds"]
            .iter()
            .map(|plural| {
                let list: Value = client
                    .get(format!("{url}/apis/sluice.dev/v1alpha1/{plural}"))
                    .send()
                    .and_then(|r| r.json())
                    .expect("list");
                list["items"].as_array().map_or(0, Vec::len)
            })
            .sum()
    }

    fn all(&self, plural: &str) -> Vec<Value> {
        self.objects.list(&self.kind(plural), None).0
    }

    /// Whether every Subscription shows conditions and every Build its store id.
    pub fn every_resource_has_status(&self) -> bool {
        self.all("subscriptions")
            .iter()
            .all(|s| s.pointer("/status/conditions/0").is_some())
            && self
                .all("builds")
                .iter()
                .all(|b| b.pointer("/status/id").is_some())
    }

    /// Whether every Subscription is `Ready` with a build applied: every build was
    /// evaluated on its target (`Ready` alone holds from the start, before any build is
    /// requested).
    pub fn every_subscription_ready(&self) -> bool {
        self.all("subscriptions").iter().all(|s| {
            s.pointer("/status/lastAppliedBuild").is_some()
                && s.pointer("/status/conditions")
                    .and_then(Value::as_array)
                    .is_some_and(|c| {
                        c.iter()
                            .any(|c| c["type"] == "Ready" && c["status"] == "True")
                    })
        })
    }

    /// Writes to the API server so far, leases aside (a leader renews its lease).
    pub fn writes(&self) -> u64 {
        self.writes_by_kind().iter().map(|(_, n)| n).sum()
    }

    /// Writes to the API server so far per resource (and subresource), leases aside.
    pub fn writes_by_kind(&self) -> Vec<(&'static str, u64)> {
        [
            "subscriptions",
            "builds",
            "channels",
            "events",
            "subscriptions/status",
            "builds/status",
            "channels/status",
            "defaultchannels/status",
            "repositorypolicies/status",
        ]
        .into_iter()
        .map(|w| (w, self.objects.writes(w)))
        .collect()
    }

    /// Waits until writes stop for five seconds (two minutes at most).
    pub fn settle(&self) {
        let end = Instant::now() + Duration::from_secs(120);
        let mut last = self.writes();
        let mut quiet = Instant::now();
        while Instant::now() < end && quiet.elapsed() < Duration::from_secs(5) {
            std::thread::sleep(Duration::from_millis(250));
            let now = self.writes();
            if now != last {
                last = now;
                quiet = Instant::now();
            }
        }
    }

    /// Polls `done` every `every` for at most `limit`; whether it held.
    pub fn wait(
        &self,
        what: &str,
        every: Duration,
        limit: Duration,
        done: impl Fn() -> bool,
    ) -> bool {
        let end = Instant::now() + limit;
        while Instant::now() < end {
            if done() {
                return true;
            }
            std::thread::sleep(every);
        }
        eprintln!("gave up waiting: {what}");
        false
    }

    /// Publishes a build of source 0 with a new version on channel `waiting`, waits for
    /// it to be ingested, then creates a Subscription taking it into a target branch, and
    /// times that creation to the pull request being open.
    pub fn apply_one_subscription(&self) -> Option<Duration> {
        self.create(
            "builds",
            build(
                "waiting-build",
                0,
                "2026.waiting.1",
                &"b".repeat(40),
                "9.9.9",
                "waiting",
                "2026-11-30T00:00:00Z",
            ),
        );
        let builds = self.kind("builds");
        let ingested = self.wait(
            "the waiting build ingested",
            FINE,
            Duration::from_secs(60),
            || {
                self.objects
                    .get(&builds, NAMESPACE, "waiting-build")
                    .is_some_and(|b| b.pointer("/status/id").is_some())
            },
        );
        if !ingested {
            return None;
        }
        // Target branch 1 takes sources 7 to 11 on product-dev, not source 0.
        let started = Instant::now();
        self.create(
            "subscriptions",
            subscription(
                "probe",
                &source_url(0),
                "waiting",
                &target_url(&self.root, 0),
                "b1",
            ),
        );
        let subscriptions = self.kind("subscriptions");
        let open = self.wait(
            "the probe's pull request open",
            FINE,
            Duration::from_secs(60),
            || {
                self.objects
                    .get(&subscriptions, NAMESPACE, "probe")
                    .is_some_and(|s| s.pointer("/status/pullRequest/url").is_some())
            },
        );
        if !open {
            let status = self.objects.get(&subscriptions, NAMESPACE, "probe");
            eprintln!(
                "the probe's status: {}",
                status.map(|s| s["status"].to_string()).unwrap_or_default()
            );
        }
        open.then(|| started.elapsed())
    }
}

fn subscription(name: &str, source: &str, channel: &str, target: &str, branch: &str) -> Value {
    json!({"apiVersion": "sluice.dev/v1alpha1", "kind": "Subscription",
        "metadata": {"name": name},
        "spec": {"source": {"repository": source, "channel": channel},
                 "target": {"repository": target, "branch": branch},
                 "mergePolicies": [{"name": "Standard"}]}})
}

fn build(
    name: &str,
    source: usize,
    number: &str,
    commit: &str,
    version: &str,
    channel: &str,
    at: &str,
) -> Value {
    json!({"apiVersion": "sluice.dev/v1alpha1", "kind": "Build",
        "metadata": {"name": name},
        "spec": {"repository": source_url(source), "branch": "main", "commit": commit,
                 "buildNumber": number, "producedAt": at, "channels": [channel],
                 "assets": [{"name": format!("Contoso.Source{source:02}"), "version": version}]}})
}
