//! Cross-field and cross-resource rules of a config repository.

use std::collections::{BTreeMap, BTreeSet};

use super::diagnostic::{Diagnostic, Rule};
use super::suggest::did_you_mean;
use super::{ConfigSet, Declared, Origin};
use crate::graph::FlowGraph;
use crate::model::{MergePolicy, MergePolicyName, RepositoryUrl};

/// Runs every rule over the loaded resources.
pub fn check(config: &ConfigSet, out: &mut Vec<Diagnostic>) {
    let channels = ChannelIndex::new(config);
    for dc in &config.default_channels {
        let spec = &dc.resource.spec;
        repository(&dc.origin, &["spec", "repository"], &spec.repository, out);
        channels.check(
            &dc.origin,
            dc.resource.metadata.namespace.as_deref(),
            &["spec", "channel"],
            &spec.channel,
            out,
        );
        branch_selector(dc, out);
    }
    for rp in &config.repository_policies {
        repository(
            &rp.origin,
            &["spec", "repository"],
            &rp.resource.spec.repository,
            out,
        );
        merge_policies(&rp.origin, &rp.resource.spec.merge_policies, false, out);
    }
    duplicate_repository_policies(config, out);
    for sub in &config.subscriptions {
        subscription(config, &channels, sub, out);
    }
    duplicate_subscriptions(config, out);
    for build in &config.builds {
        let spec = &build.resource.spec;
        repository(
            &build.origin,
            &["spec", "repository"],
            &spec.repository,
            out,
        );
        for (i, channel) in spec.channels.iter().enumerate() {
            let index = i.to_string();
            channels.check(
                &build.origin,
                build.resource.metadata.namespace.as_deref(),
                &["spec", "channels", &index],
                channel,
                out,
            );
        }
    }
    cycles(config, out);
}

struct ChannelIndex(BTreeSet<(Option<String>, String)>);

impl ChannelIndex {
    fn new(config: &ConfigSet) -> Self {
        ChannelIndex(
            config
                .channels
                .iter()
                .filter_map(|c| {
                    Some((
                        c.resource.metadata.namespace.clone(),
                        c.resource.metadata.name.clone()?,
                    ))
                })
                .collect(),
        )
    }

    fn check(
        &self,
        origin: &Origin,
        namespace: Option<&str>,
        path: &[&str],
        name: &str,
        out: &mut Vec<Diagnostic>,
    ) {
        let namespace = namespace.map(str::to_string);
        if self.0.contains(&(namespace.clone(), name.to_string())) {
            return;
        }
        let known: Vec<&str> = self
            .0
            .iter()
            .filter(|(ns, _)| *ns == namespace)
            .map(|(_, n)| n.as_str())
            .collect();
        let hint = did_you_mean(name, known.iter().copied()).unwrap_or_else(|| {
            if known.is_empty() {
                "declare it with a `kind: Channel` document".to_string()
            } else {
                format!("declared channels: {}", known.join(", "))
            }
        });
        out.push(
            Diagnostic::error(
                &origin.file,
                origin.pos(path),
                Rule::UnknownChannel,
                format!("unknown channel `{name}`"),
            )
            .with_hint(hint),
        );
    }
}

fn repository(
    origin: &Origin,
    path: &[&str],
    url: &str,
    out: &mut Vec<Diagnostic>,
) -> Option<RepositoryUrl> {
    match RepositoryUrl::parse(url) {
        Ok(parsed) => Some(parsed),
        Err(err) => {
            out.push(
                Diagnostic::error(&origin.file, origin.pos(path), Rule::InvalidRepositoryUrl, format!("invalid repository URL `{}`: {err}", redact(url)))
                    .with_hint("for example https://github.com/contoso/runtime or https://dev.azure.com/contoso/product/_git/runtime"),
            );
            None
        }
    }
}

/// Hides a password or token embedded in a URL's authority before it is shown anywhere.
fn redact(url: &str) -> String {
    if let Some((scheme, rest)) = url.split_once("://") {
        let authority = &rest[..rest.find('/').unwrap_or(rest.len())];
        if let Some(at) = authority.rfind('@') {
            return format!("{scheme}://***@{}", &rest[at + 1..]);
        }
    }
    url.to_string()
}

fn branch_selector(dc: &Declared<crate::model::DefaultChannel>, out: &mut Vec<Diagnostic>) {
    let spec = &dc.resource.spec;
    let origin = &dc.origin;
    match (&spec.branch, &spec.branch_pattern) {
        (Some(_), Some(_)) => out.push(
            Diagnostic::error(
                &origin.file,
                origin.pos(&["spec", "branchPattern"]),
                Rule::InvalidBranchPattern,
                "both `branch` and `branchPattern` are set",
            )
            .with_hint("keep `branch` for one branch, or `branchPattern` for a family of branches"),
        ),
        (None, None) => out.push(
            Diagnostic::error(
                &origin.file,
                origin.pos(&["spec"]),
                Rule::InvalidBranchPattern,
                "neither `branch` nor `branchPattern` is set",
            )
            .with_hint("add `branch: main` or `branchPattern: 'release/.*'`"),
        ),
        (None, Some(pattern)) => {
            if let Err(err) = regex::Regex::new(&format!("^(?:{pattern})$")) {
                let text = err.to_string();
                let last = text.lines().next_back().unwrap_or_default().trim();
                let reason = last.trim_start_matches("error: ").to_string();
                out.push(
                    Diagnostic::error(&origin.file, origin.pos(&["spec", "branchPattern"]), Rule::InvalidBranchPattern, format!("invalid branch regex `{pattern}`: {reason}"))
                        .with_hint("the pattern is a regular expression matched against the whole branch name; escape `.` as `\\.`"),
                );
            }
        }
        (Some(_), None) => {}
    }
}

/// Merge policy rules shared by subscriptions and repository policies.
fn merge_policies(
    origin: &Origin,
    policies: &[MergePolicy],
    source_enabled: bool,
    out: &mut Vec<Diagnostic>,
) {
    let has_standard = policies.iter().any(|p| p.name == MergePolicyName::Standard);
    let mut seen = BTreeSet::new();
    for (i, policy) in policies.iter().enumerate() {
        let index = i.to_string();
        let pos = origin.pos(&["spec", "mergePolicies", &index, "name"]);
        if !seen.insert(policy.name.as_str()) {
            out.push(
                Diagnostic::error(
                    &origin.file,
                    pos,
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
                    pos,
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
        if policy.name == MergePolicyName::CodeflowConsistency && !source_enabled {
            out.push(
                Diagnostic::error(
                    &origin.file,
                    pos,
                    Rule::CodeflowWithoutSource,
                    "`CodeflowConsistency` applies only to source-code flow",
                )
                .with_hint("set `sourceEnabled: true` or remove the policy"),
            );
        }
    }
}

fn subscription(
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
    for (i, glob) in spec.excluded_assets.iter().enumerate() {
        if glob.trim().is_empty() || glob.chars().any(char::is_whitespace) {
            let index = i.to_string();
            out.push(
                Diagnostic::error(&origin.file, origin.pos(&["spec", "excludedAssets", &index]), Rule::InvalidAssetGlob, format!("invalid excluded-asset pattern `{glob}`"))
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

fn duplicate_subscriptions(config: &ConfigSet, out: &mut Vec<Diagnostic>) {
    let mut seen: BTreeMap<_, &Declared<crate::model::Subscription>> = BTreeMap::new();
    for sub in &config.subscriptions {
        let spec = &sub.resource.spec;
        let (Ok(source), Ok(target)) = (
            RepositoryUrl::parse(&spec.source.repository),
            RepositoryUrl::parse(&spec.target.repository),
        ) else {
            continue;
        };
        let key = (
            sub.resource.metadata.namespace.clone(),
            source,
            spec.source.channel.clone(),
            target,
            spec.target.branch.clone(),
            spec.source_enabled,
        );
        if let Some(first) = seen.get(&key) {
            let first_name = first.resource.metadata.name.clone().unwrap_or_default();
            out.push(
                Diagnostic::error(&sub.origin.file, sub.origin.pos(&["spec", "source"]), Rule::DuplicateSubscription, format!("the same flow (source, channel, target, branch) is already declared by `{first_name}`"))
                    .with_hint(format!("see {}:{}; keep one of them", first.origin.file, first.origin.pos(&["spec", "source"]))),
            );
        } else {
            seen.insert(key, sub);
        }
    }
}

fn duplicate_repository_policies(config: &ConfigSet, out: &mut Vec<Diagnostic>) {
    let mut seen: BTreeMap<_, &Origin> = BTreeMap::new();
    for rp in &config.repository_policies {
        let spec = &rp.resource.spec;
        let Ok(repo) = RepositoryUrl::parse(&spec.repository) else {
            continue;
        };
        let key = (
            rp.resource.metadata.namespace.clone(),
            repo,
            spec.branch.clone(),
        );
        if let Some(first) = seen.get(&key) {
            out.push(
                Diagnostic::error(
                    &rp.origin.file,
                    rp.origin.pos(&["spec", "branch"]),
                    Rule::DuplicateName,
                    format!(
                        "a RepositoryPolicy for `{}` branch `{}` already exists",
                        spec.repository, spec.branch
                    ),
                )
                .with_hint(format!(
                    "see {}:{}; merge the two",
                    first.file,
                    first.pos(&["spec", "branch"])
                )),
            );
        } else {
            seen.insert(key, &rp.origin);
        }
    }
}

fn cycles(config: &ConfigSet, out: &mut Vec<Diagnostic>) {
    let mut graph = FlowGraph::new();
    for (i, sub) in config.subscriptions.iter().enumerate() {
        let spec = &sub.resource.spec;
        if !spec.enabled || spec.source_enabled {
            continue;
        }
        if let (Ok(s), Ok(t)) = (
            RepositoryUrl::parse(&spec.source.repository),
            RepositoryUrl::parse(&spec.target.repository),
        ) {
            // Flow between branches of one repository is not a cycle between repositories;
            // the same branch is the self-subscription rule's business.
            if s != t {
                graph.add_edge(s.identity(), t.identity(), i);
            }
        }
    }
    for cycle in graph.cycles() {
        let Some(&first) = cycle.labels.first() else {
            continue;
        };
        let sub = &config.subscriptions[first];
        let mut path = cycle.repositories.clone();
        path.extend(cycle.repositories.first().cloned());
        let names: Vec<String> = cycle
            .labels
            .iter()
            .filter_map(|&i| config.subscriptions[i].resource.metadata.name.clone())
            .collect();
        out.push(
            Diagnostic::warning(&sub.origin.file, sub.origin.pos(&["spec", "target", "repository"]), Rule::DependencyCycle, format!("dependency flow cycle: {}", path.join(" -> ")))
                .with_hint(format!("through subscriptions {}; a cycle only settles if some hop stops producing changes", names.join(", "))),
        );
    }
}
