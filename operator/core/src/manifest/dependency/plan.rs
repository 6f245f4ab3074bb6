//! Planning a build against the declared dependencies: which dependency each asset
//! moves, and why the others move none.

use super::{
    Asset, BuildUpdate, Dependency, DependencyRef, DependencyUpdate, NameHashes, same_name,
};

/// Dependencies by name, compared as [`same_name`] does: built once per manifest,
/// without a string per dependency.
#[derive(Debug, Clone)]
pub struct NameIndex<'d> {
    deps: &'d [DependencyRef<'d>],
    hashes: NameHashes,
}

impl<'d> NameIndex<'d> {
    /// Indexes `deps`.
    pub fn new(deps: &'d [DependencyRef<'d>]) -> Self {
        let hashes = NameHashes::new(deps.iter().map(|d| d.name));
        NameIndex { deps, hashes }
    }

    /// The indices of every dependency named `name`, in document order.
    pub fn find<'s>(&'s self, name: &'s str) -> impl Iterator<Item = usize> + 's {
        self.hashes
            .candidates(name)
            .filter(move |i| same_name(self.deps[*i].name, name))
    }
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

/// The first dependency of `asset`'s name, which it moves, or why it moves none.
fn unmoved(
    deps: &[DependencyRef<'_>],
    names: &NameIndex<'_>,
    build: &BuildUpdate,
    asset: &Asset,
) -> Result<usize, Unmoved> {
    let Some(index) = names.find(&asset.name).next() else {
        return Err(Unmoved::NoDependency);
    };
    let dep = &deps[index];
    if let Some(parent) = dep.coherent_parent.filter(|p| !p.is_empty()) {
        if !build.assets.iter().any(|a| a.name == parent)
            && !build.coherent_parents.iter().any(|p| same_name(p, parent))
        {
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
            version: dep.version.to_string(),
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
    let views: Vec<DependencyRef<'_>> = deps.iter().map(Dependency::view).collect();
    let names = NameIndex::new(&views);
    build
        .assets
        .iter()
        .filter_map(|asset| {
            unmoved(&views, &names, build, asset)
                .err()
                .map(|why| (asset, why))
        })
        .collect()
}

/// The updates a build causes to `deps`: for each asset the first dependency of that
/// name, unless pinned, coherent with a parent the build does not carry, or already
/// at the build's version, commit and repository. Returns `(index, update)` pairs.
pub fn plan_updates(deps: &[Dependency], build: &BuildUpdate) -> Vec<(usize, DependencyUpdate)> {
    let views: Vec<DependencyRef<'_>> = deps.iter().map(Dependency::view).collect();
    plan_updates_indexed(&NameIndex::new(&views), build)
}

/// [`plan_updates`] over borrowed dependencies, indexed already.
pub fn plan_updates_indexed(
    names: &NameIndex<'_>,
    build: &BuildUpdate,
) -> Vec<(usize, DependencyUpdate)> {
    let deps = names.deps;
    let mut out: Vec<(usize, DependencyUpdate)> = Vec::new();
    for asset in &build.assets {
        let Ok(index) = unmoved(deps, names, build, asset) else {
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
                from_version: dep.version.to_string(),
                to_version: asset.version.clone(),
                from_commit: dep.commit.to_string(),
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
    fn the_name_index_compares_as_same_name_does() {
        let deps: Vec<Dependency> = ["Foo.Bar", "Other", "foo.bar", "Ärger.X", "FOO.BAR ", "ΟΔΟΣ"]
            .iter()
            .map(|n| Dependency::new(n, "1", "u", "c"))
            .collect();
        let views: Vec<DependencyRef<'_>> = deps.iter().map(Dependency::view).collect();
        let index = NameIndex::new(&views);
        let cases: [(&str, &[usize]); 6] = [
            ("FOO.bar", &[0, 2]),
            ("οδος", &[5]),
            ("other", &[1]),
            ("äRGER.x", &[3]),
            ("Foo.Bar ", &[4]),
            ("missing", &[]),
        ];
        for (name, want) in cases {
            assert_eq!(index.find(name).collect::<Vec<_>>(), want, "{name}");
        }
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
