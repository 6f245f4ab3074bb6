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

impl From<FlowState> for crate::model::BuildFlowState {
    fn from(state: FlowState) -> Self {
        use crate::model::BuildFlowState as B;
        match state {
            FlowState::Applied => B::Applied,
            FlowState::Superseded => B::Superseded,
            FlowState::PullRequestOpen => B::PullRequestOpen,
            FlowState::Closed => B::Closed,
            FlowState::Pending => B::Pending,
        }
    }
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

    /// The state named `name` as [`FlowState::as_str`] spells it; `None` for any other.
    pub fn parse(name: &str) -> Option<FlowState> {
        [
            FlowState::Applied,
            FlowState::Superseded,
            FlowState::PullRequestOpen,
            FlowState::Closed,
            FlowState::Pending,
        ]
        .into_iter()
        .find(|state| state.as_str() == name)
    }

    /// Whether the build needs nothing more from the subscription: applied, superseded by
    /// a newer one, or its pull request closed unmerged. Open and pending builds still
    /// move.
    pub fn is_finished(self) -> bool {
        matches!(
            self,
            FlowState::Applied | FlowState::Superseded | FlowState::Closed
        )
    }

    /// Whether the state named `name` (as the API reports it) is finished; a name of no
    /// known state is not.
    pub fn finished(name: &str) -> bool {
        FlowState::parse(name).is_some_and(FlowState::is_finished)
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
#[path = "state_tests.rs"]
mod tests;
