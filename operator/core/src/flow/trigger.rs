//! Which subscriptions a build fires when it lands on its channels.

use crate::model::{RepositoryUrl, SubscriptionSpec, UpdateFrequency};

use super::types::BuildInfo;

/// Names of the subscriptions that apply `build` at once: enabled, `EveryBuild`, reading
/// the build's repository (by identity) on one of the build's channels. Scheduled
/// subscriptions pick the build up at their next due time instead.
pub fn fired_by<'a>(
    build: &BuildInfo,
    subscriptions: impl IntoIterator<Item = (&'a str, &'a SubscriptionSpec)>,
) -> Vec<String> {
    let Ok(source) = RepositoryUrl::parse(&build.repository) else {
        return Vec::new();
    };
    let mut names: Vec<String> = subscriptions
        .into_iter()
        .filter(|(_, spec)| {
            spec.enabled
                && spec.update_frequency == UpdateFrequency::EveryBuild
                && build.channels.contains(&spec.source.channel)
                && RepositoryUrl::parse(&spec.source.repository).is_ok_and(|r| r == source)
        })
        .map(|(name, _)| name.to_string())
        .collect();
    names.sort();
    names
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{SubscriptionSource, SubscriptionTarget};

    fn spec(repo: &str, channel: &str, freq: UpdateFrequency, enabled: bool) -> SubscriptionSpec {
        SubscriptionSpec {
            source: SubscriptionSource {
                repository: repo.into(),
                channel: channel.into(),
            },
            target: SubscriptionTarget {
                repository: "https://example.com/t/t".into(),
                branch: "main".into(),
                directories: vec![".".into()],
            },
            update_frequency: freq,
            batchable: false,
            excluded_assets: vec![],
            merge_policies: vec![],
            failure_notification_tags: vec![],
            enabled,
            source_enabled: false,
            source_directory: None,
            target_directory: None,
        }
    }

    #[test]
    fn fires_every_build_subscriptions_of_the_repo_and_channel() {
        let build = BuildInfo {
            id: 1,
            repository: "https://github.com/Contoso/Runtime.git".into(),
            branch: "main".into(),
            commit: "a".repeat(40),
            build_number: "1".into(),
            produced_at: "2026-01-01T00:00:00Z".into(),
            assets: vec![],
            channels: vec!["dev".into()],
        };
        let rt = "https://github.com/contoso/runtime";
        let subs = [
            ("a", spec(rt, "dev", UpdateFrequency::EveryBuild, true)),
            ("b", spec(rt, "dev", UpdateFrequency::EveryDay, true)),
            ("c", spec(rt, "dev", UpdateFrequency::EveryBuild, false)),
            ("d", spec(rt, "release", UpdateFrequency::EveryBuild, true)),
            (
                "e",
                spec(
                    "https://github.com/contoso/sdk",
                    "dev",
                    UpdateFrequency::EveryBuild,
                    true,
                ),
            ),
            ("f", spec(rt, "dev", UpdateFrequency::EveryBuild, true)),
        ];
        let fired = fired_by(&build, subs.iter().map(|(n, s)| (*n, s)));
        assert_eq!(fired, ["a", "f"]);
    }
}
