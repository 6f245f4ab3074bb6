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

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use kube::api::{Api, DynamicObject, Patch, PatchParams};
use serde_json::{Value, json};
use sluice_core::flow::{annotations, status};
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
    /// Annotation values acted upon, by subscription and whether forced: a pass that runs
    /// before the status write reaches the watch does not act on them twice.
    handled: Mutex<BTreeMap<(String, bool), String>>,
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
            handled: Mutex::new(BTreeMap::new()),
        }
    }

    /// Brings every resource's status up to date.
    pub async fn write_all(&self) {
        let views = self.state.engine.status().unwrap_or_default();
        for (index, kind) in CONFIG_KINDS.iter().enumerate() {
            // A resource being deleted is no longer acted upon; its status stays.
            for object in self
                .resources
                .objects(index)
                .into_iter()
                .filter(|o| o.metadata.deletion_timestamp.is_none())
            {
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
            let mut status = self.subscription_status(view, generation);
            self.handle_requests(object, name, &mut status);
            return to_value(&status);
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
            last_handled_requested_at: None,
            last_handled_force_at: None,
        }
    }

    /// Acts on the subscription's `requestedAt` / `forceAt` annotations not handled yet
    /// and echoes their values in `status`.
    fn handle_requests(&self, object: &DynamicObject, name: &str, status: &mut SubscriptionStatus) {
        let handled = |field: &str| {
            object
                .data
                .pointer(&format!("/status/{field}"))
                .and_then(Value::as_str)
                .map(str::to_string)
        };
        status.last_handled_requested_at = handled("lastHandledRequestedAt");
        status.last_handled_force_at = handled("lastHandledForceAt");
        let empty = Default::default();
        let annotations = object.metadata.annotations.as_ref().unwrap_or(&empty);
        let requests = annotations::unhandled(
            annotations,
            status.last_handled_requested_at.as_deref(),
            status.last_handled_force_at.as_deref(),
        );
        for request in requests {
            let key = (name.to_string(), request.force);
            let acted = self
                .handled
                .lock()
                .map(|mut h| h.insert(key, request.value.clone()) == Some(request.value.clone()))
                .unwrap_or(false);
            // Acted upon already when only the echo is missing.
            if !acted {
                self.act(name, request.force);
            }
            if request.force {
                status.last_handled_force_at = Some(request.value);
            } else {
                status.last_handled_requested_at = Some(request.value);
            }
        }
    }

    fn act(&self, name: &str, force: bool) {
        match self.state.engine.trigger_subscription(name, None, force) {
            Ok(report) => {
                tracing::info!(
                    subscription = name,
                    force,
                    outcome = report.outcome,
                    "{}",
                    report.message
                );
            }
            // Handled all the same: the same value is not asked again.
            Err(err) => {
                tracing::warn!(
                    subscription = name,
                    force,
                    "annotation request not taken: {err}"
                );
            }
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
