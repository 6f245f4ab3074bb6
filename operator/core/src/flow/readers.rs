//! Subscriptions indexed by what they read: the identity of their source repository and
//! their source channel. Finding who reads a build is then one lookup per channel of the
//! build, rather than parsing two URLs for every subscription; with ten thousand
//! subscriptions and thousands of builds, that is the difference between a pass of
//! milliseconds and one of minutes. It answers exactly as [`super::trigger::reads`].

use std::collections::BTreeMap;

use crate::model::{RepositoryUrl, SubscriptionSpec};

use super::trigger::takes_newest_on_arrival;
use super::types::BuildInfo;

/// One subscription as the index keeps it.
#[derive(Debug, Clone)]
struct Reader {
    name: String,
    fires: bool,
}

/// Who reads what, by (source repository identity, channel).
#[derive(Debug, Clone, Default)]
pub struct Readers {
    by_source: BTreeMap<(String, String), Vec<Reader>>,
}

impl Readers {
    /// The index of `subscriptions`. One whose source repository does not parse reads
    /// nothing, as [`super::trigger::reads`] says.
    pub fn new<'a>(
        subscriptions: impl IntoIterator<Item = (&'a str, &'a SubscriptionSpec)>,
    ) -> Self {
        let mut by_source: BTreeMap<(String, String), Vec<Reader>> = BTreeMap::new();
        for (name, spec) in subscriptions {
            let Ok(url) = RepositoryUrl::parse(&spec.source.repository) else {
                continue;
            };
            by_source
                .entry((url.identity().to_string(), spec.source.channel.clone()))
                .or_default()
                .push(Reader {
                    name: name.to_string(),
                    fires: takes_newest_on_arrival(spec),
                });
        }
        Readers { by_source }
    }

    fn matching(&self, build: &BuildInfo, fired_only: bool) -> Vec<String> {
        let Ok(url) = RepositoryUrl::parse(&build.repository) else {
            return Vec::new();
        };
        let identity = url.identity().to_string();
        let mut names: Vec<String> = Vec::new();
        for channel in &build.channels {
            if let Some(readers) = self.by_source.get(&(identity.clone(), channel.clone())) {
                names.extend(
                    readers
                        .iter()
                        .filter(|r| r.fires || !fired_only)
                        .map(|r| r.name.clone()),
                );
            }
        }
        names.sort();
        names.dedup();
        names
    }

    /// Names of the subscriptions reading `build`, sorted (as
    /// [`super::trigger::concerned_by`]).
    pub fn of(&self, build: &BuildInfo) -> Vec<String> {
        self.matching(build, false)
    }

    /// Names of the subscriptions `build` fires at once, sorted (as
    /// [`super::trigger::fired_by`]).
    pub fn fired_by(&self, build: &BuildInfo) -> Vec<String> {
        self.matching(build, true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flow::trigger::{concerned_by, fired_by};
    use crate::model::UpdateFrequency;

    fn spec(
        source: &str,
        channel: &str,
        frequency: UpdateFrequency,
        enabled: bool,
    ) -> SubscriptionSpec {
        let mut spec: SubscriptionSpec = serde_json::from_value(serde_json::json!({
            "source": {"repository": source, "channel": channel},
            "target": {"repository": "https://github.com/contoso/target", "branch": "main"},
        }))
        .expect("a subscription spec");
        spec.update_frequency = frequency;
        spec.enabled = enabled;
        spec
    }

    fn build(repository: &str, channels: &[&str]) -> BuildInfo {
        BuildInfo {
            id: 1,
            repository: repository.into(),
            branch: "main".into(),
            commit: "0123456789abcdef0123456789abcdef01234567".into(),
            build_number: "1".into(),
            produced_at: "2026-01-01T00:00:00Z".into(),
            assets: vec![],
            channels: channels.iter().map(|c| c.to_string()).collect(),
        }
    }

    #[test]
    fn the_index_answers_as_reading_each_subscription_does() {
        use UpdateFrequency::{EveryBuild, EveryDay};
        let subscriptions = [
            (
                "a",
                spec(
                    "https://github.com/contoso/runtime",
                    "dev",
                    EveryBuild,
                    true,
                ),
            ),
            (
                "b",
                spec(
                    "https://github.com/Contoso/Runtime.git",
                    "dev",
                    EveryBuild,
                    true,
                ),
            ),
            (
                "c",
                spec(
                    "https://github.com/contoso/runtime",
                    "release",
                    EveryBuild,
                    true,
                ),
            ),
            (
                "d",
                spec("https://github.com/contoso/runtime", "dev", EveryDay, true),
            ),
            (
                "e",
                spec(
                    "https://github.com/contoso/runtime",
                    "dev",
                    EveryBuild,
                    false,
                ),
            ),
            (
                "f",
                spec("https://github.com/contoso/sdk", "dev", EveryBuild, true),
            ),
            ("g", spec("not a url", "dev", EveryBuild, true)),
            (
                "h",
                spec("file:///srv/Git/runtime", "dev", EveryBuild, true),
            ),
        ];
        let pairs = || subscriptions.iter().map(|(n, s)| (*n, s));
        let readers = Readers::new(pairs());
        for b in [
            build("https://github.com/contoso/runtime/", &["dev"]),
            build("https://github.com/contoso/runtime", &["dev", "release"]),
            build("https://github.com/contoso/runtime", &[]),
            build("https://github.com/contoso/sdk", &["dev", "release"]),
            build("not a url", &["dev"]),
            build("file:///srv/git/runtime", &["dev"]),
            build("file:///srv/Git/runtime", &["dev"]),
        ] {
            assert_eq!(readers.of(&b), concerned_by(&b, pairs()), "{b:?}");
            assert_eq!(readers.fired_by(&b), fired_by(&b, pairs()), "{b:?}");
        }
        let both = build("https://github.com/contoso/runtime", &["dev", "release"]);
        assert_eq!(readers.of(&both), vec!["a", "b", "c", "d", "e"]);
        assert_eq!(readers.fired_by(&both), vec!["a", "b", "c"]);
    }
}
