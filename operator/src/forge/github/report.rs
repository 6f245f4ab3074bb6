//! sluice's own merge-policy report on a pull request's head ([`SLUICE_CHECK_RUN`]): a
//! check run with an App (created once per head, then edited in place), a commit status
//! of that context with a token (tokens cannot write check runs). What it says is the
//! core's [`sluice_core::flow::github_report`]; an unchanged report is not sent again,
//! and a pending one neither while the head waits only on checks GitHub shows running,
//! nor before it has waited a while on anything else ([`send_now`]): an update that
//! merges leaves one check run, created completed, instead of a pending one edited later.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use http::Method;
use serde_json::{Value, json};
use sluice_core::flow::github_report::{
    DEFAULT_PENDING_REPORT_AFTER, PolicyReport, SLUICE_CHECK_RUN, Waiting, policy_report, send_now,
    waits_on_shown_checks,
};
use sluice_core::model::PolicyEvaluation;

use super::api::Api;
use super::encode;
use crate::forge::ForgeError;

/// Reports kept at most; beyond, all are forgotten (the next one of each is sent again).
const CAPACITY: usize = 4096;

/// What is known of sluice's report on one head: the check run's id (with an App), what
/// was sent last, when the head was first seen, and whether a check of it was last seen
/// running (or expected) on GitHub.
#[derive(Clone)]
struct Kept {
    run: Option<u64>,
    sent: Option<PolicyReport>,
    seen: jiff::Timestamp,
    a_check_runs: bool,
}

/// The reports sent, by repository and head commit, and how long a pending one waits
/// before it is shown ([`send_now`]).
pub struct Reports {
    kept: Mutex<HashMap<String, Kept>>,
    pending_after: Duration,
}

impl Default for Reports {
    fn default() -> Self {
        Reports::new(DEFAULT_PENDING_REPORT_AFTER)
    }
}

impl Reports {
    /// Reports that show a pending result once a head has waited `pending_after`.
    pub fn new(pending_after: Duration) -> Reports {
        Reports {
            kept: Mutex::default(),
            pending_after,
        }
    }

    /// What is known of `key`, first seen now if it was not known.
    fn get(&self, key: &str, now: jiff::Timestamp) -> Kept {
        let mut kept = self.kept.lock().unwrap_or_else(|e| e.into_inner());
        if kept.len() >= CAPACITY && !kept.contains_key(key) {
            kept.clear();
        }
        let entry = kept.entry(key.to_string()).or_insert(Kept {
            run: None,
            sent: None,
            seen: now,
            a_check_runs: false,
        });
        entry.clone()
    }

    /// The key of `head` of `repository`.
    pub fn key(repository: &str, head: &str) -> String {
        format!("{repository}@{head}")
    }

    /// Notes the checks last read on the head of `key`: whether one runs or is expected.
    pub fn note_checks(&self, key: &str, a_check_runs: bool) {
        let now = jiff::Timestamp::now();
        self.get(key, now);
        let mut kept = self.kept.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(entry) = kept.get_mut(key) {
            entry.a_check_runs = a_check_runs;
        }
    }

    fn keep(&self, key: &str, run: Option<u64>, report: PolicyReport) {
        let mut kept = self.kept.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(entry) = kept.get_mut(key) {
            entry.run = run;
            entry.sent = Some(report);
        }
    }
}

fn check_run_body(report: &PolicyReport) -> Value {
    let mut body = json!({
        "name": SLUICE_CHECK_RUN,
        "status": report.status,
        "output": { "title": report.title, "summary": report.summary },
    });
    if let Some(conclusion) = report.conclusion {
        body["conclusion"] = json!(conclusion);
    }
    body
}

/// sluice's check run on `head`, if there is one already (an earlier process made it).
async fn find_run(
    api: &Api,
    repository: &str,
    base: &str,
    head: &str,
) -> Result<Option<u64>, ForgeError> {
    let path = format!(
        "{base}/commits/{head}/check-runs?check_name={}&per_page=100",
        encode(SLUICE_CHECK_RUN, false)
    );
    let what = format!("sluice's check run on {}", &head[..head.len().min(12)]);
    let answer = api
        .call(Method::GET, &path, None, repository, &what)
        .await?;
    let runs = answer.body.get("check_runs").and_then(Value::as_array);
    Ok(runs.into_iter().flatten().find_map(|run| {
        let ours = run.get("name").and_then(Value::as_str) == Some(SLUICE_CHECK_RUN);
        ours.then(|| run.get("id").and_then(Value::as_u64))
            .flatten()
    }))
}

/// Publishes `evals` on `head` of `repository` (`base` is its API path): a check run
/// with an App (`as_app`), a commit status otherwise.
pub async fn publish(
    api: &Api,
    reports: &Reports,
    as_app: bool,
    (repository, base): (&str, &str),
    head: &str,
    evals: &[PolicyEvaluation],
) -> Result<(), ForgeError> {
    let Some(report) = policy_report(evals) else {
        return Ok(());
    };
    if head.is_empty() || !head.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(ForgeError::rejected(
            repository,
            format!("{head:?} is not a commit id"),
        ));
    }
    let key = Reports::key(repository, head);
    let now = jiff::Timestamp::now();
    let kept = reports.get(&key, now);
    let waiting = Waiting {
        sent_before: kept.sent.is_some(),
        since: kept.seen,
        on_shown_checks: waits_on_shown_checks(evals, kept.a_check_runs),
    };
    if kept.sent.as_ref() == Some(&report)
        || !send_now(&report, waiting, now, reports.pending_after)
    {
        return Ok(());
    }
    let what = "sluice's merge policy report";
    if !as_app {
        let body = json!({
            "state": report.state,
            "context": SLUICE_CHECK_RUN,
            "description": report.description(),
        });
        let path = format!("{base}/statuses/{head}");
        api.call(Method::POST, &path, Some(&body), repository, what)
            .await?;
        reports.keep(&key, None, report);
        return Ok(());
    }
    let run = match kept.run {
        Some(run) => Some(run),
        None => find_run(api, repository, base, head).await?,
    };
    let body = check_run_body(&report);
    let run = match run {
        Some(run) => {
            let path = format!("{base}/check-runs/{run}");
            api.call(Method::PATCH, &path, Some(&body), repository, what)
                .await?;
            run
        }
        None => {
            let mut body = body;
            body["head_sha"] = json!(head);
            let path = format!("{base}/check-runs");
            let answer = api
                .call(Method::POST, &path, Some(&body), repository, what)
                .await?;
            let Some(run) = answer.body.get("id").and_then(Value::as_u64) else {
                return Ok(());
            };
            run
        }
    };
    reports.keep(&key, Some(run), report);
    Ok(())
}
