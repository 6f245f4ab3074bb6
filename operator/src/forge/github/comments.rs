//! sluice's one comment per pull request, edited in place: found by a hidden marker at
//! its end, so a new message replaces the last one instead of adding another, and a
//! comment whose answer was lost is edited, not posted twice.

use http::Method;
use serde_json::{Value, json};

use super::api::Api;
use super::checks::pages;
use crate::forge::ForgeError;

pub use crate::forge::COMMENT_MARKER as MARKER;
use crate::forge::{is_marked, marked};

/// Posts `body` on pull request `number`, or edits sluice's comment there if it has one.
pub async fn upsert(
    api: &Api,
    repository: &str,
    base: &str,
    number: u64,
    body: &str,
) -> Result<(), ForgeError> {
    let text = marked(body);
    let what = format!("comments of pull request #{number}");
    let comments = pages(
        api,
        repository,
        &format!("{base}/issues/{number}/comments"),
        None,
        &what,
    )
    .await?;
    let own = comments.iter().rev().find_map(|comment| {
        let ours = comment
            .get("body")
            .and_then(Value::as_str)
            .is_some_and(is_marked);
        ours.then(|| comment.get("id").and_then(Value::as_u64))
            .flatten()
    });
    let payload = json!({ "body": text });
    if let Some(id) = own {
        let path = format!("{base}/issues/comments/{id}");
        let answer = api
            .send(Method::PATCH, &path, Some(&payload), repository, &what)
            .await?;
        if answer.status.is_success() {
            return Ok(());
        }
        // Someone else's comment carrying the marker: not ours to edit.
        if !matches!(answer.status.as_u16(), 403 | 404) {
            return Err(api.failure(&answer, repository, &what));
        }
    }
    let path = format!("{base}/issues/{number}/comments");
    api.call(Method::POST, &path, Some(&payload), repository, &what)
        .await
        .map(|_| ())
}
