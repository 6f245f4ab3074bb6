//! Folding a backlog of Kubernetes Events into what is worth publishing. When the flow
//! history grows faster than events are published (a first start over thousands of
//! builds, a burst of builds on a busy channel), publishing each entry would flood the
//! API server: ten thousand subscriptions each told "update requested" forty times. The
//! rule: within one batch, events of the same reason on the same resource fold into the
//! newest of them, whose note says how many it stands for. Different reasons never fold,
//! so "pull request opened" and "merged" both stay; the order is that of each kept event.

use std::collections::BTreeMap;

use super::kube_events::{NOTE_LIMIT, ResourceEvent};

/// One event to publish, standing for `folded` earlier ones like it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Batched<K, X> {
    /// The resource it is on.
    pub target: K,
    /// The newest event of its reason on the resource, its note telling of the others.
    pub event: ResourceEvent,
    /// What the adapter carries with the newest event (the related object, say).
    pub extra: X,
    /// How many earlier events of the same reason it stands for.
    pub folded: usize,
}

/// A resource and an event reason.
type Slot<K> = (K, &'static str);

/// Collects events, folding repeats of a reason on a resource as they come.
#[derive(Debug)]
pub struct Batch<K, X> {
    /// The newest event of each slot, with its arrival order.
    kept: BTreeMap<Slot<K>, (usize, Batched<K, X>)>,
    next: usize,
}

impl<K: Ord + Clone, X> Default for Batch<K, X> {
    fn default() -> Self {
        Batch {
            kept: BTreeMap::new(),
            next: 0,
        }
    }
}

impl<K: Ord + Clone, X> Batch<K, X> {
    /// An empty batch.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds `event` on `target`; an earlier one of the same reason there is folded into it.
    pub fn push(&mut self, target: K, event: ResourceEvent, extra: X) {
        let order = self.next;
        self.next += 1;
        let key = (target.clone(), event.reason);
        let folded = self.kept.get(&key).map_or(0, |(_, b)| b.folded + 1);
        self.kept.insert(
            key,
            (
                order,
                Batched {
                    target,
                    event,
                    extra,
                    folded,
                },
            ),
        );
    }

    /// How many events would be published.
    pub fn len(&self) -> usize {
        self.kept.len()
    }

    /// Whether nothing was pushed.
    pub fn is_empty(&self) -> bool {
        self.kept.is_empty()
    }

    /// The events to publish, oldest first, each note saying what it stands for.
    pub fn finish(self) -> Vec<Batched<K, X>> {
        let mut kept: Vec<_> = self.kept.into_values().collect();
        kept.sort_by_key(|(order, _)| *order);
        kept.into_iter()
            .map(|(_, mut batched)| {
                if batched.folded > 0 {
                    batched.event.note = folded_note(&batched.event.note, batched.folded);
                }
                batched
            })
            .collect()
    }
}

/// `note`, followed by how many like it it stands for, within the note limit (the
/// original is cut on a character boundary to make room).
fn folded_note(note: &str, folded: usize) -> String {
    let suffix = format!(" (and {folded} earlier like it)");
    let mut end = note.len().min(NOTE_LIMIT.saturating_sub(suffix.len()));
    while !note.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}{suffix}", &note[..end])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flow::kube_events::Severity;

    fn event(reason: &'static str, note: &str) -> ResourceEvent {
        ResourceEvent {
            severity: Severity::Normal,
            reason,
            action: "Act",
            note: note.into(),
        }
    }

    fn summary(batch: Batch<&'static str, u32>) -> Vec<(String, &'static str, String, u32)> {
        batch
            .finish()
            .into_iter()
            .map(|b| (b.target.to_string(), b.event.reason, b.event.note, b.extra))
            .collect()
    }

    #[test]
    fn repeats_of_a_reason_on_a_resource_fold_into_the_newest() {
        let mut batch = Batch::new();
        batch.push("a", event("UpdateRequested", "build 1"), 1);
        batch.push("b", event("UpdateRequested", "build 1"), 2);
        batch.push("a", event("UpdateRequested", "build 2"), 3);
        batch.push("a", event("PullRequestOpened", "#4"), 4);
        batch.push("a", event("UpdateRequested", "build 3"), 5);
        assert_eq!(batch.len(), 3);
        assert_eq!(
            summary(batch),
            vec![
                ("b".into(), "UpdateRequested", "build 1".into(), 2),
                ("a".into(), "PullRequestOpened", "#4".into(), 4),
                (
                    "a".into(),
                    "UpdateRequested",
                    "build 3 (and 2 earlier like it)".into(),
                    5
                ),
            ]
        );
    }

    #[test]
    fn events_that_differ_in_reason_or_resource_all_stay() {
        let mut batch = Batch::new();
        for (target, reason) in [
            ("a", "PullRequestOpened"),
            ("a", "PullRequestMerged"),
            ("b", "PullRequestOpened"),
        ] {
            batch.push(target, event(reason, "n"), 0);
        }
        let kept = batch.finish();
        assert_eq!(kept.len(), 3);
        assert!(kept.iter().all(|b| b.folded == 0 && b.event.note == "n"));
    }

    #[test]
    fn a_folded_note_stays_within_the_limit() {
        let mut batch = Batch::new();
        let long = "é".repeat(NOTE_LIMIT);
        batch.push("a", event("R", &long), 0);
        batch.push("a", event("R", &long), 0);
        let kept = batch.finish();
        let note = &kept[0].event.note;
        assert!(note.len() <= NOTE_LIMIT, "{}", note.len());
        assert!(note.ends_with(" (and 1 earlier like it)"));
    }

    #[test]
    fn an_empty_batch_publishes_nothing() {
        let batch: Batch<&str, ()> = Batch::new();
        assert!(batch.is_empty());
        assert!(batch.finish().is_empty());
    }
}
