//! The per-file half of loading: a file's text parsed, each document checked against the
//! schema and typed, on its own. What it yields depends on nothing but the file's text,
//! so a [`LoadMemo`] keeps it between loads, and a load after one resource changed checks
//! that one again, not the ten thousand others. The cross-resource half (duplicates,
//! references, cycles) runs over the whole set every time.

use std::collections::HashMap;
use std::sync::Arc;

use serde::de::DeserializeOwned;

use super::diagnostic::{Diagnostic, Rule};
use super::document::{self, Origin, SourceText};
use super::{ConfigSet, Declared, SourceFile, yaml};
use crate::model::{Build, Channel, DefaultChannel, RepositoryPolicy, ResourceKind, Subscription};

/// A typed resource of any kind.
#[derive(Debug, Clone)]
pub(super) enum Resource {
    Channel(Channel),
    DefaultChannel(DefaultChannel),
    Subscription(Box<Subscription>),
    RepositoryPolicy(RepositoryPolicy),
    Build(Box<Build>),
}

/// One document after the per-file checks.
#[derive(Debug, Clone)]
pub(super) struct Checked {
    pub kind: ResourceKind,
    pub name: String,
    pub namespace: Option<String>,
    pub origin: Origin,
    /// Whether it passed the schema; one that did not still declares its name, and its
    /// other fields still meet the cross-resource rules when it can be read at all.
    pub schema_ok: bool,
    /// The typed resource, when the document reads as one.
    pub resource: Option<Resource>,
    /// Why it does not read as one (reported only for a document that passed the
    /// schema: one that did not has its findings already).
    pub typing: Option<Diagnostic>,
}

/// What the per-file checks found in one file.
#[derive(Debug)]
pub(super) struct FileOutcome {
    source: Arc<SourceText>,
    pub docs: Vec<Checked>,
    pub diagnostics: Vec<Diagnostic>,
}

fn typed<K: DeserializeOwned>(
    json: serde_json::Value,
    wrap: fn(K) -> Resource,
) -> Result<Resource, String> {
    serde_json::from_value::<K>(json)
        .map(wrap)
        .map_err(|e| e.to_string())
}

/// Parses, checks and types every document of `file`.
fn check_file(file: &SourceFile) -> FileOutcome {
    let source = SourceText::new(file.text.as_str());
    let mut diagnostics = Vec::new();
    let mut docs = Vec::new();
    match yaml::parse_documents(&file.text) {
        Ok(nodes) => {
            for (index, node) in nodes.iter().enumerate() {
                let origin = Origin::new(&file.path, source.clone(), index);
                let Some(doc) = document::check_document(origin, node, &mut diagnostics) else {
                    continue;
                };
                let read = match doc.kind {
                    ResourceKind::Channel => typed(doc.json, Resource::Channel),
                    ResourceKind::DefaultChannel => typed(doc.json, Resource::DefaultChannel),
                    ResourceKind::Subscription => {
                        typed(doc.json, |s| Resource::Subscription(Box::new(s)))
                    }
                    ResourceKind::RepositoryPolicy => typed(doc.json, Resource::RepositoryPolicy),
                    ResourceKind::Build => typed(doc.json, |b| Resource::Build(Box::new(b))),
                };
                let typing = read.as_ref().err().map(|err| {
                    Diagnostic::error(
                        &file.path,
                        node.pos,
                        Rule::InvalidValue,
                        format!("{} `{}`: {err}", doc.kind, doc.name),
                    )
                });
                docs.push(Checked {
                    kind: doc.kind,
                    name: doc.name,
                    namespace: doc.namespace,
                    origin: doc.origin,
                    schema_ok: doc.schema_ok,
                    resource: read.ok(),
                    typing,
                });
            }
        }
        Err(err) => diagnostics.push(
            Diagnostic::error(&file.path, err.pos, Rule::YamlSyntax, err.message).with_hint(
                "fix the YAML syntax first; the file's other problems show once it parses",
            ),
        ),
    }
    FileOutcome {
        source,
        docs,
        diagnostics,
    }
}

/// The per-file outcomes of earlier loads, by path, each valid while its file's text is
/// the same. A memo keeps each file's text and typed resources, never its parse tree.
#[derive(Debug, Default)]
pub struct LoadMemo {
    files: HashMap<String, Arc<FileOutcome>>,
}

impl LoadMemo {
    /// The per-file outcome of `file`: the memo's when its text is unchanged, else new.
    pub(super) fn outcome(&mut self, file: &SourceFile) -> Arc<FileOutcome> {
        if let Some(known) = self.files.get(&file.path)
            && known.source.text() == file.text
        {
            return known.clone();
        }
        let outcome = Arc::new(check_file(file));
        self.files.insert(file.path.clone(), outcome.clone());
        outcome
    }

    /// Forgets every file but `files`.
    pub(super) fn keep_only(&mut self, files: &[SourceFile]) {
        if self.files.len() == files.len() {
            return;
        }
        let kept: std::collections::HashSet<&str> = files.iter().map(|f| f.path.as_str()).collect();
        self.files.retain(|path, _| kept.contains(path.as_str()));
    }

    /// How many of its files keep a parse tree: only those with findings (a finding's
    /// position parses the file again), never a file that passed every check.
    pub fn parse_trees_kept(&self) -> usize {
        self.files.values().filter(|f| f.source.parsed()).count()
    }

    /// How many files it holds.
    pub fn len(&self) -> usize {
        self.files.len()
    }

    /// Whether it holds no file.
    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }
}

/// Adds `doc`'s resource, if it has one, to `config`.
pub(super) fn add(config: &mut ConfigSet, doc: &Checked) {
    let Some(resource) = doc.resource.clone() else {
        return;
    };
    let origin = doc.origin.clone();
    match resource {
        Resource::Channel(resource) => config.channels.push(Declared { resource, origin }),
        Resource::DefaultChannel(resource) => {
            config.default_channels.push(Declared { resource, origin })
        }
        Resource::Subscription(resource) => config.subscriptions.push(Declared {
            resource: *resource,
            origin,
        }),
        Resource::RepositoryPolicy(resource) => config
            .repository_policies
            .push(Declared { resource, origin }),
        Resource::Build(resource) => config.builds.push(Declared {
            resource: *resource,
            origin,
        }),
    }
}

/// An empty set with room for the resources of `docs` (ten thousand subscriptions
/// pushed one by one would reallocate their vector again and again, doubling it).
pub(super) fn with_room<'a>(docs: impl Iterator<Item = &'a Checked>) -> ConfigSet {
    let mut counts = [0usize; 5];
    for doc in docs {
        let at = match doc.kind {
            ResourceKind::Channel => 0,
            ResourceKind::DefaultChannel => 1,
            ResourceKind::Subscription => 2,
            ResourceKind::RepositoryPolicy => 3,
            ResourceKind::Build => 4,
        };
        counts[at] += 1;
    }
    ConfigSet {
        channels: Vec::with_capacity(counts[0]),
        default_channels: Vec::with_capacity(counts[1]),
        subscriptions: Vec::with_capacity(counts[2]),
        repository_policies: Vec::with_capacity(counts[3]),
        builds: Vec::with_capacity(counts[4]),
    }
}

/// How many resources of each kind `config` holds.
pub(super) fn lengths(config: &ConfigSet) -> [usize; 5] {
    [
        config.channels.len(),
        config.default_channels.len(),
        config.subscriptions.len(),
        config.repository_policies.len(),
        config.builds.len(),
    ]
}

/// Cuts `config` back to `lengths` resources of each kind.
pub(super) fn truncate(config: &mut ConfigSet, lengths: [usize; 5]) {
    config.channels.truncate(lengths[0]);
    config.default_channels.truncate(lengths[1]);
    config.subscriptions.truncate(lengths[2]);
    config.repository_policies.truncate(lengths[3]);
    config.builds.truncate(lengths[4]);
}
