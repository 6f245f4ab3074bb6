//! Gather-drop: what to download for a product graph, pure. For each node (a repository
//! at a commit) the adapter finds its build in the build registry; [`plan`] decides, from
//! the nodes and their builds, every file to fetch, where from and where to write it:
//! `<repository>/<build>/<asset>` under the output directory.
//!
//! Asset names, build numbers and locations come from the registry, which takes them
//! from CI: they are untrusted. Every path segment is checked ([`safe_segment`],
//! [`asset_path`]), so nothing is written outside the output directory (no `..`, no
//! absolute path, no drive or backslash), and only `http`/`https` locations are fetched.
//!
//! Where an asset is fetched from, by its location's type:
//! - `blob`: the location is the base address of a container; the file is the asset
//!   name below it (`<location>/<asset name>`), written under its own name;
//! - `nugetFeed`: the location is the feed's service index (`.../index.json`); the package
//!   is `<id>.<version>.nupkg` at the feed's package base address
//!   ([`package_base_address`], [`nuget_package_url`]);
//! - `container`: an image, not a file: listed as skipped with the reference to pull.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::flow::BuildInfo;
use crate::model::{Asset, LocationType};
use crate::validate;

use super::product::{ProductGraph, display_name, repository_identity};

/// Where one file can be fetched from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase", tag = "kind")]
pub enum Source {
    /// A plain URL.
    Url {
        /// The URL.
        url: String,
    },
    /// A package of a NuGet v3 feed.
    NugetPackage {
        /// The feed's service index.
        feed: String,
        /// The package id.
        id: String,
        /// The package version.
        version: String,
    },
}

/// One file to fetch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DropFile {
    /// The asset.
    pub asset: String,
    /// Its version.
    pub version: String,
    /// Where to write it, relative to the output directory, `/`-separated, every
    /// segment checked by [`safe_segment`].
    pub path: String,
    /// Where it can be fetched from, in the order to try.
    pub sources: Vec<Source>,
}

/// An asset that is not fetched, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Skipped {
    /// The asset.
    pub asset: String,
    /// Its version.
    pub version: String,
    /// Why: a container image (with the reference to pull), no location, an unsafe
    /// name or location.
    pub reason: String,
}

/// The build found for a node.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DropBuild {
    /// The registry's id of the build.
    pub id: i64,
    /// Its CI build number.
    pub number: String,
    /// Its directory, relative to the output directory (`<repository>/<build>`).
    pub directory: String,
}

/// One node of the graph and what is gathered for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DropNode {
    /// The repository.
    pub repository: String,
    /// The commit.
    pub commit: String,
    /// Its build; `None` when the registry has none for this repository and commit.
    pub build: Option<DropBuild>,
    /// Files to fetch.
    pub files: Vec<DropFile>,
    /// Assets not fetched.
    pub skipped: Vec<Skipped>,
}

/// What to gather for a graph.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DropPlan {
    /// Every node, in the graph's order.
    pub nodes: Vec<DropNode>,
}

impl DropPlan {
    /// The nodes without a registered build.
    pub fn missing(&self) -> impl Iterator<Item = &DropNode> {
        self.nodes.iter().filter(|n| n.build.is_none())
    }

    /// Every file to fetch.
    pub fn files(&self) -> impl Iterator<Item = &DropFile> {
        self.nodes.iter().flat_map(|n| n.files.iter())
    }
}

/// `text` as one path segment, or why it cannot be one: not empty, not `.` or `..`, at
/// most 255 bytes, only letters, digits and `.` `-` `_` `+`.
pub fn safe_segment(text: &str) -> Result<&str, String> {
    if text.is_empty() || text == "." || text == ".." {
        return Err(format!("{} is not a file name", validate::quote(text)));
    }
    if text.len() > 255 {
        return Err(format!(
            "{}... is longer than 255 bytes",
            text.get(..32).unwrap_or("")
        ));
    }
    match text
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | '+')))
    {
        Some(c) => Err(format!(
            "{} has {c:?}; a file name has only letters, digits and . - _ +",
            validate::quote(text)
        )),
        None => Ok(text),
    }
}

/// An asset name as a relative path: `/`-separated segments, each a [`safe_segment`], so
/// no absolute path, drive, backslash or `..` can leave the build's directory.
pub fn asset_path(name: &str) -> Result<String, String> {
    let segments: Result<Vec<&str>, String> = name.split('/').map(safe_segment).collect();
    segments
        .map(|s| s.join("/"))
        .map_err(|e| format!("asset name {}: {e}", validate::quote(name)))
}

/// Whether `location` may be fetched: an `http` or `https` URL without whitespace,
/// control characters or credentials.
fn fetchable(location: &str) -> Result<(), String> {
    let lower = location.to_ascii_lowercase();
    if !(lower.starts_with("https://") || lower.starts_with("http://")) {
        return Err(format!(
            "location {} is not an http(s) URL",
            validate::quote(location)
        ));
    }
    validate::location(location).map_err(|e| e.to_string())
}

/// Percent-encodes what a URL path segment cannot carry as it is.
fn encode_segment(segment: &str) -> String {
    segment
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The URL of package `id` at `version` below a feed's package base address (NuGet's
/// flat container: lower-case id and version).
pub fn nuget_package_url(base: &str, id: &str, version: &str) -> String {
    let (id, version) = (id.to_ascii_lowercase(), version.to_ascii_lowercase());
    format!(
        "{}/{}/{}/{}.{}.nupkg",
        base.trim_end_matches('/'),
        encode_segment(&id),
        encode_segment(&version),
        encode_segment(&id),
        encode_segment(&version)
    )
}

/// The package base address (`PackageBaseAddress/3.0.0`) a NuGet v3 service index
/// declares, checked to be fetchable.
pub fn package_base_address(index_json: &[u8]) -> Result<String, String> {
    let index: serde_json::Value = serde_json::from_slice(index_json)
        .map_err(|e| format!("the service index is not JSON: {e}"))?;
    let resources = index
        .get("resources")
        .and_then(|r| r.as_array())
        .ok_or("the service index has no resources")?;
    let base = resources
        .iter()
        .find(|r| {
            r.get("@type")
                .and_then(|t| t.as_str())
                .is_some_and(|t| t.starts_with("PackageBaseAddress/3.0.0"))
        })
        .and_then(|r| r.get("@id"))
        .and_then(|id| id.as_str())
        .ok_or("the service index declares no PackageBaseAddress/3.0.0")?;
    fetchable(base)?;
    Ok(base.to_owned())
}

/// The file to fetch for `asset`, or why it is skipped.
fn file_for(asset: &Asset, directory: &str) -> Result<DropFile, String> {
    validate::version(&asset.version).map_err(|e| e.to_string())?;
    let mut sources = Vec::new();
    let mut path = None;
    let mut refused = Vec::new();
    let mut images = Vec::new();
    for location in &asset.locations {
        if location.type_ == LocationType::Container {
            images.push(format!("{}:{}", location.location, asset.version));
            continue;
        }
        if let Err(e) = fetchable(&location.location) {
            refused.push(e);
            continue;
        }
        let (source, file) = match location.type_ {
            LocationType::Blob => (
                Source::Url {
                    url: format!(
                        "{}/{}",
                        location.location.trim_end_matches('/'),
                        asset
                            .name
                            .split('/')
                            .map(encode_segment)
                            .collect::<Vec<_>>()
                            .join("/")
                    ),
                },
                asset_path(&asset.name)?,
            ),
            LocationType::NugetFeed => {
                let file = format!(
                    "{}.{}.nupkg",
                    asset.name.to_ascii_lowercase(),
                    asset.version.to_ascii_lowercase()
                );
                safe_segment(&file).map_err(|e| format!("package file name: {e}"))?;
                (
                    Source::NugetPackage {
                        feed: location.location.clone(),
                        id: asset.name.clone(),
                        version: asset.version.clone(),
                    },
                    file,
                )
            }
            LocationType::Container => continue,
        };
        // A package and a blob of one asset are different files: the first kind wins.
        match &path {
            None => path = Some(file),
            Some(p) if *p != file => continue,
            Some(_) => {}
        }
        sources.push(source);
    }
    match path {
        Some(file) => Ok(DropFile {
            asset: asset.name.clone(),
            version: asset.version.clone(),
            path: format!("{directory}/{file}"),
            sources,
        }),
        None if !images.is_empty() => {
            Err(format!("a container image: pull {}", images.join(" or ")))
        }
        None if !refused.is_empty() => Err(refused.join("; ")),
        None => Err("no location is registered".to_owned()),
    }
}

/// What to gather for `graph`, given the build registered for each node (by index into
/// [`ProductGraph::nodes`]; a node without one is reported missing). Each repository
/// gets one directory (its short name; another repository of the same name gets a
/// suffix), each build one below it (its build number, or `build-<id>` when that is no
/// safe name).
pub fn plan(graph: &ProductGraph, builds: &BTreeMap<usize, BuildInfo>) -> DropPlan {
    let mut repository_dirs: BTreeMap<String, String> = BTreeMap::new();
    let mut taken: BTreeSet<String> = BTreeSet::new();
    let mut build_dirs: BTreeSet<String> = BTreeSet::new();
    let mut nodes = Vec::new();
    for (index, node) in graph.nodes.iter().enumerate() {
        let identity = repository_identity(&node.repository);
        let repo_dir = repository_dirs
            .entry(identity)
            .or_insert_with(|| {
                let base = safe_segment(display_name(&node.repository))
                    .map(str::to_owned)
                    .unwrap_or_else(|_| "repository".to_owned());
                let mut name = base.clone();
                let mut n = 1;
                while !taken.insert(name.clone()) {
                    n += 1;
                    name = format!("{base}-{n}");
                }
                name
            })
            .clone();
        let mut out = DropNode {
            repository: node.repository.clone(),
            commit: node.commit.clone(),
            build: None,
            files: Vec::new(),
            skipped: Vec::new(),
        };
        if let Some(build) = builds.get(&index) {
            let named = safe_segment(&build.build_number)
                .map(str::to_owned)
                .unwrap_or_else(|_| format!("build-{}", build.id));
            let mut directory = format!("{repo_dir}/{named}");
            if !build_dirs.insert(directory.clone()) {
                directory = format!("{repo_dir}/{named}-{}", build.id);
                build_dirs.insert(directory.clone());
            }
            let mut paths = BTreeSet::new();
            for asset in &build.assets {
                match file_for(asset, &directory) {
                    Ok(file) if paths.insert(file.path.to_ascii_lowercase()) => {
                        out.files.push(file)
                    }
                    Ok(file) => out.skipped.push(Skipped {
                        asset: asset.name.clone(),
                        version: asset.version.clone(),
                        reason: format!("{} is another asset's file already", file.path),
                    }),
                    Err(reason) => out.skipped.push(Skipped {
                        asset: asset.name.clone(),
                        version: asset.version.clone(),
                        reason,
                    }),
                }
            }
            out.build = Some(DropBuild {
                id: build.id,
                number: build.build_number.clone(),
                directory,
            });
        }
        nodes.push(out);
    }
    DropPlan { nodes }
}
