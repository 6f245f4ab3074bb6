//! The `sluice.dev/cleanup` finalizer on Subscriptions: added to every live one; on a
//! deleted one, kept until the engine has closed the pull request of its update key (the
//! key leaves the configuration with it, and the engine closes a retired key's pull
//! request and deletes its head branch), then released. A subscription deleted while the
//! controller was down still has the finalizer, so the same happens at the next start.

use kube::api::{Api, DynamicObject, Patch, PatchParams};
use serde_json::json;
use sluice_core::flow::cleanup::{FINALIZER, FinalizerStep, finalizer_step};
use sluice_core::flow::update_key;
use sluice_core::model::{PullRequestState, SubscriptionSpec};

use super::Cluster;
use super::resources::{CONFIG_KINDS, Resources};
use crate::server::AppState;

/// Adds or releases the finalizer of every Subscription that needs it.
pub async fn reconcile_finalizers(cluster: &Cluster, state: &AppState, resources: &Resources) {
    let Some(index) = CONFIG_KINDS.iter().position(|k| k.kind == "Subscription") else {
        return;
    };
    let kind = CONFIG_KINDS[index];
    let snapshot = state.engine.snapshot();
    for object in resources.objects(index) {
        let name = object.metadata.name.clone().unwrap_or_default();
        let finalizers = object.metadata.finalizers.clone().unwrap_or_default();
        let has = finalizers.iter().any(|f| f == FINALIZER);
        let deleting = object.metadata.deletion_timestamp.is_some();
        let (key_in_force, open) = match deleting
            .then(|| serde_json::from_value::<SubscriptionSpec>(object.data["spec"].clone()).ok())
            .flatten()
        {
            Some(spec) => {
                let key = update_key(&name, &spec);
                let open = state
                    .engine
                    .store()
                    .tracked_pull_request(&key)
                    .ok()
                    .flatten()
                    .is_some_and(|t| !t.settled && t.state == PullRequestState::Open);
                (snapshot.keys.contains_key(&key.id()), open)
            }
            // Not deleting, or a spec that does not parse (nothing was ever done for it).
            None => (true, false),
        };
        let wanted: Vec<String> = match finalizer_step(deleting, has, key_in_force, open) {
            FinalizerStep::Keep => continue,
            FinalizerStep::Add => finalizers
                .iter()
                .cloned()
                .chain([FINALIZER.to_string()])
                .collect(),
            FinalizerStep::Release => finalizers
                .iter()
                .filter(|f| *f != FINALIZER)
                .cloned()
                .collect(),
        };
        let resource = kind.api_resource();
        let api: Api<DynamicObject> = match &object.metadata.namespace {
            Some(ns) => Api::namespaced_with(cluster.client.clone(), ns, &resource),
            None => Api::all_with(cluster.client.clone(), &resource),
        };
        // The resourceVersion makes it a compare-and-swap: a list changed meanwhile is
        // left alone (409) and looked at again on the next pass.
        let patch = json!({"metadata": {"finalizers": wanted,
            "resourceVersion": object.metadata.resource_version}});
        match api
            .patch(&name, &PatchParams::default(), &Patch::Merge(patch))
            .await
        {
            Ok(_) => {
                tracing::info!(subscription = %name, deleting, "finalizer {}", if deleting { "released" } else { "added" })
            }
            Err(err) => {
                tracing::warn!(subscription = %name, error = %err, "finalizer not changed; trying again later")
            }
        }
    }
}
