//! The `sluice.dev/cleanup` finalizer on Subscriptions: added to every live one; on a
//! deleted one, kept until the engine has closed the pull request of its update key (the
//! key leaves the configuration with it, and the engine closes a retired key's pull
//! request and deletes its head branch), then released. A subscription deleted while the
//! controller was down still has the finalizer, so the same happens at the next start.

use futures_util::StreamExt;
use kube::api::{Api, DynamicObject, Patch, PatchParams};
use serde_json::json;
use sluice_core::flow::cleanup::{FINALIZER, FinalizerStep, finalizer_step};
use sluice_core::flow::update_key;
use sluice_core::model::{PullRequestState, SubscriptionSpec};

use super::Cluster;
use super::resources::{CONFIG_KINDS, Resources};
use crate::server::AppState;

/// How many finalizer changes are in flight at once.
const CONCURRENCY: usize = 16;

/// How often a change that lost a race (409) is decided again on the fresh object.
const ATTEMPTS: usize = 3;

/// Adds or releases the finalizer of every Subscription that needs it.
pub async fn reconcile_finalizers(cluster: &Cluster, state: &AppState, resources: &Resources) {
    let Some(index) = CONFIG_KINDS.iter().position(|k| k.kind == "Subscription") else {
        return;
    };
    let kind = CONFIG_KINDS[index];
    futures_util::stream::iter(resources.objects(index))
        .for_each_concurrent(CONCURRENCY, |object| async move {
            let resource = kind.api_resource();
            let api: Api<DynamicObject> = match &object.metadata.namespace {
                Some(ns) => Api::namespaced_with(cluster.client.clone(), ns, &resource),
                None => Api::all_with(cluster.client.clone(), &resource),
            };
            let mut current = (*object).clone();
            for attempt in 1..=ATTEMPTS {
                match reconcile_one(&api, state, &current).await {
                    // Something else (a status write, a person) changed the object
                    // meanwhile: decide again on what it is now.
                    Err(kube::Error::Api(e)) if e.code == 409 && attempt < ATTEMPTS => {
                        match api.get_opt(&name_of(&current)).await {
                            Ok(Some(fresh)) => current = fresh,
                            _ => return,
                        }
                    }
                    Err(err) => {
                        tracing::warn!(subscription = %name_of(&current), error = %err, "finalizer not changed; trying again later");
                        return;
                    }
                    Ok(()) => return,
                }
            }
        })
        .await;
}

fn name_of(object: &DynamicObject) -> String {
    object.metadata.name.clone().unwrap_or_default()
}

/// Adds or releases the finalizer of one Subscription, if it needs it.
async fn reconcile_one(
    api: &Api<DynamicObject>,
    state: &AppState,
    object: &DynamicObject,
) -> Result<(), kube::Error> {
    let name = name_of(object);
    let finalizers = object.metadata.finalizers.clone().unwrap_or_default();
    let has = finalizers.iter().any(|f| f == FINALIZER);
    let deleting = object.metadata.deletion_timestamp.is_some();
    let (key_in_force, open) = match deleting
        .then(|| super::resources::spec::<SubscriptionSpec>(object))
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
            (state.engine.snapshot().keys.contains_key(&key.id()), open)
        }
        // Not deleting, or a spec that does not parse (nothing was ever done for it).
        None => (true, false),
    };
    let wanted: Vec<String> = match finalizer_step(deleting, has, key_in_force, open) {
        FinalizerStep::Keep => return Ok(()),
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
    // The resourceVersion makes it a compare-and-swap: a list changed meanwhile is left
    // alone (409) and decided again.
    let patch = json!({"metadata": {"finalizers": wanted,
        "resourceVersion": object.metadata.resource_version}});
    api.patch(&name, &PatchParams::default(), &Patch::Merge(patch))
        .await?;
    tracing::info!(subscription = %name, deleting, "finalizer {}", if deleting { "released" } else { "added" });
    Ok(())
}
