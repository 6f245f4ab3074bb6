//! Unit tests of the planner, one or more per branch of its logic.

use std::collections::BTreeMap;

use super::*;
use crate::manifest::ManifestFiles;
use crate::model::{
    Asset, MergePolicy, MergePolicyName, MergePolicyProperties, PolicyResult, PullRequestState,
    SubscriptionSource, SubscriptionSpec, SubscriptionTarget, UpdateFrequency,
};

const RT: &str = "https://github.com/contoso/runtime";
const SDK: &str = "https://github.com/contoso/sdk";
const XML: &str = "eng/Version.Details.xml";
const PROPS: &str = "eng/Versions.props";

fn details(deps: &[(&str, &str)]) -> Vec<u8> {
    let mut s = String::from(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<Dependencies>\n  <ProductDependencies>\n",
    );
    for (name, version) in deps {
        s.push_str(&format!(
            "    <Dependency Name=\"{name}\" Version=\"{version}\">\n      <Uri>{RT}</Uri>\n      <Sha>0000000000000000000000000000000000000000</Sha>\n    </Dependency>\n"
        ));
    }
    s.push_str("  </ProductDependencies>\n  <ToolsetDependencies>\n  </ToolsetDependencies>\n</Dependencies>\n");
    s.into_bytes()
}

fn props(deps: &[(&str, &str)]) -> Vec<u8> {
    let mut s = String::from("<Project>\n  <PropertyGroup>\n");
    for (name, version) in deps {
        let p = name.replace('.', "");
        s.push_str(&format!(
            "    <{p}PackageVersion>{version}</{p}PackageVersion>\n"
        ));
    }
    s.push_str("  </PropertyGroup>\n</Project>\n");
    s.into_bytes()
}

fn files_in(dir: &str, deps: &[(&str, &str)]) -> ManifestFiles {
    let p = if dir.is_empty() {
        String::new()
    } else {
        format!("{dir}/")
    };
    [
        (format!("{p}{XML}"), details(deps)),
        (format!("{p}{PROPS}"), props(deps)),
    ]
    .into_iter()
    .collect()
}

fn base_files() -> ManifestFiles {
    files_in("", &[("Foo.Core", "1.0.0"), ("Bar.Sdk", "2.0.0")])
}

fn spec(dirs: &[&str], batchable: bool) -> SubscriptionSpec {
    SubscriptionSpec {
        source: SubscriptionSource {
            repository: RT.into(),
            channel: "dev".into(),
        },
        target: SubscriptionTarget {
            repository: SDK.into(),
            branch: "main".into(),
            directories: dirs.iter().map(|d| d.to_string()).collect(),
        },
        update_frequency: UpdateFrequency::EveryBuild,
        batchable,
        excluded_assets: vec![],
        merge_policies: vec![],
        failure_notification_tags: vec![],
        enabled: true,
        source_enabled: false,
        source_directory: None,
        target_directory: None,
    }
}

fn sub(name: &str, requested: Option<BuildId>, applied: Option<BuildId>) -> SubscriptionView {
    SubscriptionView {
        name: name.into(),
        spec: spec(&["."], false),
        state: SubscriptionState {
            last_applied_build: applied,
            requested_build: requested,
            force: false,
            rejected_build: None,
        },
    }
}

fn build(id: BuildId, assets: &[(&str, &str)]) -> BuildInfo {
    BuildInfo {
        id,
        repository: RT.into(),
        branch: "main".into(),
        commit: format!("{id:040}"),
        build_number: format!("20260101.{id}"),
        produced_at: "2026-01-01T00:00:00Z".into(),
        assets: assets
            .iter()
            .map(|(n, v)| Asset {
                name: (*n).into(),
                version: (*v).into(),
                non_shipping: false,
                locations: vec![],
            })
            .collect(),
        channels: vec!["dev".into()],
    }
}

fn input(subs: Vec<SubscriptionView>, builds: Vec<BuildInfo>) -> KeyInput {
    KeyInput {
        key: UpdateKey::Subscription {
            name: subs[0].name.clone(),
        },
        target_repository: SDK.into(),
        target_branch: "main".into(),
        subscriptions: subs,
        builds: builds.into_iter().map(|b| (b.id, b)).collect(),
        merge_policies: vec![],
        failure_notification_tags: vec!["@contoso/sdk-owners".into()],
        target: TargetObservation {
            head: Some("h1".into()),
            files: base_files(),
        },
        pull_request: None,
    }
}

fn open_pr(carried: &[(&str, BuildId)], base: &str) -> PullRequestObservation {
    PullRequestObservation {
        id: "7".into(),
        url: "https://github.com/contoso/sdk/pull/7".into(),
        state: PullRequestState::Open,
        head_commit: "p1".into(),
        base_commit: base.into(),
        carried: carried.iter().map(|(n, b)| (n.to_string(), *b)).collect(),
        checks: vec![],
        reviews: vec![],
        failure_commented: false,
        settled: false,
    }
}

fn policies(names: &[MergePolicyName]) -> Vec<MergePolicy> {
    names
        .iter()
        .map(|n| MergePolicy {
            name: *n,
            properties: MergePolicyProperties::default(),
        })
        .collect()
}

fn reason(plan: &Plan, name: &str) -> String {
    match &plan.outcomes[name] {
        Outcome::Ready { reason, .. } => format!("Ready/{reason}"),
        Outcome::Reconciling { reason, .. } => format!("Reconciling/{reason}"),
        Outcome::Stalled { reason, .. } => format!("Stalled/{reason}"),
    }
}

fn message(plan: &Plan, name: &str) -> String {
    match &plan.outcomes[name] {
        Outcome::Ready { message, .. }
        | Outcome::Reconciling { message, .. }
        | Outcome::Stalled { message, .. } => message.clone(),
    }
}

/// `(kind, detail)` of each action, for compact assertions.
fn kinds(plan: &Plan) -> Vec<String> {
    plan.actions
        .iter()
        .map(|a| match a {
            Action::PushUpdate {
                expected, parent, ..
            } => format!("Push({parent},{expected:?})"),
            Action::OpenPullRequest { carried, .. } => format!("Open({carried:?})"),
            Action::UpdatePullRequest { carried, .. } => format!("Update({carried:?})"),
            Action::Merge { id, head_commit } => format!("Merge({id},{head_commit})"),
            Action::Close { id, .. } => format!("Close({id})"),
            Action::Comment { id, .. } => format!("Comment({id})"),
            Action::RecordApplied {
                subscription,
                build,
            } => format!("Applied({subscription},{build})"),
            Action::RecordRejected {
                subscription,
                build,
            } => format!("Rejected({subscription},{build})"),
            Action::Settle { id } => format!("Settle({id})"),
        })
        .collect()
}

fn new_foo() -> Vec<BuildInfo> {
    vec![
        build(1, &[("Foo.Core", "1.1.0")]),
        build(2, &[("Foo.Core", "1.2.0")]),
    ]
}

#[test]
fn nothing_requested_is_up_to_date() {
    for state in [(None, None), (Some(1), Some(1))] {
        let p = plan(&input(vec![sub("s", state.0, state.1)], new_foo()));
        assert!(p.actions.is_empty(), "{state:?}");
        assert_eq!(reason(&p, "s"), "Ready/UpToDate");
    }
}

#[test]
fn a_new_build_opens_a_pull_request() {
    let p = plan(&input(vec![sub("s", Some(1), None)], new_foo()));
    assert_eq!(kinds(&p), ["Push(h1,None)", "Open({\"s\": 1})"]);
    let Action::PushUpdate {
        branch,
        files,
        message,
        ..
    } = &p.actions[0]
    else {
        unreachable!()
    };
    assert_eq!(branch, "sluice/main/s");
    assert_eq!(files.keys().collect::<Vec<_>>(), [XML, PROPS]);
    assert!(String::from_utf8_lossy(&files[PROPS]).contains("<FooCorePackageVersion>1.1.0<"));
    assert_eq!(
        message,
        "[main] Update dependencies from contoso/runtime\n\n- **Foo.Core**: from 1.0.0 to 1.1.0\n"
    );
    let Action::OpenPullRequest {
        head_branch,
        title,
        description,
        ..
    } = &p.actions[1]
    else {
        unreachable!()
    };
    assert_eq!(head_branch, "sluice/main/s");
    assert_eq!(title, "[main] Update dependencies from contoso/runtime");
    assert!(description.contains("<!-- sluice:begin subscription=s build=1 -->"));
    assert_eq!(reason(&p, "s"), "Reconciling/PullRequestOpening");
}

#[test]
fn a_build_that_changes_nothing_is_recorded() {
    let builds = vec![build(3, &[("Unrelated", "9.0.0")])];
    let p = plan(&input(vec![sub("s", Some(3), None)], builds.clone()));
    assert_eq!(kinds(&p), ["Applied(s,3)"]);
    assert_eq!(reason(&p, "s"), "Ready/NothingToUpdate");
    // Forced again after being recorded: still nothing to do, and no repeated record.
    let mut s = sub("s", Some(3), Some(3));
    s.state.force = true;
    let p = plan(&input(vec![s], builds));
    assert!(p.actions.is_empty());
    assert_eq!(reason(&p, "s"), "Ready/NothingToUpdate");
}

#[test]
fn excluded_assets_are_not_applied() {
    let mut s = sub("s", Some(1), None);
    s.spec.excluded_assets = vec!["foo.*".into()];
    let p = plan(&input(vec![s], new_foo()));
    assert_eq!(kinds(&p), ["Applied(s,1)"]);
}

#[test]
fn an_unknown_build_stalls() {
    let p = plan(&input(vec![sub("s", Some(42), None)], new_foo()));
    assert!(p.actions.is_empty());
    assert_eq!(reason(&p, "s"), "Stalled/UnknownBuild");
}

#[test]
fn a_missing_target_branch_stalls_every_subscription() {
    let mut i = input(
        vec![sub("a", Some(1), None), sub("b", None, None)],
        new_foo(),
    );
    i.target.head = None;
    let p = plan(&i);
    assert!(p.actions.is_empty());
    for name in ["a", "b"] {
        assert_eq!(reason(&p, name), "Stalled/TargetBranchMissing");
        assert!(message(&p, name).contains(SDK) && message(&p, name).contains("main"));
    }
}

#[test]
fn a_malformed_manifest_stalls_only_its_subscription() {
    let mut good = sub("a", Some(1), None);
    good.spec = spec(&["."], true);
    let mut bad = sub("b", Some(1), None);
    bad.spec = spec(&["src/bad"], true);
    let mut missing = sub("c", Some(1), None);
    missing.spec = spec(&["src/none"], true);
    let mut i = input(vec![good, bad, missing], new_foo());
    i.key = UpdateKey::Batch {
        repository: SDK.into(),
        branch: "main".into(),
    };
    i.target.files.insert(
        format!("src/bad/{XML}"),
        b"<Dependencies>\n  <ProductDependencies>\n".to_vec(),
    );
    let p = plan(&i);
    assert_eq!(kinds(&p), ["Push(h1,None)", "Open({\"a\": 1})"]);
    let Action::PushUpdate { branch, .. } = &p.actions[0] else {
        unreachable!()
    };
    assert_eq!(branch, "sluice/main/batch");
    assert_eq!(reason(&p, "a"), "Reconciling/PullRequestOpening");
    assert_eq!(reason(&p, "b"), "Stalled/ManifestInvalid");
    let m = message(&p, "b");
    assert!(
        m.starts_with(&format!("{SDK} branch main: src/bad/{XML}:")),
        "{m}"
    );
    assert_eq!(reason(&p, "c"), "Stalled/NoManifest");
}

#[test]
fn directories_prefix_the_manifest_paths() {
    let mut s = sub("s", Some(1), None);
    s.spec = spec(&["src/tool", "."], false);
    let mut i = input(vec![s], new_foo());
    i.target
        .files
        .extend(files_in("src/tool", &[("Foo.Core", "0.9.0")]));
    let p = plan(&i);
    let Action::PushUpdate { files, .. } = &p.actions[0] else {
        unreachable!()
    };
    let paths: Vec<&str> = files.keys().map(String::as_str).collect();
    assert_eq!(
        paths,
        [
            XML,
            PROPS,
            "src/tool/eng/Version.Details.xml",
            "src/tool/eng/Versions.props"
        ]
    );
}

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
    let cases: [(&[MergePolicyName], Option<CheckState>, bool, &[&str], &str); 6] = [
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
        (
            &[MergePolicyName::Standard],
            Some(Success),
            false,
            &[],
            "Reconciling/PoliciesPending",
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
fn wanted_builds_table() {
    // (requested, applied, rejected, force, carried) -> wanted
    let cases = [
        ((None, None, None, false, None), plan::Wanted::UpToDate),
        ((Some(2), None, None, false, None), plan::Wanted::Build(2)),
        (
            (Some(2), Some(2), None, false, None),
            plan::Wanted::UpToDate,
        ),
        ((Some(2), Some(2), None, true, None), plan::Wanted::Build(2)),
        (
            (Some(1), Some(2), None, false, None),
            plan::Wanted::Build(1),
        ),
        (
            (Some(2), None, Some(2), false, None),
            plan::Wanted::Rejected(2),
        ),
        ((Some(2), None, Some(3), true, None), plan::Wanted::Build(2)),
        (
            (Some(3), None, Some(2), false, None),
            plan::Wanted::Build(3),
        ),
        (
            (None, Some(1), None, false, Some(2)),
            plan::Wanted::Build(2),
        ),
        (
            (Some(1), Some(1), None, false, Some(1)),
            plan::Wanted::UpToDate,
        ),
        (
            (Some(2), None, Some(2), false, Some(2)),
            plan::Wanted::Rejected(2),
        ),
    ];
    for ((requested, applied, rejected, force, carried), want) in cases {
        let mut s = sub("s", requested, applied);
        s.state.rejected_build = rejected;
        s.state.force = force;
        assert_eq!(plan::wanted_build(&s, carried), want, "{:?}", s.state);
    }
}

#[test]
fn planning_is_deterministic_and_order_independent() {
    let mut a = sub("a", Some(1), None);
    a.spec = spec(&["."], true);
    let mut b = sub("b", Some(5), None);
    b.spec = spec(&["."], true);
    let mut builds = new_foo();
    builds.push(build(5, &[("Bar.Sdk", "2.1.0")]));
    let mut i = input(vec![a.clone(), b.clone()], builds.clone());
    let mut j = input(vec![b, a], builds);
    i.key = UpdateKey::Batch {
        repository: SDK.into(),
        branch: "main".into(),
    };
    j.key = i.key.clone();
    assert_eq!(plan(&i), plan(&i));
    let (pi, pj) = (plan(&i), plan(&j));
    assert_eq!(pi.actions, pj.actions);
    assert_eq!(pi.outcomes, pj.outcomes);
    let _: BTreeMap<String, Outcome> = pi.outcomes;
}
