//! The update pull request's lifecycle: open, refresh, policies, merge, close, settle.

use super::*;

#[test]
fn a_current_pull_request_merges_when_policies_pass() {
    let mut i = input(vec![sub("s", Some(1), None)], new_foo());
    i.merge_policies = policies(&[
        MergePolicyName::AllChecksSuccessful,
        MergePolicyName::DontAutomergeDowngrades,
    ]);
    let mut pr = open_pr(&[("s", 1)], "h1");
    pr.checks = vec![Check {
        name: "build".into(),
        state: CheckState::Success,
    }];
    i.pull_request = Some(pr);
    let p = plan(&i);
    assert_eq!(kinds(&p), ["Merge(7,p1)"]);
    assert_eq!(p.policies.len(), 2);
    assert!(p.policies.iter().all(|e| e.result == PolicyResult::Passed));
    assert_eq!(reason(&p, "s"), "Reconciling/Merging");
}

#[test]
fn policy_outcomes_of_a_current_pull_request() {
    use CheckState::{Failure, Pending, Success};
    /// (policies, check state, already commented, actions, outcome)
    type Case = (
        &'static [MergePolicyName],
        Option<CheckState>,
        bool,
        &'static [&'static str],
        &'static str,
    );
    let cases: [Case; 6] = [
        (&[], Some(Success), false, &[], "Reconciling/AwaitingMerge"),
        (
            &[MergePolicyName::AllChecksSuccessful],
            None,
            false,
            &[],
            "Reconciling/PoliciesPending",
        ),
        (
            &[MergePolicyName::AllChecksSuccessful],
            Some(Pending),
            false,
            &[],
            "Reconciling/PoliciesPending",
        ),
        (
            &[MergePolicyName::AllChecksSuccessful],
            Some(Failure),
            false,
            &["Comment(7)"],
            "Reconciling/PoliciesFailed",
        ),
        (
            &[MergePolicyName::AllChecksSuccessful],
            Some(Failure),
            true,
            &[],
            "Reconciling/PoliciesFailed",
        ),
        // Standard merges once its members pass (no coherent child to follow here).
        (
            &[MergePolicyName::Standard],
            Some(Success),
            false,
            &["Merge(7,p1)"],
            "Reconciling/Merging",
        ),
    ];
    for (names, check, commented, want, want_reason) in cases {
        let mut i = input(vec![sub("s", Some(1), None)], new_foo());
        i.merge_policies = policies(names);
        let mut pr = open_pr(&[("s", 1)], "h1");
        pr.checks = check
            .map(|state| Check {
                name: "build".into(),
                state,
            })
            .into_iter()
            .collect();
        pr.failure_commented = commented;
        i.pull_request = Some(pr);
        let p = plan(&i);
        assert_eq!(kinds(&p), want, "{names:?} {check:?}");
        assert_eq!(reason(&p, "s"), want_reason, "{names:?} {check:?}");
        if let Some(Action::Comment { body, .. }) = p.actions.first() {
            assert!(body.contains("@contoso/sdk-owners") && body.contains("failed checks: build"));
        }
    }
}

#[test]
fn a_downgrade_is_not_merged() {
    let mut s = sub("s", Some(1), Some(2));
    s.state.force = true;
    let mut i = input(vec![s], new_foo());
    i.target.files = files_in("", &[("Foo.Core", "1.2.0")]);
    i.merge_policies = policies(&[MergePolicyName::DontAutomergeDowngrades]);
    i.pull_request = Some(open_pr(&[("s", 1)], "h1"));
    let p = plan(&i);
    assert_eq!(reason(&p, "s"), "Reconciling/PoliciesFailed");
    assert_eq!(p.policies[0].message, "downgrades: Foo.Core 1.2.0 -> 1.1.0");
}

#[test]
fn a_moved_target_is_pushed_again_on_the_new_head() {
    let mut i = input(vec![sub("s", Some(1), None)], new_foo());
    i.target.head = Some("h2".into());
    i.pull_request = Some(open_pr(&[("s", 1)], "h1"));
    let p = plan(&i);
    assert_eq!(kinds(&p), ["Push(h2,Some(\"p1\"))", "Update({\"s\": 1})"]);
    let Action::UpdatePullRequest {
        id, description, ..
    } = &p.actions[1]
    else {
        unreachable!()
    };
    assert_eq!(id, "7");
    assert!(description.contains("- **Foo.Core**: from 1.0.0 to 1.1.0"));
    assert_eq!(reason(&p, "s"), "Reconciling/PullRequestUpdating");
}

#[test]
fn a_newer_build_updates_the_open_pull_request() {
    let mut i = input(vec![sub("s", Some(2), None)], new_foo());
    i.pull_request = Some(open_pr(&[("s", 1)], "h1"));
    let p = plan(&i);
    assert_eq!(kinds(&p), ["Push(h1,Some(\"p1\"))", "Update({\"s\": 2})"]);
}

#[test]
fn a_batch_keeps_carried_builds_and_adds_new_ones() {
    let mut a = sub("a", Some(1), None);
    a.spec = spec(&["."], true);
    let mut b = sub("b", Some(5), None);
    b.spec = spec(&["."], true);
    let mut builds = new_foo();
    builds.push(build(5, &[("Bar.Sdk", "2.1.0")]));
    let mut i = input(vec![a, b], builds);
    i.key = UpdateKey::Batch {
        repository: SDK.into(),
        branch: "main".into(),
    };
    i.pull_request = Some(open_pr(&[("a", 1)], "h1"));
    let p = plan(&i);
    assert_eq!(
        kinds(&p),
        ["Push(h1,Some(\"p1\"))", "Update({\"a\": 1, \"b\": 5})"]
    );
    let Action::UpdatePullRequest {
        title, description, ..
    } = &p.actions[1]
    else {
        unreachable!()
    };
    assert_eq!(title, "[main] Update dependencies from contoso/runtime");
    assert!(
        description.contains("subscription=a build=1")
            && description.contains("subscription=b build=5")
    );
}

#[test]
fn a_merged_pull_request_is_recorded_then_settled() {
    let mut i = input(vec![sub("s", Some(1), None)], new_foo());
    let mut pr = open_pr(&[("s", 1)], "h1");
    pr.state = PullRequestState::Merged;
    i.pull_request = Some(pr.clone());
    let p = plan(&i);
    assert_eq!(kinds(&p), ["Applied(s,1)", "Settle(7)"]);
    assert_eq!(reason(&p, "s"), "Reconciling/PullRequestMerged");
    // Next cycle: recorded, settled, target holds the versions.
    pr.settled = true;
    i.pull_request = Some(pr);
    i.subscriptions[0].state.last_applied_build = Some(1);
    i.target.files = files_in("", &[("Foo.Core", "1.1.0"), ("Bar.Sdk", "2.0.0")]);
    let p = plan(&i);
    assert!(p.actions.is_empty());
    assert_eq!(reason(&p, "s"), "Ready/UpToDate");
}

#[test]
fn a_closed_pull_request_is_not_reopened_until_a_newer_build() {
    let mut i = input(vec![sub("s", Some(1), None)], new_foo());
    let mut pr = open_pr(&[("s", 1)], "h1");
    pr.state = PullRequestState::Closed;
    i.pull_request = Some(pr.clone());
    assert_eq!(kinds(&plan(&i)), ["Rejected(s,1)", "Settle(7)"]);
    pr.settled = true;
    i.pull_request = Some(pr);
    i.subscriptions[0].state.rejected_build = Some(1);
    let p = plan(&i);
    assert!(p.actions.is_empty());
    assert_eq!(reason(&p, "s"), "Ready/UpdateRejected");
    i.subscriptions[0].state.requested_build = Some(2);
    assert_eq!(kinds(&plan(&i)), ["Push(h1,None)", "Open({\"s\": 2})"]);
}

#[test]
fn an_open_pull_request_with_nothing_left_is_closed() {
    let mut i = input(vec![sub("s", Some(1), None)], new_foo());
    i.target.head = Some("h2".into());
    i.target.files = files_in("", &[("Foo.Core", "1.1.0"), ("Bar.Sdk", "2.0.0")]);
    // The target picked the version up by hand, with the build's commit and repository.
    let text = String::from_utf8(i.target.files[XML].clone())
        .unwrap()
        .replacen(
            "<Sha>0000000000000000000000000000000000000000</Sha>",
            &format!("<Sha>{:040}</Sha>", 1),
            1,
        );
    i.target.files.insert(XML.into(), text.into_bytes());
    i.pull_request = Some(open_pr(&[("s", 1)], "h1"));
    let p = plan(&i);
    assert_eq!(kinds(&p), ["Applied(s,1)", "Close(7)", "Settle(7)"]);
}

#[test]
fn a_stalled_subscription_leaves_its_pull_request_alone() {
    let mut i = input(vec![sub("s", Some(1), None)], new_foo());
    i.target
        .files
        .insert(XML.into(), b"<Dependencies><Oops".to_vec());
    i.pull_request = Some(open_pr(&[("s", 1)], "h1"));
    let p = plan(&i);
    assert!(p.actions.is_empty());
    assert_eq!(reason(&p, "s"), "Stalled/ManifestInvalid");
}

#[test]
fn a_head_branch_not_where_recorded_is_rebuilt_over_its_tip() {
    // A push of sluice's landed but was not recorded: rebuild over the real tip.
    let mut i = input(vec![sub("s", Some(1), None)], new_foo());
    let mut pr = open_pr(&[("s", 1)], "h1");
    pr.head_branch_tip = Some("p2".into());
    pr.tip_ancestry.committed_by_sluice = true;
    pr.checks = vec![Check {
        name: "ci".into(),
        state: CheckState::Success,
    }];
    i.merge_policies = policies(&[MergePolicyName::AllChecksSuccessful]);
    i.pull_request = Some(pr.clone());
    let p = plan(&i);
    assert_eq!(
        kinds(&p),
        ["Push(h1,Some(\"p2\"))", "Update({\"s\": 1})"],
        "never merge a head nobody checked"
    );

    // Someone reset the branch to the target: rebuilt too.
    pr.head_branch_tip = Some("h1".into());
    pr.tip_ancestry = TipAncestry {
        within_target: true,
        contains_target: true,
        ..TipAncestry::default()
    };
    i.pull_request = Some(pr.clone());
    assert_eq!(
        kinds(&plan(&i)),
        ["Push(h1,Some(\"h1\"))", "Update({\"s\": 1})"]
    );

    // The branch was deleted: it is pushed again, created.
    pr.head_branch_tip = None;
    i.pull_request = Some(pr);
    assert_eq!(kinds(&plan(&i)), ["Push(h1,None)", "Update({\"s\": 1})"]);
}

#[test]
fn an_update_branch_no_open_pull_request_uses_is_taken_over_where_it_was_observed() {
    // A push that landed before a crash left the branch; no pull request was opened.
    for (left, expected) in [(None, "None"), (Some("orphan"), "Some(\"orphan\")")] {
        let mut i = input(vec![sub("s", Some(1), None)], new_foo());
        i.target.update_branch = left.map(str::to_string);
        let p = plan(&i);
        assert_eq!(
            kinds(&p)[..2],
            [
                format!("Push(h1,{expected})"),
                "Open({\"s\": 1})".to_string()
            ],
            "{left:?}"
        );
    }
}
