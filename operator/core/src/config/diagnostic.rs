//! Validation findings: what is wrong, where, and how to fix it.

use serde::Serialize;

use super::yaml::Pos;

/// How bad a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The config is rejected.
    Error,
    /// The config is accepted, but probably not what was meant.
    Warning,
}

/// The rules a config repository is checked against. Each has a stable kebab-case id that
/// appears in the output (`error[unknown-channel]`) so bots and people can search for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Rule {
    /// The file is not text (not UTF-8, or binary).
    UnreadableFile,
    /// A config path holds no manifest file.
    NoManifests,
    /// The file is not valid YAML.
    YamlSyntax,
    /// `apiVersion` is not `sluice.dev/v1alpha1`.
    UnknownApiVersion,
    /// `kind` is not a sluice kind.
    UnknownKind,
    /// A document of another API group; ignored.
    ForeignResource,
    /// A field the kind does not have.
    UnknownField,
    /// A required field is absent.
    MissingField,
    /// A value of the wrong type or outside the allowed set.
    InvalidValue,
    /// `metadata.name` is not a valid Kubernetes name.
    InvalidName,
    /// Two resources of one kind share a namespace and name.
    DuplicateName,
    /// A subscription or default channel names a channel nobody declares.
    UnknownChannel,
    /// A repository URL sluice cannot use.
    InvalidRepositoryUrl,
    /// A default channel's `branchPattern` is not a valid regular expression, or both or
    /// neither of `branch` and `branchPattern` are set.
    InvalidBranchPattern,
    /// An excluded-asset glob that cannot match anything sensible.
    InvalidAssetGlob,
    /// A branch name git would refuse (`../x`, `a..b`, `x.lock`, `@{1}`, a leading `-`,
    /// whitespace, `*`).
    InvalidBranch,
    /// A merge policy sluice does not know.
    UnknownMergePolicy,
    /// A policy property on a policy that takes none.
    UnusedPolicyProperty,
    /// A batchable subscription with its own merge policies.
    BatchableWithMergePolicies,
    /// `Standard` next to a policy it already contains, or a policy listed twice.
    RedundantMergePolicy,
    /// `CodeflowConsistency` on a subscription that does not flow source code.
    CodeflowWithoutSource,
    /// Source-code flow needs exactly one of `sourceDirectory` and `targetDirectory`.
    SourceDirectory,
    /// A subscription whose source and target are the same repository and branch.
    SelfSubscription,
    /// Two subscriptions with the same source, channel, target and branch.
    DuplicateSubscription,
    /// A batchable subscription whose target branch has no RepositoryPolicy.
    MissingRepositoryPolicy,
    /// Dependency flow between repositories forms a cycle.
    DependencyCycle,
    /// A subscription from an internal channel into a public target repository.
    InternalToPublic,
}

impl Rule {
    /// The rule's kebab-case id.
    pub fn id(self) -> String {
        serde_json::to_value(self)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default()
    }
}

/// One finding, located at a file position.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    /// The file, as given to the loader (relative to the config root).
    pub file: String,
    /// 1-based line.
    pub line: u32,
    /// 1-based column.
    pub column: u32,
    /// Error or warning.
    pub severity: Severity,
    /// Which rule.
    pub rule: Rule,
    /// What is wrong.
    pub message: String,
    /// How to fix it, when there is something to say.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
}

impl Diagnostic {
    /// An error at `pos` of `file`.
    pub fn error(file: &str, pos: Pos, rule: Rule, message: impl Into<String>) -> Self {
        Diagnostic {
            file: file.to_string(),
            line: pos.line,
            column: pos.column,
            severity: Severity::Error,
            rule,
            message: message.into(),
            hint: None,
        }
    }

    /// A warning at `pos` of `file`.
    pub fn warning(file: &str, pos: Pos, rule: Rule, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            ..Self::error(file, pos, rule, message)
        }
    }

    /// Adds a hint.
    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// Adds a hint when there is one.
    pub fn with_hint_opt(mut self, hint: Option<String>) -> Self {
        self.hint = hint;
        self
    }
}

impl std::fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let severity = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        write!(
            f,
            "{}:{}:{}: {severity}[{}]: {}",
            self.file,
            self.line,
            self.column,
            self.rule.id(),
            self.message
        )?;
        if let Some(hint) = &self.hint {
            write!(f, "\n  = hint: {hint}")?;
        }
        Ok(())
    }
}
