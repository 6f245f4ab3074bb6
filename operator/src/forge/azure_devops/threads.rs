//! sluice's one comment thread per pull request, edited in place: Azure DevOps has no
//! check-run API, so the merge-policy results live in a thread whose first comment ends
//! with the hidden marker ([`crate::forge::COMMENT_MARKER`]). A new message replaces the
//! last one; a thread whose answer was lost is found and edited, not posted twice. The
//! thread is created `closed`, so a "comments must be resolved" policy never waits on it.

use http::Method;
use serde_json::{Value, json};

use super::api::Api;
use crate::forge::{ForgeError, is_marked, marked};

/// sluice's thread and its first comment, if the pull request has one.
fn own_thread(threads: &Value) -> Option<(u64, u64)> {
    let list = threads.get("value").and_then(Value::as_array)?;
    list.iter().rev().find_map(|thread| {
        let first = thread.pointer("/comments/0")?;
        let ours = first
            .get("content")
            .and_then(Value::as_str)
            .is_some_and(is_marked);
        let deleted = first
            .get("isDeleted")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        if !ours || deleted {
            return None;
        }
        Some((
            thread.get("id").and_then(Value::as_u64)?,
            first.get("id").and_then(Value::as_u64)?,
        ))
    })
}

/// Posts `body` on the pull request at `pull_url`, or edits sluice's thread there.
pub async fn upsert(
    api: &Api,
    repository: &str,
    pull_url: &str,
    id: &str,
    body: &str,
) -> Result<(), ForgeError> {
    let content = marked(body);
    let what = format!("the sluice comment thread of pull request {id}");
    let threads = api
        .get(&format!("{pull_url}/threads"), repository, &what)
        .await?;
    if let Some((thread, comment)) = own_thread(&threads.body) {
        let url = format!("{pull_url}/threads/{thread}/comments/{comment}");
        let payload = json!({ "content": content });
        let answer = api
            .send(Method::PATCH, &url, Some(&payload), repository, &what)
            .await?;
        if answer.ok() {
            return Ok(());
        }
        // A marked comment someone else wrote is not ours to edit: start our own.
        if !matches!(answer.status.as_u16(), 403 | 404) {
            return Err(api.failure(&answer, repository, &what));
        }
    }
    let payload = json!({
        "comments": [{ "parentCommentId": 0, "content": content, "commentType": "text" }],
        "status": "closed",
    });
    api.post(&format!("{pull_url}/threads"), &payload, repository, &what)
        .await
        .map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_last_live_marked_thread_is_ours() {
        let mark = marked("policies pass");
        let threads = json!({"value": [
            {"id": 1, "comments": [{"id": 1, "content": "a person"}]},
            {"id": 2, "comments": [{"id": 1, "content": mark}]},
            {"id": 3, "comments": [{"id": 1, "content": "reply"}, {"id": 2, "content": mark}]},
            {"id": 4, "comments": [{"id": 1, "content": mark, "isDeleted": true}]},
        ]});
        assert_eq!(own_thread(&threads), Some((2, 1)));
        assert_eq!(own_thread(&json!({"value": []})), None);
    }
}
