//! The `Table` format (`meta.k8s.io/v1`) that `kubectl get` asks for: a Name column, then
//! the type's printer columns evaluated on each object (or Age alone for a type without
//! any), dates shown as ages the way the API server shows them.

use serde_json::{Value, json};

use super::kinds::{PrinterColumn, ResourceType};

/// The values `path` (a printer column's JSONPath: `.a.b`, `[0]`, `[*]`,
/// `[?(@.type=="Ready")]`) selects in `object`.
pub fn select<'a>(object: &'a Value, path: &str) -> Vec<&'a Value> {
    let mut current = vec![object];
    let mut rest = path.trim_start_matches('{').trim_end_matches('}');
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix('.') {
            let end = after.find(['.', '[']).unwrap_or(after.len());
            let field = &after[..end];
            current = current.into_iter().filter_map(|v| v.get(field)).collect();
            rest = &after[end..];
        } else if let Some(after) = rest.strip_prefix('[') {
            let Some(end) = after.find(']') else {
                return Vec::new();
            };
            let inner = &after[..end];
            rest = &after[end + 1..];
            current = current.into_iter().flat_map(|v| index(v, inner)).collect();
        } else {
            return Vec::new();
        }
    }
    current
}

fn index<'a>(value: &'a Value, selector: &str) -> Vec<&'a Value> {
    let Some(items) = value.as_array() else {
        return Vec::new();
    };
    if selector == "*" {
        return items.iter().collect();
    }
    if let Ok(i) = selector.parse::<usize>() {
        return items.get(i).into_iter().collect();
    }
    // ?(@.field=="value")
    let filter = selector
        .strip_prefix("?(@.")
        .and_then(|s| s.strip_suffix(')'));
    let Some((field, wanted)) = filter.and_then(|f| f.split_once("==")) else {
        return Vec::new();
    };
    let wanted = wanted.trim().trim_matches(['"', '\'']);
    items
        .iter()
        .filter(|item| {
            select(item, &format!(".{}", field.trim()))
                .first()
                .and_then(|v| v.as_str())
                == Some(wanted)
        })
        .collect()
}

/// A duration as the API server prints ages: `45s`, `3m12s`, `17m`, `5h3m`, `2d4h`, `9d`.
pub fn human_duration(seconds: i64) -> String {
    let s = seconds.max(0);
    let (m, h, d) = (s / 60, s / 3600, s / 86_400);
    match () {
        _ if s < 120 => format!("{s}s"),
        _ if m < 10 => {
            if s % 60 == 0 {
                format!("{m}m")
            } else {
                format!("{m}m{}s", s % 60)
            }
        }
        _ if h < 3 => format!("{m}m"),
        _ if h < 8 => {
            if m % 60 == 0 {
                format!("{h}h")
            } else {
                format!("{h}h{}m", m % 60)
            }
        }
        _ if h < 48 => format!("{h}h"),
        _ if d < 8 => {
            if h % 24 == 0 {
                format!("{d}d")
            } else {
                format!("{d}d{}h", h % 24)
            }
        }
        _ if d < 365 * 2 => format!("{d}d"),
        _ => format!("{}y", d / 365),
    }
}

fn cell(object: &Value, column: &PrinterColumn, now: i64) -> Value {
    let found = select(object, &column.json_path);
    if found.is_empty() {
        return Value::Null;
    }
    if column.type_ == "date" {
        return match found[0].as_str().and_then(sluice_core::time::parse_rfc3339) {
            Some(at) => json!(human_duration(now - at)),
            None => Value::Null,
        };
    }
    let texts: Vec<String> = found
        .iter()
        .map(|v| match v {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        })
        .collect();
    json!(texts.join(","))
}

/// `objects` of type `t` as a Table, with each row's object as partial metadata.
pub fn table(t: &ResourceType, objects: &[Value], resource_version: u64, now: i64) -> Value {
    let age = PrinterColumn {
        name: "Age".into(),
        type_: "date".into(),
        json_path: ".metadata.creationTimestamp".into(),
    };
    let columns: Vec<PrinterColumn> = if t.columns.is_empty() {
        vec![age]
    } else {
        t.columns.clone()
    };
    let mut definitions = vec![json!({"name": "Name", "type": "string", "format": "name",
        "description": "Name must be unique within a namespace.", "priority": 0})];
    definitions.extend(columns.iter().map(|c| {
        json!({"name": c.name, "type": c.type_, "format": "", "description": c.json_path, "priority": 0})
    }));
    let rows: Vec<Value> = objects
        .iter()
        .map(|o| {
            let mut cells = vec![o["metadata"]["name"].clone()];
            cells.extend(columns.iter().map(|c| cell(o, c, now)));
            json!({"cells": cells, "object": {
                "kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1",
                "metadata": o["metadata"]}})
        })
        .collect();
    json!({"kind": "Table", "apiVersion": "meta.k8s.io/v1",
        "metadata": {"resourceVersion": resource_version.to_string()},
        "columnDefinitions": definitions, "rows": rows})
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_paths_of_printer_columns_select_what_kubectl_shows() {
        let o = json!({"status": {"conditions": [
            {"type": "Stalled", "status": "False"}, {"type": "Ready", "status": "True"}]},
            "spec": {"list": [1, 2]}});
        let ready = select(&o, r#".status.conditions[?(@.type=="Ready")].status"#);
        assert_eq!(ready, [&json!("True")]);
        assert_eq!(select(&o, ".spec.list[1]"), [&json!(2)]);
        assert_eq!(select(&o, ".spec.list[*]").len(), 2);
        assert!(select(&o, ".status.pullRequest.url").is_empty());
    }

    #[test]
    fn ages_read_as_the_api_server_prints_them() {
        let table = [
            (5, "5s"),
            (119, "119s"),
            (192, "3m12s"),
            (1020, "17m"),
            (18_180, "5h3m"),
            (86_400 * 2 + 3600 * 4, "2d4h"),
            (86_400 * 9, "9d"),
        ];
        for (secs, want) in table {
            assert_eq!(human_duration(secs), want, "{secs}");
        }
    }
}
