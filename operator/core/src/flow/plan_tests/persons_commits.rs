//! A pull request whose head branch a person added commits to: never pushed over,
//! noticed once, merged only as the tip the policies saw.

use super::*;

/// A pull request carrying `s` build 1 built on `h1`, whose branch a person moved to
/// `c1` on top of sluice's `p1`.
fn taken_over(contains_target: bool) -> PullRequestObservation {
    let mut pr = open_pr(&[("s", 1)], "h1");
    pr.head_branch_tip = Some("c1".into());
    pr.tip_ancestry = TipAncestry {
        contains_recorded_head: true,
        contains_target,
        ..TipAncestry::default()
    };
    pr
}

#[test]
fn a_pull_request_with_a_persons_commits_is_never_pushed_over() {
    use CheckState::{Failure, Success};
    const PAUSED: &str = "Reconciling/UpdatesPausedForManualCommits";
    /// (case, requested build, target head, check, contains target, noticed, actions, outcome)
    type Case = (
        &'static str,
        BuildId,
        &'static str,
        Option<CheckState>,
        bool,
        bool,
        &'static [&'static str],
        &'static str,
    );
    let cases: [Case; 8] = [
        (
            "first seen",
            1,
            "h1",
            None,
            true,
            false,
            &["Notice(7)"],
            PAUSED,
        ),
        ("already noticed", 1, "h1", None, true, true, &[], PAUSED),
        (
            "policies pass on the tip",
            1,
            "h1",
            Some(Success),
            true,
            true,
            &["Merge(7,c1)"],
            "Reconciling/Merging",
        ),
        (
            "noticed and merged in one go",
            1,
            "h1",
            Some(Success),
            true,
            false,
            &["Notice(7)", "Merge(7,c1)"],
            "Reconciling/Merging",
        ),
        (
            "the tip lacks the target head",
            1,
            "h2",
            Some(Success),
            false,
            true,
            &[],
            PAUSED,
        ),
        (
            "policies fail on the tip",
            1,
            "h1",
            Some(Failure),
            true,
            true,
            &["Comment(7)"],
            PAUSED,
        ),
        (
            "a newer build waits",
            2,
            "h1",
            None,
            true,
            true,
            &[],
            PAUSED,
        ),
        ("the target moved", 1, "h2", None, false, true, &[], PAUSED),
    ];
    for (case, requested, target, check, contains_target, noticed, want, want_reason) in cases {
        let mut i = input(vec![sub("s", Some(requested), None)], new_foo());
        i.target.head = Some(target.into());
        i.merge_policies = match check {
            Some(_) => policies(&[MergePolicyName::AllChecksSuccessful]),
            None => vec![],
        };
        let mut pr = taken_over(contains_target);
        pr.manual_commits_noticed = noticed;
        pr.checks = check
            .map(|state| Check {
                name: "ci".into(),
                state,
            })
            .into_iter()
            .collect();
        i.pull_request = Some(pr);
        let p = plan(&i);
        assert_eq!(kinds(&p), want, "{case}");
        assert_eq!(reason(&p, "s"), want_reason, "{case}");
        if want_reason == PAUSED {
            let m = message(&p, "s");
            assert!(
                m.contains("c1") && m.contains("reset the branch to p1"),
                "{case}: {m}"
            );
            assert_eq!(
                m.contains("a newer build waits"),
                requested == 2,
                "{case}: {m}"
            );
        }
    }
}

#[test]
fn the_notice_names_the_tip_and_how_to_hand_back() {
    let mut i = input(vec![sub("s", Some(1), None)], new_foo());
    i.pull_request = Some(taken_over(true));
    let p = plan(&i);
    let Some(Action::NoticeManualCommits { body, .. }) = p.actions.first() else {
        panic!("no notice: {:?}", p.actions);
    };
    assert!(body.contains("c1") && body.contains("p1"), "{body}");
    assert!(body.contains(&i.key.head_branch("main")), "{body}");
}

#[test]
fn a_pull_request_with_a_persons_commits_is_not_closed_by_sluice() {
    // The target already has the update (say a person applied it by hand): closing would
    // delete the branch with their commits, so it is left to them.
    let mut i = input(vec![sub("s", Some(1), Some(1))], new_foo());
    i.pull_request = Some(taken_over(true));
    assert_eq!(kinds(&plan(&i)), ["Notice(7)"]);
    let mut pr = taken_over(true);
    pr.manual_commits_noticed = true;
    i.pull_request = Some(pr);
    assert!(plan(&i).actions.is_empty());

    // Handed back (reset to sluice's head): closed as before.
    let mut pr = taken_over(true);
    pr.head_branch_tip = Some("p1".into());
    pr.tip_ancestry = TipAncestry::default();
    i.pull_request = Some(pr);
    assert_eq!(kinds(&plan(&i)), ["Close(7)", "Settle(7)"]);
}
