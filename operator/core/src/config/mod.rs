//! Config-repo loading and validation.
//!
//! A config repository holds the same manifests as the CRDs (Channel, DefaultChannel,
//! Subscription, RepositoryPolicy, Build), any number per file. [`load`] reads them all
//! and reports every problem at once with its file, line and column; nothing here touches
//! the filesystem: the caller hands in the file contents.

mod diagnostic;
mod document;
mod each;
mod rules;
mod schema_check;
mod stage;
mod suggest;
pub mod yaml;

use std::collections::BTreeMap;

pub use diagnostic::{Diagnostic, Rule, Severity};
pub use document::Origin;
pub use each::{EachLoaded, load_each, load_each_with};
pub use stage::LoadMemo;
pub use suggest::{closest, did_you_mean};

use crate::model::{Build, Channel, DefaultChannel, RepositoryPolicy, ResourceKind, Subscription};
use stage::Checked;

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

/// A file of a config directory that could not be read as text (not UTF-8, binary).
#[derive(Debug, Clone)]
pub struct UnreadableFile {
    /// Its path, as shown in findings.
    pub path: String,
    /// Why it could not be read.
    pub reason: String,
}

/// Loads and validates every document of every file.
pub fn load(files: &[SourceFile]) -> Loaded {
    load_all(files, &[], &[])
}

/// [`load`], plus one error per file that could not be read as text (the others are
/// still checked) and a warning for each root that holds no manifest file at all.
pub fn load_all(
    files: &[SourceFile],
    unreadable: &[UnreadableFile],
    empty_roots: &[String],
) -> Loaded {
    let mut loaded = load_files(files);
    for file in unreadable {
        loaded.diagnostics.push(
            Diagnostic::error(
                &file.path,
                yaml::Pos { line: 1, column: 1 },
                Rule::UnreadableFile,
                format!("not a text file: {}", file.reason),
            )
            .with_hint("config files are UTF-8 YAML; remove the file or save it as UTF-8"),
        );
    }
    for root in empty_roots {
        loaded.diagnostics.push(
            Diagnostic::warning(
                root,
                yaml::Pos { line: 1, column: 1 },
                Rule::NoManifests,
                "no *.yaml or *.yml file found: nothing to check".to_string(),
            )
            .with_hint("point at the config repository's root (hidden directories are skipped)"),
        );
    }
    loaded.files += unreadable.len();
    sort(&mut loaded.diagnostics);
    loaded
}

fn sort(diagnostics: &mut [Diagnostic]) {
    diagnostics.sort_by(|a, b| (&a.file, a.line, a.column).cmp(&(&b.file, b.line, b.column)));
}

fn load_files(files: &[SourceFile]) -> Loaded {
    load_with(files, &mut LoadMemo::default())
}

/// [`load`], with the per-file checks of files whose text is unchanged taken from `memo`
/// (and the new ones kept in it).
pub fn load_with(files: &[SourceFile], memo: &mut LoadMemo) -> Loaded {
    let mut diagnostics = Vec::new();
    let mut docs = Vec::new();
    for file in files {
        let outcome = memo.outcome(file);
        diagnostics.extend(outcome.diagnostics.iter().cloned());
        docs.extend(outcome.docs.iter().cloned());
    }
    let docs = reject_duplicates(docs, &mut diagnostics);
    let (valid, invalid): (Vec<Checked>, Vec<Checked>) =
        docs.into_iter().partition(|d| d.schema_ok);
    let mut config = stage::with_room(valid.iter().chain(&invalid));
    for doc in &valid {
        diagnostics.extend(doc.typing.clone());
        stage::add(&mut config, doc);
    }
    // The rules also see the documents with schema errors that still read as resources
    // (their other fields are checked too), and every declared name counts: a Channel
    // with a broken spec is one finding, not one more per subscription naming it. They
    // are added for the rules and cut off again after.
    let valid_lengths = stage::lengths(&config);
    let mut declared = rules::DeclaredNames::default();
    for doc in &invalid {
        declared.insert(doc.kind, doc.namespace.clone(), doc.name.clone());
        stage::add(&mut config, doc);
    }
    rules::check(&config, &declared, &mut diagnostics);
    stage::truncate(&mut config, valid_lengths);
    sort(&mut diagnostics);
    Loaded {
        config,
        diagnostics,
        files: files.len(),
    }
}

/// One config repository is one flow: names are unique per kind across namespaces too,
/// because subscriptions' progress and pull requests are keyed by name.
fn reject_duplicates(docs: Vec<Checked>, out: &mut Vec<Diagnostic>) -> Vec<Checked> {
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

#[cfg(test)]
mod tests {
    use super::*;

    const CHANNEL: &str =
        "apiVersion: sluice.dev/v1alpha1\nkind: Channel\nmetadata: {name: dev}\nspec: {}\n";

    fn subscription(name: &str, channel: &str, extra: &str) -> String {
        format!(
            "apiVersion: sluice.dev/v1alpha1\nkind: Subscription\nmetadata: {{name: {name}}}\nspec:\n  source: {{repository: \"https://github.com/contoso/runtime\", channel: {channel}}}\n  target: {{repository: \"https://github.com/contoso/{name}\", branch: main}}\n{extra}"
        )
    }

    fn rules(loaded: &Loaded) -> Vec<String> {
        loaded
            .diagnostics
            .iter()
            .map(|d| format!("{}:{} {}", d.file, d.line, d.rule.id()))
            .collect()
    }

    fn file(path: &str, docs: &[&str]) -> SourceFile {
        SourceFile {
            path: path.into(),
            text: docs.join("---\n"),
        }
    }

    #[test]
    fn a_channel_without_spec_is_one_finding() {
        let broken = "apiVersion: sluice.dev/v1alpha1\nkind: Channel\nmetadata: {name: dev}\n";
        let loaded = load(&[file(
            "c.yaml",
            &[
                broken,
                &subscription("a", "dev", ""),
                &subscription("b", "dev", ""),
            ],
        )]);
        assert_eq!(rules(&loaded), ["c.yaml:1 missing-field"], "{loaded:#?}");
    }

    #[test]
    fn schema_errors_do_not_hide_the_other_fields_rules() {
        let loaded = load(&[file(
            "c.yaml",
            &[CHANNEL, &subscription("a", "nightly", "  colour: blue\n")],
        )]);
        let found = rules(&loaded);
        assert!(
            found.iter().any(|r| r.ends_with("unknown-field")),
            "{found:?}"
        );
        assert!(
            found.iter().any(|r| r.ends_with("unknown-channel")),
            "{found:?}"
        );
        assert!(
            loaded.config.subscriptions.is_empty(),
            "an invalid one is not in force"
        );
    }

    #[test]
    fn unreadable_files_and_empty_roots_are_findings_among_the_others() {
        let unreadable = [UnreadableFile {
            path: "bin.yaml".into(),
            reason: "invalid UTF-8 at byte 3".into(),
        }];
        let loaded = load_all(
            &[file(
                "c.yaml",
                &[CHANNEL, &subscription("a", "nightly", "")],
            )],
            &unreadable,
            &[],
        );
        assert_eq!(
            rules(&loaded),
            ["bin.yaml:1 unreadable-file", "c.yaml:10 unknown-channel"]
        );
        assert_eq!(loaded.files, 2);

        let empty = load_all(&[], &[], &["config/".to_string()]);
        assert_eq!(rules(&empty), ["config/:1 no-manifests"]);
        assert!(!empty.has_errors(), "an empty directory only warns");
    }
}
