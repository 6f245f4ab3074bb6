//! Builds as Kubernetes resources, both ways. A Build resource (applied by CI) is
//! published into the store, idempotently, with the same validation as `POST
//! /api/builds`; a build published through the HTTP API or `sluice build publish` gets a
//! Build resource. Retention keeps the newest few Build resources of each repository
//! branch (etcd is no place for unbounded history); the store keeps every build.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};

use kube::api::{Api, DeleteParams, DynamicObject, PostParams};
use serde_json::{Value, json};
use sluice_core::flow::build_resource::{self, BUILD_ID_ANNOTATION, BuildRefusal, KeptBuild};
use sluice_core::flow::{self, BuildId, BuildInfo};
use sluice_core::model::BuildSpec;

use super::Cluster;
use super::resources::{self, BUILD_KINDS, Resources, key};
use crate::engine::TriggerError;
use crate::engine::parse_rfc3339;
use crate::server::AppState;
use crate::store::{BuildQuery, NewBuild};

/// The most store builds one export pass looks at (the first pass after a start reads
/// back this far; later passes only read what is new).
const EXPORT_WINDOW: usize = 2_000;

/// What became of a Build resource.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Ingest {
    /// Published (or found published): the store's id.
    Stored(BuildId),
    /// Refused: the rule (kebab-case) and why.
    Refused {
        /// `invalid-build` or `build-conflict`.
        rule: String,
        /// A sentence naming the field.
        message: String,
    },
}

/// A resource's namespace and name.
type ResourceKey = (String, String);

/// What became of each Build resource, for the generation it was decided on.
#[derive(Debug, Default)]
pub struct Ingested {
    by_resource: Mutex<BTreeMap<ResourceKey, (Option<i64>, Ingest)>>,
    /// How many decisions were recorded: a refusal changes no store row, yet its status
    /// must be written.
    decisions: std::sync::atomic::AtomicU64,
}

impl Ingested {
    /// What became of the resource `key` at `generation`, if it was decided.
    pub fn get(&self, key: &(String, String), generation: Option<i64>) -> Option<Ingest> {
        let map = self.by_resource.lock().ok()?;
        map.get(key)
            .filter(|(g, _)| *g == generation)
            .map(|(_, i)| i.clone())
    }

    /// A number that grows with every decision recorded.
    pub fn revision(&self) -> u64 {
        self.decisions.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// The store ids of the builds that have a resource.
    fn ids(&self) -> BTreeSet<BuildId> {
        let Ok(map) = self.by_resource.lock() else {
            return BTreeSet::new();
        };
        map.values()
            .filter_map(|(_, i)| match i {
                Ingest::Stored(id) => Some(*id),
                Ingest::Refused { .. } => None,
            })
            .collect()
    }

    /// Each Build resource that holds a stored build, with the build's id.
    pub fn stored(&self) -> Vec<((String, String), BuildId)> {
        let Ok(map) = self.by_resource.lock() else {
            return Vec::new();
        };
        map.iter()
            .filter_map(|(k, (_, i))| match i {
                Ingest::Stored(id) => Some((k.clone(), *id)),
                Ingest::Refused { .. } => None,
            })
            .collect()
    }
}

/// Keeps Build resources and the store's builds in step.
pub struct BuildSync {
    cluster: Cluster,
    state: AppState,
    builds: Arc<Resources>,
    ingested: Arc<Ingested>,
    /// Where builds published through the API get their resource.
    namespace: String,
    /// Build resources kept per repository branch (0: all).
    retention: usize,
    /// The newest store id looked at by the last export.
    exported: Mutex<BuildId>,
}

fn new_build(spec: BuildSpec) -> NewBuild {
    NewBuild {
        repository: spec.repository,
        branch: spec.branch,
        commit: spec.commit,
        build_number: spec.build_number,
        produced_at: spec.produced_at,
        assets: spec.assets,
        channels: spec.channels,
    }
}

impl BuildSync {
    /// Sync of `builds` (the watched Build resources): exported builds go to `namespace`,
    /// and `retention` resources are kept per repository branch (0 keeps all).
    pub fn new(
        cluster: Cluster,
        state: AppState,
        builds: Arc<Resources>,
        ingested: Arc<Ingested>,
        namespace: String,
        retention: usize,
    ) -> Self {
        BuildSync {
            cluster,
            state,
            builds,
            ingested,
            namespace,
            retention,
            exported: Mutex::new(0),
        }
    }

    /// Publishes each Build resource not decided yet for its generation. One that fails
    /// validation, or differs from the build published under its repository, commit and
    /// number, is refused (its status says why) and changes nothing.
    pub fn ingest(&self) {
        let objects = self.builds.objects(0);
        let present: BTreeSet<_> = objects.iter().map(|o| key(o)).collect();
        if let Ok(mut map) = self.ingested.by_resource.lock() {
            map.retain(|k, _| present.contains(k));
        }
        for object in objects {
            let generation = object.metadata.generation;
            let k = key(&object);
            if object.metadata.deletion_timestamp.is_some()
                || self.ingested.get(&k, generation).is_some()
            {
                continue;
            }
            let spec = resources::spec::<Value>(&object).unwrap_or_default();
            let outcome = match serde_json::from_value::<BuildSpec>(spec) {
                Err(err) => Ingest::Refused {
                    rule: BuildRefusal::Invalid.rule().into(),
                    message: format!("spec: {err}"),
                },
                Ok(spec) => match self.state.engine.publish_build(&new_build(spec)) {
                    Ok(published) => Ingest::Stored(published.build.id),
                    Err(TriggerError::Invalid(message)) => Ingest::Refused {
                        rule: BuildRefusal::Invalid.rule().into(),
                        message,
                    },
                    Err(TriggerError::Conflict(message)) => Ingest::Refused {
                        rule: BuildRefusal::Conflict.rule().into(),
                        message,
                    },
                    // Before the configuration is loaded: the pass after it publishes.
                    Err(TriggerError::NotReady) => continue,
                    // The store failed: the next pass tries again.
                    Err(err) => {
                        tracing::warn!(build = %format!("{}/{}", k.0, k.1), "build not ingested yet: {err}");
                        continue;
                    }
                },
            };
            if let Ingest::Refused { message, .. } = &outcome {
                tracing::warn!(build = %format!("{}/{}", k.0, k.1), "build refused: {message}");
            }
            if let Ok(mut map) = self.ingested.by_resource.lock() {
                map.insert(k, (generation, outcome));
            }
            self.ingested
                .decisions
                .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        }
    }

    /// Gives the newest builds of each repository branch published since the last pass
    /// (through the API, say) a Build resource, then deletes the resources beyond
    /// retention.
    pub async fn export(&self) {
        if !self.builds.ready() {
            return;
        }
        let fresh = self.fresh_builds();
        let known: BTreeSet<BuildId> = self
            .ingested
            .ids()
            .into_iter()
            .chain(
                self.builds
                    .objects(0)
                    .iter()
                    .filter_map(|o| annotated_id(o)),
            )
            .collect();
        let api = self.api(&self.namespace);
        for build in fresh.iter().filter(|b| !known.contains(&b.id)) {
            let name = build_resource::resource_name(
                &build.repository,
                &build.commit,
                &build.build_number,
            );
            let object = resource(&name, build);
            match api.create(&PostParams::default(), &object).await {
                Ok(_) => {
                    tracing::info!(build = build.id, resource = %name, "Build resource created")
                }
                Err(kube::Error::Api(e)) if e.code == 409 => {}
                Err(err) => {
                    tracing::warn!(build = build.id, error = %err, "Build resource not created; trying again later");
                    return;
                }
            }
        }
        if let (Some(newest), Ok(mut exported)) =
            (fresh.iter().map(|b| b.id).max(), self.exported.lock())
        {
            *exported = (*exported).max(newest);
        }
        self.retain().await;
    }

    /// The newest `retention` builds of each repository branch among those published
    /// since the last export.
    fn fresh_builds(&self) -> Vec<BuildInfo> {
        let since = self.exported.lock().map(|e| *e).unwrap_or(0);
        let store = self.state.engine.store();
        let mut fresh = Vec::new();
        let mut before = None;
        'pages: while fresh.len() < EXPORT_WINDOW {
            let page = store
                .builds(&BuildQuery {
                    limit: Some(200),
                    before,
                    ..Default::default()
                })
                .unwrap_or_default();
            let Some(last) = page.last() else { break };
            before = Some(last.id);
            for build in page {
                if build.id <= since {
                    break 'pages;
                }
                fresh.push(build);
            }
        }
        let mut per_branch: BTreeMap<(String, String), usize> = BTreeMap::new();
        fresh.retain(|b| {
            let n = per_branch
                .entry((flow::repository_identity(&b.repository), b.branch.clone()))
                .or_default();
            *n += 1;
            self.retention == 0 || *n <= self.retention
        });
        fresh
    }

    /// Deletes the Build resources beyond the newest `retention` of each repository
    /// branch; the store keeps their builds.
    async fn retain(&self) {
        let kept: Vec<KeptBuild> = self
            .builds
            .objects(0)
            .iter()
            .filter(|o| o.metadata.deletion_timestamp.is_none())
            .filter_map(|o| {
                let spec: BuildSpec = resources::spec(o)?;
                let (namespace, name) = key(o);
                Some(KeptBuild {
                    namespace,
                    name,
                    produced_at: parse_rfc3339(&spec.produced_at).unwrap_or(0),
                    repository: spec.repository,
                    branch: spec.branch,
                })
            })
            .collect();
        for old in build_resource::beyond_retention(&kept, self.retention) {
            match self
                .api(&old.namespace)
                .delete(&old.name, &DeleteParams::default())
                .await
            {
                Ok(_) => {
                    tracing::info!(resource = %format!("{}/{}", old.namespace, old.name), "Build resource beyond retention deleted; the store keeps the build")
                }
                Err(kube::Error::Api(e)) if e.code == 404 => {}
                Err(err) => {
                    tracing::warn!(resource = %old.name, error = %err, "Build resource not deleted; trying again later")
                }
            }
        }
    }

    fn api(&self, namespace: &str) -> Api<DynamicObject> {
        Api::namespaced_with(
            self.cluster.client.clone(),
            namespace,
            &BUILD_KINDS[0].api_resource(),
        )
    }
}

/// The store id a Build resource created by sluice names.
fn annotated_id(object: &DynamicObject) -> Option<BuildId> {
    object
        .metadata
        .annotations
        .as_ref()?
        .get(BUILD_ID_ANNOTATION)?
        .parse()
        .ok()
}

/// The Build resource of a stored build.
fn resource(name: &str, build: &BuildInfo) -> DynamicObject {
    let value = json!({
        "apiVersion": "sluice.dev/v1alpha1",
        "kind": "Build",
        "metadata": {"name": name, "annotations": {BUILD_ID_ANNOTATION: build.id.to_string()}},
        "spec": {
            "repository": build.repository,
            "branch": build.branch,
            "commit": build.commit,
            "buildNumber": build.build_number,
            "producedAt": build.produced_at,
            "channels": build.channels,
            "assets": build.assets,
        },
    });
    serde_json::from_value(value)
        .unwrap_or_else(|_| DynamicObject::new(name, &BUILD_KINDS[0].api_resource()))
}
