//! Default-channel assignment: which channels a new build of a repository branch joins.

use regex::Regex;

use crate::model::DefaultChannelSpec;

use super::keys::repository_identity;

/// The channels every build of `repository` on `branch` is assigned to by `defaults`
/// (name, spec): enabled default channels whose repository is the same repository (by
/// [`repository_identity`]) and whose `branch` equals `branch` exactly or whose
/// `branchPattern` matches the whole branch name. An invalid pattern matches nothing.
/// Returns channel names, sorted and deduplicated.
pub fn default_channels_for(
    repository: &str,
    branch: &str,
    defaults: &[(String, DefaultChannelSpec)],
) -> Vec<String> {
    let identity = repository_identity(repository);
    let mut channels: Vec<String> = defaults
        .iter()
        .map(|(_, spec)| spec)
        .filter(|spec| spec.enabled)
        .filter(|spec| repository_identity(&spec.repository) == identity)
        .filter(|spec| branch_matches(spec, branch))
        .map(|spec| spec.channel.clone())
        .collect();
    channels.sort();
    channels.dedup();
    channels
}

/// Whether a default channel's `branch` or `branchPattern` selects `branch`. A spec with
/// both set matches when either does; with neither, it matches nothing.
pub fn branch_matches(spec: &DefaultChannelSpec, branch: &str) -> bool {
    if spec.branch.as_deref() == Some(branch) {
        return true;
    }
    match &spec.branch_pattern {
        Some(pattern) => {
            Regex::new(&format!("^(?:{pattern})$")).is_ok_and(|re| re.is_match(branch))
        }
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dc(
        repo: &str,
        branch: Option<&str>,
        pattern: Option<&str>,
        channel: &str,
        enabled: bool,
    ) -> (String, DefaultChannelSpec) {
        (
            format!("{channel}-default"),
            DefaultChannelSpec {
                repository: repo.into(),
                branch: branch.map(Into::into),
                branch_pattern: pattern.map(Into::into),
                channel: channel.into(),
                enabled,
            },
        )
    }

    const RT: &str = "https://github.com/contoso/runtime";

    #[test]
    fn assignment_table() {
        let defaults = vec![
            dc(RT, Some("main"), None, "dev", true),
            dc(
                "https://GitHub.com/Contoso/Runtime.git",
                Some("main"),
                None,
                "tools",
                true,
            ),
            dc(RT, Some("main"), None, "dev", true),
            dc(RT, Some("main"), None, "off", false),
            dc(RT, None, Some(r"release/11\.0\.\d+xx"), "release-11", true),
            dc(RT, None, Some("release"), "prefix-only", true),
            dc(RT, None, Some("(unclosed"), "broken", true),
            dc(
                "https://github.com/contoso/other",
                Some("main"),
                None,
                "other",
                true,
            ),
        ];
        let cases: [(&str, &str, &[&str]); 6] = [
            (RT, "main", &["dev", "tools"]),
            (
                "https://github.com/CONTOSO/runtime/",
                "main",
                &["dev", "tools"],
            ),
            (RT, "release/11.0.1xx", &["release-11"]),
            (RT, "release/11.0.1xx-hotfix", &[]),
            (RT, "release", &["prefix-only"]),
            (RT, "feature/x", &[]),
        ];
        for (repo, branch, want) in cases {
            assert_eq!(
                default_channels_for(repo, branch, &defaults),
                want,
                "{repo} {branch}"
            );
        }
    }

    #[test]
    fn alternation_is_anchored_as_a_whole() {
        let defaults = vec![dc(RT, None, Some("main|release/.*"), "c", true)];
        assert_eq!(default_channels_for(RT, "main", &defaults), ["c"]);
        assert_eq!(default_channels_for(RT, "release/1", &defaults), ["c"]);
        assert!(default_channels_for(RT, "mainline", &defaults).is_empty());
        assert!(default_channels_for(RT, "x-release/1", &defaults).is_empty());
    }

    #[test]
    fn no_defaults_no_channels() {
        assert!(default_channels_for(RT, "main", &[]).is_empty());
    }
}
