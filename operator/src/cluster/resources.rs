//! The configuration resources as the watches last reported them, per kind, and which of
//! them validation refused. Each resource becomes one configuration file named
//! `NAMESPACE/PLURAL/NAME`, so a finding points at exactly one resource.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use kube::api::{ApiResource, DynamicObject, GroupVersionKind};
use kube::runtime::watcher::Event;
use serde_json::{Value, json};
use sluice_core::config::{Diagnostic, SourceFile};

/// A configuration kind watched in the cluster.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConfigKind {
    /// Kind, e.g. `Subscription`.
    pub kind: &'static str,
    /// Plural, e.g. `subscriptions`.
    pub plural: &'static str,
}

impl ConfigKind {
    /// Its API resource in `sluice.dev/v1alpha1`.
    pub fn api_resource(&self) -> ApiResource {
        ApiResource::from_gvk_with_plural(
            &GroupVersionKind::gvk("sluice.dev", "v1alpha1", self.kind),
            self.plural,
        )
    }
}

/// The kinds that make up the configuration.
pub const CONFIG_KINDS: [ConfigKind; 4] = [
    ConfigKind {
        kind: "Channel",
        plural: "channels",
    },
    ConfigKind {
        kind: "DefaultChannel",
        plural: "defaultchannels",
    },
    ConfigKind {
        kind: "Subscription",
        plural: "subscriptions",
    },
    ConfigKind {
        kind: "RepositoryPolicy",
        plural: "repositorypolicies",
    },
];

/// Build resources: watched on their own, as builds to ingest rather than configuration.
pub const BUILD_KINDS: [ConfigKind; 1] = [ConfigKind {
    kind: "Build",
    plural: "builds",
}];

/// Objects are shared: a pass over ten thousand of them copies pointers, not objects.
#[derive(Default)]
struct Kind {
    objects: BTreeMap<(String, String), Arc<DynamicObject>>,
    /// Objects of a relist in progress.
    pending: Option<BTreeMap<(String, String), Arc<DynamicObject>>>,
    ready: bool,
}

/// Every watched resource of some kinds and what validation said of it.
pub struct Resources {
    watched: &'static [ConfigKind],
    kinds: Mutex<Vec<Kind>>,
    refused: Mutex<BTreeMap<String, Vec<Diagnostic>>>,
    changes: tokio::sync::watch::Sender<u64>,
}

impl Resources {
    /// Nothing yet of `watched`, the kinds indexed by position.
    pub fn new(watched: &'static [ConfigKind]) -> Self {
        Resources {
            watched,
            kinds: Mutex::new(watched.iter().map(|_| Kind::default()).collect()),
            refused: Mutex::new(BTreeMap::new()),
            changes: tokio::sync::watch::Sender::new(0),
        }
    }
}

/// A resource's namespace and name.
pub fn key(object: &DynamicObject) -> (String, String) {
    (
        object.metadata.namespace.clone().unwrap_or_default(),
        object.metadata.name.clone().unwrap_or_default(),
    )
}

/// `object` without what sluice never reads and a real API server adds to every object:
/// the managed fields (often the largest part of it).
fn slim(mut object: DynamicObject) -> DynamicObject {
    object.metadata.managed_fields = None;
    object
}

/// Whether two versions of a resource differ at most in status and resourceVersion.
fn same_but_status(a: &DynamicObject, b: &DynamicObject) -> bool {
    let strip = |o: &DynamicObject| {
        let mut o = o.clone();
        o.metadata.resource_version = None;
        o.metadata.managed_fields = None;
        if let Some(data) = o.data.as_object_mut() {
            data.remove("status");
        }
        o
    };
    strip(a) == strip(b)
}

/// The file path of a resource.
pub fn path(kind: &ConfigKind, namespace: &str, name: &str) -> String {
    format!("{namespace}/{}/{name}", kind.plural)
}

impl Resources {
    /// The kinds watched, by index.
    pub fn kinds(&self) -> &'static [ConfigKind] {
        self.watched
    }

    /// Applies one watch event of kind `index`.
    pub fn observe(&self, index: usize, event: Event<DynamicObject>) {
        let Ok(mut kinds) = self.kinds.lock() else {
            return;
        };
        let Some(kind) = kinds.get_mut(index) else {
            return;
        };
        match event {
            Event::Init => kind.pending = Some(BTreeMap::new()),
            Event::InitApply(object) => {
                kind.pending
                    .get_or_insert_with(BTreeMap::new)
                    .insert(key(&object), Arc::new(slim(object)));
            }
            Event::InitDone => {
                kind.objects = kind.pending.take().unwrap_or_default();
                kind.ready = true;
            }
            Event::Apply(object) => {
                let object = Arc::new(slim(object));
                let old = kind.objects.insert(key(&object), object.clone());
                // The echo of a status write (sluice's own) changes nothing to act upon.
                if old.is_some_and(|old| same_but_status(&old, &object)) {
                    return;
                }
            }
            Event::Delete(object) => {
                kind.objects.remove(&key(&object));
            }
        }
        drop(kinds);
        self.changes.send_modify(|n| *n += 1);
    }

    /// How many changes were observed so far.
    pub fn revision(&self) -> u64 {
        *self.changes.borrow()
    }

    /// A receiver told of every change.
    pub fn subscribe(&self) -> tokio::sync::watch::Receiver<u64> {
        self.changes.subscribe()
    }

    /// Whether every kind has been listed once.
    pub fn ready(&self) -> bool {
        self.kinds
            .lock()
            .map(|k| k.iter().all(|k| k.ready))
            .unwrap_or(false)
    }

    /// Every resource of kind `index`.
    pub fn objects(&self, index: usize) -> Vec<Arc<DynamicObject>> {
        self.kinds
            .lock()
            .map(|k| {
                k.get(index)
                    .map(|k| k.objects.values().cloned().collect())
                    .unwrap_or_default()
            })
            .unwrap_or_default()
    }

    /// Each resource as a configuration file: its kind, name and spec (what the
    /// validation rules read), nothing the server added.
    pub fn files(&self) -> Vec<SourceFile> {
        let mut files = Vec::new();
        for (index, kind) in self.watched.iter().enumerate() {
            // A resource being deleted is no longer configuration: its key retires.
            for object in self
                .objects(index)
                .into_iter()
                .filter(|o| o.metadata.deletion_timestamp.is_none())
            {
                let (namespace, name) = key(&object);
                let spec = object.data.get("spec").cloned().unwrap_or(Value::Null);
                let text = json!({"apiVersion": "sluice.dev/v1alpha1", "kind": kind.kind,
                    "metadata": {"name": name}, "spec": spec});
                files.push(SourceFile {
                    path: path(kind, &namespace, &name),
                    text: text.to_string(),
                });
            }
        }
        files
    }

    /// Records which resources validation refused, with its findings.
    pub fn set_refused(&self, refused: BTreeMap<String, Vec<Diagnostic>>) {
        if let Ok(mut r) = self.refused.lock() {
            *r = refused;
        }
    }

    /// The findings that refused the resource at `path`, if it was refused.
    pub fn refusal(&self, path: &str) -> Option<Vec<Diagnostic>> {
        self.refused.lock().ok()?.get(path).cloned()
    }
}
