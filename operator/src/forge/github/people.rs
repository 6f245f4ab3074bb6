//! What people may do: a user's permission on a repository (`GET
//! /repos/{o}/{r}/collaborators/{user}/permission`), for pull request comment commands.

use http::Method;
use serde_json::Value;

use super::api::Api;
use super::encode;
use crate::forge::ForgeError;

/// `login`'s permission on `repository` (`base` is its API path): GitHub's `admin`,
/// `maintain`, `write`, `triage`, `read` or `none` (not a collaborator).
pub async fn permission(
    api: &Api,
    repository: &str,
    base: &str,
    login: &str,
) -> Result<Option<String>, ForgeError> {
    let path = format!("{base}/collaborators/{}/permission", encode(login, false));
    let what = format!("the permission of {login}");
    let answer = api
        .send(Method::GET, &path, None, repository, &what)
        .await?;
    match answer.status.as_u16() {
        200..=299 => Ok(answer
            .body
            .get("permission")
            .and_then(Value::as_str)
            .map(str::to_string)),
        // Not a collaborator (or not a user at all).
        404 => Ok(Some("none".into())),
        _ => Err(api.failure(&answer, repository, &what)),
    }
}
