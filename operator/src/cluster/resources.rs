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

/// One watched object: shared (a pass over ten thousand of them copies pointers, not
/// objects), and with the digest of the status it shows ([`slim`] keeps only the part of
/// the status sluice reads back).
type Held = (Arc<DynamicObject>, Option<u64>);

#[derive(Default)]
struct Kind {
    objects: BTreeMap<(String, String), Held>,
    /// Objects of a relist in progress.
    pending: Option<BTreeMap<(String, String), Held>>,
    ready: bool,
}

/// The members of a status that sluice reads back: the conditions (for transition times
/// and warnings) and the annotation values handled. The rest (a Build's flow, say) is
/// only compared, by [`digest`].
const STATUS_READ_BACK: [&str; 3] = ["conditions", "lastHandledRequestedAt", "lastHandledForceAt"];

/// A digest of `value` that does not depend on the order of object members, so a status
/// compares equal to its echo from the API server however that orders its fields.
pub fn digest(value: &Value) -> u64 {
    let mut hasher = std::hash::DefaultHasher::new();
    feed(value, &mut hasher);
    std::hash::Hasher::finish(&hasher)
}

fn feed(value: &Value, hasher: &mut std::hash::DefaultHasher) {
    use std::hash::Hash;
    match value {
        Value::Null => 0u8.hash(hasher),
        Value::Bool(b) => (1u8, b).hash(hasher),
        Value::Number(n) => (2u8, n.to_string()).hash(hasher),
        Value::String(s) => (3u8, s).hash(hasher),
        Value::Array(items) => {
            (4u8, items.len()).hash(hasher);
            for item in items {
                feed(item, hasher);
            }
        }
        Value::Object(map) => {
            (5u8, map.len()).hash(hasher);
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            for key in keys {
                key.hash(hasher);
                feed(&map[key], hasher);
            }
        }
    }
}

/// Every watched resource of some kinds and what validation said of it.
pub struct Resources {
    watched: &'static [ConfigKind],
    kinds: Mutex<Vec<Kind>>,
    refused: Mutex<BTreeMap<String, Vec<Diagnostic>>>,
    changes: tokio::sync::watch::Sender<u64>,
    /// How many validations were recorded.
    validations: std::sync::atomic::AtomicU64,
}

impl Resources {
    /// Nothing yet of `watched`, the kinds indexed by position.
    pub fn new(watched: &'static [ConfigKind]) -> Self {
        Resources {
            watched,
            kinds: Mutex::new(watched.iter().map(|_| Kind::default()).collect()),
            refused: Mutex::new(BTreeMap::new()),
            changes: tokio::sync::watch::Sender::new(0),
            validations: std::sync::atomic::AtomicU64::new(0),
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

/// The annotation where `kubectl apply` keeps the object as last applied.
const LAST_APPLIED: &str = "kubectl.kubernetes.io/last-applied-configuration";

/// The spec of a watched object as `T`. A held object keeps its spec as compact JSON
/// text ([`slim`]: a parsed JSON tree costs several times the memory, ten thousand
/// times over); one fresh from the API server has it parsed. Either reads here.
pub fn spec<T: serde::de::DeserializeOwned>(object: &DynamicObject) -> Option<T> {
    match object.data.get("spec")? {
        Value::String(text) => serde_json::from_str(text).ok(),
        parsed => T::deserialize(parsed).ok(),
    }
}

/// The status a watched object shows: of a held object, the part sluice reads back
/// (kept as compact JSON text, as its spec); of one fresh from the API server, all.
pub fn status(object: &DynamicObject) -> Option<Value> {
    match object.data.get("status")? {
        Value::String(text) => serde_json::from_str(text).ok(),
        parsed => Some(parsed.clone()),
    }
}

/// `object` without what sluice never reads: the managed fields a real API server adds
/// to every object (often the largest part of it), the copy of the object `kubectl
/// apply` keeps in an annotation, and the status beyond what sluice
/// reads back; its spec as compact JSON text ([`spec`] reads it); with the digest of
/// the whole status.
fn slim(mut object: DynamicObject) -> Held {
    object.metadata.managed_fields = None;
    // `kubectl apply` keeps a copy of the whole object in an annotation.
    if let Some(annotations) = object.metadata.annotations.as_mut() {
        annotations.remove(LAST_APPLIED);
    }
    if let Some(data) = object.data.as_object_mut()
        && let Some(spec) = data.get_mut("spec")
        && !spec.is_string()
    {
        *spec = Value::String(spec.to_string());
    }
    let shown = object
        .data
        .as_object_mut()
        .and_then(|data| data.remove("status"));
    let digest = shown.as_ref().map(digest);
    if let Some(Value::Object(mut status)) = shown {
        status.retain(|member, _| STATUS_READ_BACK.contains(&member.as_str()));
        if let Some(data) = object.data.as_object_mut() {
            data.insert(
                "status".into(),
                Value::String(Value::Object(status).to_string()),
            );
        }
    }
    (Arc::new(object), digest)
}

/// Whether two versions of a resource differ at most in what sluice writes itself and
/// never acts upon: status, finalizers, resourceVersion.
fn same_but_status(a: &DynamicObject, b: &DynamicObject) -> bool {
    let strip = |o: &DynamicObject| {
        let mut o = o.clone();
        o.metadata.resource_version = None;
        o.metadata.managed_fields = None;
        o.metadata.finalizers = None;
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
                    .insert(key(&object), slim(object));
            }
            Event::InitDone => {
                kind.objects = kind.pending.take().unwrap_or_default();
                kind.ready = true;
            }
            Event::Apply(object) => {
                let held = slim(object);
                let object = held.0.clone();
                let old = kind.objects.insert(key(&object), held);
                // The echo of a status or finalizer write (sluice's own) changes nothing
                // to act upon.
                if old.is_some_and(|(old, _)| same_but_status(&old, &object)) {
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

    /// A number that grows with every change observed and every validation recorded
    /// ([`Resources::set_refused`]): a status pass that ran between a change and its
    /// validation runs again.
    pub fn revision(&self) -> u64 {
        *self.changes.borrow() + self.validations.load(std::sync::atomic::Ordering::SeqCst)
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

    /// Every resource of kind `index` (its status holds only what sluice reads back).
    pub fn objects(&self, index: usize) -> Vec<Arc<DynamicObject>> {
        self.objects_with_status(index)
            .into_iter()
            .map(|(o, _)| o)
            .collect()
    }

    /// Every resource of kind `index`, with the [`digest`] of the status it shows.
    pub fn objects_with_status(&self, index: usize) -> Vec<Held> {
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
                let spec = spec::<Value>(&object).unwrap_or(Value::Null);
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
        self.validations
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    }

    /// The findings that refused the resource at `path`, if it was refused.
    pub fn refusal(&self, path: &str) -> Option<Vec<Diagnostic>> {
        self.refused.lock().ok()?.get(path).cloned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn object(status: Value) -> DynamicObject {
        serde_json::from_value(json!({
            "apiVersion": "sluice.dev/v1alpha1", "kind": "Build",
            "metadata": {"name": "b", "namespace": "ns",
                         "managedFields": [{"manager": "sluice"}],
                         "annotations": {LAST_APPLIED: "{}", "sluice.dev/requestedAt": "1"}},
            "spec": {"repository": "https://github.com/contoso/runtime"},
            "status": status,
        }))
        .expect("an object")
    }

    #[test]
    fn a_digest_ignores_member_order_and_sees_every_value() {
        let a: Value = serde_json::from_str(r#"{"x": 1, "y": [{"p": "q", "r": true}]}"#).unwrap();
        let b: Value = serde_json::from_str(r#"{"y": [{"r": true, "p": "q"}], "x": 1}"#).unwrap();
        assert_eq!(digest(&a), digest(&b));
        for other in [
            json!({"x": 2, "y": [{"p": "q", "r": true}]}),
            json!({"x": 1, "y": [{"p": "q", "r": false}]}),
            json!({"x": 1, "y": [{"p": "q", "r": true}, null]}),
            json!({"x": "1", "y": [{"p": "q", "r": true}]}),
        ] {
            assert_ne!(digest(&a), digest(&other), "{other}");
        }
    }

    #[test]
    fn a_held_object_keeps_what_is_read_back_and_the_digest_of_the_rest() {
        let status = json!({
            "conditions": [{"type": "Ready", "status": "True"}],
            "lastHandledRequestedAt": "1",
            "flow": [{"subscription": "s", "state": "Applied"}],
        });
        let (held, shown) = slim(object(status.clone()));
        assert_eq!(shown, Some(digest(&status)));
        assert_eq!(
            super::status(&held),
            Some(json!({"conditions": [{"type": "Ready", "status": "True"}],
                   "lastHandledRequestedAt": "1"}))
        );
        assert!(held.metadata.managed_fields.is_none());
        let annotations = held.metadata.annotations.clone().unwrap_or_default();
        assert_eq!(
            annotations.keys().collect::<Vec<_>>(),
            ["sluice.dev/requestedAt"]
        );
        let kept: Value = spec(&held).expect("the spec");
        assert_eq!(kept["repository"], "https://github.com/contoso/runtime");
        // Held or fresh, a spec reads the same.
        assert_eq!(spec::<Value>(&object(Value::Null)), Some(kept));
        let mut without = object(Value::Null);
        without.data.as_object_mut().unwrap().remove("status");
        assert_eq!(slim(without).1, None);
    }
}
