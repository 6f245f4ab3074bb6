//! The dependency record every manifest format reads into, and the build that
//! updates it.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::pos::Pos;

/// Whether a dependency ships in the product or is only used to build it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum DependencyKind {
    /// Part of what the repository ships.
    #[default]
    Product,
    /// Used only to build (SDKs, build tasks).
    Toolset,
}

impl fmt::Display for DependencyKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            DependencyKind::Product => "product",
            DependencyKind::Toolset => "toolset",
        })
    }
}

/// Source-build metadata of a dependency (`<SourceBuild RepoName ...>`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SourceBuild {
    /// The source-build repository name.
    pub repo_name: String,
    /// Built only in managed-only configurations.
    pub managed_only: bool,
    /// Built only from the source tarball.
    pub tarball_only: bool,
}

/// One entry of a repository's dependency manifest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Dependency {
    /// Asset name (matched case-insensitively).
    pub name: String,
    /// The version the repository currently uses.
    pub version: String,
    /// URI of the repository that produces it.
    pub repository: String,
    /// Commit of that repository the version was built from.
    pub commit: String,
    /// Product or toolset.
    pub kind: DependencyKind,
    /// Name of the dependency this one must stay coherent with.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub coherent_parent: Option<String>,
    /// Pinned dependencies are never updated by a build.
    pub pinned: bool,
    /// No version property is generated for it.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub skip_property: bool,
    /// Source-build metadata.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_build: Option<SourceBuild>,
    /// Where the entry is declared.
    #[serde(skip)]
    pub pos: Pos,
}

impl Dependency {
    /// A dependency with the given identity and no flags.
    pub fn new(name: &str, version: &str, repository: &str, commit: &str) -> Self {
        Dependency {
            name: name.to_string(),
            version: version.to_string(),
            repository: repository.to_string(),
            commit: commit.to_string(),
            kind: DependencyKind::Product,
            coherent_parent: None,
            pinned: false,
            skip_property: false,
            source_build: None,
            pos: Pos::default(),
        }
    }
}

/// One asset of a build: a name, a version and where it was published.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Asset {
    /// Asset name.
    pub name: String,
    /// Asset version.
    pub version: String,
    /// Feed or registry URLs the asset was published to.
    pub locations: Vec<String>,
}

/// A build of a source repository to apply to a target's manifests.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct BuildUpdate {
    /// URI of the source repository.
    pub source_repo: String,
    /// Commit the build was made from.
    pub commit: String,
    /// The assets it produced.
    pub assets: Vec<Asset>,
    /// The source repository's own global.json at that commit, when known.
    pub source_global_json: Option<Vec<u8>>,
}

/// One dependency moving from one version to another.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DependencyUpdate {
    /// Name after the update (case-corrected to the asset's).
    pub name: String,
    /// Version before.
    pub from_version: String,
    /// Version after.
    pub to_version: String,
    /// Commit before.
    pub from_commit: String,
    /// Commit after.
    pub to_commit: String,
    /// Repository URI after.
    pub repository: String,
}

/// Whether `a` and `b` name the same asset (ASCII case-insensitive, as the
/// established tooling compares).
pub fn same_name(a: &str, b: &str) -> bool {
    if a.eq_ignore_ascii_case(b) {
        return true;
    }
    !(a.is_ascii() && b.is_ascii()) && a.to_lowercase() == b.to_lowercase()
}

/// Dependencies by lowercased name: the indices of every dependency of that name.
pub fn name_index(deps: &[Dependency]) -> std::collections::HashMap<String, Vec<usize>> {
    let mut map: std::collections::HashMap<String, Vec<usize>> =
        std::collections::HashMap::with_capacity(deps.len());
    for (i, d) in deps.iter().enumerate() {
        map.entry(d.name.to_lowercase()).or_default().push(i);
    }
    map
}

/// Why an asset of a build moves no dependency.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unmoved {
    /// No dependency has the asset's name.
    NoDependency,
    /// The dependency is pinned.
    Pinned {
        /// Its version.
        version: String,
    },
    /// The dependency follows a coherent parent the build does not carry.
    ParentNotInBuild {
        /// The parent.
        parent: String,
    },
    /// The dependency follows a coherent parent that is pinned.
    ParentPinned {
        /// The parent.
        parent: String,
    },
    /// The dependency is at the build's version, commit and repository already.
    Current,
}

impl Unmoved {
    /// One sentence about `asset` for a person.
    pub fn describe(&self, asset: &Asset) -> String {
        let name = &asset.name;
        match self {
            Unmoved::NoDependency => format!("{name}: no dependency matches"),
            Unmoved::Pinned { version } => {
                format!("{name}: pinned at {version}; not updated")
            }
            Unmoved::ParentNotInBuild { parent } => format!(
                "{name}: follows coherent parent {parent}, which the build does not carry; not updated"
            ),
            Unmoved::ParentPinned { parent } => {
                format!("{name}: follows coherent parent {parent}, which is pinned; not updated")
            }
            Unmoved::Current => format!("{name}: already at {}", asset.version),
        }
    }
}

/// Why `asset` moves the first dependency of its name, or `None` when it does.
fn unmoved(
    deps: &[Dependency],
    names: &std::collections::HashMap<String, Vec<usize>>,
    build: &BuildUpdate,
    asset: &Asset,
) -> Result<usize, Unmoved> {
    let Some(&index) = names
        .get(&asset.name.to_lowercase())
        .and_then(|v| v.first())
    else {
        return Err(Unmoved::NoDependency);
    };
    let dep = &deps[index];
    if let Some(parent) = dep.coherent_parent.as_deref().filter(|p| !p.is_empty()) {
        if !build.assets.iter().any(|a| a.name == parent) {
            return Err(Unmoved::ParentNotInBuild {
                parent: parent.to_string(),
            });
        }
        if deps.iter().any(|d| d.name == parent && d.pinned) {
            return Err(Unmoved::ParentPinned {
                parent: parent.to_string(),
            });
        }
    }
    if dep.pinned {
        return Err(Unmoved::Pinned {
            version: dep.version.clone(),
        });
    }
    if dep.name == asset.name
        && dep.version == asset.version
        && dep.commit == build.commit
        && dep.repository == build.source_repo
    {
        return Err(Unmoved::Current);
    }
    Ok(index)
}

/// Every asset of `build` that moves no dependency, with the reason; the complement of
/// [`plan_updates`] (an asset named twice moves its dependency once and is not listed).
pub fn unmoved_assets<'a>(
    deps: &[Dependency],
    build: &'a BuildUpdate,
) -> Vec<(&'a Asset, Unmoved)> {
    let names = name_index(deps);
    build
        .assets
        .iter()
        .filter_map(|asset| {
            unmoved(deps, &names, build, asset)
                .err()
                .map(|why| (asset, why))
        })
        .collect()
}

/// The updates a build causes to `deps`: for each asset the first dependency of that
/// name, unless pinned, coherent with a parent the build does not carry, or already
/// at the build's version, commit and repository. Returns `(index, update)` pairs.
pub fn plan_updates(deps: &[Dependency], build: &BuildUpdate) -> Vec<(usize, DependencyUpdate)> {
    let mut out: Vec<(usize, DependencyUpdate)> = Vec::new();
    let names = name_index(deps);
    for asset in &build.assets {
        let Ok(index) = unmoved(deps, &names, build, asset) else {
            continue;
        };
        if out.iter().any(|(i, _)| *i == index) {
            continue;
        }
        let dep = &deps[index];
        out.push((
            index,
            DependencyUpdate {
                name: asset.name.clone(),
                from_version: dep.version.clone(),
                to_version: asset.version.clone(),
                from_commit: dep.commit.clone(),
                to_commit: build.commit.clone(),
                repository: build.source_repo.clone(),
            },
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    type Case<'a> = (&'a [(&'a str, &'a str)], &'a [&'a str]);

    fn build(assets: &[(&str, &str)]) -> BuildUpdate {
        crate::manifest::fixture::build("https://example.com/a", "c2", assets)
    }

    #[test]
    fn plans_follow_the_matching_rules() {
        let mut pinned = Dependency::new("P", "1", "https://example.com/a", "c1");
        pinned.pinned = true;
        let mut child = Dependency::new("Child", "1", "https://example.com/a", "c1");
        child.coherent_parent = Some("Parent".into());
        let deps = vec![
            Dependency::new("Foo.Bar", "1", "https://example.com/a", "c1"),
            pinned,
            child,
            Dependency::new("Same", "2", "https://example.com/a", "c2"),
        ];
        let cases: [Case; 5] = [
            (&[("foo.bar", "2")], &["foo.bar"]),
            (&[("P", "2")], &[]),
            (&[("Child", "2")], &[]),
            (&[("Child", "2"), ("Parent", "2")], &["Child"]),
            (&[("Same", "2"), ("Other", "1")], &[]),
        ];
        for (assets, want) in cases {
            let got: Vec<String> = plan_updates(&deps, &build(assets))
                .into_iter()
                .map(|(_, u)| u.name)
                .collect();
            assert_eq!(got, want, "{assets:?}");
        }
    }

    #[test]
    fn every_unmoved_asset_says_why() {
        let mut pinned = Dependency::new("P", "1", "https://example.com/a", "c1");
        pinned.pinned = true;
        let mut child = Dependency::new("Child", "1", "https://example.com/a", "c1");
        child.coherent_parent = Some("Parent".into());
        let mut pinned_parent = Dependency::new("PP", "1", "https://example.com/a", "c1");
        pinned_parent.pinned = true;
        let mut child_of_pinned = Dependency::new("Kid", "1", "https://example.com/a", "c1");
        child_of_pinned.coherent_parent = Some("PP".into());
        let deps = vec![
            Dependency::new("Foo", "1", "https://example.com/a", "c1"),
            pinned,
            child,
            Dependency::new("Same", "2", "https://example.com/a", "c2"),
            pinned_parent,
            child_of_pinned,
        ];
        let b = build(&[
            ("Foo", "2"),
            ("p", "2"),
            ("Child", "2"),
            ("Same", "2"),
            ("Kid", "2"),
            ("PP", "2"),
            ("Nobody", "1"),
        ]);
        let got: Vec<String> = unmoved_assets(&deps, &b)
            .iter()
            .map(|(a, why)| why.describe(a))
            .collect();
        assert_eq!(
            got,
            [
                "p: pinned at 1; not updated",
                "Child: follows coherent parent Parent, which the build does not carry; not updated",
                "Same: already at 2",
                "Kid: follows coherent parent PP, which is pinned; not updated",
                "PP: pinned at 1; not updated",
                "Nobody: no dependency matches",
            ]
        );
        assert_eq!(plan_updates(&deps, &b).len(), 1, "only Foo moves");
    }
}
