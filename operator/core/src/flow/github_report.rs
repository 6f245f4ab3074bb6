//! sluice's own report on a GitHub pull request's head: the merge policies' results as
//! one check run named [`SLUICE_CHECK_RUN`] (with an App), or one commit status of that
//! context (with a token, which cannot write check runs). One line per policy with its
//! message, so a person sees on GitHub why an update does not merge. It never counts as
//! a check for the policies themselves.

use crate::model::{MergePolicyName, PolicyEvaluation, PolicyResult};

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

/// Whether every policy still pending in `evals` waits on the head's checks, while
/// `a_check_runs` (GitHub shows a check of the head queued, in progress or expected): a
/// person then sees on GitHub why the update waits, without sluice saying it again.
pub fn waits_on_shown_checks(evals: &[PolicyEvaluation], a_check_runs: bool) -> bool {
    let checks = MergePolicyName::AllChecksSuccessful.as_str();
    let mut pending = evals
        .iter()
        .filter(|e| e.result == PolicyResult::Pending)
        .peekable();
    a_check_runs && pending.peek().is_some() && pending.all(|e| e.name == checks)
}

/// What is known of a head's wait, for [`send_now`].
#[derive(Debug, Clone, Copy)]
pub struct Waiting {
    /// A report was sent on this head before: a newer one replaces it at once.
    pub sent_before: bool,
    /// When sluice first saw the head pending.
    pub since: jiff::Timestamp,
    /// Whether it waits only on checks GitHub shows itself ([`waits_on_shown_checks`]).
    pub on_shown_checks: bool,
}

/// Whether `report` on a head is sent now. A completed report (passed or failed) is sent
/// at once, and so is any report on a head that had one (it replaces an outdated
/// result). A pending one is not sent while the head waits only on checks GitHub shows
/// running, however long they take (the happy path leaves one completed report, created
/// completed: GitHub's secondary rate limit counts every content-creating call); waiting
/// on anything else, it is sent once the head has waited `pending_after` since
/// `waiting.since`. Whether it differs from what was sent is the caller's concern.
pub fn send_now(
    report: &PolicyReport,
    waiting: Waiting,
    now: jiff::Timestamp,
    pending_after: std::time::Duration,
) -> bool {
    if report.conclusion.is_some() || waiting.sent_before {
        return true;
    }
    if waiting.on_shown_checks {
        return false;
    }
    if pending_after.is_zero() {
        return true;
    }
    let waited = now.duration_since(waiting.since);
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
        let hour = s(3600);
        // (result, sent before, on shown checks, now, grace, sent now)
        let table = [
            (Passed, false, false, s(0), minute, true),
            (Failed, false, false, s(0), minute, true),
            (Pending, false, false, s(0), minute, false),
            (Pending, false, false, s(59), minute, false),
            (Pending, false, false, s(60), minute, true),
            (Pending, false, false, s(-5), minute, false),
            (Pending, true, false, s(0), minute, true),
            (Pending, false, false, s(0), std::time::Duration::ZERO, true),
            // Waiting on checks GitHub shows running: not even after an hour, nor with
            // no grace; a result, or a report sent before, still goes at once.
            (Pending, false, true, hour, minute, false),
            (Pending, false, true, s(0), std::time::Duration::ZERO, false),
            (Pending, true, true, s(0), minute, true),
            (Passed, false, true, s(0), minute, true),
        ];
        for (result, sent_before, on_shown_checks, now, grace, expected) in table {
            let waiting = Waiting {
                sent_before,
                since: t0,
                on_shown_checks,
            };
            assert_eq!(
                send_now(&report(result), waiting, now, grace),
                expected,
                "{result:?} {waiting:?} at {now} grace {grace:?}"
            );
        }
    }

    #[test]
    fn only_checks_shown_running_hold_back_a_pending_report() {
        use PolicyResult::*;
        let checks = "AllChecksSuccessful";
        // (evaluations, a check runs, waits on shown checks)
        let table = [
            (vec![(checks, Pending)], true, true),
            (
                vec![(checks, Pending), ("NoRequestedChanges", Passed)],
                true,
                true,
            ),
            // Nothing runs on GitHub (no CI, or none started): sluice says why.
            (vec![(checks, Pending)], false, false),
            // Something else waits too, or nothing waits at all.
            (
                vec![(checks, Pending), ("ValidateCoherency", Pending)],
                true,
                false,
            ),
            (vec![("ValidateCoherency", Pending)], true, false),
            (vec![(checks, Passed)], true, false),
            (vec![], true, false),
        ];
        for (evals, a_check_runs, expected) in table {
            let evals: Vec<_> = evals.iter().map(|(n, r)| eval(n, *r, "why")).collect();
            assert_eq!(
                waits_on_shown_checks(&evals, a_check_runs),
                expected,
                "{evals:?} running {a_check_runs}"
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
