//! Merging on GitHub: with the `sha` of the head the policies were evaluated on (a moved
//! head is a conflict, never a blind merge) and the repository policy's method (squash,
//! merge, rebase). The head branch is not deleted here: GitHub deletes it when the
//! repository's `delete_branch_on_merge` is on, else sluice's git does, at no API cost
//! ([`Forge::leaves_merged_head`]). A merge whose answer was lost is looked up before
//! anyone tries again. `platform` turns GitHub's auto-merge on instead
//! (GraphQL `enablePullRequestAutoMerge`, with the evaluated head as the expected one),
//! so GitHub merges once its branch protection is satisfied.

use http::Method;
use serde_json::{Value, json};
use sluice_core::model::{MergeMethod, PullRequestState};

use super::{GitHubForge, base, number, parse, view};
use crate::forge::{Forge, ForgeError, Merged};

const ENABLE_AUTO_MERGE: &str = "mutation($id: ID!, $head: GitObjectID) { \
    enablePullRequestAutoMerge(input: {pullRequestId: $id, mergeMethod: SQUASH, expectedHeadOid: $head}) \
    { pullRequest { number } } }";

impl GitHubForge {
    /// Merges pull request `id` at `head_commit` by `method` (not `platform`).
    pub(super) async fn merge_as(
        &self,
        repository: &str,
        id: &str,
        head_commit: &str,
        method: MergeMethod,
    ) -> Result<(), ForgeError> {
        let repo = parse(repository)?;
        let n = number(repository, id)?;
        let current = self
            .get(
                &format!("{}/pulls/{n}", base(&repo)),
                repository,
                &format!("pull request #{n}"),
            )
            .await?;
        let pr = view(repository, &current.body)?;
        if pr.state != PullRequestState::Open {
            return Err(ForgeError::conflict(
                repository,
                id,
                format!("pull request #{n} is {:?}, not open", pr.state),
            ));
        }
        let title = current
            .body
            .get("title")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let body = json!({
            "sha": head_commit,
            "merge_method": method.as_str(),
            "commit_title": format!("{title} (#{n})"),
        });
        let what = format!("merge of pull request #{n}");
        let path = format!("{}/pulls/{n}/merge", base(&repo));
        let answer = self
            .api
            .send(Method::PUT, &path, Some(&body), repository, &what)
            .await;
        let unknown = match answer {
            Ok(answer) if answer.status.is_success() => None,
            // 409: the head is not the evaluated one; 405: not mergeable as it stands
            // (the base moved into a conflict, or the pull request changed).
            Ok(answer) if matches!(answer.status.as_u16(), 405 | 409) => {
                let message = self.api.failure(&answer, repository, &what).message();
                return Err(ForgeError::conflict(repository, id, message));
            }
            Ok(answer) if answer.status.is_server_error() => {
                Some(self.api.failure(&answer, repository, &what))
            }
            Ok(answer) => return Err(self.api.failure(&answer, repository, &what)),
            Err(error) => Some(error),
        };
        if let Some(error) = unknown {
            // The outcome is unknown: look whether it merged before anyone tries again.
            let merged = self.pull_request(repository, id).await;
            if !matches!(merged, Ok(ref pr) if pr.state == PullRequestState::Merged) {
                return Err(error);
            }
        }
        Ok(())
    }

    /// Turns GitHub's auto-merge on for pull request `id` at `head_commit`; one that is
    /// on already is left as it is. A pull request GitHub could merge at once (it refuses
    /// auto-merge in a clean status) is squash-merged now.
    pub(super) async fn auto_merge(
        &self,
        repository: &str,
        id: &str,
        head_commit: &str,
    ) -> Result<Merged, ForgeError> {
        let repo = parse(repository)?;
        let n = number(repository, id)?;
        let what = format!("pull request #{n}");
        let current = self
            .api
            .call(
                Method::GET,
                &format!("{}/pulls/{n}", base(&repo)),
                None,
                repository,
                &what,
            )
            .await?;
        let pr = view(repository, &current.body)?;
        let head = current.body.pointer("/head/sha").and_then(Value::as_str);
        if pr.state != PullRequestState::Open || head != Some(head_commit) {
            return Err(ForgeError::conflict(
                repository,
                id,
                format!("pull request #{n} is not open at the evaluated head"),
            ));
        }
        if current.body.get("auto_merge").is_some_and(|v| !v.is_null()) {
            return Ok(Merged::Later);
        }
        let Some(node) = current.body.get("node_id").and_then(Value::as_str) else {
            return Err(ForgeError::unavailable(
                repository,
                format!("{what}: no node id"),
            ));
        };
        let variables = json!({ "id": node, "head": head_commit });
        let what = format!("auto-merge of pull request #{n}");
        match self
            .api
            .graphql(ENABLE_AUTO_MERGE, variables, repository, &what)
            .await
        {
            Ok(_) => Ok(Merged::Later),
            Err(ForgeError::Rejected { message, .. }) if message.contains("clean status") => {
                self.merge_pull_request(repository, id, head_commit).await?;
                Ok(Merged::Now)
            }
            Err(error) => Err(error),
        }
    }
}
