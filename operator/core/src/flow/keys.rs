//! Update keys: which subscriptions share a pull request, and the deterministic branch
//! that pull request comes from.

use crate::model::{RepositoryUrl, SubscriptionSpec};

use super::types::UpdateKey;

/// The comparison key of a repository URL: [`RepositoryUrl::identity`] when the URL
/// parses, else the trimmed text lowercased (so that an unparseable URL still compares
/// equal to the same spelling, in any case).
pub fn repository_identity(url: &str) -> String {
    match RepositoryUrl::parse(url) {
        Ok(parsed) => parsed.identity().to_string(),
        Err(_) => url.trim().trim_end_matches('/').to_lowercase(),
    }
}

/// The update key of subscription `name`: one batch per target repository and branch for
/// batchable subscriptions, else the subscription itself.
pub fn update_key(name: &str, spec: &SubscriptionSpec) -> UpdateKey {
    if spec.batchable {
        UpdateKey::Batch {
            repository: repository_identity(&spec.target.repository),
            branch: spec.target.branch.clone(),
        }
    } else {
        UpdateKey::Subscription {
            name: name.to_string(),
        }
    }
}

impl UpdateKey {
    /// A stable text id: `sub/<name>` or `batch/<repository identity>#<branch>`.
    pub fn id(&self) -> String {
        match self {
            UpdateKey::Subscription { name } => format!("sub/{name}"),
            UpdateKey::Batch { repository, branch } => format!("batch/{repository}#{branch}"),
        }
    }

    /// The key of a text id made by [`UpdateKey::id`].
    pub fn parse_id(id: &str) -> Option<UpdateKey> {
        if let Some(name) = id.strip_prefix("sub/") {
            return Some(UpdateKey::Subscription {
                name: name.to_string(),
            });
        }
        // Repository identities never contain `#` (URLs with a fragment are refused).
        let (repository, branch) = id.strip_prefix("batch/")?.split_once('#')?;
        Some(UpdateKey::Batch {
            repository: repository.to_string(),
            branch: branch.to_string(),
        })
    }

    /// The pull request's head branch, `sluice/<target-branch>/<key>`, where `<key>` is the
    /// subscription name or `_batch` (a subscription name, a Kubernetes name, cannot
    /// contain `_`, so the two never meet). Always a valid git ref name: characters git
    /// forbids are replaced (see [`sanitize_ref_path`]).
    pub fn head_branch(&self, target_branch: &str) -> String {
        let key = match self {
            UpdateKey::Subscription { name } => name.as_str(),
            UpdateKey::Batch { .. } => "_batch",
        };
        format!(
            "sluice/{}/{}",
            sanitize_ref_path(target_branch),
            sanitize_ref_path(key)
        )
    }
}

/// Makes `text` usable as `/`-separated components of a git ref name.
///
/// Empty components are dropped; in each component, control characters, space and
/// `~^:?*[\` become `-`, as do the second `.` of `..`, the `@` of `@{`, a leading `.` and a
/// trailing `.`; a trailing `.lock` becomes `-lock`. When anything was replaced, a short
/// hash of the original text is appended so that two different inputs never meet on
/// one branch. Valid input comes back unchanged; empty input becomes `-`.
pub fn sanitize_ref_path(text: &str) -> String {
    let mut parts: Vec<String> = Vec::new();
    for component in text.split('/').filter(|c| !c.is_empty()) {
        parts.push(sanitize_component(component));
    }
    let mut out = parts.join("/");
    if out.is_empty() {
        out.push('-');
    }
    if out != text {
        out.push_str(&format!("-{:08x}", fnv1a32(text.as_bytes())));
    }
    out
}

fn sanitize_component(component: &str) -> String {
    let mut out = String::with_capacity(component.len());
    let mut prev: Option<char> = None;
    for c in component.chars() {
        let forbidden = c.is_control()
            || matches!(c, ' ' | '~' | '^' | ':' | '?' | '*' | '[' | '\\' | '\u{7f}')
            || (c == '.' && prev == Some('.'))
            || (c == '{' && prev == Some('@'));
        let c = if forbidden { '-' } else { c };
        out.push(c);
        prev = Some(c);
    }
    if out.starts_with('.') {
        out.replace_range(0..1, "-");
    }
    if let Some(stem) = out.strip_suffix(".lock") {
        out = format!("{stem}-lock");
    }
    if out.ends_with('.') {
        out.pop();
        out.push('-');
    }
    out
}

/// 32-bit FNV-1a: a small, stable hash (the same on every platform and release).
fn fnv1a32(bytes: &[u8]) -> u32 {
    let mut hash: u32 = 0x811c_9dc5;
    for b in bytes {
        hash ^= u32::from(*b);
        hash = hash.wrapping_mul(0x0100_0193);
    }
    hash
}

/// Whether `name` is valid below `refs/heads/` (the rules of [`crate::validate::ref_name`]).
pub fn is_valid_ref_name(name: &str) -> bool {
    crate::validate::ref_name(name).is_ok()
}

#[cfg(test)]
mod id_tests {
    use super::*;

    #[test]
    fn ids_parse_back() {
        for key in [
            UpdateKey::Subscription {
                name: "runtime-to-sdk".into(),
            },
            UpdateKey::Batch {
                repository: "https://github.com/contoso/sdk".into(),
                branch: "release/1#x".into(),
            },
        ] {
            assert_eq!(UpdateKey::parse_id(&key.id()), Some(key));
        }
        assert_eq!(UpdateKey::parse_id("nonsense"), None);
    }

    #[test]
    fn a_subscription_named_batch_does_not_share_the_batch_branch() {
        let sub = UpdateKey::Subscription {
            name: "batch".into(),
        };
        let batch = UpdateKey::Batch {
            repository: "r".into(),
            branch: "main".into(),
        };
        assert_ne!(sub.head_branch("main"), batch.head_branch("main"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{SubscriptionSource, SubscriptionTarget, UpdateFrequency};

    fn spec(target: &str, branch: &str, batchable: bool) -> SubscriptionSpec {
        SubscriptionSpec {
            source: SubscriptionSource {
                repository: "https://github.com/contoso/runtime".into(),
                channel: "dev".into(),
                visibility: None,
                public_repository: None,
            },
            target: SubscriptionTarget {
                repository: target.into(),
                branch: branch.into(),
                directories: vec![".".into()],
                visibility: None,
            },
            update_frequency: UpdateFrequency::EveryBuild,
            batchable,
            excluded_assets: vec![],
            merge_policies: vec![],
            failure_notification_tags: vec![],
            enabled: true,
            source_enabled: false,
            source_directory: None,
            target_directory: None,
        }
    }

    #[test]
    fn keys_and_ids() {
        let cases = [
            (
                spec("https://github.com/contoso/sdk", "main", false),
                "sub/runtime-to-sdk",
            ),
            (
                spec("https://GitHub.com/Contoso/SDK.git", "main", true),
                "batch/https://github.com/contoso/sdk#main",
            ),
            (
                spec("https://github.com/contoso/sdk/", "release/11.0", true),
                "batch/https://github.com/contoso/sdk#release/11.0",
            ),
        ];
        for (spec, want) in cases {
            assert_eq!(update_key("runtime-to-sdk", &spec).id(), want);
        }
    }

    #[test]
    fn batch_keys_agree_across_spellings() {
        let a = update_key("a", &spec("https://github.com/Contoso/SDK", "main", true));
        let b = update_key(
            "b",
            &spec("https://github.com/contoso/sdk.git", "main", true),
        );
        assert_eq!(a, b);
    }

    #[test]
    fn head_branches() {
        let sub = UpdateKey::Subscription {
            name: "runtime-to-sdk".into(),
        };
        let batch = UpdateKey::Batch {
            repository: "https://github.com/contoso/sdk".into(),
            branch: "main".into(),
        };
        let cases = [
            (&sub, "main", "sluice/main/runtime-to-sdk"),
            (
                &sub,
                "release/11.0.1xx",
                "sluice/release/11.0.1xx/runtime-to-sdk",
            ),
            (&batch, "main", "sluice/main/_batch"),
        ];
        for (key, branch, want) in cases {
            assert_eq!(key.head_branch(branch), want);
        }
    }

    #[test]
    fn sanitized_names_are_valid_refs() {
        for input in [
            "main",
            "feature/x",
            "a b",
            "a..b",
            "x@{1}",
            "topic.lock",
            ".hidden",
            "end.",
            "/lead//double/",
            "~^:?*[\\",
            "",
            "tab\there",
            "a/.lock/b",
            "...",
        ] {
            let got = sanitize_ref_path(input);
            assert!(is_valid_ref_name(&got), "{input:?} -> {got:?}");
            let branch = UpdateKey::Subscription { name: input.into() }.head_branch(input);
            assert!(is_valid_ref_name(&branch), "{input:?} -> {branch:?}");
        }
    }

    #[test]
    fn sanitizing_keeps_valid_names_and_separates_invalid_ones() {
        assert_eq!(sanitize_ref_path("release/11.0"), "release/11.0");
        assert_ne!(sanitize_ref_path("a b"), sanitize_ref_path("a~b"));
        assert!(sanitize_ref_path("a b").starts_with("a-b-"));
    }

    #[test]
    fn validity_rules() {
        for (name, valid) in [
            ("sluice/main/x", true),
            ("a..b", false),
            ("a.lock", false),
            ("a/.b", false),
            ("a@{b", false),
            ("a b", false),
            ("a.", false),
            ("", false),
        ] {
            assert_eq!(is_valid_ref_name(name), valid, "{name}");
        }
    }
}
