//! How a subscription's progress moves: the only places [`SubscriptionState`] changes.
//! The store and the engine call these; they never edit the fields themselves.

use super::types::{BuildId, SubscriptionState};
use crate::model::PullRequestState;

/// Where a build stands for one dependent subscription.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FlowState {
    /// The target has it.
    Applied,
    /// The target has a newer build.
    Superseded,
    /// An open pull request carries it.
    PullRequestOpen,
    /// Its pull request was closed unmerged.
    Closed,
    /// Not proposed yet.
    Pending,
}

impl FlowState {
    /// Where `build` stands given the subscription's progress and the state of the pull
    /// request carrying it, if one does.
    pub fn of(
        build: BuildId,
        state: &SubscriptionState,
        carrying: Option<PullRequestState>,
    ) -> FlowState {
        match state.last_applied_build {
            Some(applied) if applied == build => return FlowState::Applied,
            Some(applied) if applied > build => return FlowState::Superseded,
            _ => {}
        }
        match carrying {
            Some(PullRequestState::Open) => FlowState::PullRequestOpen,
            Some(PullRequestState::Closed) => FlowState::Closed,
            _ if state.rejected_build.is_some_and(|r| r >= build) => FlowState::Closed,
            _ => FlowState::Pending,
        }
    }

    /// The kebab-case name shown by the API and the CLI.
    pub fn as_str(self) -> &'static str {
        match self {
            FlowState::Applied => "applied",
            FlowState::Superseded => "superseded",
            FlowState::PullRequestOpen => "pull-request-open",
            FlowState::Closed => "closed",
            FlowState::Pending => "pending",
        }
    }
}

impl SubscriptionState {
    /// A trigger (a published build, a channel assignment, a schedule) asks for `build`.
    /// Requests only move forward; one that moves ends a forced request. Returns whether
    /// the request moved.
    pub fn request(&mut self, build: BuildId) -> bool {
        if self.requested_build.is_some_and(|wanted| wanted >= build) {
            return false;
        }
        self.requested_build = Some(build);
        self.force = false;
        true
    }

    /// A person asks for `build` exactly, older or not. `force` applies it even when it is
    /// not newer than the applied build, and forgets an earlier rejection.
    pub fn request_by_hand(&mut self, build: BuildId, force: bool) {
        self.requested_build = Some(build);
        self.force = force;
        if force {
            self.rejected_build = None;
        }
    }

    /// `build` merged, or needed no change. The applied build never moves backwards (a
    /// forced older build leaves the newer number, which the target already had); a forced
    /// request for this build is done.
    pub fn record_applied(&mut self, build: BuildId) {
        self.last_applied_build = Some(self.last_applied_build.map_or(build, |b| b.max(build)));
        if self.requested_build.is_some_and(|r| r <= build) {
            self.force = false;
        }
    }

    /// A person closed the pull request carrying `build` unmerged: it is not proposed again
    /// until a newer build is requested. A forced request for a newer build survives.
    pub fn record_rejected(&mut self, build: BuildId) {
        self.rejected_build = Some(self.rejected_build.map_or(build, |b| b.max(build)));
        if self.requested_build.is_some_and(|r| r <= build) {
            self.force = false;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(
        requested: Option<BuildId>,
        applied: Option<BuildId>,
        force: bool,
    ) -> SubscriptionState {
        SubscriptionState {
            last_applied_build: applied,
            requested_build: requested,
            force,
            rejected_build: None,
        }
    }

    #[test]
    fn flow_states() {
        let mut s = state(Some(5), Some(3), false);
        assert_eq!(FlowState::of(3, &s, None), FlowState::Applied);
        assert_eq!(FlowState::of(2, &s, None), FlowState::Superseded);
        assert_eq!(
            FlowState::of(5, &s, Some(PullRequestState::Open)),
            FlowState::PullRequestOpen
        );
        assert_eq!(FlowState::of(5, &s, None), FlowState::Pending);
        s.rejected_build = Some(5);
        assert_eq!(
            FlowState::of(5, &s, None),
            FlowState::Closed,
            "rejected, even once a newer pull request exists"
        );
    }

    #[test]
    fn requests_only_move_forward_and_end_force() {
        let mut s = state(Some(5), None, true);
        assert!(!s.request(4));
        assert!(!s.request(5));
        assert_eq!((s.requested_build, s.force), (Some(5), true));
        assert!(s.request(6));
        assert_eq!((s.requested_build, s.force), (Some(6), false));
    }

    #[test]
    fn by_hand_goes_anywhere_and_force_forgets_rejection() {
        let mut s = state(Some(9), Some(9), false);
        s.rejected_build = Some(8);
        s.request_by_hand(3, false);
        assert_eq!((s.requested_build, s.rejected_build), (Some(3), Some(8)));
        s.request_by_hand(3, true);
        assert_eq!(
            (s.requested_build, s.force, s.rejected_build),
            (Some(3), true, None)
        );
    }

    #[test]
    fn recording_keeps_the_newest_and_ends_only_the_matching_force() {
        let mut s = state(Some(7), Some(4), true);
        s.record_applied(3);
        assert_eq!(
            (s.last_applied_build, s.force),
            (Some(4), true),
            "an older build leaves a newer forced request"
        );
        s.record_applied(7);
        assert_eq!((s.last_applied_build, s.force), (Some(7), false));

        let mut r = state(Some(9), None, true);
        r.record_rejected(5);
        assert_eq!(
            (r.rejected_build, r.force),
            (Some(5), true),
            "closing an older pull request keeps a newer forced request"
        );
        r.record_rejected(9);
        assert_eq!((r.rejected_build, r.force), (Some(9), false));
    }
}
