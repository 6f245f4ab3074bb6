use super::*;

const T0: &str = "2026-01-01T00:00:00Z";
const T1: &str = "2026-01-02T00:00:00Z";
const T2: &str = "2026-01-03T00:00:00Z";

/// A condition with reason and message `reason`, as `Type=Status@time`.
fn c(type_: ConditionType, status: ConditionStatus, reason: &str, at: Option<&str>) -> Condition {
    Condition {
        type_,
        status,
        reason: reason.to_string(),
        message: format!("{reason} happened"),
        last_transition_time: at.map(str::to_string),
        observed_generation: None,
    }
}

fn outcome(reason: Reason) -> Outcome {
    Outcome::new(reason, format!("{reason} happened"))
}

/// `Type=Status/Reason@time` of each condition, for compact comparison.
fn compact(conditions: &[Condition]) -> Vec<String> {
    conditions
        .iter()
        .map(|c| {
            format!(
                "{:?}={:?}/{}@{}",
                c.type_,
                c.status,
                c.reason,
                c.last_transition_time.as_deref().unwrap_or("-")
            )
        })
        .collect()
}

use ConditionStatus::{False, True, Unknown};
use ConditionType::{Ready, Reconciling, Stalled};

#[test]
fn outcomes_become_kstatus_conditions() {
    let reconciling = [
        c(Ready, False, "PoliciesPending", Some(T0)),
        c(Reconciling, True, "PoliciesPending", Some(T0)),
    ];
    let stalled = [
        c(Ready, False, "ManifestInvalid", Some(T0)),
        c(Stalled, True, "ManifestInvalid", Some(T0)),
    ];
    let ready = [c(Ready, True, "UpToDate", Some(T0))];
    let unreconciled = not_reconciled(None);
    let timeless = [c(Ready, True, "UpToDate", None)];
    let table: Vec<(&str, &[Condition], Reason, Vec<&str>)> = vec![
        (
            "first ready",
            &[],
            Reason::UpToDate,
            vec!["Ready=True/UpToDate@2026-01-02T00:00:00Z"],
        ),
        (
            "first reconciling",
            &[],
            Reason::PullRequestOpening,
            vec![
                "Ready=False/PullRequestOpening@2026-01-02T00:00:00Z",
                "Reconciling=True/PullRequestOpening@2026-01-02T00:00:00Z",
            ],
        ),
        (
            "first stalled",
            &[],
            Reason::NoManifest,
            vec![
                "Ready=False/NoManifest@2026-01-02T00:00:00Z",
                "Stalled=True/NoManifest@2026-01-02T00:00:00Z",
            ],
        ),
        (
            "ready for another reason keeps its time",
            &ready,
            Reason::NothingToUpdate,
            vec!["Ready=True/NothingToUpdate@2026-01-01T00:00:00Z"],
        ),
        (
            "ready to reconciling",
            &ready,
            Reason::PullRequestOpening,
            vec![
                "Ready=False/PullRequestOpening@2026-01-02T00:00:00Z",
                "Reconciling=True/PullRequestOpening@2026-01-02T00:00:00Z",
            ],
        ),
        (
            "still reconciling, another reason",
            &reconciling,
            Reason::Merging,
            vec![
                "Ready=False/Merging@2026-01-01T00:00:00Z",
                "Reconciling=True/Merging@2026-01-01T00:00:00Z",
            ],
        ),
        (
            "reconciling to stalled: Ready stays False, Reconciling goes",
            &reconciling,
            Reason::ActionFailed,
            vec![
                "Ready=False/ActionFailed@2026-01-01T00:00:00Z",
                "Stalled=True/ActionFailed@2026-01-02T00:00:00Z",
            ],
        ),
        (
            "stalled to retrying",
            &stalled,
            Reason::Retrying,
            vec![
                "Ready=False/Retrying@2026-01-01T00:00:00Z",
                "Reconciling=True/Retrying@2026-01-02T00:00:00Z",
            ],
        ),
        (
            "recovered from a stall",
            &stalled,
            Reason::UpToDate,
            vec!["Ready=True/UpToDate@2026-01-02T00:00:00Z"],
        ),
        (
            "first cycle after not reconciled",
            &unreconciled,
            Reason::UpToDate,
            vec!["Ready=True/UpToDate@2026-01-02T00:00:00Z"],
        ),
        (
            "a recorded condition without a time takes now",
            &timeless,
            Reason::UpToDate,
            vec!["Ready=True/UpToDate@2026-01-02T00:00:00Z"],
        ),
    ];
    for (case, previous, reason, want) in table {
        let got = conditions(previous, &outcome(reason), None, T1);
        assert_eq!(compact(&got), want, "{case}");
        assert!(
            got.iter()
                .all(|c| c.message == format!("{reason} happened")),
            "{case}"
        );
        // The same outcome again, later: nothing changes, so nothing is written.
        assert_eq!(
            conditions(&got, &outcome(reason), None, T2),
            got,
            "{case}: steady"
        );
    }
}

#[test]
fn observed_generation_is_carried_by_every_condition() {
    let got = conditions(&[], &outcome(Reason::ManifestRefused), Some(7), T0);
    assert_eq!(got.len(), 2);
    assert!(got.iter().all(|c| c.observed_generation == Some(7)));
    // A new generation is a change to record, but not a transition.
    let next = conditions(&got, &outcome(Reason::ManifestRefused), Some(8), T1);
    assert_ne!(next, got);
    assert_eq!(compact(&next), compact(&got));
}

#[test]
fn shown_conditions_of_disabled_and_unreconciled_subscriptions() {
    let stalled = conditions(&[], &outcome(Reason::ManifestInvalid), None, T0);
    let up_to_date = conditions(&[], &outcome(Reason::UpToDate), None, T0);
    let table: Vec<(&str, bool, &[Condition], Vec<&str>)> = vec![
        (
            "never reconciled",
            true,
            &[],
            vec!["Ready=Unknown/NotReconciled@-"],
        ),
        (
            "recorded",
            true,
            &stalled,
            vec![
                "Ready=False/ManifestInvalid@2026-01-01T00:00:00Z",
                "Stalled=True/ManifestInvalid@2026-01-01T00:00:00Z",
            ],
        ),
        (
            "disabled while stalled",
            false,
            &stalled,
            vec!["Ready=True/Disabled@2026-01-02T00:00:00Z"],
        ),
        (
            "disabled while ready keeps the time Ready became True",
            false,
            &up_to_date,
            vec!["Ready=True/Disabled@2026-01-01T00:00:00Z"],
        ),
        (
            "disabled, never reconciled",
            false,
            &[],
            vec!["Ready=True/Disabled@2026-01-02T00:00:00Z"],
        ),
    ];
    for (case, enabled, recorded, want) in table {
        assert_eq!(compact(&shown(enabled, recorded, None, T1)), want, "{case}");
    }
    let disabled = shown(false, &[], Some(3), T1);
    assert_eq!(disabled[0].message, "the subscription is disabled");
    assert_eq!(disabled[0].observed_generation, Some(3));
}

#[test]
fn the_summary_shows_the_condition_that_matters() {
    let table: Vec<(&str, Vec<Condition>, Standing, &str, &str)> = vec![
        ("nothing recorded", vec![], Standing::Unknown, "", "Unknown"),
        (
            "not reconciled",
            not_reconciled(None),
            Standing::Unknown,
            NOT_RECONCILED,
            "Unknown",
        ),
        (
            "ready",
            conditions(&[], &outcome(Reason::UpToDate), None, T0),
            Standing::Ready,
            "UpToDate",
            "Ready",
        ),
        (
            "reconciling",
            conditions(&[], &outcome(Reason::Retrying), None, T0),
            Standing::Reconciling,
            "Retrying",
            "Reconciling",
        ),
        (
            "stalled",
            conditions(&[], &outcome(Reason::ManifestInvalid), None, T0),
            Standing::Stalled,
            "ManifestInvalid",
            "Stalled (ManifestInvalid)",
        ),
        (
            "stalled wins over reconciling, whatever the order",
            vec![
                c(Reconciling, True, "Merging", Some(T0)),
                c(Stalled, True, "ActionFailed", Some(T0)),
                c(Ready, False, "ActionFailed", Some(T0)),
            ],
            Standing::Stalled,
            "ActionFailed",
            "Stalled (ActionFailed)",
        ),
        (
            "abnormal conditions written as False do not count",
            vec![
                c(Ready, True, "UpToDate", Some(T0)),
                c(Stalled, False, "ManifestInvalid", Some(T0)),
                c(Reconciling, False, "Merging", Some(T0)),
            ],
            Standing::Ready,
            "UpToDate",
            "Ready",
        ),
        (
            "not ready without a cause",
            vec![c(Ready, False, "Retrying", Some(T0))],
            Standing::NotReady,
            "Retrying",
            "NotReady",
        ),
        (
            "unknown",
            vec![c(Ready, Unknown, "Starting", None)],
            Standing::Unknown,
            "Starting",
            "Unknown",
        ),
    ];
    for (case, conditions, standing, reason, label) in table {
        let got = summary(&conditions);
        assert_eq!(got.condition, standing, "{case}");
        assert_eq!(got.reason, reason, "{case}");
        assert_eq!(got.label(), label, "{case}");
        assert_eq!(is_stalled(&conditions), standing == Standing::Stalled);
        if !reason.is_empty() && reason != NOT_RECONCILED {
            assert_eq!(got.message, format!("{reason} happened"), "{case}");
        }
    }
}

#[test]
fn summary_detail_and_json() {
    let stalled = summary(&conditions(
        &[],
        &Outcome::new(Reason::ManifestInvalid, "eng/Version.Details.xml:3:7: bad"),
        None,
        T0,
    ));
    assert_eq!(
        stalled.detail(),
        "ManifestInvalid: eng/Version.Details.xml:3:7: bad"
    );
    assert_eq!(
        serde_json::to_value(&stalled).unwrap(),
        serde_json::json!({"condition": "Stalled", "reason": "ManifestInvalid", "message": "eng/Version.Details.xml:3:7: bad"})
    );
    assert_eq!(summary(&[]).detail(), "");
    let bare = Summary {
        condition: Standing::Ready,
        reason: "UpToDate".into(),
        message: String::new(),
    };
    assert_eq!(bare.detail(), "UpToDate");
}

#[test]
fn help_names_every_reason_once_under_its_condition() {
    let help = reasons_help();
    assert!(help.lines().all(|l| l.len() <= 80), "{help}");
    // (condition, reasons) per paragraph; continuation lines start with a space.
    let mut sections: Vec<(&str, Vec<&str>)> = Vec::new();
    for line in help.lines() {
        match line.split_once(" reasons:") {
            Some((heading, rest)) if !line.starts_with(' ') => {
                sections.push((heading, rest.split_whitespace().collect()))
            }
            _ => sections
                .last_mut()
                .expect("a heading first")
                .1
                .extend(line.split_whitespace()),
        }
    }
    let listed: usize = sections.iter().map(|(_, r)| r.len()).sum();
    assert_eq!(listed, Reason::ALL.len(), "{help}");
    for reason in Reason::ALL {
        let holding: Vec<&str> = sections
            .iter()
            .filter(|(_, reasons)| reasons.contains(&reason.as_str()))
            .map(|(heading, _)| *heading)
            .collect();
        assert_eq!(
            holding,
            [format!("{:?}", reason.condition())],
            "{reason}: {help}"
        );
    }
}

#[test]
fn a_refused_resource_stalls_with_its_rule_as_reason() {
    let table = [
        // (rule, previous, reason, times)
        ("unknown-channel", vec![], "UnknownChannel", [T1, T1]),
        ("yaml-syntax", vec![], "YamlSyntax", [T1, T1]),
        (
            "invalid-branch",
            vec![
                c(Ready, False, "UnknownChannel", Some(T0)),
                c(Stalled, True, "UnknownChannel", Some(T0)),
            ],
            "InvalidBranch",
            [T0, T0],
        ),
        (
            "unknown-channel",
            vec![c(Ready, True, "UpToDate", Some(T0))],
            "UnknownChannel",
            [T1, T1],
        ),
    ];
    for (rule, previous, reason, [ready_at, stalled_at]) in table {
        let got = refused(&previous, rule, "why", Some(3), T1);
        assert_eq!(
            compact(&got),
            [
                format!("Ready=False/{reason}@{ready_at}"),
                format!("Stalled=True/{reason}@{stalled_at}")
            ],
            "{rule}"
        );
        assert!(
            got.iter()
                .all(|c| c.message == "why" && c.observed_generation == Some(3))
        );
    }
}
