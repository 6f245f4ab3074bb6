//! Status of the configuration resources, written with server-side apply (field manager
//! `sluice`) to the status subresource, and only when it differs from what the resource
//! shows, so a steady state writes nothing:
//!
//! - a refused resource: `Ready` `False` and `Stalled` `True` with the rule as reason;
//! - a Subscription in force: its conditions, last applied build and pull request, as the
//!   store has them;
//! - any other resource in force: `Ready` `True` (`Accepted`).
//!
//! `observedGeneration` follows `metadata.generation`.

use std::sync::Arc;

use kube::api::{Api, DynamicObject, Patch, PatchParams};
use serde_json::{Value, json};
use sluice_core::flow::status;
use sluice_core::model::{
    AppliedBuild, CommonStatus, Condition, PullRequestStatus, SubscriptionStatus,
};

use super::Cluster;
use super::resources::{self, CONFIG_KINDS, ConfigKind, Resources};
use crate::clock::now_rfc3339;
use crate::engine::SubscriptionStatusView;
use crate::server::AppState;

/// The field manager of sluice's status writes.
pub const FIELD_MANAGER: &str = "sluice";

/// Writes the status of every watched resource that needs it.
pub struct StatusWriter {
    cluster: Cluster,
    state: AppState,
    resources: Arc<Resources>,
}

fn previous_conditions(object: &DynamicObject) -> Vec<Condition> {
    object
        .data
        .pointer("/status/conditions")
        .and_then(|c| serde_json::from_value(c.clone()).ok())
        .unwrap_or_default()
}

impl StatusWriter {
    /// A writer for `cluster`'s resources.
    pub fn new(cluster: Cluster, state: AppState, resources: Arc<Resources>) -> Self {
        StatusWriter {
            cluster,
            state,
            resources,
        }
    }

    /// Brings every resource's status up to date.
    pub async fn write_all(&self) {
        let views = self.state.engine.status().unwrap_or_default();
        for (index, kind) in CONFIG_KINDS.iter().enumerate() {
            for object in self.resources.objects(index) {
                let desired = self.desired(kind, &object, &views);
                if object.data.get("status") == Some(&desired) {
                    continue;
                }
                if let Err(err) = self.write(kind, &object, desired).await {
                    tracing::warn!(kind = kind.kind, name = ?object.metadata.name, error = %err, "status not written; trying again later");
                }
            }
        }
    }

    fn desired(
        &self,
        kind: &ConfigKind,
        object: &DynamicObject,
        views: &[SubscriptionStatusView],
    ) -> Value {
        let namespace = object.metadata.namespace.as_deref().unwrap_or("");
        let name = object.metadata.name.as_deref().unwrap_or("");
        let generation = object.metadata.generation;
        let previous = previous_conditions(object);
        let now = now_rfc3339();
        if let Some(findings) = self
            .resources
            .refusal(&resources::path(kind, namespace, name))
        {
            let first = &findings[0];
            let rule = serde_json::to_value(first.rule)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default();
            let message = findings
                .iter()
                .map(|d| match &d.hint {
                    Some(hint) => format!("{} ({hint})", d.message),
                    None => d.message.clone(),
                })
                .collect::<Vec<_>>()
                .join("; ");
            let conditions = status::refused(&previous, &rule, &message, generation, &now);
            return to_value(&CommonStatus {
                observed_generation: generation,
                conditions,
            });
        }
        if kind.kind == "Subscription"
            && let Some(view) = views.iter().find(|v| v.name == name)
        {
            return to_value(&self.subscription_status(view, generation));
        }
        to_value(&CommonStatus {
            observed_generation: generation,
            conditions: status::accepted(&previous, generation, &now),
        })
    }

    fn subscription_status(
        &self,
        view: &SubscriptionStatusView,
        generation: Option<i64>,
    ) -> SubscriptionStatus {
        let conditions = view
            .conditions
            .iter()
            .cloned()
            .map(|mut c| {
                c.observed_generation = generation;
                c
            })
            .collect();
        let last_applied_build = view.last_applied_build.as_ref().map(|b| {
            let commit = self
                .state
                .engine
                .store()
                .build(b.id)
                .ok()
                .flatten()
                .map(|build| build.commit)
                .unwrap_or_default();
            AppliedBuild {
                name: b.id.to_string(),
                build_number: b.number.clone(),
                commit,
                applied_at: None,
            }
        });
        let pull_request = view.pull_request.as_ref().map(|pr| PullRequestStatus {
            url: pr.url.clone(),
            state: pr.state,
            head_commit: None,
            policies: view.policies.clone(),
        });
        SubscriptionStatus {
            observed_generation: generation,
            conditions,
            last_applied_build,
            pull_request,
        }
    }

    async fn write(
        &self,
        kind: &ConfigKind,
        object: &DynamicObject,
        desired: Value,
    ) -> Result<(), kube::Error> {
        let resource = kind.api_resource();
        let name = object.metadata.name.clone().unwrap_or_default();
        let api: Api<DynamicObject> = match &object.metadata.namespace {
            Some(ns) => Api::namespaced_with(self.cluster.client.clone(), ns, &resource),
            None => Api::all_with(self.cluster.client.clone(), &resource),
        };
        let patch =
            json!({"apiVersion": "sluice.dev/v1alpha1", "kind": kind.kind, "status": desired});
        api.patch_status(
            &name,
            &PatchParams::apply(FIELD_MANAGER).force(),
            &Patch::Apply(patch),
        )
        .await?;
        Ok(())
    }
}

fn to_value<T: serde::Serialize>(status: &T) -> Value {
    serde_json::to_value(status).unwrap_or(Value::Null)
}
