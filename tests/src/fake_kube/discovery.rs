//! Discovery documents: `/version`, `/api`, `/apis` and the resource list of each group
//! version, built from the types served now (a created definition shows up at once).

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::kinds::ResourceType;

/// `/version`.
pub fn version() -> Value {
    json!({"major": "1", "minor": "33", "gitVersion": "v1.33.0-sluice-fake",
        "gitCommit": "0000000000000000000000000000000000000000", "gitTreeState": "clean",
        "buildDate": "2026-01-01T00:00:00Z", "goVersion": "go1.24", "compiler": "gc",
        "platform": "linux/amd64"})
}

/// `/api`: the core group's versions.
pub fn core_versions() -> Value {
    json!({"kind": "APIVersions", "versions": ["v1"],
        "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": "127.0.0.1"}]})
}

/// `/apis`: every named group with its versions.
pub fn groups(types: &[ResourceType]) -> Value {
    let mut by_group: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for t in types.iter().filter(|t| !t.group.is_empty()) {
        let versions = by_group.entry(&t.group).or_default();
        if !versions.contains(&t.version.as_str()) {
            versions.push(&t.version);
        }
    }
    let groups: Vec<Value> = by_group
        .into_iter()
        .map(|(group, versions)| {
            let entries: Vec<Value> = versions
                .iter()
                .map(|v| json!({"groupVersion": format!("{group}/{v}"), "version": v}))
                .collect();
            json!({"name": group, "versions": entries.clone(), "preferredVersion": entries[0]})
        })
        .collect();
    json!({"kind": "APIGroupList", "apiVersion": "v1", "groups": groups})
}

/// The resource list of `group`/`version`, or `None` when nothing is served there.
pub fn resources(types: &[ResourceType], group: &str, version: &str) -> Option<Value> {
    let verbs = json!([
        "create", "delete", "get", "list", "patch", "update", "watch"
    ]);
    let mut resources = Vec::new();
    for t in types
        .iter()
        .filter(|t| t.group == group && t.version == version)
    {
        let mut entry = json!({"name": t.plural, "singularName": t.singular,
            "namespaced": t.namespaced, "kind": t.kind, "verbs": verbs});
        if !t.short_names.is_empty() {
            entry["shortNames"] = json!(t.short_names);
        }
        if !t.categories.is_empty() {
            entry["categories"] = json!(t.categories);
        }
        resources.push(entry);
        if t.status_subresource {
            resources.push(
                json!({"name": format!("{}/status", t.plural), "singularName": "",
                "namespaced": t.namespaced, "kind": t.kind, "verbs": ["get", "patch", "update"]}),
            );
        }
    }
    if resources.is_empty() {
        return None;
    }
    let group_version = if group.is_empty() {
        version.to_string()
    } else {
        format!("{group}/{version}")
    };
    Some(json!({"kind": "APIResourceList", "apiVersion": "v1",
        "groupVersion": group_version, "resources": resources}))
}

fn openapi_key(t: &ResourceType) -> String {
    if t.group.is_empty() {
        format!("api/{}", t.version)
    } else {
        format!("apis/{}/{}", t.group, t.version)
    }
}

/// A short hash of what is served, so clients' cached documents change with it.
fn served_hash(types: &[ResourceType]) -> String {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    for t in types {
        (&t.group, &t.version, &t.plural).hash(&mut hasher);
    }
    format!("{:016X}", hasher.finish())
}

/// `/openapi/v3`: where the document of each group version is.
pub fn openapi_root(types: &[ResourceType]) -> Value {
    let hash = served_hash(types);
    let paths: BTreeMap<String, Value> = types
        .iter()
        .map(|t| {
            let key = openapi_key(t);
            let url = format!("/openapi/v3/{key}?hash={hash}");
            (key, json!({"serverRelativeURL": url}))
        })
        .collect();
    json!({"paths": paths})
}

/// `/openapi/v3/{api|apis/group}/{version}`: the operations of each type, enough for
/// kubectl to see that the server validates fields itself (`fieldValidation` on patch),
/// with permissive schemas (the fake validates no schema).
pub fn openapi_document(types: &[ResourceType], key: &str) -> Option<Value> {
    let mut paths = serde_json::Map::new();
    for t in types.iter().filter(|t| openapi_key(t) == key) {
        let gvk = json!({"group": t.group, "version": t.version, "kind": t.kind});
        let scope = if t.namespaced {
            "namespaces/{namespace}/"
        } else {
            ""
        };
        let operation = json!({"x-kubernetes-group-version-kind": gvk,
            "parameters": [{"name": "fieldValidation", "in": "query", "schema": {"type": "string"}},
                           {"name": "fieldManager", "in": "query", "schema": {"type": "string"}}],
            "responses": {"200": {"description": "OK"}}});
        paths.insert(
            format!("/{key}/{scope}{}/{{name}}", t.plural),
            json!({"get": operation, "put": operation, "patch": operation, "delete": operation}),
        );
        paths.insert(
            format!("/{key}/{scope}{}", t.plural),
            json!({"get": operation, "post": operation}),
        );
    }
    if paths.is_empty() {
        return None;
    }
    Some(
        json!({"openapi": "3.0.0", "info": {"title": "Kubernetes", "version": "v1.33.0"},
        "paths": paths, "components": {"schemas": {}}}),
    )
}
