//! One status vocabulary: a subscription's [`Outcome`] as kstatus conditions, and the one
//! line a table shows of them. The store records what [`conditions`] returns, the HTTP API
//! and `sluice status` show [`shown`] and its [`summary`], and the controller writes the
//! same conditions to the status subresource.
//!
//! Following kstatus, `Ready` is always present (`True`, `False`, or `Unknown` before the
//! first cycle), while the abnormal-true conditions `Reconciling` and `Stalled` are present
//! only while they are `True` and removed otherwise. `lastTransitionTime` moves only when a
//! condition's status changes (or it appears), so the same outcome twice yields the same
//! conditions: a steady cycle has nothing to write.

use serde::{Deserialize, Serialize};

use super::outcome::{Outcome, Reason};
use crate::model::{Condition, ConditionStatus, ConditionType};

/// The reason of `Ready=Unknown` on a subscription no cycle has looked at yet.
pub const NOT_RECONCILED: &str = "NotReconciled";

/// The conditions after `outcome`, given the `previous` ones: `Ready` `True` for a ready
/// outcome, otherwise `Ready` `False` next to `Reconciling` or `Stalled` `True`, each with
/// the outcome's reason and message and `observed_generation`. A condition whose status
/// did not change keeps its `lastTransitionTime`; one that changed or appeared takes `now`
/// (RFC 3339).
pub fn conditions(
    previous: &[Condition],
    outcome: &Outcome,
    observed_generation: Option<i64>,
    now: &str,
) -> Vec<Condition> {
    transition(
        previous,
        outcome.condition(),
        outcome.reason.as_str(),
        &outcome.message,
        observed_generation,
        now,
    )
}

/// The conditions of a resource refused by the configuration's validation `rule`
/// (kebab-case, as `sluice validate` names it): `Ready` `False` and `Stalled` `True`,
/// with the rule in CamelCase as the reason (`unknown-channel` is `UnknownChannel`) and
/// `message`; transition times as in [`conditions`].
pub fn refused(
    previous: &[Condition],
    rule: &str,
    message: &str,
    observed_generation: Option<i64>,
    now: &str,
) -> Vec<Condition> {
    let reason: String = rule
        .split('-')
        .map(|word| {
            let mut chars = word.chars();
            chars.next().map_or_else(String::new, |first| {
                first.to_uppercase().chain(chars).collect()
            })
        })
        .collect();
    transition(
        previous,
        ConditionType::Stalled,
        &reason,
        message,
        observed_generation,
        now,
    )
}

/// What a resource refused by validation shows: the rule of its first finding (kebab-case)
/// and every finding's message with its hint, in one sentence list; `None` when nothing
/// refused it.
pub fn refusal(findings: &[crate::config::Diagnostic]) -> Option<(String, String)> {
    let first = findings.first()?;
    let message = findings
        .iter()
        .map(|d| match &d.hint {
            Some(hint) => format!("{} ({hint})", d.message),
            None => d.message.clone(),
        })
        .collect::<Vec<_>>()
        .join("; ");
    Some((first.rule.id(), message))
}

/// The conditions of a configuration resource that passed validation and is in force:
/// `Ready` `True` with reason `Accepted`; transition times as in [`conditions`].
pub fn accepted(
    previous: &[Condition],
    observed_generation: Option<i64>,
    now: &str,
) -> Vec<Condition> {
    transition(
        previous,
        ConditionType::Ready,
        "Accepted",
        "valid and in force",
        observed_generation,
        now,
    )
}

fn transition(
    previous: &[Condition],
    condition: ConditionType,
    reason: &str,
    message: &str,
    observed_generation: Option<i64>,
    now: &str,
) -> Vec<Condition> {
    let statuses = match condition {
        ConditionType::Ready => vec![(ConditionType::Ready, ConditionStatus::True)],
        abnormal => vec![
            (ConditionType::Ready, ConditionStatus::False),
            (abnormal, ConditionStatus::True),
        ],
    };
    statuses
        .into_iter()
        .map(|(type_, status)| {
            let before = previous
                .iter()
                .find(|c| c.type_ == type_ && c.status == status);
            Condition {
                type_,
                status,
                reason: reason.to_string(),
                message: message.to_string(),
                last_transition_time: Some(
                    before
                        .and_then(|c| c.last_transition_time.clone())
                        .unwrap_or_else(|| now.to_string()),
                ),
                observed_generation,
            }
        })
        .collect()
}

/// The conditions of a subscription no cycle has looked at yet: `Ready` `Unknown`
/// ([`NOT_RECONCILED`]), without a transition time.
pub fn not_reconciled(observed_generation: Option<i64>) -> Vec<Condition> {
    vec![Condition {
        type_: ConditionType::Ready,
        status: ConditionStatus::Unknown,
        reason: NOT_RECONCILED.to_string(),
        message: "sluice has not reconciled the subscription yet".to_string(),
        last_transition_time: None,
        observed_generation,
    }]
}

/// The conditions to show for a subscription: those of [`Outcome::disabled`] when it is
/// disabled (whatever was recorded before), [`not_reconciled`] when nothing was recorded,
/// otherwise the `recorded` ones.
pub fn shown(
    enabled: bool,
    recorded: &[Condition],
    observed_generation: Option<i64>,
    now: &str,
) -> Vec<Condition> {
    if !enabled {
        conditions(recorded, &Outcome::disabled(), observed_generation, now)
    } else if recorded.is_empty() {
        not_reconciled(observed_generation)
    } else {
        recorded.to_vec()
    }
}

/// Where a subscription stands, in one word: the condition a table row shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Standing {
    /// `Ready` is `True`.
    Ready,
    /// `Reconciling` is `True`.
    Reconciling,
    /// `Stalled` is `True`.
    Stalled,
    /// `Ready` is `False` without `Reconciling` or `Stalled`.
    NotReady,
    /// `Ready` is `Unknown` or absent.
    Unknown,
}

impl Standing {
    /// The word, e.g. `Stalled`.
    pub fn as_str(self) -> &'static str {
        match self {
            Standing::Ready => "Ready",
            Standing::Reconciling => "Reconciling",
            Standing::Stalled => "Stalled",
            Standing::NotReady => "NotReady",
            Standing::Unknown => "Unknown",
        }
    }
}

impl std::fmt::Display for Standing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The one condition, reason and message a table row shows of a condition set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Summary {
    /// Where the subscription stands.
    pub condition: Standing,
    /// CamelCase reason of the condition shown (empty when there is none).
    pub reason: String,
    /// Its message.
    pub message: String,
}

impl Summary {
    /// The compact column: the standing, with the reason of a stall, e.g.
    /// `Stalled (ManifestInvalid)`.
    pub fn label(&self) -> String {
        match self.condition {
            Standing::Stalled => format!("Stalled ({})", self.reason),
            other => other.to_string(),
        }
    }

    /// The wide column: `reason: message`, or the reason alone without a message.
    pub fn detail(&self) -> String {
        if self.message.is_empty() {
            self.reason.clone()
        } else {
            format!("{}: {}", self.reason, self.message)
        }
    }
}

/// The summary of `conditions`: `Stalled` `True` first, then `Reconciling` `True`, then
/// `Ready` as it is (`Unknown` when absent).
pub fn summary(conditions: &[Condition]) -> Summary {
    let holds = |type_: ConditionType| {
        conditions
            .iter()
            .find(|c| c.type_ == type_ && c.status == ConditionStatus::True)
    };
    let ready = conditions.iter().find(|c| c.type_ == ConditionType::Ready);
    let (condition, shown) = if let Some(c) = holds(ConditionType::Stalled) {
        (Standing::Stalled, Some(c))
    } else if let Some(c) = holds(ConditionType::Reconciling) {
        (Standing::Reconciling, Some(c))
    } else {
        let standing = match ready.map(|c| c.status) {
            Some(ConditionStatus::True) => Standing::Ready,
            Some(ConditionStatus::False) => Standing::NotReady,
            Some(ConditionStatus::Unknown) | None => Standing::Unknown,
        };
        (standing, ready)
    };
    Summary {
        condition,
        reason: shown.map(|c| c.reason.clone()).unwrap_or_default(),
        message: shown.map(|c| c.message.clone()).unwrap_or_default(),
    }
}

/// Whether `conditions` say the subscription is stalled.
pub fn is_stalled(conditions: &[Condition]) -> bool {
    summary(conditions).condition == Standing::Stalled
}

/// `--help` text: the reasons of each condition, one condition a paragraph, lines of at
/// most 80 characters.
pub fn reasons_help() -> String {
    let mut out = Vec::new();
    for type_ in [
        ConditionType::Ready,
        ConditionType::Reconciling,
        ConditionType::Stalled,
    ] {
        let mut line = format!("{type_:?} reasons:");
        for reason in Reason::ALL.into_iter().filter(|r| r.condition() == type_) {
            if line.len() + 1 + reason.as_str().len() > 80 {
                out.push(std::mem::replace(&mut line, " ".to_string()));
            }
            line.push(' ');
            line.push_str(reason.as_str());
        }
        out.push(line);
    }
    out.join("\n")
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod refusal_tests {
    use super::*;

    #[test]
    fn a_refusal_names_the_first_rule_and_every_finding() {
        use crate::config::{Diagnostic, Rule, Severity};
        let finding = |rule, message: &str, hint: Option<&str>| Diagnostic {
            file: "ns/subscriptions/s".into(),
            line: 1,
            column: 1,
            severity: Severity::Error,
            rule,
            message: message.into(),
            hint: hint.map(str::to_string),
        };
        assert_eq!(refusal(&[]), None);
        let (rule, message) = refusal(&[
            finding(
                Rule::UnknownChannel,
                "channel `x` is not declared",
                Some("declare it"),
            ),
            finding(Rule::InvalidBranchPattern, "bad pattern", None),
        ])
        .unwrap();
        assert_eq!(rule, "unknown-channel");
        assert_eq!(
            message,
            "channel `x` is not declared (declare it); bad pattern"
        );
    }
}
