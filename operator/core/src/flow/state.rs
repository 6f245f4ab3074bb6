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

/// What a trigger by hand did to a subscription's progress.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HandTrigger {
    /// The build is now requested; a pull request follows (or, when the target already
    /// has its versions, it is recorded as applied).
    Requested,
    /// The build is requested by force: applied again whatever was applied or rejected.
    Forced,
    /// The build was already requested and is on its way; nothing changed.
    AlreadyRequested,
    /// The build is the applied one; nothing changed.
    AlreadyApplied,
    /// A newer build is applied; nothing changed.
    Older {
        /// The applied build.
        applied: BuildId,
    },
    /// A person closed the pull request carrying this build (or a newer one) unmerged;
    /// nothing changed.
    Rejected,
}

impl HandTrigger {
    /// Whether the trigger changed the subscription's progress.
    pub fn changed(self) -> bool {
        matches!(self, HandTrigger::Requested | HandTrigger::Forced)
    }

    /// The kebab-case name shown by the API.
    pub fn as_str(self) -> &'static str {
        match self {
            HandTrigger::Requested => "requested",
            HandTrigger::Forced => "forced",
            HandTrigger::AlreadyRequested => "already-requested",
            HandTrigger::AlreadyApplied => "already-applied",
            HandTrigger::Older { .. } => "older-than-applied",
            HandTrigger::Rejected => "rejected",
        }
    }

    /// One sentence for a person: what happened to `build`, and what to do if that is
    /// not what they wanted.
    pub fn describe(self, build: BuildId) -> String {
        match self {
            HandTrigger::Requested => {
                format!("requested build {build}; a pull request will follow")
            }
            HandTrigger::Forced => format!(
                "forced build {build}; it is applied again, with a pull request if the target differs"
            ),
            HandTrigger::AlreadyRequested => format!(
                "build {build} is already requested; nothing to do (its pull request is on the way)"
            ),
            HandTrigger::AlreadyApplied => format!(
                "build {build} is already applied; nothing to do (use --force to apply it again)"
            ),
            HandTrigger::Older { applied } => format!(
                "build {build} is older than the applied build {applied}; nothing to do (use --force to apply it anyway)"
            ),
            HandTrigger::Rejected => format!(
                "build {build} was rejected (its pull request was closed unmerged); nothing to do (use --force to propose it again)"
            ),
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
    /// applied already, older than the applied build, or rejected, and forgets an earlier
    /// rejection. Without `force` such a request changes nothing (a newer request already
    /// under way is kept); the answer says which case it was.
    pub fn request_by_hand(&mut self, build: BuildId, force: bool) -> HandTrigger {
        if force {
            self.requested_build = Some(build);
            self.force = true;
            self.rejected_build = None;
            return HandTrigger::Forced;
        }
        match self.last_applied_build {
            Some(applied) if applied == build => return HandTrigger::AlreadyApplied,
            Some(applied) if applied > build => return HandTrigger::Older { applied },
            _ => {}
        }
        if self.rejected_build.is_some_and(|r| r >= build) {
            return HandTrigger::Rejected;
        }
        if self.requested_build == Some(build) {
            return HandTrigger::AlreadyRequested;
        }
        self.requested_build = Some(build);
        self.force = false;
        HandTrigger::Requested
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
    fn by_hand_changes_only_what_it_says_and_force_forgets_rejection() {
        // (requested, applied, rejected), build, force -> outcome, (requested, force, rejected)
        type Row = (
            (Option<BuildId>, Option<BuildId>, Option<BuildId>),
            BuildId,
            bool,
            HandTrigger,
            (Option<BuildId>, bool, Option<BuildId>),
        );
        let table: [Row; 9] = [
            (
                (None, None, None),
                3,
                false,
                HandTrigger::Requested,
                (Some(3), false, None),
            ),
            (
                (Some(9), Some(2), None),
                3,
                false,
                HandTrigger::Requested,
                (Some(3), false, None),
            ),
            (
                (Some(3), Some(2), None),
                3,
                false,
                HandTrigger::AlreadyRequested,
                (Some(3), false, None),
            ),
            (
                (Some(9), Some(9), None),
                9,
                false,
                HandTrigger::AlreadyApplied,
                (Some(9), false, None),
            ),
            (
                (Some(12), Some(9), None),
                9,
                false,
                HandTrigger::AlreadyApplied,
                (Some(12), false, None),
            ),
            (
                (Some(12), Some(9), Some(8)),
                3,
                false,
                HandTrigger::Older { applied: 9 },
                (Some(12), false, Some(8)),
            ),
            (
                (Some(5), Some(2), Some(5)),
                5,
                false,
                HandTrigger::Rejected,
                (Some(5), false, Some(5)),
            ),
            (
                (Some(9), Some(9), Some(8)),
                3,
                true,
                HandTrigger::Forced,
                (Some(3), true, None),
            ),
            (
                (Some(9), Some(9), None),
                9,
                true,
                HandTrigger::Forced,
                (Some(9), true, None),
            ),
        ];
        for ((requested, applied, rejected), build, force, outcome, after) in table {
            let mut s = state(requested, applied, false);
            s.rejected_build = rejected;
            let got = s.request_by_hand(build, force);
            assert_eq!(
                got, outcome,
                "{requested:?} {applied:?} {rejected:?} {build} {force}"
            );
            assert_eq!(
                got.changed(),
                matches!(outcome, HandTrigger::Requested | HandTrigger::Forced)
            );
            assert_eq!(
                (s.requested_build, s.force, s.rejected_build),
                after,
                "{outcome:?}"
            );
        }
        assert_eq!(
            HandTrigger::AlreadyApplied.describe(7),
            "build 7 is already applied; nothing to do (use --force to apply it again)"
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
