//! Patches as the API server takes them: JSON merge patch (RFC 7386), JSON patch
//! (RFC 6902: add, remove, replace, test) and server-side apply. Apply is served as a
//! merge of the applied configuration into the object, with lists of conditions merged by
//! `type` as their list-map declaration says, and [`prune`] removes what the same field
//! manager applied before and applies no longer.

use serde_json::Value;

use super::objects::Refusal;

/// The patch types the server accepts, by Content-Type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PatchType {
    /// `application/merge-patch+json`, also taken for strategic merge patches.
    Merge,
    /// `application/json-patch+json`.
    Json,
    /// `application/apply-patch+yaml` (JSON is YAML).
    Apply,
}

impl PatchType {
    /// The patch type of a Content-Type header.
    pub fn from_content_type(content_type: &str) -> Option<PatchType> {
        let essence = content_type.split(';').next().unwrap_or("").trim();
        match essence {
            "application/merge-patch+json" | "application/strategic-merge-patch+json" => {
                Some(PatchType::Merge)
            }
            "application/json-patch+json" => Some(PatchType::Json),
            "application/apply-patch+yaml" | "application/apply-patch+json" => {
                Some(PatchType::Apply)
            }
            _ => None,
        }
    }
}

/// `target` with `patch` merged in (RFC 7386): null removes, objects merge, the rest
/// replaces.
pub fn merge(target: &mut Value, patch: &Value) {
    let Value::Object(fields) = patch else {
        *target = patch.clone();
        return;
    };
    if !target.is_object() {
        *target = Value::Object(Default::default());
    }
    let map = target.as_object_mut().expect("an object");
    for (key, value) in fields {
        if value.is_null() {
            map.remove(key);
        } else {
            merge(map.entry(key.clone()).or_insert(Value::Null), value);
        }
    }
}

/// `target` with `applied` applied: like [`merge`], except that lists of objects with a
/// `type` member (conditions) merge item by item on `type`.
pub fn apply(target: &mut Value, applied: &Value) {
    match (target, applied) {
        (Value::Object(map), Value::Object(fields)) => {
            for (key, value) in fields {
                match map.get_mut(key) {
                    Some(existing) if !value.is_null() => apply(existing, value),
                    _ => {
                        map.insert(key.clone(), value.clone());
                    }
                }
            }
        }
        (Value::Array(items), Value::Array(new)) if keyed_by_type(new) && keyed_by_type(items) => {
            for item in new {
                match items.iter_mut().find(|i| i["type"] == item["type"]) {
                    Some(existing) => apply(existing, item),
                    None => items.push(item.clone()),
                }
            }
        }
        (target, applied) => *target = applied.clone(),
    }
}

/// Removes from `target` what the field manager applied `before` and no longer applies
/// `now`: members of objects, and items of lists keyed by `type`. With [`apply`], this is
/// what server-side apply does for a manager that owns what it applied.
pub fn prune(target: &mut Value, before: &Value, now: &Value) {
    match (target, before, now) {
        (Value::Object(map), Value::Object(old), Value::Object(new)) => {
            for (key, old_value) in old {
                match (new.get(key), map.get_mut(key)) {
                    (None, _) => {
                        map.remove(key);
                    }
                    (Some(new_value), Some(current)) => prune(current, old_value, new_value),
                    (Some(_), None) => {}
                }
            }
        }
        (Value::Array(items), Value::Array(old), Value::Array(new))
            if keyed_by_type(old) && keyed_by_type(new) =>
        {
            for old_item in old {
                match new.iter().find(|n| n["type"] == old_item["type"]) {
                    None => items.retain(|i| i["type"] != old_item["type"]),
                    Some(new_item) => {
                        if let Some(current) =
                            items.iter_mut().find(|i| i["type"] == old_item["type"])
                        {
                            prune(current, old_item, new_item);
                        }
                    }
                }
            }
        }
        _ => {}
    }
}

fn keyed_by_type(items: &[Value]) -> bool {
    items
        .iter()
        .all(|i| i.get("type").is_some_and(Value::is_string))
}

/// `target` with the operations of a JSON patch applied, or why one fails (the target
/// is left unchanged then).
pub fn json_patch(target: &mut Value, ops: &Value) -> Result<(), Refusal> {
    let invalid = |m: String| Refusal::new(422, "Invalid", m);
    let ops = ops
        .as_array()
        .ok_or_else(|| invalid("a JSON patch is an array of operations".into()))?;
    let mut work = target.clone();
    for op in ops {
        let name = op["op"].as_str().unwrap_or_default();
        let path = op["path"]
            .as_str()
            .ok_or_else(|| invalid(format!("operation {name} has no path")))?;
        let (parent, last) = match path.rfind('/') {
            Some(i) => (&path[..i], unescape(&path[i + 1..])),
            None => return Err(invalid(format!("bad path {path:?}"))),
        };
        let value = op.get("value").cloned().unwrap_or(Value::Null);
        match name {
            "test" => {
                if work.pointer(path) != Some(&value) {
                    return Err(invalid(format!("test of {path} failed")));
                }
            }
            "add" | "replace" | "remove" => {
                let holder = work
                    .pointer_mut(parent)
                    .ok_or_else(|| invalid(format!("no such path {parent:?}")))?;
                match holder {
                    Value::Object(map) => {
                        if name == "remove" {
                            map.remove(&last)
                                .ok_or_else(|| invalid(format!("no such path {path:?}")))?;
                        } else {
                            map.insert(last, value);
                        }
                    }
                    Value::Array(items) => {
                        let index = if last == "-" {
                            items.len()
                        } else {
                            last.parse::<usize>()
                                .map_err(|_| invalid(format!("bad index in {path:?}")))?
                        };
                        match name {
                            "add" if index <= items.len() => items.insert(index, value),
                            "replace" if index < items.len() => items[index] = value,
                            "remove" if index < items.len() => {
                                items.remove(index);
                            }
                            _ => return Err(invalid(format!("index out of range in {path:?}"))),
                        }
                    }
                    _ => return Err(invalid(format!("{parent:?} holds no members"))),
                }
            }
            other => return Err(invalid(format!("unsupported operation {other:?}"))),
        }
    }
    *target = work;
    Ok(())
}

fn unescape(token: &str) -> String {
    token.replace("~1", "/").replace("~0", "~")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn merge_patch_follows_rfc_7386() {
        let mut doc = json!({"a": "b", "c": {"d": "e", "f": "g"}, "l": [1, 2]});
        merge(&mut doc, &json!({"a": "z", "c": {"f": null}, "l": [3]}));
        assert_eq!(doc, json!({"a": "z", "c": {"d": "e"}, "l": [3]}));
    }

    #[test]
    fn apply_merges_conditions_by_type() {
        let mut doc = json!({"status": {"conditions": [
            {"type": "Ready", "status": "False"}, {"type": "Stalled", "status": "True"}]}});
        apply(
            &mut doc,
            &json!({"status": {"conditions": [{"type": "Ready", "status": "True"}]}}),
        );
        assert_eq!(
            doc["status"]["conditions"],
            json!([{"type": "Ready", "status": "True"}, {"type": "Stalled", "status": "True"}])
        );
    }

    #[test]
    fn what_a_manager_stops_applying_goes() {
        let before = json!({"status": {"conditions": [{"type": "Ready", "status": "False"},
            {"type": "Stalled", "status": "True"}], "pullRequest": {"url": "u"}}});
        let now = json!({"status": {"conditions": [{"type": "Ready", "status": "True"}]}});
        let mut doc = before.clone();
        doc["status"]["other"] = json!("kept: never applied by this manager");
        apply(&mut doc, &now);
        prune(&mut doc, &before, &now);
        assert_eq!(
            doc,
            json!({"status": {"conditions": [{"type": "Ready", "status": "True"}],
                "other": "kept: never applied by this manager"}})
        );
    }

    #[test]
    fn json_patch_applies_all_or_nothing() {
        let mut doc = json!({"metadata": {"finalizers": ["a", "b"]}});
        json_patch(
            &mut doc,
            &json!([{"op": "test", "path": "/metadata/finalizers/0", "value": "a"},
                    {"op": "remove", "path": "/metadata/finalizers/0"}]),
        )
        .unwrap();
        assert_eq!(doc, json!({"metadata": {"finalizers": ["b"]}}));
        let failed = json_patch(
            &mut doc,
            &json!([{"op": "remove", "path": "/metadata/finalizers/0"},
                    {"op": "test", "path": "/metadata/finalizers/0", "value": "x"}]),
        );
        assert_eq!(failed.unwrap_err().code, 422);
        assert_eq!(doc, json!({"metadata": {"finalizers": ["b"]}}));
    }
}
