//! Which build each subscription works towards, and whether a key needs its target
//! observed at all.

use std::collections::BTreeSet;

use crate::model::PullRequestState;

use super::types::{BuildId, PullRequestObservation, SubscriptionView};

/// The build a subscription works towards, or why it wants none.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wanted {
    /// Apply this build.
    Build(BuildId),
    /// Nothing requested, or the requested build is applied.
    UpToDate,
    /// The requested build was rejected (its pull request closed unmerged).
    Rejected(BuildId),
}

/// Which build `sub` wants: its requested build when forced, or when it is newer than
/// both the last applied and the last rejected build (applied builds only move up, so an
/// older build is re-applied only by force). With no requested build at
/// all (state lost), the build the open pull request already carries for it, while that
/// is newer than both the applied and the rejected build: an open proposal is kept, but
/// never preferred over what the store asks for.
pub fn wanted_build(sub: &SubscriptionView, carried: Option<BuildId>) -> Wanted {
    let state = &sub.state;
    let rejected = |b: BuildId| state.rejected_build.is_some_and(|r| b <= r);
    if let Some(requested) = state.requested_build {
        if state.force {
            return Wanted::Build(requested);
        }
        if state.last_applied_build.is_none_or(|a| requested > a) && !rejected(requested) {
            return Wanted::Build(requested);
        }
    }
    if let Some(c) = carried
        && state.requested_build.is_none()
        && state.last_applied_build.is_none_or(|a| c > a)
        && !rejected(c)
    {
        return Wanted::Build(c);
    }
    match state.requested_build {
        Some(r)
            if !state.force && state.last_applied_build.is_none_or(|a| r > a) && rejected(r) =>
        {
            Wanted::Rejected(r)
        }
        _ => Wanted::UpToDate,
    }
}

/// Whether planning needs the target branch observed: some enabled subscription wants a
/// build, or a pull request is open or not yet settled. When it does not, [`plan`] decides
/// from the subscriptions alone and the engine spares the network round trip.
pub fn needs_target(
    subscriptions: &[SubscriptionView],
    pull_request: Option<&PullRequestObservation>,
) -> bool {
    if pull_request.is_some_and(|p| !p.settled) {
        return true;
    }
    subscriptions
        .iter()
        .any(|s| s.spec.enabled && matches!(wanted_build(s, None), Wanted::Build(_)))
}

/// The builds [`plan`](super::plan) reads: the one each enabled subscription wants, given
/// the builds an open, unsettled pull request carries. A key whose subscriptions want
/// nothing needs none, so the engine reads no build for a settled key.
pub fn builds_to_read(
    subscriptions: &[SubscriptionView],
    pull_request: Option<&PullRequestObservation>,
) -> BTreeSet<BuildId> {
    let open = pull_request.filter(|p| !p.settled && p.state == PullRequestState::Open);
    subscriptions
        .iter()
        .filter(|s| s.spec.enabled)
        .filter_map(|s| {
            let carried = open.and_then(|p| p.carried.get(&s.name).copied());
            match wanted_build(s, carried) {
                Wanted::Build(id) => Some(id),
                Wanted::UpToDate | Wanted::Rejected(_) => None,
            }
        })
        .collect()
}
