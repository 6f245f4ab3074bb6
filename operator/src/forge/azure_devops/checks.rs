//! Checks and reviews as Azure DevOps reports them: the pull request's policy
//! evaluations and statuses, and its reviewers' votes, read by the core's rules
//! ([`sluice_core::flow::azure_devops::states`]).

use serde_json::Value;
use sluice_core::flow::azure_devops::states::{self, PolicyEvaluation, PullRequestStatus};
use sluice_core::flow::{Check, Review};

use super::api::Api;
use crate::forge::ForgeError;

fn text(value: &Value, pointer: &str) -> String {
    value
        .pointer(pointer)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

fn list<'a>(body: &'a Value, repository: &str, what: &str) -> Result<&'a Vec<Value>, ForgeError> {
    body.get("value").and_then(Value::as_array).ok_or_else(|| {
        ForgeError::unavailable(
            repository,
            format!("{what}: Azure DevOps answered something that is not a list"),
        )
    })
}

/// The checks of the pull request whose JSON is `pr`: policy evaluations (from
/// `project_url`'s policy API) and the pull request's statuses (at `pull_url`).
pub async fn checks(
    api: &Api,
    repository: &str,
    project_url: &str,
    pull_url: &str,
    pr: &Value,
) -> Result<Vec<Check>, ForgeError> {
    let id = pr.get("pullRequestId").and_then(Value::as_u64).unwrap_or(0);
    let project_id = text(pr, "/repository/project/id");
    let what = format!("policy evaluations of pull request {id}");
    if project_id.is_empty()
        || !project_id
            .chars()
            .all(|c| c.is_ascii_hexdigit() || c == '-')
    {
        return Err(ForgeError::unavailable(
            repository,
            format!("{what}: the pull request names no project id"),
        ));
    }
    let artifact = format!("vstfs:///CodeReview/CodeReviewId/{project_id}/{id}");
    let url = format!(
        "{project_url}/_apis/policy/evaluations?artifactId={}",
        sluice_core::flow::azure_devops::encode(&artifact)
    );
    let answer = api.get(&url, repository, &what).await?;
    let evaluations: Vec<PolicyEvaluation> = list(&answer.body, repository, &what)?
        .iter()
        .filter(|e| {
            e.pointer("/configuration/isEnabled")
                .and_then(Value::as_bool)
                != Some(false)
        })
        .map(|e| {
            let display = text(e, "/configuration/settings/displayName");
            PolicyEvaluation {
                name: if display.is_empty() {
                    text(e, "/configuration/type/displayName")
                } else {
                    display
                },
                status: text(e, "/status"),
                blocking: e
                    .pointer("/configuration/isBlocking")
                    .and_then(Value::as_bool)
                    .unwrap_or(true),
            }
        })
        .collect();
    let what = format!("statuses of pull request {id}");
    let answer = api
        .get(&format!("{pull_url}/statuses"), repository, &what)
        .await?;
    let statuses: Vec<PullRequestStatus> = list(&answer.body, repository, &what)?
        .iter()
        .map(|s| {
            let (genre, name) = (text(s, "/context/genre"), text(s, "/context/name"));
            PullRequestStatus {
                context: if genre.is_empty() {
                    name
                } else {
                    format!("{genre}/{name}")
                },
                state: text(s, "/state"),
            }
        })
        .collect();
    Ok(states::checks(&evaluations, &statuses))
}

/// The reviews of the pull request whose JSON is `pr`: one per reviewer who voted
/// (groups, whose vote stands for their members', are left out).
pub fn reviews(pr: &Value) -> Vec<Review> {
    let votes: Vec<(String, i64)> = pr
        .get("reviewers")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|r| r.get("isContainer").and_then(Value::as_bool) != Some(true))
        .map(|r| {
            let unique = text(r, "/uniqueName");
            let name = if unique.is_empty() {
                text(r, "/displayName")
            } else {
                unique
            };
            (name, r.get("vote").and_then(Value::as_i64).unwrap_or(0))
        })
        .collect();
    states::reviews(&votes)
}
