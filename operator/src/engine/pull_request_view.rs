//! A pull request of the git-native forge as people read it: the forge's record with the
//! builds it carries, its policies, checks and reviews.

use serde::{Deserialize, Serialize};
use sluice_core::flow::{Check, Review};
use sluice_core::model::PolicyEvaluation;

use super::Engine;
use super::status::BuildRef;
use crate::store::{LocalPullRequest, StoreError};

/// One build a pull request carries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CarriedBuild {
    /// The subscription applying it.
    pub subscription: String,
    /// The build.
    pub build: BuildRef,
}

/// A pull request of the git-native forge with what sluice knows of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PullRequestView {
    /// The pull request as the forge keeps it.
    #[serde(flatten)]
    pub pull_request: LocalPullRequest,
    /// Where a person finds it, when sluice tracks it.
    pub url: Option<String>,
    /// The head commit its policies were evaluated on.
    pub head_commit: Option<String>,
    /// The builds it applies.
    pub carried: Vec<CarriedBuild>,
    /// Its merge policies' latest evaluation.
    pub policies: Vec<PolicyEvaluation>,
    /// Checks reported on its head commit.
    pub checks: Vec<Check>,
    /// Reviews, latest per reviewer.
    pub reviews: Vec<Review>,
}

impl PullRequestView {
    /// A summary for a terminal: title, state, URL, head and base, carried builds,
    /// policies with results, checks and reviews (without the description).
    pub fn summary(&self) -> String {
        let pr = &self.pull_request;
        let mut out = format!("#{} {}\n", pr.number, pr.title);
        out.push_str(&format!("state:     {}\n", wire_name(&pr.state)));
        if let Some(url) = &self.url {
            out.push_str(&format!("url:       {url}\n"));
        }
        out.push_str(&format!("repository: {}\n", pr.repository));
        out.push_str(&format!(
            "branches:  {} -> {}\n",
            pr.head_branch, pr.base_branch
        ));
        if let Some(head) = &self.head_commit {
            out.push_str(&format!("head:      {head}\n"));
        }
        if let Some(merge) = &pr.merge_commit {
            out.push_str(&format!("merged as: {merge}\n"));
        }
        section(
            &mut out,
            "builds",
            self.carried.iter().map(|c| {
                format!(
                    "{}: build {} (id {})",
                    c.subscription, c.build.number, c.build.id
                )
            }),
        );
        section(
            &mut out,
            "policies",
            self.policies.iter().map(|p| {
                let result = wire_name(&p.result);
                if p.message.is_empty() {
                    format!("{}: {result}", p.name)
                } else {
                    format!("{}: {result}: {}", p.name, p.message)
                }
            }),
        );
        section(
            &mut out,
            "checks",
            self.checks
                .iter()
                .map(|c| format!("{}: {}", c.name, wire_name(&c.state))),
        );
        section(
            &mut out,
            "reviews",
            self.reviews
                .iter()
                .map(|r| format!("{}: {}", r.reviewer, wire_name(&r.state))),
        );
        out
    }
}

/// `title:` and one indented line per item, or `title: none`.
fn section(out: &mut String, title: &str, items: impl Iterator<Item = String>) {
    let items: Vec<String> = items.collect();
    if items.is_empty() {
        out.push_str(&format!("{title}: none\n"));
        return;
    }
    out.push_str(&format!("{title}:\n"));
    for item in items {
        out.push_str(&format!("  {item}\n"));
    }
}

/// A unit enum as the API spells it (`Open`, `changesRequested`, `success`).
pub fn wire_name<T: Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(s)) => s,
        _ => String::new(),
    }
}

impl Engine {
    /// A local pull request with its carried builds, policies, checks and reviews;
    /// `None` when there is no such pull request.
    pub fn pull_request_view(&self, number: i64) -> Result<Option<PullRequestView>, StoreError> {
        let Some(pr) = self.local_store().local_pull_request(number)? else {
            return Ok(None);
        };
        let id = number.to_string();
        let mut tracked = self
            .store
            .active_pull_requests()?
            .into_iter()
            .find(|t| t.id == id);
        if tracked.is_none() {
            // Settled ones are found as the latest of their key.
            for key in self.snapshot().keys.values() {
                if let Some(t) = self.store.tracked_pull_request(&key.key)?
                    && t.id == id
                {
                    tracked = Some(t);
                    break;
                }
            }
        }
        let mut carried = Vec::new();
        for (subscription, build) in tracked.iter().flat_map(|t| &t.carried) {
            let build = match self.store.build(*build)? {
                Some(b) => BuildRef::from(&b),
                None => BuildRef {
                    id: *build,
                    number: String::new(),
                },
            };
            carried.push(CarriedBuild {
                subscription: subscription.clone(),
                build,
            });
        }
        let head_commit = tracked.as_ref().map(|t| t.head_commit.clone());
        let checks = match &head_commit {
            Some(head) => self.local_store().checks(number, head)?,
            None => Vec::new(),
        };
        Ok(Some(PullRequestView {
            reviews: self.local_store().reviews(number)?,
            url: tracked.as_ref().map(|t| t.url.clone()),
            policies: tracked.map(|t| t.policies).unwrap_or_default(),
            head_commit,
            carried,
            checks,
            pull_request: pr,
        }))
    }
}
