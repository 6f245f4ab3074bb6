//! Cross-field and cross-resource rules of a config repository.

use std::collections::{BTreeMap, BTreeSet};

use super::diagnostic::{Diagnostic, Rule};
use super::suggest::did_you_mean;
use super::{ConfigSet, Declared, Origin};
use crate::graph::FlowGraph;
use crate::model::{RepositoryUrl, ResourceKind};

mod fields;
mod subscription;
mod visibility;

use subscription::{merge_policies, subscription};

/// Names declared by documents that failed the schema, by kind: they exist, so naming
/// them is not a finding of its own.
#[derive(Debug, Default)]
pub struct DeclaredNames(BTreeSet<(ResourceKind, Option<String>, String)>);

impl DeclaredNames {
    /// Records that `kind` `name` is declared in `namespace`.
    pub fn insert(&mut self, kind: ResourceKind, namespace: Option<String>, name: String) {
        self.0.insert((kind, namespace, name));
    }
}

/// Runs every rule over the loaded resources; `declared` adds the names of resources
/// that failed the schema.
pub fn check(config: &ConfigSet, declared: &DeclaredNames, out: &mut Vec<Diagnostic>) {
    let mut channels = ChannelIndex::new(config);
    channels.0.extend(
        declared
            .0
            .iter()
            .filter(|(kind, _, _)| *kind == ResourceKind::Channel)
            .map(|(_, ns, name)| (ns.clone(), name.clone())),
    );
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
        if let Some(b) = &spec.branch {
            fields::branch(&dc.origin, &["spec", "branch"], b, out);
        }
    }
    for rp in &config.repository_policies {
        repository(
            &rp.origin,
            &["spec", "repository"],
            &rp.resource.spec.repository,
            out,
        );
        fields::branch(
            &rp.origin,
            &["spec", "branch"],
            &rp.resource.spec.branch,
            out,
        );
        merge_policies(&rp.origin, &rp.resource.spec.merge_policies, false, out);
    }
    duplicate_repository_policies(config, out);
    for sub in &config.subscriptions {
        subscription(config, &channels, sub, out);
        visibility::internal_to_public(config, sub, out);
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

pub(super) struct ChannelIndex(BTreeSet<(Option<String>, String)>);

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

pub(super) fn repository(
    origin: &Origin,
    path: &[&str],
    url: &str,
    out: &mut Vec<Diagnostic>,
) -> Option<RepositoryUrl> {
    match RepositoryUrl::parse(url) {
        Ok(parsed) => Some(parsed),
        Err(err) => {
            out.push(
                Diagnostic::error(&origin.file, origin.pos(path), Rule::InvalidRepositoryUrl, format!("invalid repository URL `{}`: {err}", crate::model::redact_credentials(url)))
                    .with_hint("for example https://github.com/contoso/runtime or https://dev.azure.com/contoso/product/_git/runtime"),
            );
            None
        }
    }
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
