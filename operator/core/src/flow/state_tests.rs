//! Table tests of subscription progress and where a build stands.

use super::*;

fn state(requested: Option<BuildId>, applied: Option<BuildId>, force: bool) -> SubscriptionState {
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

#[test]
fn finished_states() {
    // (name, parsed, finished)
    let table = [
        ("applied", Some(FlowState::Applied), true),
        ("superseded", Some(FlowState::Superseded), true),
        ("closed", Some(FlowState::Closed), true),
        ("pull-request-open", Some(FlowState::PullRequestOpen), false),
        ("pending", Some(FlowState::Pending), false),
        ("Applied", None, false),
        ("", None, false),
        ("merged", None, false),
    ];
    for (name, parsed, finished) in table {
        assert_eq!(FlowState::parse(name), parsed, "{name}");
        assert_eq!(FlowState::finished(name), finished, "{name}");
        if let Some(state) = parsed {
            assert_eq!(state.as_str(), name);
            assert_eq!(state.is_finished(), finished);
        }
    }
}
