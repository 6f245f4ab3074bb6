//! Which update keys an Azure DevOps service hook delivery concerns. A delivery names
//! its event type and a resource: a pull request (created, updated, merged), a comment
//! on one (with the pull request beside it), or a push. Its repository (project and
//! name) and branches must pass the validators, or the delivery concerns no key and is
//! not logged; the keys are then chosen as for GitHub's deliveries
//! ([`crate::flow::github_events::concerned`]), the repository matching by the end of
//! its URL (`PROJECT/_git/REPO`).

use serde_json::Value;

use super::{AzureRepository, valid_name};
use crate::flow::github_events::EventSubject;

/// The event types that can change what a key decides; others concern none.
pub const EVENTS: &[&str] = &[
    "git.pullrequest.created",
    "git.pullrequest.updated",
    "git.pullrequest.merged",
    "ms.vss-code.git-pullrequest-comment-event",
    "git.push",
];

fn text<'a>(value: &'a Value, pointer: &str) -> Option<&'a str> {
    value.pointer(pointer).and_then(Value::as_str)
}

/// The `PROJECT/_git/REPO` suffix of a resource's `repository`, if both names pass.
fn repository_suffix(repository: &Value) -> Option<String> {
    let name = text(repository, "/name")?;
    let project = text(repository, "/project/name")?;
    if !valid_name(name) || !valid_name(project) {
        return None;
    }
    let repo = AzureRepository {
        api_base: String::new(),
        project: project.to_string(),
        name: name.to_string(),
    };
    Some(repo.path_suffix())
}

/// A branch from a full ref name (`refs/heads/B`), if it is one and valid.
fn branch(reference: &str) -> Option<String> {
    let branch = reference.strip_prefix("refs/heads/")?;
    crate::validate::branch(branch).ok()?;
    Some(branch.to_string())
}

/// The subject of a delivery (the whole JSON body), or `None` when its event type
/// concerns no key or a field it names fails the validators. The subject's repository
/// is `PROJECT/_git/REPO`, percent-encoded.
pub fn subject(payload: &Value) -> Option<EventSubject> {
    let event = text(payload, "/eventType")?;
    if !EVENTS.contains(&event) {
        return None;
    }
    let resource = payload.get("resource")?;
    if event == "git.push" {
        let repository = repository_suffix(resource.get("repository")?)?;
        // One push may move several branches: a subject per branch would be truer, but
        // a push of sluice's interest moves one; more than one concerns the repository.
        let updates = resource.get("refUpdates").and_then(Value::as_array)?;
        let names: Vec<&str> = updates.iter().filter_map(|u| text(u, "/name")).collect();
        let branch = match names.as_slice() {
            [only] => Some(branch(only)?),
            _ => None,
        };
        return Some(EventSubject {
            repository,
            head_branch: branch.clone(),
            head_sha: None,
            target_branch: branch,
        });
    }
    let pull_request = if event == "ms.vss-code.git-pullrequest-comment-event" {
        resource.get("pullRequest")?
    } else {
        resource
    };
    let repository = repository_suffix(pull_request.get("repository")?)?;
    let head_branch = match text(pull_request, "/sourceRefName") {
        Some(reference) => Some(branch(reference)?),
        None => None,
    };
    Some(EventSubject {
        repository,
        head_branch,
        head_sha: None,
        target_branch: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flow::github_events::{Tracked, concerned};
    use serde_json::json;

    fn pull_request(event: &str, project: &str, name: &str, source: &str) -> Value {
        json!({
            "eventType": event,
            "resource": {
                "pullRequestId": 7,
                "sourceRefName": source,
                "repository": {"name": name, "project": {"name": project}},
            },
        })
    }

    #[test]
    fn deliveries_name_their_repository_and_branch() {
        let updated = pull_request(
            "git.pullrequest.updated",
            "Sdk Team",
            "sdk",
            "refs/heads/sluice/main/a",
        );
        let subject = subject(&updated).expect("an update concerns keys");
        assert_eq!(subject.repository, "Sdk%20Team/_git/sdk");
        assert_eq!(subject.head_branch.as_deref(), Some("sluice/main/a"));
        let comment = json!({
            "eventType": "ms.vss-code.git-pullrequest-comment-event",
            "resource": {"comment": {"content": "hi"}, "pullRequest": updated["resource"]},
        });
        assert_eq!(super::subject(&comment), Some(subject.clone()));
        let push = json!({
            "eventType": "git.push",
            "resource": {
                "refUpdates": [{"name": "refs/heads/main"}],
                "repository": {"name": "sdk", "project": {"name": "p"}},
            },
        });
        let pushed = super::subject(&push).expect("a push concerns keys");
        assert_eq!(pushed.target_branch.as_deref(), Some("main"));
        let other = pull_request("build.complete", "p", "sdk", "refs/heads/x");
        assert_eq!(super::subject(&other), None);
    }

    #[test]
    fn a_delivery_with_a_field_that_fails_validation_concerns_no_key() {
        for payload in [
            pull_request(
                "git.pullrequest.updated",
                "p\nforged",
                "sdk",
                "refs/heads/a",
            ),
            pull_request("git.pullrequest.updated", "p", "../sdk", "refs/heads/a"),
            pull_request("git.pullrequest.updated", "p", "sdk", "refs/heads/a..b"),
            pull_request("git.pullrequest.updated", "p", "sdk", "refs/tags/v1"),
            pull_request("git.pullrequest.merged", "", "sdk", "refs/heads/a"),
            json!({"eventType": "git.pullrequest.updated"}),
            json!({"resource": {}}),
        ] {
            assert_eq!(subject(&payload), None, "{payload}");
        }
    }

    #[test]
    fn only_keys_on_the_delivery_s_repository_and_branch_are_concerned() {
        let t = |key, repository, head_branch| Tracked {
            key,
            repository,
            target_branch: "main",
            head_branch,
            head_commit: "111",
        };
        let tracked = [
            t(
                "sub/a",
                "https://dev.azure.com/contoso/p/_git/sdk",
                "sluice/main/a",
            ),
            t(
                "sub/b",
                "https://dev.azure.com/contoso/p/_git/sdk",
                "sluice/main/b",
            ),
            t(
                "sub/c",
                "https://dev.azure.com/contoso/q/_git/sdk",
                "sluice/main/a",
            ),
            t(
                "sub/d",
                "http://127.0.0.1:9/tfs/p/_git/sdk",
                "sluice/main/a",
            ),
        ];
        let payload = pull_request(
            "git.pullrequest.updated",
            "p",
            "sdk",
            "refs/heads/sluice/main/a",
        );
        let subject = subject(&payload).unwrap();
        assert_eq!(concerned(&tracked, &subject), ["sub/a", "sub/d"]);
    }
}
