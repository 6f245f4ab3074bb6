//! Coherent parents in updates. A dependency with `CoherentParentDependency="P"` takes
//! the version that P's own repository, at the commit of P's version, references for it.
//! When an update moves P, its coherent children move along in the same commit; when P's
//! manifest does not carry a child, or cannot be read, the update records a coherency
//! failure, which the `ValidateCoherency` merge policy reports.
//!
//! The manifests of moved parents are read by the engine before planning: P moves to the
//! build's repository and commit, so [`parent_reads`] names what to read from the key's
//! builds and target files alone.

use std::fmt;

use crate::graph::{ManifestRead, Manifests, RepoAt};
use crate::manifest::dependency::same_name;
use crate::manifest::{self, Asset, BuildUpdate, DependencyUpdate, ManifestError, ManifestFiles};

use super::render::{directory_view, normalize_directory};
use super::types::KeyInput;

/// A coherent child that cannot follow its parent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CoherencyFailure {
    /// The child dependency.
    pub dependency: String,
    /// Its coherent parent.
    pub parent: String,
    /// The parent's repository.
    pub repository: String,
    /// The commit of the parent's new version.
    pub commit: String,
    /// What is wrong: the parent's manifest lacks the child, or cannot be read.
    pub problem: String,
}

impl fmt::Display for CoherencyFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} follows {}, but {} at {} {}",
            self.dependency, self.parent, self.repository, self.commit, self.problem
        )
    }
}

/// What following coherent parents found for one update.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CoherencyReport {
    /// Children that could not follow their parent.
    pub failures: Vec<CoherencyFailure>,
    /// Children whose moved parent's manifest was not read (the engine had not observed
    /// it): their coherency is unknown.
    pub unchecked: Vec<String>,
}

impl CoherencyReport {
    /// Adds `other`'s findings.
    pub fn extend(&mut self, other: CoherencyReport) {
        self.failures.extend(other.failures);
        self.unchecked.extend(other.unchecked);
    }
}

/// The parent manifests the key's update needs: for each build, when a target manifest
/// declares a dependency whose coherent parent is one of the build's assets, the build's
/// repository at its commit.
pub fn parent_reads(input: &KeyInput) -> Vec<RepoAt> {
    let mut out: Vec<RepoAt> = Vec::new();
    // Without builds no parent moves, and without manifests nothing follows one: a
    // settled key (the common case) parses nothing here.
    if input.builds.is_empty() || input.target.files.is_empty() {
        return out;
    }
    for sub in &input.subscriptions {
        let mut directories: Vec<String> = sub
            .spec
            .target
            .directories
            .iter()
            .map(|d| normalize_directory(d))
            .collect();
        if directories.is_empty() {
            directories.push(String::new());
        }
        let parents: Vec<String> = directories
            .iter()
            .filter_map(|d| manifest::list(&directory_view(&input.target.files, d)).ok())
            .flatten()
            .filter_map(|d| d.coherent_parent.filter(|p| !p.is_empty()))
            .collect();
        if parents.is_empty() {
            continue;
        }
        for build in input.builds.values() {
            let carries = build
                .assets
                .iter()
                .any(|a| parents.iter().any(|p| same_name(p, &a.name)));
            let at = RepoAt::new(build.repository.as_str(), build.commit.as_str());
            if carries && !out.contains(&at) {
                out.push(at);
            }
        }
    }
    out
}

/// The coherent children of the parents `moved` (this update's dependency updates) in
/// one directory's `files` (relative paths, already updated), moved to what each
/// parent's manifest in `parents` references: the changed files, the children's updates,
/// and what could not be followed.
pub fn follow_parents(
    files: &ManifestFiles,
    moved: &[DependencyUpdate],
    parents: &Manifests,
) -> Result<(ManifestFiles, Vec<DependencyUpdate>, CoherencyReport), ManifestError> {
    let mut working = files.clone();
    let mut updates = Vec::new();
    let mut report = CoherencyReport::default();
    for child in manifest::list(files)? {
        let Some(parent) = child.coherent_parent.as_deref().filter(|p| !p.is_empty()) else {
            continue;
        };
        let Some(up) = moved.iter().find(|u| same_name(&u.name, parent)) else {
            continue;
        };
        let fail = |problem: String| CoherencyFailure {
            dependency: child.name.clone(),
            parent: parent.to_owned(),
            repository: up.repository.clone(),
            commit: up.to_commit.clone(),
            problem,
        };
        let deps = match parents.get(&RepoAt::new(up.repository.as_str(), up.to_commit.as_str())) {
            None => {
                report.unchecked.push(child.name.clone());
                continue;
            }
            Some(ManifestRead::Unreadable(reason)) => {
                report
                    .failures
                    .push(fail(format!("cannot be read: {reason}")));
                continue;
            }
            Some(ManifestRead::Dependencies(deps)) => deps,
        };
        let Some(wanted) = deps.iter().find(|d| same_name(&d.name, &child.name)) else {
            report.failures.push(fail(format!(
                "does not reference it in {}",
                manifest::paths::VERSION_DETAILS_XML
            )));
            continue;
        };
        let build = BuildUpdate {
            source_repo: wanted.repository.clone(),
            commit: wanted.commit.clone(),
            assets: vec![Asset {
                name: child.name.clone(),
                version: wanted.version.clone(),
                locations: Vec::new(),
            }],
            source_global_json: None,
            coherent_parents: vec![parent.to_owned()],
        };
        let changes = manifest::update(&working, &build)?;
        working.extend(changes.files);
        updates.extend(changes.updates);
    }
    let changed = working
        .into_iter()
        .filter(|(path, bytes)| files.get(path) != Some(bytes))
        .collect();
    Ok((changed, updates, report))
}

#[cfg(test)]
#[path = "coherency_tests.rs"]
mod tests;
