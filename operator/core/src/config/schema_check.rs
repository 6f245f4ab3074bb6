//! Structural checks of a document against its kind's OpenAPI schema (the CRD's own), so
//! the config repo and the API server agree on what is valid.

use serde_json::Value as J;

use super::diagnostic::{Diagnostic, Rule};
use super::suggest::did_you_mean;
use super::yaml::{Node, Value};

/// Checks `node` against `schema`, appending findings. `path` names the node for messages
/// (e.g. `spec.target.branch`).
pub fn check(file: &str, node: &Node, schema: &J, path: &str, out: &mut Vec<Diagnostic>) {
    if matches!(node.value, Value::Null) && schema.get("nullable") == Some(&J::Bool(true)) {
        return;
    }
    if schema.get("x-kubernetes-preserve-unknown-fields") == Some(&J::Bool(true))
        || schema.get("x-kubernetes-int-or-string") == Some(&J::Bool(true))
    {
        return;
    }
    match schema.get("type").and_then(J::as_str) {
        Some("object") => check_object(file, node, schema, path, out),
        Some("array") => match &node.value {
            Value::Seq(items) => {
                if let Some(item_schema) = schema.get("items") {
                    for (i, item) in items.iter().enumerate() {
                        check(file, item, item_schema, &format!("{path}[{i}]"), out);
                    }
                }
            }
            _ => out.push(type_error(file, node, path, "a list")),
        },
        Some("string") => match &node.value {
            Value::Str(s) => check_enum(file, node, s, schema, path, out),
            _ => out.push(
                type_error(file, node, path, "a string")
                    .with_hint("quote the value (for example \"1.0\") if it should be text"),
            ),
        },
        Some("boolean") if !matches!(node.value, Value::Bool(_)) => {
            out.push(type_error(file, node, path, "true or false"));
        }
        Some("integer") if !matches!(node.value, Value::Int(_)) => {
            out.push(type_error(file, node, path, "an integer"));
        }
        Some("number") if !matches!(node.value, Value::Int(_) | Value::Float(_)) => {
            out.push(type_error(file, node, path, "a number"));
        }
        _ => {}
    }
}

fn check_object(file: &str, node: &Node, schema: &J, path: &str, out: &mut Vec<Diagnostic>) {
    let Value::Map(entries) = &node.value else {
        out.push(type_error(file, node, path, "a mapping"));
        return;
    };
    let properties = schema.get("properties").and_then(J::as_object);
    let additional = schema.get("additionalProperties").filter(|a| a.is_object());
    for (key, value) in entries {
        let child_path = join(path, &key.name);
        match (properties.and_then(|p| p.get(&key.name)), additional) {
            (Some(child), _) | (None, Some(child)) => check(file, value, child, &child_path, out),
            (None, None) => {
                let Some(properties) = properties else {
                    continue;
                };
                let known = properties.keys().map(String::as_str);
                let where_ = if path.is_empty() {
                    "the document".to_string()
                } else {
                    format!("`{path}`")
                };
                out.push(
                    Diagnostic::error(
                        file,
                        key.pos,
                        Rule::UnknownField,
                        format!("unknown field `{}` in {where_}", key.name),
                    )
                    .with_hint_opt(did_you_mean(&key.name, known).or_else(
                        || {
                            Some(format!(
                                "known fields: {}",
                                properties.keys().cloned().collect::<Vec<_>>().join(", ")
                            ))
                        },
                    )),
                );
            }
        }
    }
    for required in schema
        .get("required")
        .and_then(J::as_array)
        .into_iter()
        .flatten()
    {
        let Some(required) = required.as_str() else {
            continue;
        };
        if !entries.iter().any(|(k, _)| k.name == required) {
            let where_ = if path.is_empty() {
                "the document".to_string()
            } else {
                format!("`{path}`")
            };
            out.push(
                Diagnostic::error(
                    file,
                    node.pos,
                    Rule::MissingField,
                    format!("missing required field `{required}` in {where_}"),
                )
                .with_hint_opt(description(schema, required)),
            );
        }
    }
}

fn check_enum(
    file: &str,
    node: &Node,
    value: &str,
    schema: &J,
    path: &str,
    out: &mut Vec<Diagnostic>,
) {
    let Some(allowed) = schema.get("enum").and_then(J::as_array) else {
        return;
    };
    let allowed: Vec<&str> = allowed.iter().filter_map(J::as_str).collect();
    if allowed.contains(&value) {
        return;
    }
    let is_policy = path.ends_with(".name") && path.contains("mergePolicies[");
    let (rule, what) = if is_policy {
        (Rule::UnknownMergePolicy, "unknown merge policy")
    } else {
        (Rule::InvalidValue, "invalid value")
    };
    out.push(
        Diagnostic::error(
            file,
            node.pos,
            rule,
            format!("{what} `{value}` for `{path}`"),
        )
        .with_hint(match did_you_mean(value, allowed.iter().copied()) {
            Some(hint) => hint,
            None => format!("expected one of: {}", allowed.join(", ")),
        }),
    );
}

fn type_error(file: &str, node: &Node, path: &str, expected: &str) -> Diagnostic {
    Diagnostic::error(
        file,
        node.pos,
        Rule::InvalidValue,
        format!("`{path}` must be {expected}, found {}", node.type_name()),
    )
}

fn description(schema: &J, field: &str) -> Option<String> {
    let text = schema
        .get("properties")?
        .get(field)?
        .get("description")?
        .as_str()?;
    Some(format!(
        "`{field}`: {}",
        text.lines().next().unwrap_or(text)
    ))
}

/// `parent.child`, or `child` at the top.
pub fn join(parent: &str, child: &str) -> String {
    if parent.is_empty() {
        child.to_string()
    } else {
        format!("{parent}.{child}")
    }
}
