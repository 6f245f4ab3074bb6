//! The configuration in force, indexed for the engine: subscriptions by update key, default
//! channels, and the effective merge policies of each key.

use std::collections::BTreeMap;

use sluice_core::config::ConfigSet;
use sluice_core::flow::readers::Readers;
use sluice_core::flow::{
    UpdateKey, effective_merge_method, effective_merge_policies, keys::update_key,
};
use sluice_core::model::{
    DefaultChannelSpec, MergePolicy, RepositoryPolicySpec, SubscriptionSpec, Visibility,
};

/// One update key's configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct KeyConfig {
    /// The key.
    pub key: UpdateKey,
    /// Target repository URL (as declared by the first subscription).
    pub target_repository: String,
    /// Target branch.
    pub target_branch: String,
    /// Names of the key's enabled subscriptions, sorted.
    pub subscriptions: Vec<String>,
    /// Effective merge policies.
    pub merge_policies: Vec<MergePolicy>,
    /// How its pull requests merge (the target branch's RepositoryPolicy says).
    pub merge_method: sluice_core::model::MergeMethod,
    /// Failure notification tags (union over the key's subscriptions).
    pub failure_notification_tags: Vec<String>,
    /// The visibility of each subscription's channel, by subscription name (a channel
    /// nobody declares counts as internal).
    pub channels: BTreeMap<String, Visibility>,
}

/// The configuration in force.
#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    /// Enabled and disabled subscriptions by name.
    pub subscriptions: BTreeMap<String, SubscriptionSpec>,
    /// Default channels by name.
    pub default_channels: Vec<(String, DefaultChannelSpec)>,
    /// Channel names.
    pub channels: Vec<String>,
    /// Keys by [`UpdateKey::id`].
    pub keys: BTreeMap<String, KeyConfig>,
    /// Key id of each enabled subscription.
    pub key_of: BTreeMap<String, String>,
    /// Subscriptions by what they read, to find a build's readers without a scan.
    pub readers: Readers,
}

impl Snapshot {
    /// Indexes a validated config set.
    pub fn new(config: &ConfigSet) -> Snapshot {
        let name = |meta: &Option<String>| meta.clone().unwrap_or_default();
        let mut snapshot = Snapshot {
            subscriptions: config
                .subscriptions
                .iter()
                .map(|s| (name(&s.resource.metadata.name), s.resource.spec.clone()))
                .collect(),
            default_channels: config
                .default_channels
                .iter()
                .map(|d| (name(&d.resource.metadata.name), d.resource.spec.clone()))
                .collect(),
            channels: config
                .channels
                .iter()
                .map(|c| name(&c.resource.metadata.name))
                .collect(),
            ..Snapshot::default()
        };
        snapshot.readers =
            Readers::new(snapshot.subscriptions.iter().map(|(n, s)| (n.as_str(), s)));
        // Subscriptions name channels of their own namespace.
        let channel_visibility: BTreeMap<(Option<String>, String), Visibility> = config
            .channels
            .iter()
            .map(|c| {
                let meta = &c.resource.metadata;
                (
                    (meta.namespace.clone(), name(&meta.name)),
                    c.resource.spec.visibility,
                )
            })
            .collect();
        let namespaces: BTreeMap<String, Option<String>> = config
            .subscriptions
            .iter()
            .map(|s| {
                let meta = &s.resource.metadata;
                (name(&meta.name), meta.namespace.clone())
            })
            .collect();
        let policies: Vec<RepositoryPolicySpec> = config
            .repository_policies
            .iter()
            .map(|p| p.resource.spec.clone())
            .collect();
        for (sub, spec) in &snapshot.subscriptions {
            if !spec.enabled || spec.source_enabled {
                continue;
            }
            let key = update_key(sub, spec);
            let id = key.id();
            snapshot.key_of.insert(sub.clone(), id.clone());
            let entry = snapshot.keys.entry(id).or_insert_with(|| {
                let merge_policies = effective_merge_policies(&key, spec, &policies);
                let merge_method = effective_merge_method(spec, &policies);
                KeyConfig {
                    key: key.clone(),
                    target_repository: spec.target.repository.clone(),
                    target_branch: spec.target.branch.clone(),
                    subscriptions: Vec::new(),
                    merge_policies,
                    merge_method,
                    failure_notification_tags: Vec::new(),
                    channels: BTreeMap::new(),
                }
            });
            entry.subscriptions.push(sub.clone());
            let channel = (
                namespaces.get(sub).cloned().flatten(),
                spec.source.channel.clone(),
            );
            let visibility = channel_visibility
                .get(&channel)
                .copied()
                .unwrap_or(Visibility::Internal);
            entry.channels.insert(sub.clone(), visibility);
            for tag in &spec.failure_notification_tags {
                if !entry.failure_notification_tags.contains(tag) {
                    entry.failure_notification_tags.push(tag.clone());
                }
            }
        }
        snapshot
    }

    /// Everything each key's plan takes from the configuration: the key's settings and the
    /// specs of its subscriptions. Two snapshots that agree on a key plan it alike.
    pub fn key_inputs(&self) -> BTreeMap<String, (KeyConfig, Vec<&SubscriptionSpec>)> {
        self.keys
            .iter()
            .map(|(id, key)| {
                let specs = key
                    .subscriptions
                    .iter()
                    .filter_map(|name| self.subscriptions.get(name))
                    .collect();
                (id.clone(), (key.clone(), specs))
            })
            .collect()
    }

    /// The key configuration of a subscription.
    pub fn key_for_subscription(&self, name: &str) -> Option<&KeyConfig> {
        self.key_of.get(name).and_then(|id| self.keys.get(id))
    }
}
