//! Table tests of merge policy evaluation and failure comments.

use super::*;
use crate::model::MergePolicyProperties;
use PolicyResult::{Failed, Passed, Pending};

fn policy(name: MergePolicyName, ignore: &[&str]) -> MergePolicy {
    MergePolicy {
        name,
        properties: MergePolicyProperties {
            ignore_checks: ignore.iter().map(|s| s.to_string()).collect(),
            ..Default::default()
        },
    }
}

fn check(name: &str, state: CheckState) -> Check {
    Check {
        name: name.into(),
        state,
    }
}

fn review(reviewer: &str, state: ReviewState) -> Review {
    Review {
        reviewer: reviewer.into(),
        state,
    }
}

fn update(name: &str, from: &str, to: &str) -> DependencyUpdate {
    DependencyUpdate {
        name: name.into(),
        from_version: from.into(),
        to_version: to.into(),
        from_commit: "a".into(),
        to_commit: "b".into(),
        repository: "https://example.com/r".into(),
    }
}

#[test]
fn checks_table() {
    use CheckState::{Failure, Pending as Running, Success};
    let cases: Vec<(Vec<Check>, Vec<&str>, PolicyResult, &str)> = vec![
        (vec![], vec![], Pending, "no checks reported yet"),
        (
            vec![check("lint", Failure)],
            vec!["lint"],
            Pending,
            "no checks reported yet",
        ),
        (
            vec![check("a", Success), check("b", Success)],
            vec![],
            Passed,
            "all 2 checks succeeded",
        ),
        (
            vec![
                check("b", Failure),
                check("a", Failure),
                check("c", Running),
            ],
            vec![],
            Failed,
            "failed checks: a, b",
        ),
        (
            vec![check("a", Success), check("c", Running)],
            vec![],
            Pending,
            "waiting for checks: c",
        ),
        (
            vec![check("a", Success), check("flaky", Failure)],
            vec!["flaky"],
            Passed,
            "all 1 checks succeeded",
        ),
    ];
    for (checks, ignore, result, message) in cases {
        let got = evaluate(
            &[policy(MergePolicyName::AllChecksSuccessful, &ignore)],
            &checks,
            &[],
            &[],
        );
        assert_eq!(got.len(), 1);
        assert_eq!(
            (got[0].result, got[0].message.as_str()),
            (result, message),
            "{checks:?}"
        );
    }
}

#[test]
fn reviews_table() {
    use ReviewState::{Approved, ChangesRequested, Commented};
    let cases: Vec<(Vec<Review>, PolicyResult, &str)> = vec![
        (vec![], Passed, "no changes requested"),
        (
            vec![review("ann", Approved)],
            Passed,
            "no changes requested",
        ),
        (
            vec![
                review("bob", ChangesRequested),
                review("ann", ChangesRequested),
            ],
            Failed,
            "changes requested by ann, bob",
        ),
        (
            vec![review("bob", ChangesRequested), review("bob", Approved)],
            Passed,
            "no changes requested",
        ),
        (
            vec![review("bob", Approved), review("bob", ChangesRequested)],
            Failed,
            "changes requested by bob",
        ),
        (
            vec![review("bob", ChangesRequested), review("bob", Commented)],
            Failed,
            "changes requested by bob",
        ),
    ];
    for (reviews, result, message) in cases {
        let got = evaluate(
            &[policy(MergePolicyName::NoRequestedChanges, &[])],
            &[],
            &reviews,
            &[],
        );
        assert_eq!(
            (got[0].result, got[0].message.as_str()),
            (result, message),
            "{reviews:?}"
        );
    }
}

#[test]
fn downgrades_table() {
    let cases: Vec<(Vec<DependencyUpdate>, PolicyResult, &str)> = vec![
        (vec![], Passed, "no downgrades"),
        (vec![update("A", "1.0.0", "1.0.1")], Passed, "no downgrades"),
        (
            vec![
                update("A", "2.0.0", "1.0.0"),
                update("B", "1.0.0", "1.0.0-rc.1"),
                update("C", "1", "2"),
            ],
            Failed,
            "downgrades: A 2.0.0 -> 1.0.0, B 1.0.0 -> 1.0.0-rc.1",
        ),
    ];
    for (updates, result, message) in cases {
        let got = evaluate(
            &[policy(MergePolicyName::DontAutomergeDowngrades, &[])],
            &[],
            &[],
            &updates,
        );
        assert_eq!((got[0].result, got[0].message.as_str()), (result, message));
    }
}

#[test]
fn standard_expands_and_carries_ignore_checks() {
    let checks = [
        check("a", CheckState::Success),
        check("x", CheckState::Failure),
    ];
    let got = evaluate(
        &[policy(MergePolicyName::Standard, &["x"])],
        &checks,
        &[],
        &[],
    );
    let summary: Vec<(&str, PolicyResult)> =
        got.iter().map(|e| (e.name.as_str(), e.result)).collect();
    assert_eq!(
        summary,
        [
            ("AllChecksSuccessful", Passed),
            ("NoRequestedChanges", Passed),
            ("DontAutomergeDowngrades", Passed),
            ("ValidateCoherency", Pending),
        ]
    );
    assert_eq!(got[3].message, "coherency of the update not worked out yet");
    assert!(!all_passed(&got));
    // With the update's coherency worked out, Standard passes as a whole.
    let clean = crate::flow::coherency::CoherencyReport::default();
    let facts = UpdateFacts {
        updates: &[],
        coherency: Some(&clean),
        details_props: None,
        product_graph: None,
    };
    let got = evaluate_update(
        &[policy(MergePolicyName::Standard, &["x"])],
        &checks,
        &[],
        &facts,
    );
    assert!(all_passed(&got), "{got:?}");
}

#[test]
fn policies_without_their_facts_block() {
    for name in [
        MergePolicyName::ValidateCoherency,
        MergePolicyName::VersionDetailsProps,
        MergePolicyName::CodeflowConsistency,
    ] {
        let got = evaluate(&[policy(name, &[])], &[], &[], &[]);
        assert_eq!(got[0].name, name.as_str());
        assert_eq!(got[0].result, Pending);
    }
}

#[test]
fn all_passed_table() {
    let e = |result| PolicyEvaluation {
        name: "p".into(),
        result,
        message: String::new(),
    };
    assert!(!all_passed(&[]));
    assert!(all_passed(&[e(Passed), e(Passed)]));
    assert!(!all_passed(&[e(Passed), e(Pending)]));
    assert!(!all_passed(&[e(Failed)]));
}

#[test]
fn failure_comments() {
    let evals = evaluate(
        &[
            policy(MergePolicyName::AllChecksSuccessful, &[]),
            policy(MergePolicyName::NoRequestedChanges, &[]),
        ],
        &[check("build", CheckState::Failure)],
        &[],
        &[],
    );
    let tags = vec!["@contoso/sdk-owners".to_string(), "@ann".to_string()];
    assert_eq!(
        failure_comment(&evals, &tags).unwrap(),
        "Merge policies failed; this pull request will not merge by itself.\n\n\
         - **AllChecksSuccessful**: failed checks: build\n\n\
         Notifying @contoso/sdk-owners @ann\n"
    );
    assert!(!failure_comment(&evals, &[]).unwrap().contains("Notifying"));
    let passing = evaluate(
        &[policy(MergePolicyName::NoRequestedChanges, &[])],
        &[],
        &[],
        &[],
    );
    assert_eq!(failure_comment(&passing, &tags), None);
}

#[test]
fn coherency_and_props_table() {
    use crate::flow::coherency::{CoherencyFailure, CoherencyReport};
    let failure = CoherencyFailure {
        dependency: "Child".into(),
        parent: "Parent".into(),
        repository: "https://example.com/p".into(),
        commit: "abc1234".into(),
        problem: "does not reference it in eng/Version.Details.xml".into(),
    };
    let failed = CoherencyReport {
        failures: vec![failure],
        unchecked: vec![],
    };
    let unchecked = CoherencyReport {
        failures: vec![],
        unchecked: vec!["Child".into()],
    };
    let clean = CoherencyReport::default();
    let findings = vec!["eng/Version.Details.props:3:5: XPackageVersion is 1 but eng/Version.Details.xml declares 2".to_string()];
    type Case<'a> = (
        &'a str,
        Option<&'a CoherencyReport>,
        Option<Option<&'a [String]>>,
        [(PolicyResult, &'a str); 2],
    );
    let cases: Vec<Case<'_>> = vec![
        (
            "nothing worked out",
            None,
            None,
            [
                (Pending, "coherency of the update not worked out yet"),
                (Pending, "Version.Details.props not checked yet"),
            ],
        ),
        (
            "coherent, props not in use",
            Some(&clean),
            Some(None),
            [
                (Passed, "every coherent dependency follows its parent"),
                (Passed, "Version.Details.props is not in use"),
            ],
        ),
        (
            "a failure, props matching",
            Some(&failed),
            Some(Some(&[])),
            [
                (
                    Failed,
                    "coherency failures: Child follows Parent, but https://example.com/p at abc1234 does not reference it in eng/Version.Details.xml",
                ),
                (Passed, "Version.Details.props matches Version.Details.xml"),
            ],
        ),
        (
            "unchecked, props differing",
            Some(&unchecked),
            Some(Some(&findings)),
            [
                (
                    Pending,
                    "coherent parents' manifests not read yet for: Child",
                ),
                (
                    Failed,
                    "Version.Details.props differs from Version.Details.xml: eng/Version.Details.props:3:5: XPackageVersion is 1 but eng/Version.Details.xml declares 2",
                ),
            ],
        ),
    ];
    for (name, coherency, details_props, expected) in cases {
        let facts = UpdateFacts {
            updates: &[],
            coherency,
            details_props,
            product_graph: None,
        };
        let got = evaluate_update(
            &[
                policy(MergePolicyName::ValidateCoherency, &[]),
                policy(MergePolicyName::VersionDetailsProps, &[]),
            ],
            &[],
            &[],
            &facts,
        );
        let got: Vec<(PolicyResult, &str)> =
            got.iter().map(|e| (e.result, e.message.as_str())).collect();
        assert_eq!(got, expected, "{name}");
    }
}
