//! A repository's visibility is its project's (`GET {api}/_apis/projects/{project}`),
//! kept for [`PROJECT_VISIBILITY_TTL`] instead of being asked on every cycle with a
//! waiting build, and forgotten when the forge is told the repository changed.

use std::time::{Duration, Instant};

use serde_json::Value;
use sluice_core::flow::azure_devops::encode;
use sluice_core::flow::visibility;
use sluice_core::model::Visibility;

use super::{AzureDevOpsForge, Target};
use crate::forge::ForgeError;

/// How long a project's visibility is used before Azure DevOps is asked again.
pub const PROJECT_VISIBILITY_TTL: Duration = Duration::from_secs(600);

fn project_url(target: &Target) -> String {
    let repo = &target.repo;
    format!("{}/_apis/projects/{}", repo.api_base, encode(&repo.project))
}

impl AzureDevOpsForge {
    /// The visibility of `repository`'s project: kept while fresh, else asked.
    pub(super) async fn project_visibility(
        &self,
        repository: &str,
    ) -> Result<Option<Visibility>, ForgeError> {
        let target = Target::parse(repository)?;
        let url = project_url(&target);
        if let Some(kept) = self.visibility.fresh(&url, Instant::now()) {
            return Ok(kept);
        }
        let what = format!("project {}", target.repo.project);
        let answer = self.api.get(&url, repository, &what).await?;
        let shown = answer.body.get("visibility").and_then(Value::as_str);
        let seen = visibility::azure_devops_visibility(shown);
        self.visibility.keep(url, Instant::now(), seen);
        Ok(seen)
    }

    /// Forgets the kept visibility of `repository`'s project.
    pub(super) fn forget_project(&self, repository: &str) {
        if let Ok(target) = Target::parse(repository) {
            self.visibility.forget(&project_url(&target));
        }
    }
}
