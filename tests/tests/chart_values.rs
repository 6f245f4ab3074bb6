//! The chart's `values.yaml` holds nothing dead: every value is read by a template,
//! itself (`.Values.a.b`) or through a parent used whole (`toYaml .Values.resources`).

use std::path::Path;

use serde_json::Value;

fn chart() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../charts/sluice"))
}

/// The dotted path of every leaf (a scalar, or an empty list or map).
fn leaves(prefix: &str, value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) if !map.is_empty() => {
            for (key, value) in map {
                let path = if prefix.is_empty() {
                    key.clone()
                } else {
                    format!("{prefix}.{key}")
                };
                leaves(&path, value, out);
            }
        }
        _ => out.push(prefix.to_string()),
    }
}

/// Whether `text` reads `.Values.PATH` as a whole (not as the start of a longer name).
fn reads(text: &str, path: &str) -> bool {
    let needle = format!(".Values.{path}");
    text.match_indices(&needle).any(|(at, _)| {
        let next = text[at + needle.len()..].chars().next();
        !next.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
    })
}

#[test]
fn every_value_is_used_by_a_template() {
    let values: Value =
        serde_saphyr::from_str(&std::fs::read_to_string(chart().join("values.yaml")).unwrap())
            .unwrap();
    let mut templates = String::new();
    for entry in std::fs::read_dir(chart().join("templates")).unwrap() {
        let path = entry.unwrap().path();
        templates.push_str(&std::fs::read_to_string(&path).unwrap());
    }
    let mut paths = Vec::new();
    leaves("", &values, &mut paths);
    assert!(paths.len() > 20, "{paths:?}");
    let unused: Vec<&String> = paths
        .iter()
        .filter(|path| {
            // Used itself, or through a parent used whole.
            let parts: Vec<&str> = path.split('.').collect();
            !(1..=parts.len()).any(|n| {
                let prefix = parts[..n].join(".");
                let whole = reads(&templates, &prefix)
                    && !templates.contains(&format!(".Values.{prefix}."));
                n == parts.len() && reads(&templates, &prefix) || whole
            })
        })
        .collect();
    assert!(unused.is_empty(), "values no template reads: {unused:?}");
    // The check itself can fail: a value nobody reads is found.
    assert!(!reads(&templates, "no.such.value"));
}
