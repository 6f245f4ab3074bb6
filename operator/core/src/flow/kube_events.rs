//! Kubernetes Events of the controller: what a flow history entry says on the
//! Subscription and the Build it concerns, and what a change of a subscription's
//! conditions says (merge blocked, retrying, stalled). Each event is emitted once, when
//! the history entry is new or the condition changed, so a steady state emits nothing.

use super::history::EventKind;
use super::outcome::Reason;
use crate::model::{Condition, ConditionStatus, ConditionType};

/// `Normal` or `Warning`, as `kubectl describe` shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    /// Something happened as it should.
    Normal,
    /// Something needs a look.
    Warning,
}

/// One event to publish on a resource.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceEvent {
    /// Normal or warning.
    pub severity: Severity,
    /// The CamelCase reason, e.g. `PullRequestOpened`.
    pub reason: &'static str,
    /// What sluice did, CamelCase, e.g. `OpenPullRequest`.
    pub action: &'static str,
    /// A sentence (at most [`NOTE_LIMIT`] bytes).
    pub note: String,
}

/// The longest note the Events API accepts, in bytes.
pub const NOTE_LIMIT: usize = 1024;

fn event(
    severity: Severity,
    reason: &'static str,
    action: &'static str,
    note: &str,
) -> ResourceEvent {
    let mut end = note.len().min(NOTE_LIMIT);
    while !note.is_char_boundary(end) {
        end -= 1;
    }
    ResourceEvent {
        severity,
        reason,
        action,
        note: note[..end].to_string(),
    }
}

/// What a pull request's history entry is called, on either resource.
fn pull_request_event(kind: EventKind, note: &str) -> Option<ResourceEvent> {
    let (reason, action) = match kind {
        EventKind::PullRequestCreated => ("PullRequestOpened", "OpenPullRequest"),
        EventKind::PullRequestUpdated => ("PullRequestUpdated", "UpdatePullRequest"),
        EventKind::PullRequestMerged => ("PullRequestMerged", "MergePullRequest"),
        EventKind::PullRequestClosed => ("PullRequestClosed", "ObservePullRequest"),
        EventKind::NothingToDo => ("NothingToUpdate", "UpdateManifests"),
        _ => return None,
    };
    Some(event(Severity::Normal, reason, action, note))
}

/// The event a history entry makes on its subscription. Failures are not here: they
/// show as a change of the conditions ([`for_transition`]), once.
pub fn for_subscription(kind: EventKind, message: &str) -> Option<ResourceEvent> {
    match kind {
        EventKind::Fired => Some(event(
            Severity::Normal,
            "UpdateRequested",
            "RequestUpdate",
            message,
        )),
        _ => pull_request_event(kind, message),
    }
}

/// The event a history entry makes on the Build resource of its build; entries about a
/// subscription name it.
pub fn for_build(
    kind: EventKind,
    subscription: Option<&str>,
    message: &str,
) -> Option<ResourceEvent> {
    let note = match subscription {
        Some(name) => format!("subscription {name}: {message}"),
        None => message.to_string(),
    };
    match kind {
        EventKind::BuildPublished => Some(event(Severity::Normal, "Published", "Publish", &note)),
        _ => pull_request_event(kind, &note),
    }
}

/// Whether an event on a Build tells of one subscription's pull request, and so stands on
/// its own however many subscriptions the build flows to; the others (nothing to update,
/// published) fold across subscriptions when many come at once ([`super::event_batch`]).
pub fn build_event_per_subscription(kind: EventKind) -> bool {
    matches!(
        kind,
        EventKind::PullRequestCreated
            | EventKind::PullRequestUpdated
            | EventKind::PullRequestMerged
            | EventKind::PullRequestClosed
    )
}

fn reason_of(conditions: &[Condition], type_: ConditionType) -> Option<&str> {
    true_condition(conditions, type_).map(|c| c.reason.as_str())
}

fn true_condition(conditions: &[Condition], type_: ConditionType) -> Option<&Condition> {
    conditions
        .iter()
        .find(|c| c.type_ == type_ && c.status == ConditionStatus::True)
}

/// The warning a change from `previous` to `next` conditions makes: the merge blocked by
/// failing policies (the message names them), a retry, or a stall with its reason; `None`
/// when the condition and its reason did not change, or the change is good news (the
/// history entries tell those).
pub fn for_transition(previous: &[Condition], next: &[Condition]) -> Option<ResourceEvent> {
    if let Some(stalled) = true_condition(next, ConditionType::Stalled) {
        if reason_of(previous, ConditionType::Stalled) == Some(stalled.reason.as_str()) {
            return None;
        }
        let note = format!("{}: {}", stalled.reason, stalled.message);
        return Some(event(Severity::Warning, "Stalled", "Reconcile", &note));
    }
    let reconciling = true_condition(next, ConditionType::Reconciling)?;
    if reason_of(previous, ConditionType::Reconciling) == Some(reconciling.reason.as_str()) {
        return None;
    }
    let (reason, action) = match reconciling.reason.as_str() {
        r if r == Reason::PoliciesFailed.as_str() => ("MergeBlocked", "EvaluateMergePolicies"),
        r if r == Reason::Retrying.as_str() => ("Retrying", "Reconcile"),
        _ => return None,
    };
    Some(event(
        Severity::Warning,
        reason,
        action,
        &reconciling.message,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn condition(type_: ConditionType, reason: &str, message: &str) -> Condition {
        Condition {
            type_,
            status: ConditionStatus::True,
            reason: reason.into(),
            message: message.into(),
            last_transition_time: None,
            observed_generation: None,
        }
    }

    #[test]
    fn history_entries_name_what_happened_on_each_resource() {
        let opened = for_subscription(EventKind::PullRequestCreated, "opened #4").unwrap();
        assert_eq!(
            (opened.severity, opened.reason, opened.note.as_str()),
            (Severity::Normal, "PullRequestOpened", "opened #4")
        );
        for (kind, reason) in [
            (EventKind::PullRequestUpdated, "PullRequestUpdated"),
            (EventKind::PullRequestMerged, "PullRequestMerged"),
            (EventKind::PullRequestClosed, "PullRequestClosed"),
            (EventKind::NothingToDo, "NothingToUpdate"),
            (EventKind::Fired, "UpdateRequested"),
        ] {
            assert_eq!(for_subscription(kind, "m").unwrap().reason, reason);
        }
        for kind in [
            EventKind::Failed,
            EventKind::BuildPublished,
            EventKind::SubscriptionRemoved,
        ] {
            assert_eq!(for_subscription(kind, "m"), None, "{kind:?}");
        }
        let merged =
            for_build(EventKind::PullRequestMerged, Some("rt-to-sdk"), "merged #4").unwrap();
        assert_eq!(merged.note, "subscription rt-to-sdk: merged #4");
        assert_eq!(
            for_build(EventKind::BuildPublished, None, "p")
                .unwrap()
                .reason,
            "Published"
        );
        assert_eq!(for_build(EventKind::Fired, Some("s"), "m"), None);
        assert_eq!(for_build(EventKind::Failed, Some("s"), "m"), None);
    }

    #[test]
    fn pull_request_events_on_a_build_stand_per_subscription() {
        for kind in [
            EventKind::PullRequestCreated,
            EventKind::PullRequestUpdated,
            EventKind::PullRequestMerged,
            EventKind::PullRequestClosed,
        ] {
            assert!(build_event_per_subscription(kind), "{kind:?}");
        }
        for kind in [
            EventKind::NothingToDo,
            EventKind::BuildPublished,
            EventKind::Fired,
        ] {
            assert!(!build_event_per_subscription(kind), "{kind:?}");
        }
    }

    #[test]
    fn notes_are_cut_to_the_limit_on_a_character_boundary() {
        let long = "é".repeat(NOTE_LIMIT);
        let e = for_subscription(EventKind::PullRequestCreated, &long).unwrap();
        assert!(e.note.len() <= NOTE_LIMIT && e.note.len() >= NOTE_LIMIT - 1);
    }

    #[test]
    fn condition_changes_warn_once() {
        use ConditionType::{Ready, Reconciling, Stalled};
        let ready = vec![condition(Ready, "UpToDate", "")];
        let blocked = vec![condition(
            Reconciling,
            "PoliciesFailed",
            "merge policies failed on u: AllChecksSuccessful (build failed)",
        )];
        let pending = vec![condition(Reconciling, "PoliciesPending", "waiting")];
        let retrying = vec![condition(Reconciling, "Retrying", "forge down; retrying")];
        let stalled = vec![condition(
            Stalled,
            "ManifestInvalid",
            "eng/Version.Details.xml:3:1 bad",
        )];
        let other_stall = vec![condition(Stalled, "NoManifest", "none")];

        let e = for_transition(&pending, &blocked).unwrap();
        assert_eq!((e.severity, e.reason), (Severity::Warning, "MergeBlocked"));
        assert!(e.note.contains("AllChecksSuccessful"), "{}", e.note);
        assert_eq!(for_transition(&blocked, &blocked), None);
        assert_eq!(for_transition(&ready, &pending), None);
        assert_eq!(for_transition(&blocked, &ready), None);
        assert_eq!(
            for_transition(&pending, &retrying).unwrap().reason,
            "Retrying"
        );
        assert_eq!(for_transition(&retrying, &retrying), None);
        let s = for_transition(&ready, &stalled).unwrap();
        assert_eq!(s.reason, "Stalled");
        assert!(
            s.note
                .starts_with("ManifestInvalid: eng/Version.Details.xml:3:1")
        );
        assert_eq!(for_transition(&stalled, &stalled), None);
        assert_eq!(
            for_transition(&stalled, &other_stall).unwrap().reason,
            "Stalled"
        );
    }
}
