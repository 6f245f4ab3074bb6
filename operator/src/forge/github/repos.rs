//! What sluice reads of a repository itself (`GET /repos/{owner}/{repo}`): who may see it
//! and whether GitHub deletes the head branch of a pull request once it is merged (the
//! repository's "Automatically delete head branches", `delete_branch_on_merge`). Both
//! change rarely, so the answer is kept for [`DEFAULT_REPOSITORY_TTL`] instead of being
//! asked on every cycle with a waiting build; a `repository` webhook delivery (made
//! private or public, edited, renamed...) forgets it at once
//! ([`crate::forge::Forge::repository_changed`]).

use std::time::{Duration, Instant};

use http::Method;
use serde_json::Value;
use sluice_core::flow::github::GitHubRepository;
use sluice_core::flow::visibility;
use sluice_core::model::Visibility;

use super::api::Api;
use crate::forge::ForgeError;
use crate::forge::ttl_cache::TtlCache;

/// How long a repository's answer is used before it is asked again.
pub const DEFAULT_REPOSITORY_TTL: Duration = Duration::from_secs(600);

/// What sluice uses of a repository's answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RepoSettings {
    /// Who may see it, when GitHub says.
    pub visibility: Option<Visibility>,
    /// GitHub deletes a merged pull request's head branch itself. GitHub shows the
    /// setting only to some credentials; when it is not shown, this is false (sluice
    /// deletes the branch).
    pub deletes_merged_heads: bool,
}

impl RepoSettings {
    /// The settings a repository's JSON answer says.
    pub fn of(body: &Value) -> RepoSettings {
        let shown = body.get("visibility").and_then(Value::as_str);
        let private = body.get("private").and_then(Value::as_bool);
        RepoSettings {
            visibility: visibility::github_visibility(shown, private),
            deletes_merged_heads: body
                .get("delete_branch_on_merge")
                .and_then(Value::as_bool)
                .unwrap_or(false),
        }
    }
}

/// Repositories' settings by `owner/name` (lowercase: GitHub's names ignore case).
pub struct RepoCache(TtlCache<RepoSettings>);

impl RepoCache {
    /// A cache using an answer for `ttl`.
    pub fn new(ttl: Duration) -> RepoCache {
        RepoCache(TtlCache::new(ttl))
    }

    fn key(repo: &GitHubRepository) -> String {
        format!("{}/{}", repo.owner, repo.name).to_ascii_lowercase()
    }

    /// Forgets what was read of `repo`: the next use asks GitHub.
    pub fn forget(&self, repo: &GitHubRepository) {
        self.0.forget(&RepoCache::key(repo));
    }

    /// `repo`'s settings (`base` is its API path): kept ones while fresh, else GitHub's
    /// answer, kept from now.
    pub async fn settings(
        &self,
        api: &Api,
        repository: &str,
        repo: &GitHubRepository,
        base: &str,
    ) -> Result<RepoSettings, ForgeError> {
        let key = RepoCache::key(repo);
        if let Some(settings) = self.0.fresh(&key, Instant::now()) {
            return Ok(settings);
        }
        let answer = api
            .call(Method::GET, base, None, repository, "the repository")
            .await?;
        let settings = RepoSettings::of(&answer.body);
        self.0.keep(key, Instant::now(), settings);
        Ok(settings)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn settings_read_from_the_answer() {
        // (answer, visibility, deletes merged heads)
        let table = [
            (
                json!({"private": false, "visibility": "public", "delete_branch_on_merge": true}),
                Some(Visibility::Public),
                true,
            ),
            (
                json!({"private": true, "delete_branch_on_merge": false}),
                Some(Visibility::Internal),
                false,
            ),
            // Not shown to this credential: sluice deletes the branch itself.
            (
                json!({"visibility": "internal"}),
                Some(Visibility::Internal),
                false,
            ),
            (json!({}), None, false),
        ];
        for (body, visibility, deletes) in table {
            let settings = RepoSettings::of(&body);
            assert_eq!(
                (settings.visibility, settings.deletes_merged_heads),
                (visibility, deletes),
                "{body}"
            );
        }
    }

    #[test]
    fn repositories_are_kept_by_their_name_in_lower_case() {
        let repo = GitHubRepository {
            owner: "Contoso".into(),
            name: "SDK".into(),
        };
        assert_eq!(RepoCache::key(&repo), "contoso/sdk");
    }
}
