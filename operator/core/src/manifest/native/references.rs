//! Locating a version written in another file: by TOML key path, YAML path, JSON
//! path, or a regular expression with a named `version` group.

use std::ops::Range;

use regex::Regex;
use serde::Deserialize;

use super::yaml_tree::{YamlNode, YamlValue};
use crate::manifest::json::{Json, JsonKind, quote};
use crate::manifest::pos::Pos;

/// Where a version is written, as declared in the native manifest.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Reference {
    /// The file, relative to the repository root.
    pub file: String,
    /// A dotted TOML key path, e.g. `workspace.dependencies.serde.version`.
    #[serde(default)]
    pub toml: Option<String>,
    /// A dotted YAML path (numbers index sequences), e.g. `image.tag`.
    #[serde(default)]
    pub yaml: Option<String>,
    /// A dotted JSON path (numbers index arrays), e.g. `dependencies.left-pad`.
    #[serde(default)]
    pub json: Option<String>,
    /// A regular expression with a named `version` group; every match is a spot.
    #[serde(default)]
    pub regex: Option<String>,
}

/// One located spot: the byte range of the value and how to write a new one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Spot {
    /// Byte range to replace.
    pub span: Range<usize>,
    /// The current value (unquoted).
    pub value: String,
    /// The replacement text for `new`.
    quoting: Quoting,
    /// Where the spot is.
    pub pos: Pos,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Quoting {
    Raw,
    Json,
    TomlBasic,
    TomlLiteral,
    YamlPlain,
    YamlDouble,
    YamlSingle,
}

impl Spot {
    /// The text that writes `version` at this spot, quoted as the old value was.
    pub fn render(&self, version: &str) -> String {
        match self.quoting {
            Quoting::Raw => version.to_string(),
            Quoting::Json | Quoting::TomlBasic | Quoting::YamlDouble => quote(version),
            Quoting::TomlLiteral if !version.contains('\'') => format!("'{version}'"),
            Quoting::TomlLiteral => quote(version),
            Quoting::YamlSingle => format!("'{}'", version.replace('\'', "''")),
            Quoting::YamlPlain if plain_safe(version) => version.to_string(),
            Quoting::YamlPlain => quote(version),
        }
    }
}

/// Whether `s` can be written as a plain YAML scalar and read back as the same string.
pub fn plain_safe(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-+/~@:".contains(c))
        && s.chars().next().is_some_and(|c| c.is_ascii_alphanumeric())
        && !s.contains(": ")
        && !matches!(
            s.to_ascii_lowercase().as_str(),
            "true" | "false" | "null" | "yes" | "no" | "on" | "off"
        )
}

/// Why a reference could not be resolved.
pub type LocateError = (Pos, String);

impl Reference {
    /// A short description, e.g. `toml workspace.dependencies.serde.version`.
    pub fn describe(&self) -> String {
        match (&self.toml, &self.yaml, &self.json, &self.regex) {
            (Some(p), _, _, _) => format!("toml {p}"),
            (_, Some(p), _, _) => format!("yaml {p}"),
            (_, _, Some(p), _) => format!("json {p}"),
            (_, _, _, Some(r)) => format!("regex {r}"),
            _ => "nothing".into(),
        }
    }

    /// Checks that exactly one locator is given and the regex compiles.
    pub fn check(&self) -> Result<(), String> {
        let count = [&self.toml, &self.yaml, &self.json, &self.regex]
            .iter()
            .filter(|o| o.is_some())
            .count();
        if count != 1 {
            return Err(format!(
                "reference to {} needs exactly one of toml, yaml, json or regex",
                self.file
            ));
        }
        if let Some(r) = &self.regex {
            let re = Regex::new(r).map_err(|e| format!("invalid regex: {e}"))?;
            if !re.capture_names().any(|n| n == Some("version")) {
                return Err("the regex needs a named group (?P<version>...)".into());
            }
        }
        Ok(())
    }

    /// The spots in `text` this reference points at (at least one, or an error).
    pub fn locate(&self, text: &[u8]) -> Result<Vec<Spot>, LocateError> {
        let at0 = || Pos { line: 1, col: 1 };
        let utf8 = std::str::from_utf8(text).map_err(|e| {
            (
                Pos::at(text, e.valid_up_to()),
                "expected UTF-8 text".to_string(),
            )
        })?;
        if let Some(path) = &self.toml {
            return locate_toml(utf8, path).map(|s| vec![s]);
        }
        if let Some(path) = &self.yaml {
            let doc = YamlNode::parse(utf8)?;
            let node = doc
                .path(path)
                .ok_or_else(|| (at0(), format!("no value at YAML path {path}")))?;
            let YamlValue::Scalar(value) = &node.value else {
                return Err((node.pos, format!("expected a scalar at YAML path {path}")));
            };
            let quoting = match text.get(node.span.start) {
                Some(b'"') => Quoting::YamlDouble,
                Some(b'\'') => Quoting::YamlSingle,
                _ => Quoting::YamlPlain,
            };
            return Ok(vec![Spot {
                span: node.span.clone(),
                value: value.clone(),
                quoting,
                pos: node.pos,
            }]);
        }
        if let Some(path) = &self.json {
            let doc = Json::parse(text).map_err(|e| (e.pos, e.message))?;
            let node = path
                .split('.')
                .try_fold(&doc, |v, seg| match &v.kind {
                    JsonKind::Array(items) => seg.parse::<usize>().ok().and_then(|i| items.get(i)),
                    _ => v.get(seg),
                })
                .ok_or_else(|| (at0(), format!("no value at JSON path {path}")))?;
            let Some(value) = node.as_str() else {
                return Err((
                    Pos::at(text, node.span.start),
                    format!("expected a string at JSON path {path}"),
                ));
            };
            return Ok(vec![Spot {
                span: node.span.clone(),
                value: value.to_string(),
                quoting: Quoting::Json,
                pos: Pos::at(text, node.span.start),
            }]);
        }
        if let Some(pattern) = &self.regex {
            let re = Regex::new(pattern).map_err(|e| (at0(), format!("invalid regex: {e}")))?;
            let spots: Vec<Spot> = re
                .captures_iter(utf8)
                .filter_map(|c| c.name("version"))
                .map(|m| Spot {
                    span: m.range(),
                    value: m.as_str().to_string(),
                    quoting: Quoting::Raw,
                    pos: Pos::at(text, m.start()),
                })
                .collect();
            if spots.is_empty() {
                return Err((at0(), format!("the regex {pattern} matches nothing")));
            }
            return Ok(spots);
        }
        Err((at0(), "no locator given".into()))
    }
}

enum TomlNode<'a> {
    Item(&'a toml_edit::Item),
    Value(&'a toml_edit::Value),
    Table(&'a toml_edit::Table),
}

fn toml_child<'a>(node: TomlNode<'a>, seg: &str) -> Option<TomlNode<'a>> {
    use toml_edit::{Item, Value};
    let value_child = |v: &'a Value| match v {
        Value::InlineTable(t) => t.get(seg).map(TomlNode::Value),
        Value::Array(a) => seg
            .parse::<usize>()
            .ok()
            .and_then(|i| a.get(i))
            .map(TomlNode::Value),
        _ => None,
    };
    match node {
        TomlNode::Item(Item::Table(t)) | TomlNode::Table(t) => t.get(seg).map(TomlNode::Item),
        TomlNode::Item(Item::Value(v)) | TomlNode::Value(v) => value_child(v),
        TomlNode::Item(Item::ArrayOfTables(a)) => seg
            .parse::<usize>()
            .ok()
            .and_then(|i| a.get(i))
            .map(TomlNode::Table),
        TomlNode::Item(Item::None) => None,
    }
}

fn locate_toml(text: &str, path: &str) -> Result<Spot, LocateError> {
    let doc = toml_edit::Document::parse(text).map_err(|e| {
        let offset = e.span().map_or(0, |s| s.start);
        (Pos::at(text.as_bytes(), offset), e.message().to_string())
    })?;
    let missing = || {
        (
            Pos { line: 1, col: 1 },
            format!("no value at TOML key path {path}"),
        )
    };
    let mut node = TomlNode::Table(doc.as_table());
    for seg in path.split('.') {
        node = toml_child(node, seg).ok_or_else(missing)?;
    }
    let value = match node {
        TomlNode::Item(toml_edit::Item::Value(v)) | TomlNode::Value(v) => v,
        _ => return Err(missing()),
    };
    let span = value.span().ok_or_else(missing)?;
    let Some(s) = value.as_str() else {
        return Err((
            Pos::at(text.as_bytes(), span.start),
            format!("expected a string at TOML key path {path}"),
        ));
    };
    let quoting = if text.as_bytes().get(span.start) == Some(&b'\'') {
        Quoting::TomlLiteral
    } else {
        Quoting::TomlBasic
    };
    Ok(Spot {
        value: s.to_string(),
        quoting,
        pos: Pos::at(text.as_bytes(), span.start),
        span,
    })
}
