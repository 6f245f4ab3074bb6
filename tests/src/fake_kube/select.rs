//! Label and field selectors of lists and watches: `k=v`, `k==v`, `k!=v` and `k` (the
//! label exists) for labels; `path=v` and `path!=v` on dotted paths for fields
//! (`metadata.name`, `involvedObject.uid`, ...).

use serde_json::Value;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Term {
    Equals(String, String),
    Differs(String, String),
    Exists(String),
}

/// The selectors of one request.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Selector {
    labels: Vec<Term>,
    fields: Vec<Term>,
}

fn terms(text: Option<&str>) -> Vec<Term> {
    text.unwrap_or("")
        .split(',')
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(|t| {
            if let Some((k, v)) = t.split_once("!=") {
                Term::Differs(k.trim().into(), v.trim().into())
            } else if let Some((k, v)) = t.split_once("==").or_else(|| t.split_once('=')) {
                Term::Equals(k.trim().into(), v.trim().into())
            } else {
                Term::Exists(t.into())
            }
        })
        .collect()
}

impl Selector {
    /// The selector of a `labelSelector` and a `fieldSelector` parameter.
    pub fn parse(labels: Option<&str>, fields: Option<&str>) -> Selector {
        Selector {
            labels: terms(labels),
            fields: terms(fields),
        }
    }

    /// Whether `object` is selected.
    pub fn matches(&self, object: &Value) -> bool {
        let label = |k: &str| {
            object["metadata"]["labels"]
                .get(k)
                .and_then(Value::as_str)
                .map(str::to_string)
        };
        let field = |path: &str| {
            let pointer = format!("/{}", path.replace('.', "/"));
            object.pointer(&pointer).map(|v| match v {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            })
        };
        let holds = |term: &Term, get: &dyn Fn(&str) -> Option<String>| match term {
            Term::Equals(k, v) => get(k).as_deref() == Some(v.as_str()),
            // An absent field differs from any value.
            Term::Differs(k, v) => get(k).as_deref() != Some(v.as_str()),
            Term::Exists(k) => get(k).is_some(),
        };
        self.labels.iter().all(|t| holds(t, &label)) && self.fields.iter().all(|t| holds(t, &field))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn selectors_match_labels_and_fields() {
        let o = json!({"metadata": {"name": "a", "namespace": "default", "labels": {"app": "sluice"}},
            "involvedObject": {"uid": "u1"}});
        let table = [
            (None, Some("metadata.name=a"), true),
            (None, Some("metadata.name=b"), false),
            (None, Some("metadata.name!=b,involvedObject.uid=u1"), true),
            (Some("app=sluice"), None, true),
            (Some("app==sluice,tier"), None, false),
            (Some("app!=other"), Some("metadata.namespace=default"), true),
            (Some("app"), None, true),
        ];
        for (labels, fields, want) in table {
            assert_eq!(
                Selector::parse(labels, fields).matches(&o),
                want,
                "{labels:?} {fields:?}"
            );
        }
    }
}
