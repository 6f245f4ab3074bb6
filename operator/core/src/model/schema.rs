//! JSON Schemas of config-repo documents, for editors (yaml-language-server) and linters.
//!
//! Each kind's schema is the CRD's OpenAPI schema of `spec` wrapped in the document
//! envelope (`apiVersion`, `kind`, `metadata`), with every object closed
//! (`additionalProperties: false`) so editors flag unknown fields as `sluice validate` does.

use serde_json::{Value, json};

use super::kind::{API_VERSION, ResourceKind};

/// The JSON Schema (draft 2020-12) of one kind's document.
pub fn document_schema(kind: ResourceKind) -> Value {
    let crd = kind.crd();
    let openapi = crd
        .spec
        .versions
        .first()
        .and_then(|v| v.schema.as_ref())
        .and_then(|s| s.open_api_v3_schema.as_ref())
        .and_then(|s| serde_json::to_value(s).ok())
        .unwrap_or(Value::Null);
    let mut spec = openapi
        .pointer("/properties/spec")
        .cloned()
        .unwrap_or(json!({}));
    to_json_schema(&mut spec);
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": format!("sluice {kind}"),
        "description": openapi.get("description").cloned().unwrap_or(Value::Null),
        "type": "object",
        "additionalProperties": false,
        "required": ["apiVersion", "kind", "metadata", "spec"],
        "properties": {
            "apiVersion": {"const": API_VERSION},
            "kind": {"const": kind.as_str()},
            "metadata": metadata_schema(),
            "spec": spec,
        },
    })
}

/// One schema that accepts a document of any sluice kind, for files holding several kinds.
pub fn any_document_schema() -> Value {
    let kinds: Vec<Value> = ResourceKind::ALL
        .iter()
        .map(|k| {
            let mut schema = document_schema(*k);
            if let Some(obj) = schema.as_object_mut() {
                obj.remove("$schema");
            }
            json!({"if": {"properties": {"kind": {"const": k.as_str()}}}, "then": schema})
        })
        .collect();
    let names: Vec<&str> = ResourceKind::ALL.iter().map(|k| k.as_str()).collect();
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "sluice config document",
        "description": "Any sluice.dev/v1alpha1 resource: Channel, DefaultChannel, Subscription, RepositoryPolicy or Build.",
        "type": "object",
        "required": ["apiVersion", "kind"],
        "properties": {"apiVersion": {"const": API_VERSION}, "kind": {"enum": names}},
        "allOf": kinds,
    })
}

fn metadata_schema() -> Value {
    let strings = json!({"type": "object", "additionalProperties": {"type": "string"}});
    json!({
        "type": "object",
        "additionalProperties": false,
        "required": ["name"],
        "properties": {
            "name": {
                "type": "string",
                "description": "Unique per kind and namespace: lowercase letters, digits, `-` and `.`.",
                "pattern": "^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$",
                "maxLength": 253,
            },
            "namespace": {"type": "string"},
            "labels": strings,
            "annotations": strings,
        },
    })
}

/// Turns an OpenAPI v3 structural schema into JSON Schema: `nullable` becomes a type union,
/// objects with declared properties are closed.
fn to_json_schema(schema: &mut Value) {
    let Some(obj) = schema.as_object_mut() else {
        return;
    };
    if obj.remove("nullable") == Some(Value::Bool(true))
        && let Some(Value::String(t)) = obj.get("type").cloned()
    {
        obj.insert("type".into(), json!([t, "null"]));
    }
    if obj.contains_key("properties") && !obj.contains_key("additionalProperties") {
        obj.insert("additionalProperties".into(), Value::Bool(false));
    }
    for key in ["properties"] {
        if let Some(Value::Object(props)) = obj.get_mut(key) {
            props.values_mut().for_each(to_json_schema);
        }
    }
    for key in ["items", "additionalProperties"] {
        if let Some(child) = obj.get_mut(key) {
            to_json_schema(child);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subscription_schema_is_closed_and_typed() {
        let schema = document_schema(ResourceKind::Subscription);
        let spec = &schema["properties"]["spec"];
        assert_eq!(spec["additionalProperties"], json!(false));
        assert_eq!(
            spec["properties"]["target"]["additionalProperties"],
            json!(false)
        );
        let freq = &spec["properties"]["updateFrequency"];
        assert!(
            freq["enum"]
                .as_array()
                .unwrap()
                .contains(&json!("EveryTwoWeeks"))
        );
        assert_eq!(schema["properties"]["kind"]["const"], json!("Subscription"));
    }
}
