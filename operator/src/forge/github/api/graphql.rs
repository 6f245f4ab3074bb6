//! GitHub's GraphQL API, for what REST cannot do (turning auto-merge on): `/graphql` next
//! to the REST API on github.com, `/api/graphql` next to `/api/v3` on GitHub Enterprise
//! Server. Errors GitHub reports in a 200 answer are refusals with its messages.

use http::StatusCode;
use serde_json::{Value, json};

use super::{Answer, Api, client, github_message};
use crate::forge::ForgeError;

impl Api {
    /// The GraphQL endpoint of this API.
    fn graphql_uri(&self) -> Result<http::Uri, http::Error> {
        let path = self.uri.path().trim_end_matches('/');
        let graphql = match path.strip_suffix("/v3") {
            Some(api) => format!("{api}/graphql"),
            None => format!("{path}/graphql"),
        };
        let mut parts = self.uri.clone().into_parts();
        parts.path_and_query = Some(graphql.parse()?);
        Ok(http::Uri::from_parts(parts)?)
    }

    /// Runs the GraphQL `query` with `variables` for `repository`; the `data` of the
    /// answer.
    pub async fn graphql(
        &self,
        query: &str,
        variables: Value,
        repository: &str,
        what: &str,
    ) -> Result<Value, ForgeError> {
        let (_, token, _) = self.current(repository).await?;
        let uri = self
            .graphql_uri()
            .map_err(|e| ForgeError::rejected(repository, format!("{what}: {e}")))?;
        let path = uri.path().to_string();
        let graphql = client(&uri, &token)
            .map_err(|e| ForgeError::rejected(repository, token.scrub(&format!("{what}: {e}"))))?;
        let body = json!({ "query": query, "variables": variables });
        let transport = |e: octocrab::Error| {
            ForgeError::unavailable(
                repository,
                token.scrub(&format!("{what}: GitHub unreachable: {e}")),
            )
        };
        let response = graphql._post(&path, Some(&body)).await.map_err(transport)?;
        let status = response.status();
        let headers = response.headers().clone();
        let text = graphql.body_to_string(response).await.map_err(transport)?;
        let body: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        let answer = Answer {
            status,
            headers,
            body,
        };
        if status != StatusCode::OK {
            return Err(self.failure(&answer, repository, what));
        }
        let errors = answer.body.get("errors").and_then(Value::as_array);
        if let Some(errors) = errors.filter(|e| !e.is_empty()) {
            let message = github_message(&json!({ "errors": errors }));
            return Err(ForgeError::rejected(
                repository,
                token.scrub(&format!("{what}: {message}")),
            ));
        }
        Ok(answer.body.get("data").cloned().unwrap_or(Value::Null))
    }
}
