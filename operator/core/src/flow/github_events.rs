//! Which update keys a GitHub webhook delivery concerns: the keys whose pull request is
//! on the event's repository and, when the event names them, on its head branch or head
//! commit. Everything else about the delivery (its signature, its JSON) is checked by
//! the adapter that received it.

use serde_json::Value;

use super::keys::repository_identity;

/// What a delivery is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventSubject {
    /// `OWNER/NAME` of the repository.
    pub repository: String,
    /// The pull request's head branch, when the event names one.
    pub head_branch: Option<String>,
    /// The commit, when the event is about one (a check run, a status).
    pub head_sha: Option<String>,
    /// The target branch, when the event is a push that may have moved one.
    pub target_branch: Option<String>,
}

/// The events that can change what a key decides; others (pings, issues) concern none.
pub const EVENTS: &[&str] = &[
    "pull_request",
    "pull_request_review",
    "check_run",
    "check_suite",
    "status",
    "issue_comment",
    "push",
];

fn text(payload: &Value, pointer: &str) -> Option<String> {
    payload
        .pointer(pointer)
        .and_then(Value::as_str)
        .map(str::to_string)
}

/// Whether `full_name` is a GitHub `OWNER/NAME`: two non-empty parts of letters, digits,
/// `.`, `-` and `_`, neither `.` nor `..`, at most 200 bytes in all.
fn is_full_name(full_name: &str) -> bool {
    let part = |p: &str| {
        !p.is_empty()
            && p != "."
            && p != ".."
            && p.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
    };
    full_name.len() <= 200
        && full_name
            .split_once('/')
            .is_some_and(|(owner, name)| part(owner) && part(name))
}

/// The subject of an `event` delivery with `payload`, or `None` when the event concerns
/// no key, or when a field it names fails the validators (a repository that is not
/// `OWNER/NAME`, a branch that is not a valid ref name, a commit that is not hex): such
/// a delivery reaches neither the log nor the engine.
pub fn subject(event: &str, payload: &Value) -> Option<EventSubject> {
    let subject = unchecked_subject(event, payload)?;
    let valid = is_full_name(&subject.repository)
        && [&subject.head_branch, &subject.target_branch]
            .into_iter()
            .flatten()
            .all(|b| crate::validate::branch(b).is_ok())
        && subject
            .head_sha
            .as_deref()
            .is_none_or(|sha| crate::validate::commit(sha).is_ok());
    valid.then_some(subject)
}

fn unchecked_subject(event: &str, payload: &Value) -> Option<EventSubject> {
    if !EVENTS.contains(&event) {
        return None;
    }
    let repository = text(payload, "/repository/full_name")?;
    let (head_branch, head_sha) = match event {
        "pull_request" | "pull_request_review" => (text(payload, "/pull_request/head/ref"), None),
        "check_run" => (None, text(payload, "/check_run/head_sha")),
        "check_suite" => (None, text(payload, "/check_suite/head_sha")),
        "status" => (None, text(payload, "/sha")),
        // A push moves a target branch, or a head branch (a person's commits).
        "push" => {
            let branch = text(payload, "/ref")?
                .strip_prefix("refs/heads/")?
                .to_string();
            return Some(EventSubject {
                repository,
                head_branch: Some(branch.clone()),
                head_sha: None,
                target_branch: Some(branch),
            });
        }
        _ => (None, None),
    };
    Some(EventSubject {
        repository,
        head_branch,
        head_sha,
        target_branch: None,
    })
}

/// A tracked pull request as matching needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tracked<'a> {
    /// Its update key's id.
    pub key: &'a str,
    /// Target repository URL.
    pub repository: &'a str,
    /// Target branch.
    pub target_branch: &'a str,
    /// Head branch.
    pub head_branch: &'a str,
    /// The commit sluice last pushed.
    pub head_commit: &'a str,
}

/// The keys of `tracked` that `subject` concerns, each once, in the order given. The
/// repository matches by the end of its identity (`.../OWNER/NAME`, any case); an event
/// naming branches concerns the keys with that head (or, for a push, target) branch; an
/// event naming neither branch nor commit concerns every key on the repository; one
/// naming a commit that no key pushed also does (a person's commit on a head branch).
pub fn concerned<'a>(tracked: &[Tracked<'a>], subject: &EventSubject) -> Vec<&'a str> {
    let suffix = format!("/{}", subject.repository.to_ascii_lowercase());
    let on_repository: Vec<&Tracked<'a>> = tracked
        .iter()
        .filter(|t| {
            repository_identity(t.repository)
                .to_ascii_lowercase()
                .ends_with(&suffix)
        })
        .collect();
    let branches = subject.head_branch.is_some() || subject.target_branch.is_some();
    let narrowed: Vec<&Tracked<'a>> = match &subject.head_sha {
        _ if branches => on_repository
            .iter()
            .copied()
            .filter(|t| {
                subject.head_branch.as_deref() == Some(t.head_branch)
                    || subject.target_branch.as_deref() == Some(t.target_branch)
            })
            .collect(),
        Some(sha) => {
            let matching: Vec<_> = on_repository
                .iter()
                .copied()
                .filter(|t| t.head_commit == sha)
                .collect();
            if matching.is_empty() {
                on_repository
            } else {
                matching
            }
        }
        None => on_repository,
    };
    let mut keys: Vec<&'a str> = Vec::new();
    for t in narrowed {
        if !keys.contains(&t.key) {
            keys.push(t.key);
        }
    }
    keys
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn deliveries_name_their_repository_branch_or_commit() {
        let pr = json!({"repository": {"full_name": "contoso/sdk"}, "pull_request": {"head": {"ref": "sluice/main/a"}}});
        let run = json!({"repository": {"full_name": "contoso/sdk"}, "check_run": {"head_sha": "abc1234"}});
        let status = json!({"repository": {"full_name": "contoso/sdk"}, "sha": "def5678"});
        let subject_of =
            |event, payload: &Value| subject(event, payload).map(|s| (s.head_branch, s.head_sha));
        assert_eq!(
            subject_of("pull_request", &pr),
            Some((Some("sluice/main/a".into()), None))
        );
        assert_eq!(
            subject_of("check_run", &run),
            Some((None, Some("abc1234".into())))
        );
        assert_eq!(
            subject_of("status", &status),
            Some((None, Some("def5678".into())))
        );
        assert_eq!(subject_of("issue_comment", &status), Some((None, None)));
        assert_eq!(subject_of("ping", &pr), None);
        let push = json!({"repository": {"full_name": "contoso/sdk"}, "ref": "refs/heads/main"});
        let pushed = subject("push", &push).expect("a push concerns keys");
        assert_eq!(
            (
                pushed.head_branch.as_deref(),
                pushed.target_branch.as_deref()
            ),
            (Some("main"), Some("main"))
        );
        let tag = json!({"repository": {"full_name": "contoso/sdk"}, "ref": "refs/tags/v1"});
        assert_eq!(subject("push", &tag), None);
        assert_eq!(subject_of("status", &json!({"sha": "x"})), None);
    }

    #[test]
    fn a_delivery_with_a_field_that_fails_validation_concerns_no_key() {
        let sha = "a".repeat(40);
        let table = [
            (
                "pull_request",
                json!({"repository": {"full_name": "contoso/sdk\nforged log line"}, "pull_request": {"head": {"ref": "x"}}}),
            ),
            (
                "pull_request",
                json!({"repository": {"full_name": "../../etc"}, "pull_request": {"head": {"ref": "x"}}}),
            ),
            (
                "pull_request",
                json!({"repository": {"full_name": "contoso/sdk"}, "pull_request": {"head": {"ref": "a..b"}}}),
            ),
            (
                "push",
                json!({"repository": {"full_name": "contoso/sdk"}, "ref": "refs/heads/bad\u{7f}"}),
            ),
            (
                "check_run",
                json!({"repository": {"full_name": "contoso/sdk"}, "check_run": {"head_sha": "not a sha"}}),
            ),
            (
                "status",
                json!({"repository": {"full_name": "x".repeat(300) + "/sdk"}, "sha": sha}),
            ),
        ];
        for (event, payload) in table {
            assert_eq!(subject(event, &payload), None, "{event} {payload}");
        }
        let good = json!({"repository": {"full_name": "Contoso.Org/sdk-repo_1"}, "sha": sha});
        assert!(subject("status", &good).is_some());
    }

    #[test]
    fn only_the_concerned_keys_are_named() {
        let t = |key, repository, head_branch, head_commit| Tracked {
            key,
            repository,
            target_branch: "main",
            head_branch,
            head_commit,
        };
        let tracked = [
            t(
                "sub/a",
                "https://github.com/contoso/sdk",
                "sluice/main/a",
                "111",
            ),
            t(
                "sub/b",
                "https://github.com/Contoso/SDK.git",
                "sluice/main/b",
                "222",
            ),
            t(
                "sub/c",
                "https://github.com/contoso/runtime",
                "sluice/main/c",
                "111",
            ),
            t(
                "sub/d",
                "https://github.com/other/sdk",
                "sluice/main/a",
                "111",
            ),
        ];
        let subject = |branch: Option<&str>, sha: Option<&str>| EventSubject {
            repository: "contoso/sdk".into(),
            head_branch: branch.map(str::to_string),
            head_sha: sha.map(str::to_string),
            target_branch: None,
        };
        assert_eq!(
            concerned(&tracked, &subject(Some("sluice/main/b"), None)),
            ["sub/b"]
        );
        assert_eq!(concerned(&tracked, &subject(None, Some("111"))), ["sub/a"]);
        assert_eq!(
            concerned(&tracked, &subject(None, Some("999"))),
            ["sub/a", "sub/b"]
        );
        assert_eq!(
            concerned(&tracked, &subject(None, None)),
            ["sub/a", "sub/b"]
        );
        assert!(concerned(&tracked, &subject(Some("feature"), None)).is_empty());
        let push_to = |branch: &str| EventSubject {
            target_branch: Some(branch.to_string()),
            ..subject(Some(branch), None)
        };
        assert_eq!(concerned(&tracked, &push_to("main")), ["sub/a", "sub/b"]);
        assert_eq!(concerned(&tracked, &push_to("sluice/main/a")), ["sub/a"]);
    }
}
