//! Config-repo loading and validation.
//!
//! A config repository holds the same manifests as the CRDs (Channel, DefaultChannel,
//! Subscription, RepositoryPolicy, Build), any number per file. [`load`] reads them all
//! and reports every problem at once with its file, line and column; nothing here touches
//! the filesystem: the caller hands in the file contents.

mod diagnostic;
mod document;
mod rules;
mod schema_check;
mod suggest;
pub mod yaml;

use std::collections::BTreeMap;

pub use diagnostic::{Diagnostic, Rule, Severity};
pub use document::Origin;
pub use suggest::{closest, did_you_mean};

use crate::model::{Build, Channel, DefaultChannel, RepositoryPolicy, ResourceKind, Subscription};
use document::Document;

/// One file of a config repository.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// Its path relative to the config root, as shown in findings.
    pub path: String,
    /// Its text.
    pub text: String,
}

/// A resource together with where it was declared.
#[derive(Debug, Clone)]
pub struct Declared<K> {
    /// The typed resource.
    pub resource: K,
    /// Its file and document.
    pub origin: Origin,
}

/// Every valid resource of a config repository.
#[derive(Debug, Clone, Default)]
pub struct ConfigSet {
    /// Channels.
    pub channels: Vec<Declared<Channel>>,
    /// Default channels.
    pub default_channels: Vec<Declared<DefaultChannel>>,
    /// Subscriptions.
    pub subscriptions: Vec<Declared<Subscription>>,
    /// Repository policies.
    pub repository_policies: Vec<Declared<RepositoryPolicy>>,
    /// Builds declared in the repository (normally builds are published, not declared).
    pub builds: Vec<Declared<Build>>,
}

impl ConfigSet {
    /// Number of resources.
    pub fn len(&self) -> usize {
        self.channels.len()
            + self.default_channels.len()
            + self.subscriptions.len()
            + self.repository_policies.len()
            + self.builds.len()
    }

    /// True when there is no resource.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The outcome of loading a config repository.
#[derive(Debug, Clone, Default)]
pub struct Loaded {
    /// The resources that passed every per-document check. Cross-resource errors do not
    /// remove resources; callers that need a valid whole check [`Loaded::has_errors`].
    pub config: ConfigSet,
    /// Every finding, sorted by file and position.
    pub diagnostics: Vec<Diagnostic>,
    /// Number of files read.
    pub files: usize,
}

impl Loaded {
    /// True when any finding is an error.
    pub fn has_errors(&self) -> bool {
        self.count(Severity::Error) > 0
    }

    /// Number of findings of a severity.
    pub fn count(&self, severity: Severity) -> usize {
        self.diagnostics
            .iter()
            .filter(|d| d.severity == severity)
            .count()
    }
}

/// Loads and validates every document of every file.
pub fn load(files: &[SourceFile]) -> Loaded {
    let mut diagnostics = Vec::new();
    let mut docs = Vec::new();
    for file in files {
        match yaml::parse_documents(&file.text) {
            Ok(nodes) => {
                for node in nodes {
                    docs.extend(document::check_document(&file.path, node, &mut diagnostics));
                }
            }
            Err(err) => diagnostics.push(
                Diagnostic::error(&file.path, err.pos, Rule::YamlSyntax, err.message).with_hint(
                    "fix the YAML syntax first; the file's other problems show once it parses",
                ),
            ),
        }
    }
    let docs = reject_duplicates(docs, &mut diagnostics);
    let mut config = ConfigSet::default();
    for doc in docs {
        add_typed(&mut config, doc, &mut diagnostics);
    }
    rules::check(&config, &mut diagnostics);
    diagnostics.sort_by(|a, b| (&a.file, a.line, a.column).cmp(&(&b.file, b.line, b.column)));
    Loaded {
        config,
        diagnostics,
        files: files.len(),
    }
}

/// One config repository is one flow: names are unique per kind across namespaces too,
/// because subscriptions' progress and pull requests are keyed by name.
fn reject_duplicates(docs: Vec<Document>, out: &mut Vec<Diagnostic>) -> Vec<Document> {
    let mut seen: BTreeMap<(ResourceKind, String), (Origin, Option<String>)> = BTreeMap::new();
    let mut kept = Vec::new();
    for doc in docs {
        let key = (doc.kind, doc.name.clone());
        if let Some((first, namespace)) = seen.get(&key) {
            let pos = doc.origin.pos(&["metadata", "name"]);
            let other_namespace = *namespace != doc.namespace;
            out.push(
                Diagnostic::error(
                    &doc.origin.file,
                    pos,
                    Rule::DuplicateName,
                    format!("{} `{}` is declared twice", doc.kind, doc.name),
                )
                .with_hint(format!(
                    "first declared at {}:{}{}; rename one of them",
                    first.file,
                    first.pos(&["metadata", "name"]),
                    if other_namespace {
                        " in another namespace (names are unique across namespaces in one config)"
                    } else {
                        ""
                    }
                )),
            );
            continue;
        }
        seen.insert(key, (doc.origin.clone(), doc.namespace.clone()));
        kept.push(doc);
    }
    kept
}

fn add_typed(config: &mut ConfigSet, doc: Document, out: &mut Vec<Diagnostic>) {
    fn typed<K: serde::de::DeserializeOwned>(
        doc: Document,
        out: &mut Vec<Diagnostic>,
    ) -> Option<Declared<K>> {
        match serde_json::from_value::<K>(doc.json) {
            Ok(resource) => Some(Declared {
                resource,
                origin: doc.origin,
            }),
            Err(err) => {
                out.push(Diagnostic::error(
                    &doc.origin.file,
                    doc.origin.node.pos,
                    Rule::InvalidValue,
                    format!("{} `{}`: {err}", doc.kind, doc.name),
                ));
                None
            }
        }
    }
    match doc.kind {
        ResourceKind::Channel => config.channels.extend(typed(doc, out)),
        ResourceKind::DefaultChannel => config.default_channels.extend(typed(doc, out)),
        ResourceKind::Subscription => config.subscriptions.extend(typed(doc, out)),
        ResourceKind::RepositoryPolicy => config.repository_policies.extend(typed(doc, out)),
        ResourceKind::Build => config.builds.extend(typed(doc, out)),
    }
}
