//! Rules of one subscription (and the merge-policy rules repository policies share).

use std::collections::BTreeSet;

use super::super::diagnostic::{Diagnostic, Rule};
use super::super::{ConfigSet, Declared, Origin};
use super::{ChannelIndex, fields, repository};
use crate::model::{MergePolicy, MergePolicyName, RepositoryUrl};

/// Merge policy rules shared by subscriptions and repository policies.
pub(super) fn merge_policies(
    origin: &Origin,
    policies: &[MergePolicy],
    source_enabled: bool,
    out: &mut Vec<Diagnostic>,
) {
    let has_standard = policies.iter().any(|p| p.name == MergePolicyName::Standard);
    let mut seen = BTreeSet::new();
    for (i, policy) in policies.iter().enumerate() {
        let index = i.to_string();
        // Found only for a finding: a position parses the file again.
        let pos = || origin.pos(&["spec", "mergePolicies", &index, "name"]);
        if !seen.insert(policy.name.as_str()) {
            out.push(
                Diagnostic::error(
                    &origin.file,
                    pos(),
                    Rule::RedundantMergePolicy,
                    format!("merge policy `{}` is listed twice", policy.name),
                )
                .with_hint("remove the second entry"),
            );
        } else if has_standard
            && policy.name != MergePolicyName::Standard
            && MergePolicyName::Standard.members().contains(&policy.name)
        {
            out.push(
                Diagnostic::error(
                    &origin.file,
                    pos(),
                    Rule::RedundantMergePolicy,
                    format!("`Standard` already contains `{}`", policy.name),
                )
                .with_hint("remove it; to skip checks use `properties.ignoreChecks` on `Standard`"),
            );
        }
        let takes_checks = matches!(
            policy.name,
            MergePolicyName::AllChecksSuccessful | MergePolicyName::Standard
        );
        if !policy.properties.ignore_checks.is_empty() && !takes_checks {
            out.push(
                Diagnostic::error(
                    &origin.file,
                    origin.pos(&["spec", "mergePolicies", &index, "properties"]),
                    Rule::UnusedPolicyProperty,
                    format!("`{}` takes no `ignoreChecks`", policy.name),
                )
                .with_hint("`ignoreChecks` belongs to `AllChecksSuccessful` or `Standard`"),
            );
        }
        let takes_graph = policy
            .name
            .members()
            .contains(&MergePolicyName::ValidateCoherency);
        if policy.properties.graph && !takes_graph {
            out.push(
                Diagnostic::error(
                    &origin.file,
                    origin.pos(&["spec", "mergePolicies", &index, "properties"]),
                    Rule::UnusedPolicyProperty,
                    format!("`{}` takes no `graph`", policy.name),
                )
                .with_hint("`graph` belongs to `ValidateCoherency` or `Standard`"),
            );
        }
        if policy.name == MergePolicyName::CodeflowConsistency && !source_enabled {
            out.push(
                Diagnostic::error(
                    &origin.file,
                    pos(),
                    Rule::CodeflowWithoutSource,
                    "`CodeflowConsistency` applies only to source-code flow",
                )
                .with_hint("set `sourceEnabled: true` or remove the policy"),
            );
        }
    }
}

pub(super) fn subscription(
    config: &ConfigSet,
    channels: &ChannelIndex,
    sub: &Declared<crate::model::Subscription>,
    out: &mut Vec<Diagnostic>,
) {
    let (spec, origin) = (&sub.resource.spec, &sub.origin);
    let namespace = sub.resource.metadata.namespace.as_deref();
    let source = repository(
        origin,
        &["spec", "source", "repository"],
        &spec.source.repository,
        out,
    );
    let target = repository(
        origin,
        &["spec", "target", "repository"],
        &spec.target.repository,
        out,
    );
    channels.check(
        origin,
        namespace,
        &["spec", "source", "channel"],
        &spec.source.channel,
        out,
    );
    fields::branch(
        origin,
        &["spec", "target", "branch"],
        &spec.target.branch,
        out,
    );
    for (i, glob) in spec.excluded_assets.iter().enumerate() {
        if !fields::asset_glob_ok(glob) {
            let index = i.to_string();
            out.push(
                Diagnostic::error(&origin.file, origin.pos(&["spec", "excludedAssets", &index]), Rule::InvalidAssetGlob, format!("invalid excluded-asset pattern {}", crate::validate::quote(glob)))
                    .with_hint("patterns are asset names with `*` and `?` wildcards, for example `Contoso.Internal.*`"),
            );
        }
    }
    if spec.batchable && !spec.merge_policies.is_empty() {
        out.push(
            Diagnostic::error(&origin.file, origin.pos(&["spec", "mergePolicies"]), Rule::BatchableWithMergePolicies, "a batchable subscription cannot have its own merge policies")
                .with_hint("batched pull requests merge under the target's RepositoryPolicy; move the policies there"),
        );
    }
    merge_policies(origin, &spec.merge_policies, spec.source_enabled, out);
    let dirs = [
        ("sourceDirectory", &spec.source_directory),
        ("targetDirectory", &spec.target_directory),
    ];
    let set: Vec<&str> = dirs
        .iter()
        .filter(|(_, v)| v.is_some())
        .map(|(k, _)| *k)
        .collect();
    if spec.source_enabled && set.len() != 1 {
        out.push(
            Diagnostic::error(&origin.file, origin.pos(&["spec", "sourceEnabled"]), Rule::SourceDirectory, format!("source-code flow needs exactly one of `sourceDirectory` and `targetDirectory`, found {}", set.len()))
                .with_hint("`sourceDirectory` flows into a repository that holds others; `targetDirectory` flows out of it"),
        );
    } else if !spec.source_enabled && !set.is_empty() {
        out.push(
            Diagnostic::warning(
                &origin.file,
                origin.pos(&["spec", set[0]]),
                Rule::SourceDirectory,
                format!("`{}` is ignored without `sourceEnabled: true`", set[0]),
            )
            .with_hint("set `sourceEnabled: true` to flow source code, or remove the field"),
        );
    }
    if let (Some(source), Some(target)) = (&source, &target)
        && source == target
        && publishes_branch(config, source, &spec.source.channel, &spec.target.branch)
    {
        out.push(
            Diagnostic::error(
                &origin.file,
                origin.pos(&["spec", "target", "branch"]),
                Rule::SelfSubscription,
                format!(
                    "the subscription flows `{}` branch `{}` into itself",
                    spec.target.repository, spec.target.branch
                ),
            )
            .with_hint(
                "a branch cannot depend on its own builds; target another branch or repository",
            ),
        );
    }
    if spec.batchable
        && let Some(target) = &target
    {
        let covered = config.repository_policies.iter().any(|rp| {
            RepositoryUrl::parse(&rp.resource.spec.repository)
                .ok()
                .as_ref()
                == Some(target)
                && rp.resource.spec.branch == spec.target.branch
        });
        if !covered {
            out.push(
                Diagnostic::warning(&origin.file, origin.pos(&["spec", "batchable"]), Rule::MissingRepositoryPolicy, format!("no RepositoryPolicy for `{}` branch `{}`: batched pull requests will wait for a person to merge", spec.target.repository, spec.target.branch))
                    .with_hint("declare a `kind: RepositoryPolicy` with the merge policies for this branch"),
            );
        }
    }
}

/// True when some enabled default channel assigns builds of `repo` on `branch` to `channel`.
fn publishes_branch(config: &ConfigSet, repo: &RepositoryUrl, channel: &str, branch: &str) -> bool {
    config.default_channels.iter().any(|dc| {
        let spec = &dc.resource.spec;
        spec.enabled
            && spec.channel == channel
            && RepositoryUrl::parse(&spec.repository).ok().as_ref() == Some(repo)
            && match (&spec.branch, &spec.branch_pattern) {
                (Some(b), _) => b == branch,
                (None, Some(p)) => {
                    regex::Regex::new(&format!("^(?:{p})$")).is_ok_and(|re| re.is_match(branch))
                }
                (None, None) => false,
            }
    })
}
