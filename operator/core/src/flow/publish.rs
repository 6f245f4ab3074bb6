//! Publishing a build: when a repeat publication is the same build, and what to warn
//! about a build that will flow nowhere.

use crate::model::{DefaultChannelSpec, SubscriptionSpec};
use crate::time::parse_rfc3339;

use super::keys::repository_identity;
use super::types::BuildInfo;

/// A repeat publication (same repository, commit and build number) that differs from the
/// stored build.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "build {number} of {repository} at {commit} is already published as build {id} with another {field} ({stored} there, {repeat} now); a repeat must match it"
)]
pub struct RepeatConflict {
    /// The stored build's id.
    pub id: i64,
    /// The build number.
    pub number: String,
    /// The repository.
    pub repository: String,
    /// The commit.
    pub commit: String,
    /// The differing field, as the API spells it.
    pub field: &'static str,
    /// The stored value.
    pub stored: String,
    /// The repeat's value.
    pub repeat: String,
}

/// Whether `repeat` (a publication with the repository, commit and build number of
/// `stored`) is the same build: same branch, same assets (in any order), the same
/// production time when it names one (an empty `producedAt` means "not given"), and
/// explicit channels the stored build is on already.
pub fn same_build(stored: &BuildInfo, repeat: &BuildInfo) -> Result<(), Box<RepeatConflict>> {
    let conflict = |field: &'static str, stored_value: String, repeat_value: String| {
        Err(Box::new(RepeatConflict {
            id: stored.id,
            number: stored.build_number.clone(),
            repository: stored.repository.clone(),
            commit: stored.commit.clone(),
            field,
            stored: stored_value,
            repeat: repeat_value,
        }))
    };
    if stored.branch != repeat.branch {
        return conflict("branch", stored.branch.clone(), repeat.branch.clone());
    }
    if !repeat.produced_at.is_empty()
        && parse_rfc3339(&stored.produced_at) != parse_rfc3339(&repeat.produced_at)
    {
        return conflict(
            "producedAt",
            stored.produced_at.clone(),
            repeat.produced_at.clone(),
        );
    }
    let sorted = |build: &BuildInfo| {
        let mut assets = build.assets.clone();
        assets.sort_by(|a, b| (&a.name, &a.version).cmp(&(&b.name, &b.version)));
        assets
    };
    let (stored_assets, repeat_assets) = (sorted(stored), sorted(repeat));
    if stored_assets != repeat_assets {
        let list = |assets: &[crate::model::Asset]| {
            let names: Vec<String> = assets
                .iter()
                .map(|a| format!("{}={}", a.name, a.version))
                .collect();
            format!("[{}]", names.join(", "))
        };
        return conflict("assets", list(&stored_assets), list(&repeat_assets));
    }
    let missing: Vec<&str> = repeat
        .channels
        .iter()
        .filter(|c| !stored.channels.contains(c))
        .map(String::as_str)
        .collect();
    if !missing.is_empty() {
        return conflict(
            "channels",
            stored.channels.join(", "),
            format!(
                "{} (assign it with `sluice build add-to-channel {} CHANNEL`)",
                repeat.channels.join(", "),
                stored.id
            ),
        );
    }
    Ok(())
}

/// Warnings about a build that lands nowhere: no subscription takes builds of its
/// repository and no default channel names it, or it is on no channel at all.
pub fn publish_warnings(
    build: &BuildInfo,
    default_channels: &[(String, DefaultChannelSpec)],
    subscriptions: &[&SubscriptionSpec],
) -> Vec<String> {
    let identity = repository_identity(&build.repository);
    let subscribed = subscriptions
        .iter()
        .any(|s| repository_identity(&s.source.repository) == identity);
    let defaulted = default_channels
        .iter()
        .any(|(_, d)| repository_identity(&d.repository) == identity);
    let mut warnings = Vec::new();
    if !subscribed && !defaulted {
        warnings.push(format!(
            "no subscription takes builds of {} and no default channel names it: the build is stored but flows nowhere",
            build.repository
        ));
    } else if build.channels.is_empty() {
        warnings.push(format!(
            "build of {} branch {} is on no channel (no --channel given, no default channel matches the branch): no subscription will apply it",
            build.repository, build.branch
        ));
    }
    warnings
}

/// Channels a build names that the configuration does not declare.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown channel `{}` (declared channels: {})", unknown.join("`, `"), declared.join(", "))]
pub struct UnknownChannels {
    /// The undeclared channels, as named.
    pub unknown: Vec<String>,
    /// The declared channels.
    pub declared: Vec<String>,
}

/// The channels a published build goes to: its explicit `channels`, every one of which must
/// be `declared`, then the `defaults` of its branch that are not among them already.
pub fn channels_for(
    channels: &[String],
    declared: &[String],
    defaults: &[String],
) -> Result<Vec<String>, UnknownChannels> {
    let unknown: Vec<String> = channels
        .iter()
        .filter(|c| !declared.contains(c))
        .cloned()
        .collect();
    if !unknown.is_empty() {
        return Err(UnknownChannels {
            unknown,
            declared: declared.to_vec(),
        });
    }
    let mut all = channels.to_vec();
    for c in defaults {
        if !all.contains(c) {
            all.push(c.clone());
        }
    }
    Ok(all)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Asset, SubscriptionSource, SubscriptionTarget, UpdateFrequency};

    const RT: &str = "https://github.com/contoso/runtime";

    fn build(
        branch: &str,
        produced: &str,
        assets: &[(&str, &str)],
        channels: &[&str],
    ) -> BuildInfo {
        BuildInfo {
            id: 4,
            repository: RT.into(),
            branch: branch.into(),
            commit: "ab".repeat(20),
            build_number: "20261101.3".into(),
            produced_at: produced.into(),
            assets: assets
                .iter()
                .map(|(n, v)| Asset {
                    name: n.to_string(),
                    version: v.to_string(),
                    non_shipping: false,
                    locations: vec![],
                })
                .collect(),
            channels: channels.iter().map(|c| c.to_string()).collect(),
        }
    }

    #[test]
    fn a_repeat_is_the_same_build_unless_a_field_differs() {
        let t = "2026-11-01T10:00:00Z";
        let stored = build("main", t, &[("A", "1"), ("B", "2")], &["dev", "release"]);
        let table: [(BuildInfo, Option<&str>); 8] = [
            (build("main", t, &[("A", "1"), ("B", "2")], &["dev"]), None),
            (build("main", "", &[("B", "2"), ("A", "1")], &[]), None),
            (
                build(
                    "main",
                    "2026-11-01T10:00:00+00:00",
                    &[("A", "1"), ("B", "2")],
                    &[],
                ),
                None,
            ),
            (
                build("release", t, &[("A", "1"), ("B", "2")], &[]),
                Some("branch"),
            ),
            (
                build(
                    "main",
                    "2026-11-01T10:00:01Z",
                    &[("A", "1"), ("B", "2")],
                    &[],
                ),
                Some("producedAt"),
            ),
            (build("main", t, &[("A", "1")], &[]), Some("assets")),
            (
                build("main", t, &[("A", "1"), ("B", "3")], &[]),
                Some("assets"),
            ),
            (
                build("main", t, &[("A", "1"), ("B", "2")], &["preview"]),
                Some("channels"),
            ),
        ];
        for (repeat, field) in table {
            let got = same_build(&stored, &repeat);
            assert_eq!(got.as_ref().err().map(|c| c.field), field, "{repeat:?}");
        }
        let message = same_build(&stored, &build("main", t, &[("A", "1")], &[]))
            .unwrap_err()
            .to_string();
        assert!(
            message.contains(
                "already published as build 4 with another assets ([A=1, B=2] there, [A=1] now)"
            ),
            "{message}"
        );
    }

    #[test]
    fn warns_when_a_build_lands_nowhere() {
        let subscription = SubscriptionSpec {
            source: SubscriptionSource {
                repository: "https://GitHub.com/Contoso/Runtime.git".into(),
                channel: "dev".into(),
                visibility: None,
                public_repository: None,
            },
            target: SubscriptionTarget {
                repository: "https://github.com/contoso/sdk".into(),
                branch: "main".into(),
                directories: vec![".".into()],
                visibility: None,
            },
            update_frequency: UpdateFrequency::EveryBuild,
            batchable: false,
            excluded_assets: vec![],
            merge_policies: vec![],
            failure_notification_tags: vec![],
            enabled: true,
            source_enabled: false,
            source_directory: None,
            target_directory: None,
        };
        let default = (
            "rt".to_string(),
            DefaultChannelSpec {
                repository: RT.into(),
                branch: Some("main".into()),
                branch_pattern: None,
                channel: "dev".into(),
                enabled: true,
            },
        );
        let on_dev = build("main", "", &[], &["dev"]);
        let nowhere = build("feature", "", &[], &[]);
        type Case<'a> = (
            &'a BuildInfo,
            &'a [(String, DefaultChannelSpec)],
            &'a [&'a SubscriptionSpec],
            Option<&'a str>,
        );
        let cases: [Case<'_>; 5] = [
            (&on_dev, &[], &[&subscription], None),
            (&on_dev, std::slice::from_ref(&default), &[], None),
            (&on_dev, &[], &[], Some("no subscription takes builds of")),
            (&nowhere, &[], &[&subscription], Some("is on no channel")),
            (&nowhere, &[], &[], Some("flows nowhere")),
        ];
        for (build, defaults, subscriptions, warning) in cases {
            let got = publish_warnings(build, defaults, subscriptions);
            match warning {
                None => assert!(got.is_empty(), "{got:?}"),
                Some(text) => assert!(got.len() == 1 && got[0].contains(text), "{got:?}"),
            }
        }
    }

    #[test]
    fn channels_are_the_declared_explicit_ones_then_the_defaults() {
        let names = |list: &[&str]| list.iter().map(|c| c.to_string()).collect::<Vec<_>>();
        let declared = names(&["dev", "release", "tools"]);
        // (explicit, defaults, channels or the unknown ones)
        type Row<'a> = (
            &'a [&'a str],
            &'a [&'a str],
            Result<&'a [&'a str], &'a [&'a str]>,
        );
        let table: [Row<'_>; 5] = [
            (&[], &[], Ok(&[])),
            (&["dev"], &["tools"], Ok(&["dev", "tools"])),
            (
                &["release", "dev"],
                &["dev", "tools"],
                Ok(&["release", "dev", "tools"]),
            ),
            (&[], &["tools"], Ok(&["tools"])),
            (&["nightly", "dev", "x"], &["tools"], Err(&["nightly", "x"])),
        ];
        for (explicit, defaults, expected) in table {
            let got = channels_for(&names(explicit), &declared, &names(defaults));
            match expected {
                Ok(channels) => assert_eq!(got, Ok(names(channels)), "{explicit:?}"),
                Err(unknown) => assert_eq!(got.map_err(|e| e.unknown), Err(names(unknown))),
            }
        }
        let refused = channels_for(&names(&["nightly"]), &declared, &[]).unwrap_err();
        assert_eq!(
            refused.to_string(),
            "unknown channel `nightly` (declared channels: dev, release, tools)"
        );
    }
}
