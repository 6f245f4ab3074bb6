//! A Subscription's status: its conditions, last applied and pending build and pull
//! request as the store has them, and the "reconcile now" annotations acted upon and
//! echoed.

use kube::api::DynamicObject;
use serde_json::Value;
use sluice_core::flow::annotations;
use sluice_core::model::{AppliedBuild, PullRequestStatus, SubscriptionStatus};

use super::{StatusWriter, to_value};
use crate::cluster::resources;
use crate::engine::{BuildRef, SubscriptionStatusView};

impl StatusWriter {
    /// The status of the subscription `object` shown by `view`; acts on its annotations.
    pub(super) fn subscription(
        &self,
        object: &DynamicObject,
        view: &SubscriptionStatusView,
    ) -> Value {
        let generation = object.metadata.generation;
        let conditions = view
            .conditions
            .iter()
            .cloned()
            .map(|mut c| {
                c.observed_generation = generation;
                c
            })
            .collect();
        let pull_request = view.pull_request.as_ref().map(|pr| PullRequestStatus {
            url: pr.url.clone(),
            state: pr.state,
            head_commit: Some(pr.head_commit.clone()).filter(|c| !c.is_empty()),
            policies: view.policies.clone(),
        });
        let mut status = SubscriptionStatus {
            observed_generation: generation,
            conditions,
            last_applied_build: view.last_applied_build.as_ref().map(|b| self.applied(b)),
            pending_build: view.requested_build.as_ref().map(|b| self.applied(b)),
            pull_request,
            last_handled_requested_at: None,
            last_handled_force_at: None,
        };
        self.handle_requests(object, &view.name, &mut status);
        to_value(&status)
    }

    fn applied(&self, build: &BuildRef) -> AppliedBuild {
        let commit = self
            .state
            .engine
            .store()
            .build(build.id)
            .ok()
            .flatten()
            .map(|b| b.commit)
            .unwrap_or_default();
        AppliedBuild {
            name: build.id.to_string(),
            build_number: build.number.clone(),
            commit,
            applied_at: None,
        }
    }

    /// Acts on the subscription's `requestedAt` / `forceAt` annotations not handled yet
    /// and echoes their values in `status`.
    fn handle_requests(&self, object: &DynamicObject, name: &str, status: &mut SubscriptionStatus) {
        let shown = resources::status(object);
        let handled = |field: &str| {
            shown
                .as_ref()
                .and_then(|s| s.get(field))
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
}
