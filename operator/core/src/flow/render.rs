//! Rendering a build into a target's manifests: the subscription's directories, its
//! excluded assets, and the byte-exact manifest updater.

use crate::manifest::{self, BuildUpdate, DependencyUpdate, ManifestError, ManifestFiles};
use crate::model::SubscriptionSpec;

use super::coherency::{CoherencyReport, follow_parents};
use super::outcome::Reason;
use super::types::BuildInfo;
use crate::graph::Manifests;

/// What applying one build to the target's files changed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Rendered {
    /// Changed files only, by repository path (directory prefix included).
    pub files: ManifestFiles,
    /// The dependencies that moved, directory by directory in declaration order (the
    /// coherent children that followed a parent after the build's own).
    pub updates: Vec<DependencyUpdate>,
    /// Coherent children that could not follow their parent, or were not checked.
    pub coherency: CoherencyReport,
}

/// Why a build could not be rendered into a directory's manifests.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RenderError {
    /// The directory holds no dependency manifest.
    #[error("no dependency manifest in {}: expected {}/{} or {}/{}", display_dir(.directory), display_dir(.directory), manifest::paths::VERSION_DETAILS_XML, display_dir(.directory), manifest::paths::NATIVE)]
    NoManifest {
        /// The directory (empty for the root).
        directory: String,
    },
    /// A manifest file is malformed or cannot take the update.
    #[error("{}{error}", prefix(.directory))]
    Manifest {
        /// The directory (empty for the root).
        directory: String,
        /// The updater's error, naming the file relative to `directory`.
        error: ManifestError,
    },
}

impl RenderError {
    /// The reason a subscription stalls on this error: `NoManifest`, `ManifestRefused`
    /// (a build's value the manifest writers refuse, see [`manifest::guard`]) or
    /// `ManifestInvalid`. All three wait for the input to change; none is retried.
    pub fn reason(&self) -> Reason {
        match self {
            RenderError::NoManifest { .. } => Reason::NoManifest,
            RenderError::Manifest {
                error: ManifestError::Refused(_),
                ..
            } => Reason::ManifestRefused,
            RenderError::Manifest { .. } => Reason::ManifestInvalid,
        }
    }
}

fn display_dir(directory: &str) -> &str {
    if directory.is_empty() { "." } else { directory }
}

fn prefix(directory: &str) -> String {
    if directory.is_empty() {
        String::new()
    } else {
        format!("{directory}/")
    }
}

/// A subscription directory as a path prefix: `.`, `./` and the empty string are the root
/// (`""`); otherwise leading `./` and surrounding `/` are removed.
pub fn normalize_directory(directory: &str) -> String {
    let mut d = directory.trim();
    while let Some(rest) = d.strip_prefix("./") {
        d = rest;
    }
    let d = d.trim_matches('/');
    if d == "." {
        String::new()
    } else {
        d.to_string()
    }
}

/// `path` inside subscription directory `directory` (normalized as
/// [`normalize_directory`] does).
pub fn path_in(directory: &str, path: &str) -> String {
    format!("{}{path}", prefix(&normalize_directory(directory)))
}

/// `path` relative to subscription directory `directory`, when it lies inside it.
pub fn path_within<'a>(directory: &str, path: &'a str) -> Option<&'a str> {
    let directory = normalize_directory(directory);
    if directory.is_empty() {
        return Some(path);
    }
    path.strip_prefix(directory.as_str())?.strip_prefix('/')
}

/// Whether `name` matches glob `pattern` as a whole, ignoring case: `*` matches any run
/// of characters (`/` included), `?` exactly one.
pub fn glob_matches(pattern: &str, name: &str) -> bool {
    wildmatch::WildMatch::new_case_insensitive(pattern).matches(name)
}

/// The manifest updater's view of `build` for `spec`: assets minus the excluded ones.
pub fn build_update(spec: &SubscriptionSpec, build: &BuildInfo) -> BuildUpdate {
    BuildUpdate {
        source_repo: build.repository.clone(),
        commit: build.commit.clone(),
        assets: build
            .assets
            .iter()
            .filter(|a| {
                !spec
                    .excluded_assets
                    .iter()
                    .any(|g| glob_matches(g, &a.name))
            })
            .map(|a| manifest::Asset {
                name: a.name.clone(),
                version: a.version.clone(),
                locations: a.locations.iter().map(|l| l.location.clone()).collect(),
            })
            .collect(),
        source_global_json: None,
        coherent_parents: Vec::new(),
    }
}

/// Applies `build` to every directory of `spec` in `files` (repository paths), and moves
/// the coherent children of the parents it moved to what `parents` (the parents'
/// manifests at their new commits) reference. Either every directory renders or nothing
/// does.
pub fn render(
    files: &ManifestFiles,
    spec: &SubscriptionSpec,
    build: &BuildInfo,
    parents: &Manifests,
) -> Result<Rendered, RenderError> {
    let update = build_update(spec, build);
    let mut directories: Vec<String> = spec
        .target
        .directories
        .iter()
        .map(|d| normalize_directory(d))
        .collect();
    if directories.is_empty() {
        directories.push(String::new());
    }
    let mut seen = Vec::new();
    let mut working = files.clone();
    let mut out = Rendered::default();
    for directory in directories {
        if seen.contains(&directory) {
            continue;
        }
        let fail = |error| match error {
            ManifestError::NoManifest => RenderError::NoManifest {
                directory: directory.clone(),
            },
            error => RenderError::Manifest {
                directory: directory.clone(),
                error,
            },
        };
        let mut view = directory_view(&working, &directory);
        let mut changes = manifest::update(&view, &update).map_err(fail)?;
        if !changes.updates.is_empty() {
            view.extend(changes.files.clone());
            let (files, children, report) =
                follow_parents(&view, &changes.updates, parents).map_err(fail)?;
            changes.files.extend(files);
            changes.updates.extend(children);
            out.coherency.extend(report);
        }
        for (path, bytes) in changes.files {
            let full = format!("{}{path}", prefix(&directory));
            working.insert(full.clone(), bytes.clone());
            out.files.insert(full, bytes);
        }
        out.updates.extend(changes.updates);
        seen.push(directory);
    }
    out.files
        .retain(|path, bytes| files.get(path) != Some(bytes));
    Ok(out)
}

/// The files under `directory` with the prefix removed; the root sees every file.
pub fn directory_view(files: &ManifestFiles, directory: &str) -> ManifestFiles {
    if directory.is_empty() {
        return files.clone();
    }
    let prefix = format!("{directory}/");
    files
        .iter()
        .filter_map(|(path, bytes)| {
            path.strip_prefix(&prefix)
                .map(|rest| (rest.to_string(), bytes.clone()))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        for (pattern, name, want) in [
            ("Contoso.Internal.*", "contoso.internal.tasks", true),
            ("Contoso.Internal.*", "Contoso.Internal", false),
            ("*", "", true),
            ("*", "anything", true),
            ("a?c", "abc", true),
            ("a?c", "ac", false),
            ("*.Sdk", "Foo.Bar.Sdk", true),
            ("*.Sdk", "Foo.Sdk.Tasks", false),
            ("Foo", "foo", true),
            ("Foo", "Foo.Bar", false),
            ("a*b*c", "aXXbYYc", true),
            ("a*b*c", "aXXbYY", false),
            ("", "", true),
            ("", "x", false),
            ("assets/*.zip", "assets/symbols/x.zip", true),
            ("Contoso.*.Tasks", "contoso.build.TASKS", true),
        ] {
            assert_eq!(glob_matches(pattern, name), want, "{pattern} {name}");
        }
    }

    #[test]
    fn directories() {
        for (input, want) in [
            (".", ""),
            ("", ""),
            ("./", ""),
            ("/", ""),
            ("src/tool", "src/tool"),
            ("./src/tool/", "src/tool"),
            ("/src/tool", "src/tool"),
        ] {
            assert_eq!(normalize_directory(input), want, "{input:?}");
        }
    }

    #[test]
    fn paths_in_and_within_directories() {
        for dir in ["", ".", "./", "src/tool", "./src/tool/", "/src/tool"] {
            let full = path_in(dir, "eng/Version.Details.xml");
            assert_eq!(
                path_within(dir, &full),
                Some("eng/Version.Details.xml"),
                "{dir:?}"
            );
            assert!(!full.starts_with('.') && !full.starts_with('/'), "{full}");
        }
        assert_eq!(path_in("./src/tool", "global.json"), "src/tool/global.json");
        assert_eq!(path_within("src/tool", "src/toolbox/global.json"), None);
    }

    #[test]
    fn views_strip_the_prefix() {
        let files: ManifestFiles = [
            ("eng/Version.Details.xml".to_string(), b"root".to_vec()),
            (
                "src/tool/eng/Version.Details.xml".to_string(),
                b"tool".to_vec(),
            ),
            (
                "src/toolbox/eng/Version.Details.xml".to_string(),
                b"box".to_vec(),
            ),
        ]
        .into_iter()
        .collect();
        let view = directory_view(&files, "src/tool");
        assert_eq!(view.len(), 1);
        assert_eq!(view["eng/Version.Details.xml"], b"tool");
        assert_eq!(directory_view(&files, "").len(), 3);
    }

    #[test]
    fn error_messages_name_the_directory() {
        let none = RenderError::NoManifest {
            directory: "src/tool".into(),
        };
        assert_eq!(
            none.to_string(),
            "no dependency manifest in src/tool: expected src/tool/eng/Version.Details.xml or src/tool/.sluice/dependencies.yaml"
        );
        let bad = RenderError::Manifest {
            directory: "src/tool".into(),
            error: ManifestError::Splice {
                file: "eng/Versions.props".into(),
            },
        };
        assert!(bad.to_string().starts_with("src/tool/eng/Versions.props: "));
    }
}
