//! Which subscriptions a build fires when it lands on its channels, and which builds a
//! subscription may be triggered with by hand.

use crate::model::{RepositoryUrl, SubscriptionSpec, UpdateFrequency};

use super::types::{BuildId, BuildInfo};

/// Whether `a` and `b` name the same repository (by identity). A URL that does not parse
/// names no repository, so it matches nothing, not even itself.
fn same_repository(a: &str, b: &str) -> bool {
    matches!((RepositoryUrl::parse(a), RepositoryUrl::parse(b)), (Ok(a), Ok(b)) if a == b)
}

/// Whether `spec` reads `build`: the build is of the subscription's source repository (by
/// identity) and on its source channel, whatever the subscription's frequency and whether
/// it is enabled.
pub fn reads(spec: &SubscriptionSpec, build: &BuildInfo) -> bool {
    build.channels.contains(&spec.source.channel)
        && same_repository(&build.repository, &spec.source.repository)
}

/// Names of the subscriptions a build concerns (see [`reads`]), sorted: where it can
/// flow.
pub fn concerned_by<'a>(
    build: &BuildInfo,
    subscriptions: impl IntoIterator<Item = (&'a str, &'a SubscriptionSpec)>,
) -> Vec<String> {
    let mut names: Vec<String> = subscriptions
        .into_iter()
        .filter(|(_, spec)| reads(spec, build))
        .map(|(name, _)| name.to_string())
        .collect();
    names.sort();
    names
}

/// Names of the subscriptions that apply `build` at once: enabled, `EveryBuild`, and
/// reading it (see [`reads`]). Scheduled subscriptions pick the build up at their next due
/// time instead.
pub fn fired_by<'a>(
    build: &BuildInfo,
    subscriptions: impl IntoIterator<Item = (&'a str, &'a SubscriptionSpec)>,
) -> Vec<String> {
    concerned_by(
        build,
        subscriptions
            .into_iter()
            .filter(|(_, spec)| takes_newest_on_arrival(spec)),
    )
}

/// Whether a subscription seen for the first time takes the newest build already on its
/// channel at once: an enabled `EveryBuild` one does (the build it would have applied had
/// it existed when the build landed), a scheduled one waits for its next due time, and a
/// `None` one for a person.
pub fn takes_newest_on_arrival(spec: &SubscriptionSpec) -> bool {
    spec.enabled && spec.update_frequency == UpdateFrequency::EveryBuild
}

/// Why a subscription cannot be triggered by hand with a build.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TriggerRefusal {
    /// The subscription is disabled: the engine would not act on the request.
    #[error("subscription `{subscription}` is disabled; enable it before triggering it")]
    Disabled {
        /// Subscription name.
        subscription: String,
    },
    /// The build is of another repository than the subscription's source.
    #[error(
        "build {build} is of {repository}, but subscription `{subscription}` takes builds of {source_repository}"
    )]
    OtherRepository {
        /// Subscription name.
        subscription: String,
        /// The build.
        build: BuildId,
        /// The build's repository.
        repository: String,
        /// The subscription's source repository.
        source_repository: String,
    },
    /// The build is not on the subscription's channel.
    #[error(
        "build {build} of {repository} is not on channel `{channel}`, which subscription `{subscription}` takes builds from (it is on: {channels}); assign it with `sluice build add-to-channel {build} {channel}`"
    )]
    OtherChannel {
        /// Subscription name.
        subscription: String,
        /// The build.
        build: BuildId,
        /// The build's repository.
        repository: String,
        /// The subscription's source channel.
        channel: String,
        /// The build's channels, comma separated (or `none`).
        channels: String,
    },
}

/// Whether subscription `name` may be triggered by hand with `build`: it is enabled, and
/// the build is of its source repository (by identity) and on its source channel.
pub fn check_by_hand(
    name: &str,
    spec: &SubscriptionSpec,
    build: &BuildInfo,
) -> Result<(), TriggerRefusal> {
    if !spec.enabled {
        return Err(TriggerRefusal::Disabled {
            subscription: name.to_string(),
        });
    }
    if !same_repository(&build.repository, &spec.source.repository) {
        return Err(TriggerRefusal::OtherRepository {
            subscription: name.to_string(),
            build: build.id,
            repository: build.repository.clone(),
            source_repository: spec.source.repository.clone(),
        });
    }
    if !build.channels.contains(&spec.source.channel) {
        return Err(TriggerRefusal::OtherChannel {
            subscription: name.to_string(),
            build: build.id,
            repository: build.repository.clone(),
            channel: spec.source.channel.clone(),
            channels: if build.channels.is_empty() {
                "none".into()
            } else {
                build.channels.join(", ")
            },
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{SubscriptionSource, SubscriptionTarget};

    /// Build `id` of `repo` on `channels`.
    fn build_on(id: BuildId, repo: &str, channels: &[&str]) -> BuildInfo {
        BuildInfo {
            id,
            repository: repo.into(),
            branch: "main".into(),
            commit: "a".repeat(40),
            build_number: "1".into(),
            produced_at: "2026-01-01T00:00:00Z".into(),
            assets: vec![],
            channels: channels.iter().map(|c| c.to_string()).collect(),
        }
    }

    fn spec(repo: &str, channel: &str, freq: UpdateFrequency, enabled: bool) -> SubscriptionSpec {
        SubscriptionSpec {
            source: SubscriptionSource {
                repository: repo.into(),
                channel: channel.into(),
                visibility: None,
                public_repository: None,
            },
            target: SubscriptionTarget {
                repository: "https://example.com/t/t".into(),
                branch: "main".into(),
                directories: vec![".".into()],
                visibility: None,
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
        let build = build_on(1, "https://github.com/Contoso/Runtime.git", &["dev"]);
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
        let concerned = concerned_by(&build, subs.iter().map(|(n, s)| (*n, s)));
        assert_eq!(concerned, ["a", "b", "c", "f"]);
    }

    #[test]
    fn urls_that_do_not_parse_match_nothing() {
        let build = |repo: &str| build_on(1, repo, &["dev"]);
        let every = UpdateFrequency::EveryBuild;
        let rt = "https://github.com/contoso/runtime";
        // (build repository, subscription source, reads)
        let table = [
            (rt, rt, true),
            ("not a url", "also not a url", false),
            ("not a url", "not a url", false),
            ("", "", false),
            ("not a url", rt, false),
            (rt, "not a url", false),
        ];
        for (from, source, want) in table {
            let spec = spec(source, "dev", every, true);
            let b = build(from);
            assert_eq!(reads(&spec, &b), want, "{from:?} vs {source:?}");
            let subs = [("s", &spec)];
            assert_eq!(concerned_by(&b, subs).len(), usize::from(want));
            assert_eq!(fired_by(&b, subs).len(), usize::from(want));
        }
    }

    #[test]
    fn by_hand_takes_only_enabled_subscriptions_and_their_own_builds() {
        let rt = "https://github.com/contoso/runtime";
        let build = |repo: &str, channels: &[&str]| build_on(7, repo, channels);
        let on = spec(rt, "dev", UpdateFrequency::EveryBuild, true);
        let off = spec(rt, "dev", UpdateFrequency::EveryBuild, false);
        let table: [(&SubscriptionSpec, BuildInfo, Option<&str>); 6] = [
            (&on, build(rt, &["dev"]), None),
            (
                &on,
                build("https://GitHub.com/Contoso/Runtime.git", &["x", "dev"]),
                None,
            ),
            (&off, build(rt, &["dev"]), Some("is disabled")),
            (
                &on,
                build("https://github.com/contoso/sdk", &["dev"]),
                Some(
                    "build 7 is of https://github.com/contoso/sdk, but subscription `s` takes builds of https://github.com/contoso/runtime",
                ),
            ),
            (
                &on,
                build(rt, &["release"]),
                Some(
                    "is not on channel `dev`, which subscription `s` takes builds from (it is on: release)",
                ),
            ),
            (&on, build(rt, &[]), Some("(it is on: none)")),
        ];
        for (spec, build, refused) in table {
            let got = check_by_hand("s", spec, &build).map_err(|e| e.to_string());
            match refused {
                None => assert_eq!(got, Ok(()), "{build:?}"),
                Some(text) => {
                    let message = got.expect_err("refused");
                    assert!(message.contains(text), "{message}");
                }
            }
        }
    }

    #[test]
    fn only_enabled_every_build_subscriptions_take_the_newest_build_on_arrival() {
        let r = "https://example.com/o/r";
        for (freq, enabled, takes) in [
            (UpdateFrequency::EveryBuild, true, true),
            (UpdateFrequency::EveryBuild, false, false),
            (UpdateFrequency::EveryDay, true, false),
            (UpdateFrequency::None, true, false),
        ] {
            assert_eq!(
                takes_newest_on_arrival(&spec(r, "c", freq, enabled)),
                takes,
                "{freq:?} enabled={enabled}"
            );
        }
    }
}
