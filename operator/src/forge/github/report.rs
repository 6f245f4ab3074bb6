//! sluice's own merge-policy report on a pull request's head ([`SLUICE_CHECK_RUN`]): a
//! check run with an App (created once per head, then edited in place), a commit status
//! of that context with a token (tokens cannot write check runs). What it says is the
//! core's [`sluice_core::flow::github_report`]; an unchanged report is not sent again.

use std::collections::HashMap;
use std::sync::Mutex;

use http::Method;
use serde_json::{Value, json};
use sluice_core::flow::github_report::{PolicyReport, SLUICE_CHECK_RUN, policy_report};
use sluice_core::model::PolicyEvaluation;

use super::api::Api;
use super::encode;
use crate::forge::ForgeError;

/// Reports kept at most; beyond, all are forgotten (the next one of each is sent again).
const CAPACITY: usize = 4096;

/// The reports sent, by repository and head commit: the check run's id (with an App) and
/// what it said.
#[derive(Default)]
pub struct Reports {
    sent: Mutex<HashMap<String, (Option<u64>, PolicyReport)>>,
}

impl Reports {
    fn get(&self, key: &str) -> Option<(Option<u64>, PolicyReport)> {
        let sent = self.sent.lock().unwrap_or_else(|e| e.into_inner());
        sent.get(key).cloned()
    }

    fn keep(&self, key: String, run: Option<u64>, report: PolicyReport) {
        let mut sent = self.sent.lock().unwrap_or_else(|e| e.into_inner());
        if sent.len() >= CAPACITY {
            sent.clear();
        }
        sent.insert(key, (run, report));
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
    let key = format!("{repository}@{head}");
    let kept = reports.get(&key);
    if kept.as_ref().is_some_and(|(_, sent)| *sent == report) {
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
        reports.keep(key, None, report);
        return Ok(());
    }
    let run = match kept.and_then(|(run, _)| run) {
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
    reports.keep(key, Some(run), report);
    Ok(())
}
