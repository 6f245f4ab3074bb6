//! sluice's own report on a GitHub pull request's head: the merge policies' results as
//! one check run named [`SLUICE_CHECK_RUN`] (with an App), or one commit status of that
//! context (with a token, which cannot write check runs). One line per policy with its
//! message, so a person sees on GitHub why an update does not merge. It never counts as
//! a check for the policies themselves.

use crate::model::{PolicyEvaluation, PolicyResult};

pub use super::github::SLUICE_CHECK_RUN;

/// How long a head's policies may wait before sluice shows them as pending, by default:
/// a check that reports within it leaves one completed report instead of a pending one
/// edited later (GitHub's secondary rate limit counts every content-creating call).
pub const DEFAULT_PENDING_REPORT_AFTER: std::time::Duration = std::time::Duration::from_secs(60);

/// The most a commit status's description holds.
pub const STATUS_DESCRIPTION_MAX: usize = 140;

/// What sluice reports on a head commit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyReport {
    /// Check run status: `in_progress` while a policy is pending, else `completed`.
    pub status: &'static str,
    /// Check run conclusion once completed: `success` when every policy passed,
    /// `failure` when one failed.
    pub conclusion: Option<&'static str>,
    /// Commit status state: `pending`, `success` or `failure`.
    pub state: &'static str,
    /// One line: how many policies passed, failed and wait.
    pub title: String,
    /// Markdown: one line per policy with its message.
    pub summary: String,
}

impl PolicyReport {
    /// The title cut to a commit status description's length, on a character boundary.
    pub fn description(&self) -> String {
        if self.title.chars().count() <= STATUS_DESCRIPTION_MAX {
            return self.title.clone();
        }
        let mut cut: String = self
            .title
            .chars()
            .take(STATUS_DESCRIPTION_MAX - 1)
            .collect();
        cut.push('…');
        cut
    }
}

fn mark(result: PolicyResult) -> &'static str {
    match result {
        PolicyResult::Passed => "✅",
        PolicyResult::Failed => "❌",
        PolicyResult::Pending => "⏳",
    }
}

/// The report of merge policy evaluations `evals` (none configured: `None`, nothing is
/// reported because a person merges).
pub fn policy_report(evals: &[PolicyEvaluation]) -> Option<PolicyReport> {
    if evals.is_empty() {
        return None;
    }
    let count = |result: PolicyResult| evals.iter().filter(|e| e.result == result).count();
    let (passed, failed, pending) = (
        count(PolicyResult::Passed),
        count(PolicyResult::Failed),
        count(PolicyResult::Pending),
    );
    let (status, conclusion, state) = if failed > 0 {
        ("completed", Some("failure"), "failure")
    } else if pending > 0 {
        ("in_progress", None, "pending")
    } else {
        ("completed", Some("success"), "success")
    };
    let mut parts = vec![format!("{passed} of {} merge policies passed", evals.len())];
    if failed > 0 {
        parts.push(format!("{failed} failed"));
    }
    if pending > 0 {
        parts.push(format!("{pending} waiting"));
    }
    let title = parts.join(", ");
    let summary = evals
        .iter()
        .map(|e| {
            let message = e.message.replace(['\r', '\n'], " ");
            format!("- {} **{}**: {}", mark(e.result), e.name, message)
        })
        .collect::<Vec<_>>()
        .join("\n");
    Some(PolicyReport {
        status,
        conclusion,
        state,
        title,
        summary,
    })
}

/// Whether `report` on a head is sent now. A completed report (passed or failed) is sent
/// at once; a pending one only once the head has been waiting `pending_after` (since
/// `waiting_since`, when sluice first saw it pending), or at once when a report was sent
/// on this head before (`sent_before`: the pending one replaces an outdated result).
/// Whether it differs from what was sent is the caller's concern.
pub fn send_now(
    report: &PolicyReport,
    sent_before: bool,
    waiting_since: jiff::Timestamp,
    now: jiff::Timestamp,
    pending_after: std::time::Duration,
) -> bool {
    if report.conclusion.is_some() || sent_before {
        return true;
    }
    if pending_after.is_zero() {
        return true;
    }
    let waited = now.duration_since(waiting_since);
    !waited.is_negative() && waited.unsigned_abs() >= pending_after
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eval(name: &str, result: PolicyResult, message: &str) -> PolicyEvaluation {
        PolicyEvaluation {
            name: name.into(),
            result,
            message: message.into(),
        }
    }

    #[test]
    fn the_report_follows_the_policies() {
        use PolicyResult::*;
        // (results, status, conclusion, state, title)
        let table = [
            (
                vec![Passed, Passed],
                "completed",
                Some("success"),
                "success",
                "2 of 2 merge policies passed",
            ),
            (
                vec![Passed, Pending],
                "in_progress",
                None,
                "pending",
                "1 of 2 merge policies passed, 1 waiting",
            ),
            (
                vec![Failed, Pending],
                "completed",
                Some("failure"),
                "failure",
                "0 of 2 merge policies passed, 1 failed, 1 waiting",
            ),
            (
                vec![Failed],
                "completed",
                Some("failure"),
                "failure",
                "0 of 1 merge policies passed, 1 failed",
            ),
        ];
        for (results, status, conclusion, state, title) in table {
            let evals: Vec<_> = results
                .iter()
                .enumerate()
                .map(|(i, r)| eval(&format!("P{i}"), *r, "why"))
                .collect();
            let report = policy_report(&evals).expect("a report");
            assert_eq!(
                (
                    report.status,
                    report.conclusion,
                    report.state,
                    report.title.as_str()
                ),
                (status, conclusion, state, title),
                "{results:?}"
            );
        }
        assert_eq!(policy_report(&[]), None, "no policies: nothing to report");
    }

    #[test]
    fn a_pending_report_waits_its_grace_a_completed_one_does_not() {
        use PolicyResult::*;
        let report = |r: PolicyResult| policy_report(&[eval("P", r, "why")]).unwrap();
        let t0: jiff::Timestamp = "2026-12-01T10:00:00Z".parse().unwrap();
        let s = |secs: i64| t0 + jiff::SignedDuration::from_secs(secs);
        let minute = std::time::Duration::from_secs(60);
        // (result, sent before, now, grace, sent now)
        let table = [
            (Passed, false, s(0), minute, true),
            (Failed, false, s(0), minute, true),
            (Pending, false, s(0), minute, false),
            (Pending, false, s(59), minute, false),
            (Pending, false, s(60), minute, true),
            (Pending, false, s(-5), minute, false),
            (Pending, true, s(0), minute, true),
            (Pending, false, s(0), std::time::Duration::ZERO, true),
        ];
        for (result, sent_before, now, grace, expected) in table {
            assert_eq!(
                send_now(&report(result), sent_before, t0, now, grace),
                expected,
                "{result:?} sent before {sent_before} at {now} grace {grace:?}"
            );
        }
    }

    #[test]
    fn one_line_per_policy_with_its_message() {
        let report = policy_report(&[
            eval(
                "AllChecksSuccessful",
                PolicyResult::Pending,
                "waiting for checks: slow",
            ),
            eval(
                "NoRequestedChanges",
                PolicyResult::Failed,
                "octocat\nrequested changes",
            ),
        ])
        .unwrap();
        assert_eq!(
            report.summary,
            "- ⏳ **AllChecksSuccessful**: waiting for checks: slow\n\
             - ❌ **NoRequestedChanges**: octocat requested changes"
        );
        let long = PolicyReport {
            title: "é".repeat(200),
            ..report
        };
        assert_eq!(long.description().chars().count(), STATUS_DESCRIPTION_MAX);
    }
}
