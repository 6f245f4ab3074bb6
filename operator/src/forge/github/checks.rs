//! Checks and reviews as GitHub reports them: check runs and commit statuses of the head
//! commit (with the checks the base branch's protection and rulesets require, pending
//! until they report), and a pull request's reviews, fetched page by page and read by
//! the core's rules.

use http::Method;
use serde_json::Value;
use sluice_core::flow::github as rules;
use sluice_core::flow::github_required as required_checks;
use sluice_core::flow::{Check, Review};

use super::api::{Api, rate_limit_wait};
use crate::forge::ForgeError;

/// Pages read at most per listing (100 items each).
const MAX_PAGES: usize = 10;

/// The items of every page of `path` (which has no query yet), taken from `field` of
/// each page (the page itself when `None`).
pub async fn pages(
    api: &Api,
    repository: &str,
    path: &str,
    field: Option<&str>,
    what: &str,
) -> Result<Vec<Value>, ForgeError> {
    let mut items = Vec::new();
    for page in 1..=MAX_PAGES {
        let url = format!("{path}?per_page=100&page={page}");
        let answer = api.call(Method::GET, &url, None, repository, what).await?;
        let list = match field {
            Some(field) => answer.body.get(field).cloned(),
            None => Some(answer.body),
        };
        let list = match list {
            Some(Value::Array(list)) => list,
            _ => {
                return Err(ForgeError::unavailable(
                    repository,
                    format!("{what}: GitHub answered something that is not a list"),
                ));
            }
        };
        let full = list.len() == 100;
        items.extend(list);
        if !full {
            break;
        }
    }
    Ok(items)
}

fn text(value: &Value, field: &str) -> String {
    value
        .get(field)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

/// How a required-checks answer reads.
type ReadRequired = fn(&Value) -> Vec<String>;

/// The checks `branch` requires by its protection and its rulesets. No protection (404)
/// or no permission to read it (403: classic protection needs Administration read) is
/// none, and not asked again for a while (such answers are not conditional); any other
/// failure is an error, so a required check is never missed.
async fn required(
    api: &Api,
    repository: &str,
    base: &str,
    branch: &str,
) -> Result<Vec<String>, ForgeError> {
    let branch = super::encode(branch, false);
    let mut names = Vec::new();
    let sources: [(String, ReadRequired); 2] = [
        (
            format!("{base}/branches/{branch}/protection/required_status_checks"),
            required_checks::required_by_protection,
        ),
        (
            format!("{base}/rules/branches/{branch}"),
            required_checks::required_by_rules,
        ),
    ];
    for (path, read) in sources {
        if api.absent(&path) {
            continue;
        }
        let what = format!("the checks {branch} requires");
        let answer = api
            .send(Method::GET, &path, None, repository, &what)
            .await?;
        match answer.status.as_u16() {
            200..=299 => names.extend(read(&answer.body)),
            404 => api.note_absent(&path),
            403 if rate_limit_wait(&answer, jiff::Timestamp::now()).is_none() => {
                tracing::debug!(
                    repository,
                    path,
                    "no permission to read the branch protection"
                );
                api.note_absent(&path);
            }
            _ => return Err(api.failure(&answer, repository, &what)),
        }
    }
    Ok(names)
}

/// Check runs and commit statuses of `head_commit` of pull request `number`, sluice's
/// own check run left out, with a pending check for each one its base branch requires
/// that has not reported.
pub async fn checks(
    api: &Api,
    repository: &str,
    base: &str,
    number: u64,
    head_commit: &str,
) -> Result<Vec<Check>, ForgeError> {
    if !head_commit.bytes().all(|b| b.is_ascii_hexdigit()) || head_commit.is_empty() {
        return Err(ForgeError::rejected(
            repository,
            format!("{head_commit:?} is not a commit id"),
        ));
    }
    let short = &head_commit[..head_commit.len().min(12)];
    let runs = pages(
        api,
        repository,
        &format!("{base}/commits/{head_commit}/check-runs"),
        Some("check_runs"),
        &format!("check runs of {short}"),
    )
    .await?;
    let statuses = pages(
        api,
        repository,
        &format!("{base}/commits/{head_commit}/status"),
        Some("statuses"),
        &format!("commit statuses of {short}"),
    )
    .await?;
    let runs: Vec<_> = runs
        .iter()
        .map(|run| {
            let conclusion = run
                .get("conclusion")
                .and_then(Value::as_str)
                .map(str::to_string);
            (text(run, "name"), text(run, "status"), conclusion)
        })
        .collect();
    let statuses: Vec<_> = statuses
        .iter()
        .map(|status| (text(status, "context"), text(status, "state")))
        .collect();
    let pull = api
        .call(
            Method::GET,
            &format!("{base}/pulls/{number}"),
            None,
            repository,
            &format!("pull request #{number}"),
        )
        .await?;
    let branch = pull.body.pointer("/base/ref").and_then(Value::as_str);
    let required = match branch {
        Some(branch) => required(api, repository, base, branch).await?,
        None => Vec::new(),
    };
    Ok(required_checks::with_required(
        rules::checks(&runs, &statuses),
        &required,
    ))
}

/// The latest verdict per reviewer of pull request `number`.
pub async fn reviews(
    api: &Api,
    repository: &str,
    base: &str,
    number: u64,
) -> Result<Vec<Review>, ForgeError> {
    let reviews = pages(
        api,
        repository,
        &format!("{base}/pulls/{number}/reviews"),
        None,
        &format!("reviews of pull request #{number}"),
    )
    .await?;
    let reviews: Vec<_> = reviews
        .iter()
        .map(|review| {
            let login = review
                .pointer("/user/login")
                .and_then(Value::as_str)
                .unwrap_or("ghost")
                .to_string();
            (login, text(review, "state"))
        })
        .collect();
    Ok(rules::latest_reviews(&reviews))
}
