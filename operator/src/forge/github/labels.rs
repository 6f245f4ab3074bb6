//! Labels on the update pull requests sluice opens (`--github-label`, `dependencies` by
//! default): added once, right after opening; GitHub creates a label the repository
//! does not have yet.

use http::Method;
use serde_json::json;

use super::api::Api;

/// Puts `labels` on pull request `number`. Labelling is not worth failing an opened pull
/// request for: a failure is logged.
pub async fn add(api: &Api, repository: &str, base: &str, number: &str, labels: &[String]) {
    if labels.is_empty() {
        return;
    }
    let path = format!("{base}/issues/{number}/labels");
    let what = format!("labels of pull request #{number}");
    let body = json!({ "labels": labels });
    if let Err(error) = api
        .call(Method::POST, &path, Some(&body), repository, &what)
        .await
    {
        tracing::warn!(repository, pull_request = number, %error, "could not label the pull request");
    }
}
