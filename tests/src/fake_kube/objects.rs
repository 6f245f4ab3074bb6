//! The fake API server's state: objects by type, namespace and name, one resourceVersion
//! counter for everything, the history of changes that watches resume from (compacted on
//! demand, after which an older resourceVersion is `410 Gone`), and the write counts tests
//! assert on.

use std::collections::{BTreeMap, VecDeque};
use std::sync::Mutex;

use serde_json::{Value, json};
use tokio::sync::broadcast;

use super::kinds::{self, ResourceType};
pub use super::refusal::{Refusal, not_found};

/// Where an object lives: group, plural, namespace (empty for cluster-scoped), name.
pub type Key = (String, String, String, String);

/// One change, as a watch reports it.
#[derive(Debug, Clone)]
pub struct Change {
    /// The resourceVersion it made.
    pub rv: u64,
    /// `ADDED`, `MODIFIED` or `DELETED`.
    pub kind: &'static str,
    /// Group and plural of the object.
    pub group: String,
    /// Plural.
    pub plural: String,
    /// The object after the change (before, for a deletion, with the new version).
    pub object: Value,
}

struct Inner {
    rv: u64,
    types: Vec<ResourceType>,
    items: BTreeMap<Key, Value>,
    history: VecDeque<Change>,
    /// Watches may resume from any version at or after this one.
    floor: u64,
    writes: BTreeMap<String, u64>,
}

/// Every object, with its history.
pub struct Objects {
    inner: Mutex<Inner>,
    changes: broadcast::Sender<Change>,
}

/// The object's `metadata` member, created when missing.
fn metadata(object: &mut Value) -> &mut serde_json::Map<String, Value> {
    if !object.get("metadata").is_some_and(Value::is_object) {
        object["metadata"] = json!({});
    }
    object["metadata"].as_object_mut().expect("an object")
}

/// Everything but metadata and status: what bumps `metadata.generation` when it changes.
fn spec_part(object: &Value) -> Value {
    let mut copy = object.clone();
    if let Some(map) = copy.as_object_mut() {
        map.remove("metadata");
        map.remove("status");
    }
    copy
}

impl Default for Objects {
    fn default() -> Self {
        Objects {
            inner: Mutex::new(Inner {
                rv: 1,
                types: kinds::builtins(),
                items: BTreeMap::new(),
                history: VecDeque::new(),
                floor: 1,
                writes: BTreeMap::new(),
            }),
            changes: broadcast::channel(4096).0,
        }
    }
}

impl Objects {
    /// The types served now.
    pub fn types(&self) -> Vec<ResourceType> {
        self.inner.lock().unwrap().types.clone()
    }

    /// The current resourceVersion.
    pub fn resource_version(&self) -> u64 {
        self.inner.lock().unwrap().rv
    }

    /// Forgets the history: a watch or list from an older version gets `410 Gone`.
    pub fn compact(&self) {
        let mut inner = self.inner.lock().unwrap();
        inner.history.clear();
        inner.floor = inner.rv;
    }

    /// Writes made so far to `plural` (`plural/status` for the status subresource).
    pub fn writes(&self, what: &str) -> u64 {
        let inner = self.inner.lock().unwrap();
        inner.writes.get(what).copied().unwrap_or(0)
    }

    /// One object.
    pub fn get(&self, t: &ResourceType, namespace: &str, name: &str) -> Option<Value> {
        let key = (
            t.group.clone(),
            t.plural.clone(),
            namespace.into(),
            name.into(),
        );
        self.inner.lock().unwrap().items.get(&key).cloned()
    }

    /// The objects of a type (in `namespace`, or in all when `None`) and the version of
    /// the list.
    pub fn list(&self, t: &ResourceType, namespace: Option<&str>) -> (Vec<Value>, u64) {
        let inner = self.inner.lock().unwrap();
        let items = inner
            .items
            .iter()
            .filter(|((g, p, ns, _), _)| {
                *g == t.group && *p == t.plural && namespace.is_none_or(|n| n == ns)
            })
            .map(|(_, v)| v.clone())
            .collect();
        (items, inner.rv)
    }

    /// The changes of a type after `since` (a watch resuming) and a receiver of those to
    /// come, or `410 Gone` when `since` is older than the history kept.
    pub fn watch_from(
        &self,
        t: &ResourceType,
        since: u64,
    ) -> Result<(Vec<Change>, broadcast::Receiver<Change>), Refusal> {
        let inner = self.inner.lock().unwrap();
        if since < inner.floor {
            return Err(Refusal::new(
                410,
                "Expired",
                format!("too old resource version: {since} ({})", inner.floor),
            ));
        }
        let past = inner
            .history
            .iter()
            .filter(|c| c.rv > since && c.group == t.group && c.plural == t.plural)
            .cloned()
            .collect();
        Ok((past, self.changes.subscribe()))
    }

    /// The objects of a type now (in `namespace`, or all), the version of that list and a
    /// receiver of every later change: what a watch without a resourceVersion starts with.
    pub fn list_and_watch(
        &self,
        t: &ResourceType,
        namespace: Option<&str>,
    ) -> (Vec<Value>, u64, broadcast::Receiver<Change>) {
        // The lock is held across both, so no change falls between them.
        let inner = self.inner.lock().unwrap();
        let items = inner
            .items
            .iter()
            .filter(|((g, p, ns, _), _)| {
                *g == t.group && *p == t.plural && namespace.is_none_or(|n| n == ns)
            })
            .map(|(_, v)| v.clone())
            .collect();
        (items, inner.rv, self.changes.subscribe())
    }

    fn record(&self, inner: &mut Inner, kind: &'static str, t: &ResourceType, object: Value) {
        let change = Change {
            rv: inner.rv,
            kind,
            group: t.group.clone(),
            plural: t.plural.clone(),
            object,
        };
        inner.history.push_back(change.clone());
        // Nobody listening is fine.
        let _ = self.changes.send(change.clone());
        if t.group == "events.k8s.io" && t.plural == "events" {
            self.mirror_event(inner, &change);
        }
    }

    /// Keeps the core v1 form of an events.k8s.io Event in step with it: the same
    /// storage, read through either API.
    fn mirror_event(&self, inner: &mut Inner, change: &Change) {
        let Some(mirrored) = super::event_mirror::mirrored(&inner.types, change) else {
            return;
        };
        let key = super::event_mirror::key(&mirrored);
        if mirrored.kind == "DELETED" {
            inner.items.remove(&key);
        } else {
            inner.items.insert(key, mirrored.object.clone());
        }
        inner.history.push_back(mirrored.clone());
        let _ = self.changes.send(mirrored);
    }

    fn next_rv(inner: &mut Inner) -> u64 {
        inner.rv += 1;
        inner.rv
    }

    /// Creates an object; its status is dropped where status is a subresource.
    pub fn create(
        &self,
        t: &ResourceType,
        namespace: &str,
        mut object: Value,
    ) -> Result<Value, Refusal> {
        let mut inner = self.inner.lock().unwrap();
        let meta = metadata(&mut object);
        let name = match (meta.get("name"), meta.get("generateName")) {
            (Some(Value::String(n)), _) if !n.is_empty() => n.clone(),
            (_, Some(Value::String(prefix))) => format!("{prefix}{:05}", inner.rv + 1),
            _ => {
                return Err(Refusal::new(
                    422,
                    "Invalid",
                    "metadata.name: Required value",
                ));
            }
        };
        let key = (
            t.group.clone(),
            t.plural.clone(),
            namespace.into(),
            name.clone(),
        );
        if inner.items.contains_key(&key) {
            return Err(Refusal::new(
                409,
                "AlreadyExists",
                format!("{}.{} \"{name}\" already exists", t.plural, t.group),
            ));
        }
        if t.kind == "CustomResourceDefinition" {
            let declared =
                kinds::from_definition(&object).map_err(|m| Refusal::new(422, "Invalid", m))?;
            inner.types.retain(|old| {
                !declared
                    .iter()
                    .any(|new| new.plural == old.plural && new.group == old.group)
            });
            inner.types.extend(declared);
        }
        let rv = Self::next_rv(&mut inner);
        if t.status_subresource
            && let Some(map) = object.as_object_mut()
        {
            map.remove("status");
        }
        object["apiVersion"] = json!(t.api_version());
        object["kind"] = json!(t.kind);
        let meta = metadata(&mut object);
        meta.insert("name".into(), json!(name));
        if t.namespaced {
            meta.insert("namespace".into(), json!(namespace));
        }
        meta.insert(
            "uid".into(),
            json!(format!("00000000-0000-4000-8000-{rv:012}")),
        );
        meta.insert("resourceVersion".into(), json!(rv.to_string()));
        meta.insert("generation".into(), json!(1));
        meta.insert(
            "creationTimestamp".into(),
            json!(sluice::engine::now_rfc3339()),
        );
        meta.remove("deletionTimestamp");
        *inner.writes.entry(t.plural.clone()).or_default() += 1;
        inner.items.insert(key, object.clone());
        self.record(&mut inner, "ADDED", t, object.clone());
        Ok(object)
    }

    /// Replaces an object (or only its status, with `status`). A `resourceVersion` in the
    /// new object must be the current one (`409 Conflict` otherwise); an update that
    /// changes nothing changes no version; spec changes bump the generation; an object
    /// being deleted goes once its last finalizer is removed.
    pub fn update(
        &self,
        t: &ResourceType,
        namespace: &str,
        name: &str,
        mut object: Value,
        status: bool,
    ) -> Result<Value, Refusal> {
        let mut inner = self.inner.lock().unwrap();
        let key = (
            t.group.clone(),
            t.plural.clone(),
            namespace.into(),
            name.into(),
        );
        let Some(current) = inner.items.get(&key).cloned() else {
            return Err(not_found(t, name));
        };
        let current_rv = current["metadata"]["resourceVersion"].clone();
        match object.pointer("/metadata/resourceVersion") {
            Some(rv) if !rv.is_null() && *rv != current_rv => {
                return Err(Refusal::new(
                    409,
                    "Conflict",
                    format!(
                        "Operation cannot be fulfilled on {}.{} \"{name}\": the object has been modified; please apply your changes to the latest version and try again",
                        t.plural, t.group
                    ),
                ));
            }
            _ => {}
        }
        if status {
            let mut merged = current.clone();
            merged["status"] = object.get("status").cloned().unwrap_or(Value::Null);
            object = merged;
        } else {
            if t.status_subresource {
                match current.get("status") {
                    Some(s) => object["status"] = s.clone(),
                    None => {
                        if let Some(map) = object.as_object_mut() {
                            map.remove("status");
                        }
                    }
                }
            }
            // What the server owns stays the server's.
            let meta = metadata(&mut object);
            for field in [
                "uid",
                "creationTimestamp",
                "generation",
                "deletionTimestamp",
            ] {
                match current["metadata"].get(field) {
                    Some(v) => meta.insert(field.into(), v.clone()),
                    None => meta.remove(field),
                };
            }
            meta.insert("name".into(), json!(name));
            if t.namespaced {
                meta.insert("namespace".into(), json!(namespace));
            }
        }
        object["apiVersion"] = json!(t.api_version());
        object["kind"] = json!(t.kind);
        metadata(&mut object).insert("resourceVersion".into(), current_rv.clone());
        if object == current {
            return Ok(current);
        }
        if spec_part(&object) != spec_part(&current) {
            let generation = current["metadata"]["generation"].as_i64().unwrap_or(1) + 1;
            metadata(&mut object).insert("generation".into(), json!(generation));
        }
        let rv = Self::next_rv(&mut inner);
        metadata(&mut object).insert("resourceVersion".into(), json!(rv.to_string()));
        let what = if status {
            format!("{}/status", t.plural)
        } else {
            t.plural.clone()
        };
        *inner.writes.entry(what).or_default() += 1;
        let finalized = object["metadata"].get("deletionTimestamp").is_some()
            && object["metadata"]["finalizers"]
                .as_array()
                .is_none_or(Vec::is_empty);
        if finalized {
            inner.items.remove(&key);
            self.record(&mut inner, "DELETED", t, object.clone());
        } else {
            inner.items.insert(key, object.clone());
            self.record(&mut inner, "MODIFIED", t, object.clone());
        }
        Ok(object)
    }

    /// Deletes an object: at once without finalizers, otherwise it is marked with a
    /// `deletionTimestamp` and goes when its last finalizer is removed.
    pub fn delete(&self, t: &ResourceType, namespace: &str, name: &str) -> Result<Value, Refusal> {
        let mut inner = self.inner.lock().unwrap();
        let key = (
            t.group.clone(),
            t.plural.clone(),
            namespace.into(),
            name.into(),
        );
        let Some(mut object) = inner.items.get(&key).cloned() else {
            return Err(not_found(t, name));
        };
        let finalizers = object["metadata"]["finalizers"]
            .as_array()
            .is_some_and(|f| !f.is_empty());
        if finalizers && object["metadata"].get("deletionTimestamp").is_some() {
            return Ok(object);
        }
        let rv = Self::next_rv(&mut inner);
        metadata(&mut object).insert("resourceVersion".into(), json!(rv.to_string()));
        *inner.writes.entry(t.plural.clone()).or_default() += 1;
        if finalizers {
            metadata(&mut object).insert(
                "deletionTimestamp".into(),
                json!(sluice::engine::now_rfc3339()),
            );
            inner.items.insert(key, object.clone());
            self.record(&mut inner, "MODIFIED", t, object.clone());
        } else {
            inner.items.remove(&key);
            if t.kind == "CustomResourceDefinition"
                && let Ok(declared) = kinds::from_definition(&object)
            {
                inner.types.retain(|old| !declared.contains(old));
            }
            self.record(&mut inner, "DELETED", t, object.clone());
        }
        Ok(object)
    }
}
