//! Merge policies: the conditions under which an update pull request merges by itself.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The merge policies sluice knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
pub enum MergePolicyName {
    /// Every check reported on the pull request succeeded (except `ignoreChecks`); no checks
    /// at all means pending.
    AllChecksSuccessful,
    /// No reviewer requested changes.
    NoRequestedChanges,
    /// No dependency moves to a lower version (semver-aware).
    DontAutomergeDowngrades,
    /// Every dependency pinned to a coherent parent resolves to the parent's version.
    ValidateCoherency,
    /// eng/Version.Details.props agrees with eng/Version.Details.xml.
    VersionDetailsProps,
    /// A source-code-flow pull request is consistent with the commits it claims to carry.
    CodeflowConsistency,
    /// The standard set: AllChecksSuccessful, NoRequestedChanges, DontAutomergeDowngrades
    /// and ValidateCoherency.
    Standard,
}

impl MergePolicyName {
    /// Every policy name, in declaration order.
    pub const ALL: [MergePolicyName; 7] = [
        Self::AllChecksSuccessful,
        Self::NoRequestedChanges,
        Self::DontAutomergeDowngrades,
        Self::ValidateCoherency,
        Self::VersionDetailsProps,
        Self::CodeflowConsistency,
        Self::Standard,
    ];

    /// The policy's name as written in YAML.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::AllChecksSuccessful => "AllChecksSuccessful",
            Self::NoRequestedChanges => "NoRequestedChanges",
            Self::DontAutomergeDowngrades => "DontAutomergeDowngrades",
            Self::ValidateCoherency => "ValidateCoherency",
            Self::VersionDetailsProps => "VersionDetailsProps",
            Self::CodeflowConsistency => "CodeflowConsistency",
            Self::Standard => "Standard",
        }
    }

    /// The policies a composite policy stands for; a plain policy stands for itself.
    pub fn members(self) -> &'static [MergePolicyName] {
        match self {
            Self::Standard => &[
                Self::AllChecksSuccessful,
                Self::NoRequestedChanges,
                Self::DontAutomergeDowngrades,
                Self::ValidateCoherency,
            ],
            Self::AllChecksSuccessful => &[Self::AllChecksSuccessful],
            Self::NoRequestedChanges => &[Self::NoRequestedChanges],
            Self::DontAutomergeDowngrades => &[Self::DontAutomergeDowngrades],
            Self::ValidateCoherency => &[Self::ValidateCoherency],
            Self::VersionDetailsProps => &[Self::VersionDetailsProps],
            Self::CodeflowConsistency => &[Self::CodeflowConsistency],
        }
    }
}

impl std::fmt::Display for MergePolicyName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Settings of a merge policy: `ignoreChecks` for `AllChecksSuccessful`, `graph` for
/// `ValidateCoherency` (both also through `Standard`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct MergePolicyProperties {
    /// Names of checks that `AllChecksSuccessful` (or `Standard`) does not wait for.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ignore_checks: Vec<String>,
    /// `ValidateCoherency` (or `Standard`) also fails when the update would leave the
    /// target's product graph incoherent: one repository reached at two commits along
    /// two paths of product dependencies.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub graph: bool,
}

impl MergePolicyProperties {
    /// True when no property is set.
    pub fn is_empty(&self) -> bool {
        self.ignore_checks.is_empty() && !self.graph
    }
}

/// One merge policy with its settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct MergePolicy {
    /// Which policy.
    pub name: MergePolicyName,
    /// Its settings.
    #[serde(default, skip_serializing_if = "MergePolicyProperties::is_empty")]
    pub properties: MergePolicyProperties,
}

/// How an update pull request is merged once its merge policies pass.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum MergeMethod {
    /// One commit on the target with the update's changes (the default).
    #[default]
    Squash,
    /// A merge commit.
    Merge,
    /// The update's commits replayed onto the target.
    Rebase,
    /// The forge merges by itself (GitHub's auto-merge) once its own branch protection
    /// is satisfied; sluice turns it on when its policies pass.
    Platform,
}

impl MergeMethod {
    /// The name as written in a manifest.
    pub fn as_str(self) -> &'static str {
        match self {
            MergeMethod::Squash => "squash",
            MergeMethod::Merge => "merge",
            MergeMethod::Rebase => "rebase",
            MergeMethod::Platform => "platform",
        }
    }
}

impl std::fmt::Display for MergeMethod {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
