//! The resource types the fake API server serves: a few built-in ones (namespaces,
//! secrets, config maps, core and events.k8s.io events, leases and custom resource
//! definitions) and every kind a stored CustomResourceDefinition declares, as a real
//! server registers them once the definition is created.

use serde_json::Value;

/// A column of `kubectl get`, from a definition's `additionalPrinterColumns`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrinterColumn {
    /// Header.
    pub name: String,
    /// `string`, `integer`, `date`, ...
    pub type_: String,
    /// Where the value is, e.g. `.spec.source.channel`.
    pub json_path: String,
}

/// One served resource type (one group, version and plural).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceType {
    /// API group; empty for the core group.
    pub group: String,
    /// Version, e.g. `v1alpha1`.
    pub version: String,
    /// Kind, e.g. `Subscription`.
    pub kind: String,
    /// Plural path segment, e.g. `subscriptions`.
    pub plural: String,
    /// Singular name.
    pub singular: String,
    /// Short names (`sub`).
    pub short_names: Vec<String>,
    /// Categories (`kubectl get sluice`).
    pub categories: Vec<String>,
    /// Whether objects live in namespaces.
    pub namespaced: bool,
    /// Whether `status` is a subresource: the main resource ignores status changes and
    /// `.../status` ignores everything else.
    pub status_subresource: bool,
    /// Columns of `kubectl get` beyond the name (none: name and age only).
    pub columns: Vec<PrinterColumn>,
}

impl ResourceType {
    /// `group/version`, or `version` for the core group.
    pub fn api_version(&self) -> String {
        if self.group.is_empty() {
            self.version.clone()
        } else {
            format!("{}/{}", self.group, self.version)
        }
    }

    fn builtin(group: &str, version: &str, kind: &str, plural: &str, namespaced: bool) -> Self {
        ResourceType {
            group: group.into(),
            version: version.into(),
            kind: kind.into(),
            plural: plural.into(),
            singular: kind.to_lowercase(),
            short_names: Vec::new(),
            categories: Vec::new(),
            namespaced,
            status_subresource: false,
            columns: Vec::new(),
        }
    }
}

/// The built-in types: what the controller and kubectl use besides sluice's own kinds.
pub fn builtins() -> Vec<ResourceType> {
    let mut namespaces = ResourceType::builtin("", "v1", "Namespace", "namespaces", false);
    namespaces.short_names = vec!["ns".into()];
    let mut events = ResourceType::builtin("", "v1", "Event", "events", true);
    events.short_names = vec!["ev".into()];
    let mut crds = ResourceType::builtin(
        "apiextensions.k8s.io",
        "v1",
        "CustomResourceDefinition",
        "customresourcedefinitions",
        false,
    );
    crds.short_names = vec!["crd".into(), "crds".into()];
    vec![
        namespaces,
        ResourceType::builtin("", "v1", "Secret", "secrets", true),
        ResourceType::builtin("", "v1", "ConfigMap", "configmaps", true),
        events,
        ResourceType::builtin("events.k8s.io", "v1", "Event", "events", true),
        ResourceType::builtin("coordination.k8s.io", "v1", "Lease", "leases", true),
        crds,
    ]
}

/// The types a CustomResourceDefinition declares (one per served version), or why it
/// cannot be served.
pub fn from_definition(crd: &Value) -> Result<Vec<ResourceType>, String> {
    let spec = crd.get("spec").ok_or("a definition needs a spec")?;
    let text = |v: &Value, field: &str| -> Result<String, String> {
        v.get(field)
            .and_then(Value::as_str)
            .map(str::to_string)
            .ok_or_else(|| format!("spec.{field} is required"))
    };
    let group = text(spec, "group")?;
    let names = spec.get("names").ok_or("spec.names is required")?;
    let kind = text(names, "kind")?;
    let plural = text(names, "plural")?;
    let singular = names
        .get("singular")
        .and_then(Value::as_str)
        .map_or_else(|| kind.to_lowercase(), str::to_string);
    let strings = |v: Option<&Value>| -> Vec<String> {
        v.and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|s| s.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    };
    let namespaced = spec.get("scope").and_then(Value::as_str) != Some("Cluster");
    let versions = spec
        .get("versions")
        .and_then(Value::as_array)
        .ok_or("spec.versions is required")?;
    let mut out = Vec::new();
    for version in versions {
        if version.get("served").and_then(Value::as_bool) == Some(false) {
            continue;
        }
        let columns = version
            .get("additionalPrinterColumns")
            .and_then(Value::as_array)
            .map(|cols| {
                cols.iter()
                    .filter_map(|c| {
                        Some(PrinterColumn {
                            name: c.get("name")?.as_str()?.to_string(),
                            type_: c.get("type")?.as_str()?.to_string(),
                            json_path: c.get("jsonPath")?.as_str()?.to_string(),
                        })
                    })
                    .collect()
            })
            .unwrap_or_default();
        out.push(ResourceType {
            group: group.clone(),
            version: text(version, "name")?,
            kind: kind.clone(),
            plural: plural.clone(),
            singular: singular.clone(),
            short_names: strings(names.get("shortNames")),
            categories: strings(names.get("categories")),
            namespaced,
            status_subresource: version.pointer("/subresources/status").is_some(),
            columns,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_definition_declares_its_served_versions_with_columns_and_subresources() {
        let crd = serde_json::json!({
            "spec": {
                "group": "sluice.dev",
                "scope": "Namespaced",
                "names": {"kind": "Subscription", "plural": "subscriptions", "shortNames": ["sub"]},
                "versions": [
                    {"name": "v1alpha1", "served": true, "subresources": {"status": {}},
                     "additionalPrinterColumns": [{"name": "Ready", "type": "string", "jsonPath": ".status.ready"}]},
                    {"name": "v0", "served": false}
                ]
            }
        });
        let types = from_definition(&crd).unwrap();
        assert_eq!(types.len(), 1);
        let t = &types[0];
        assert_eq!(t.api_version(), "sluice.dev/v1alpha1");
        assert_eq!(t.singular, "subscription");
        assert_eq!(t.short_names, ["sub"]);
        assert!(t.namespaced && t.status_subresource);
        assert_eq!(t.columns[0].json_path, ".status.ready");
        let broken = serde_json::json!({"spec": {"group": "g"}});
        assert_eq!(
            from_definition(&broken).unwrap_err(),
            "spec.names is required"
        );
    }
}
