//! Whether this process may act: run reconcile cycles, push, open and merge pull
//! requests, fire schedules, write status and release finalizers. Always so for `sluice
//! serve`; for `sluice controller` with leader election, only while it holds the lease
//! (a standby observes and keeps its watches warm, nothing more).

use std::sync::Arc;

/// A shared flag saying whether this process may act, with a way to wait for changes.
#[derive(Clone, Debug)]
pub struct MayAct(Arc<tokio::sync::watch::Sender<bool>>);

impl Default for MayAct {
    fn default() -> Self {
        MayAct::new(true)
    }
}

impl MayAct {
    /// A flag starting at `may`.
    pub fn new(may: bool) -> Self {
        MayAct(Arc::new(tokio::sync::watch::Sender::new(may)))
    }

    /// Whether this process may act now.
    pub fn get(&self) -> bool {
        *self.0.borrow()
    }

    /// Sets the flag; returns whether it changed.
    pub fn set(&self, may: bool) -> bool {
        self.0.send_if_modified(|current| {
            let changed = *current != may;
            *current = may;
            changed
        })
    }

    /// A receiver told of every change.
    pub fn subscribe(&self) -> tokio::sync::watch::Receiver<bool> {
        self.0.subscribe()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changes_are_told_once() {
        let may = MayAct::new(false);
        let mut rx = may.subscribe();
        assert!(!may.get());
        assert!(may.set(true));
        assert!(!may.set(true));
        assert!(rx.has_changed().unwrap());
        assert!(*rx.borrow_and_update());
        assert!(!rx.has_changed().unwrap());
        assert!(may.clone().get());
    }
}
