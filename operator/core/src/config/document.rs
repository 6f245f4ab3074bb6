//! One YAML document to one typed resource: apiVersion, kind and metadata checks, the
//! structural check of `spec` against the CRD schema, then deserialisation.

use std::sync::{Arc, OnceLock};

use serde_json::Value as J;

use super::diagnostic::{Diagnostic, Rule};
use super::schema_check;
use super::suggest::{closest, did_you_mean};
use super::yaml::{Node, Pos, Value};
use crate::model::{API_VERSION, GROUP, ResourceKind};

/// A file's text, parsed again only when a finding needs a position in it: loaded
/// resources keep their text, not their parse tree (a fraction of the memory).
#[derive(Debug)]
pub struct SourceText {
    text: String,
    nodes: OnceLock<Vec<Node>>,
}

impl SourceText {
    /// The text of one file.
    pub fn new(text: impl Into<String>) -> Arc<SourceText> {
        Arc::new(SourceText {
            text: text.into(),
            nodes: OnceLock::new(),
        })
    }

    /// The text.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// Whether its parse tree is kept (a finding asked for a position in it).
    pub fn parsed(&self) -> bool {
        self.nodes.get().is_some()
    }
}

/// Where a resource was declared.
#[derive(Debug, Clone)]
pub struct Origin {
    /// The file, relative to the config root.
    pub file: String,
    source: Arc<SourceText>,
    document: usize,
}

impl PartialEq for Origin {
    fn eq(&self, other: &Self) -> bool {
        self.file == other.file
            && self.document == other.document
            && self.source.text == other.source.text
    }
}

impl Origin {
    /// Document number `document` (from 0) of `file`, whose text is `source`.
    pub fn new(file: &str, source: Arc<SourceText>, document: usize) -> Origin {
        Origin {
            file: file.to_string(),
            source,
            document,
        }
    }

    /// The whole document, with positions (the file is parsed again on first use).
    pub fn node(&self) -> Option<&Node> {
        self.source
            .nodes
            .get_or_init(|| super::yaml::parse_documents(&self.source.text).unwrap_or_default())
            .get(self.document)
    }

    /// The position of the value at `path` (keys and indexes), or of the closest ancestor
    /// that exists, so a finding always points somewhere useful. A block list or mapping
    /// starts on the line after its key, so for those the key's position is returned.
    pub fn pos(&self, path: &[&str]) -> Pos {
        let Some(root) = self.node() else {
            return Pos { line: 1, column: 1 };
        };
        for n in (0..=path.len()).rev() {
            let Some(node) = root.at(&path[..n]) else {
                continue;
            };
            if n > 0
                && matches!(node.value, Value::Seq(_) | Value::Map(_))
                && let Some(key) = root
                    .at(&path[..n - 1])
                    .and_then(|parent| parent.key(path[n - 1]))
            {
                return key.pos;
            }
            return node.pos;
        }
        root.pos
    }
}

/// A document that passed the structural checks.
#[derive(Debug, Clone)]
pub struct Document {
    /// Its kind.
    pub kind: ResourceKind,
    /// `metadata.name`.
    pub name: String,
    /// `metadata.namespace`, when given.
    pub namespace: Option<String>,
    /// The document as JSON, ready for typed deserialisation.
    pub json: J,
    /// Where it came from.
    pub origin: Origin,
    /// Whether it passed the schema; one that did not still declares its name, and its
    /// other fields still meet the cross-resource rules when it can be read at all.
    pub schema_ok: bool,
}

const TOP_FIELDS: [&str; 5] = ["apiVersion", "kind", "metadata", "spec", "status"];

/// Checks one document. Returns `None` (with findings) when it has no kind or name; a
/// foreign document (another API group) yields a warning and `None`. A document with
/// schema errors is returned with `schema_ok: false`.
pub fn check_document(origin: Origin, node: &Node, out: &mut Vec<Diagnostic>) -> Option<Document> {
    let file = origin.file.as_str();
    let before = out.len();
    let api_version = string_field(file, node, "apiVersion", out)?;
    if api_version != API_VERSION {
        let group = api_version.split('/').next().unwrap_or_default();
        let pos = node.get("apiVersion").map_or(node.pos, |n| n.pos);
        if group == GROUP || closest(group, [GROUP]).is_some() {
            out.push(
                Diagnostic::error(
                    file,
                    pos,
                    Rule::UnknownApiVersion,
                    format!("unknown apiVersion `{api_version}`"),
                )
                .with_hint(format!("sluice resources use `apiVersion: {API_VERSION}`")),
            );
        } else {
            out.push(
                Diagnostic::warning(
                    file,
                    pos,
                    Rule::ForeignResource,
                    format!("`{api_version}` is not a sluice resource; ignored"),
                )
                .with_hint("move it out of the config directory if sluice should not read it"),
            );
        }
        return None;
    }
    let kind_text = string_field(file, node, "kind", out)?;
    let Some(kind) = ResourceKind::parse(&kind_text) else {
        let pos = node.get("kind").map_or(node.pos, |n| n.pos);
        let names = ResourceKind::ALL.map(ResourceKind::as_str);
        out.push(
            Diagnostic::error(
                file,
                pos,
                Rule::UnknownKind,
                format!("unknown kind `{kind_text}` in {API_VERSION}"),
            )
            .with_hint(
                did_you_mean(&kind_text, names)
                    .unwrap_or_else(|| format!("expected one of: {}", names.join(", "))),
            ),
        );
        return None;
    };
    let top = serde_json::json!({
        "type": "object",
        "required": ["metadata", "spec"],
        "properties": TOP_FIELDS.iter().map(|f| (f.to_string(), J::Object(Default::default()))).collect::<serde_json::Map<_, _>>(),
    });
    schema_check::check(file, node, &top, "", out);
    let (name, namespace) = check_metadata(file, node, out);
    let schema = openapi_schema(kind);
    for field in ["spec", "status"] {
        if let (Some(child), Some(child_schema)) = (
            node.get(field),
            schema.pointer(&format!("/properties/{field}")),
        ) {
            schema_check::check(file, child, child_schema, field, out);
        }
    }
    let schema_ok = !out[before..]
        .iter()
        .any(|d| d.severity == super::diagnostic::Severity::Error);
    Some(Document {
        kind,
        name: name?,
        namespace,
        json: node.to_json(),
        origin,
        schema_ok,
    })
}

fn string_field(file: &str, node: &Node, field: &str, out: &mut Vec<Diagnostic>) -> Option<String> {
    match node.get(field) {
        Some(value) => match value.as_str() {
            Some(s) => Some(s.to_string()),
            None => {
                out.push(Diagnostic::error(
                    file,
                    value.pos,
                    Rule::InvalidValue,
                    format!("`{field}` must be a string, found {}", value.type_name()),
                ));
                None
            }
        },
        None if matches!(node.value, super::yaml::Value::Map(_)) => {
            out.push(
                Diagnostic::error(
                    file,
                    node.pos,
                    Rule::MissingField,
                    format!("missing required field `{field}`"),
                )
                .with_hint(format!(
                    "every document starts with `apiVersion: {API_VERSION}` and a `kind`"
                )),
            );
            None
        }
        None => {
            out.push(Diagnostic::error(
                file,
                node.pos,
                Rule::InvalidValue,
                format!("a document must be a mapping, found {}", node.type_name()),
            ));
            None
        }
    }
}

fn check_metadata(
    file: &str,
    node: &Node,
    out: &mut Vec<Diagnostic>,
) -> (Option<String>, Option<String>) {
    let Some(meta) = node.get("metadata") else {
        return (None, None);
    };
    let string_map =
        serde_json::json!({"type": "object", "additionalProperties": {"type": "string"}});
    let schema = serde_json::json!({
        "type": "object",
        "required": ["name"],
        "properties": {
            "name": {"type": "string", "description": "the resource's name, unique per kind and namespace"},
            "namespace": {"type": "string"},
            "labels": string_map,
            "annotations": string_map,
        },
    });
    let before = out.len();
    schema_check::check(file, meta, &schema, "metadata", out);
    if out.len() > before {
        return (None, None);
    }
    let name = meta.get("name").and_then(Node::as_str).map(str::to_string);
    if let (Some(name), Some(name_node)) = (&name, meta.get("name"))
        && let Some(problem) = dns_subdomain_problem(name)
    {
        out.push(
            Diagnostic::error(file, name_node.pos, Rule::InvalidName, format!("invalid name `{name}`: {problem}"))
                .with_hint("names are lowercase letters, digits, `-` and `.`, starting and ending with a letter or digit (for example `runtime-to-sdk-main`)"),
        );
        return (None, None);
    }
    (
        name,
        meta.get("namespace")
            .and_then(Node::as_str)
            .map(str::to_string),
    )
}

fn dns_subdomain_problem(name: &str) -> Option<&'static str> {
    if name.is_empty() {
        return Some("it is empty");
    }
    if name.len() > 253 {
        return Some("it is longer than 253 characters");
    }
    if !name
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.')
    {
        return Some("it may contain only lowercase letters, digits, `-` and `.`");
    }
    let edge_ok = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric());
    if !edge_ok(name.chars().next()) || !edge_ok(name.chars().last()) {
        return Some("it must start and end with a letter or digit");
    }
    None
}

/// The CRD's OpenAPI schema of `kind` (computed once per kind).
fn openapi_schema(kind: ResourceKind) -> &'static J {
    static SCHEMAS: OnceLock<Vec<J>> = OnceLock::new();
    let schemas = SCHEMAS.get_or_init(|| {
        ResourceKind::ALL
            .iter()
            .map(|k| {
                let crd = k.crd();
                let schema = crd
                    .spec
                    .versions
                    .first()
                    .and_then(|v| v.schema.as_ref())
                    .and_then(|s| s.open_api_v3_schema.as_ref());
                schema
                    .and_then(|s| serde_json::to_value(s).ok())
                    .unwrap_or(J::Null)
            })
            .collect()
    });
    let index = ResourceKind::ALL
        .iter()
        .position(|k| *k == kind)
        .unwrap_or(0);
    &schemas[index]
}
