//! The native manifest `.sluice/dependencies.yaml`, for repositories not laid out
//! the darc way: a list of dependencies, each with the places in other files where
//! its version is written (see [`references::Reference`]).
//!
//! ```yaml
//! dependencies:
//!   - name: Contoso.Runtime
//!     version: 9.0.1
//!     repository: https://github.com/contoso/runtime
//!     commit: 0123456789abcdef0123456789abcdef01234567
//!     kind: product            # or toolset
//!     references:
//!       - file: Cargo.toml
//!         toml: workspace.dependencies.contoso-runtime.version
//!       - file: Dockerfile
//!         regex: 'FROM contoso/runtime:(?P<version>\S+)'
//! ```

mod add;
mod read_back;
pub mod references;
pub mod yaml_tree;

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_saphyr::Spanned;

pub use self::add::add;
use self::read_back::ReadBack;
use self::references::{Reference, plain_safe};
use super::dependency::{plan_updates, same_name};
use super::guard::{Place, Write};
use super::json::quote;
use super::pos::Splices;
use super::{
    BuildUpdate, Changes, Dependency, DependencyKind, Finding, ManifestError, ManifestFiles, Pos,
    paths,
};

/// Problems in the native manifest or a file it references.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{pos}: {message}")]
pub struct NativeError {
    /// Where.
    pub pos: Pos,
    /// What was expected.
    pub message: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct NativeFile {
    #[serde(default)]
    dependencies: Vec<Entry>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Entry {
    name: Spanned<String>,
    version: Spanned<String>,
    repository: Spanned<String>,
    commit: Spanned<String>,
    #[serde(default)]
    kind: DependencyKind,
    #[serde(default)]
    coherent_parent: Option<String>,
    #[serde(default)]
    pinned: bool,
    #[serde(default)]
    references: Vec<Reference>,
}

fn error(file: &str, pos: Pos, message: impl Into<String>) -> ManifestError {
    ManifestError::Native {
        file: file.to_string(),
        detail: NativeError {
            pos,
            message: message.into(),
        },
    }
}

fn parse(files: &ManifestFiles) -> Result<(&[u8], Vec<Entry>), ManifestError> {
    let bytes = files.get(paths::NATIVE).ok_or(ManifestError::NoManifest)?;
    let text = std::str::from_utf8(bytes).map_err(|e| {
        error(
            paths::NATIVE,
            Pos::at(bytes, e.valid_up_to()),
            "expected UTF-8 text",
        )
    })?;
    let file: NativeFile = serde_saphyr::from_str(text).map_err(|e| {
        let pos = e.location().map_or(Pos { line: 1, col: 1 }, |l| Pos {
            line: usize::try_from(l.line()).unwrap_or(1),
            col: usize::try_from(l.column()).unwrap_or(1),
        });
        let msg = e.without_snippet().to_string();
        error(
            paths::NATIVE,
            pos,
            msg.lines().next().unwrap_or("malformed YAML"),
        )
    })?;
    for entry in &file.dependencies {
        for r in &entry.references {
            r.check()
                .map_err(|m| error(paths::NATIVE, pos_of(&entry.name), m))?;
        }
    }
    Ok((bytes, file.dependencies))
}

fn pos_of<T>(s: &Spanned<T>) -> Pos {
    Pos {
        line: usize::try_from(s.referenced.line()).unwrap_or(1),
        col: usize::try_from(s.referenced.column()).unwrap_or(1),
    }
}

fn span_of<T>(s: &Spanned<T>) -> Option<std::ops::Range<usize>> {
    let span = s.referenced.span();
    let start = usize::try_from(span.byte_offset()?).ok()?;
    let len = usize::try_from(span.byte_len()?).ok()?;
    Some(start..start + len)
}

fn to_dependency(e: &Entry) -> Dependency {
    Dependency {
        name: e.name.value.clone(),
        version: e.version.value.clone(),
        repository: e.repository.value.clone(),
        commit: e.commit.value.clone(),
        kind: e.kind,
        coherent_parent: e.coherent_parent.clone().filter(|p| !p.is_empty()),
        pinned: e.pinned,
        skip_property: false,
        source_build: None,
        pos: pos_of(&e.name),
    }
}

/// Files the manifest's references point at.
pub fn referenced_paths(files: &ManifestFiles) -> Result<Vec<String>, ManifestError> {
    let (_, entries) = parse(files)?;
    let mut out: Vec<String> = entries
        .iter()
        .flat_map(|e| e.references.iter().map(|r| r.file.clone()))
        .collect();
    out.sort();
    out.dedup();
    Ok(out)
}

/// The dependencies declared.
pub fn list(files: &ManifestFiles) -> Result<Vec<Dependency>, ManifestError> {
    Ok(parse(files)?.1.iter().map(to_dependency).collect())
}

/// Writes a YAML scalar in the style of the one it replaces.
fn yaml_scalar(old: &[u8], value: &str) -> String {
    match old.first() {
        Some(b'\'') => format!("'{}'", value.replace('\'', "''")),
        Some(b'"') => quote(value),
        _ if plain_safe(value) => value.to_string(),
        _ => quote(value),
    }
}

fn set_scalar(
    text: &[u8],
    (dependency, name): (&str, &str),
    field: &Spanned<String>,
    value: &str,
    splices: &mut Splices,
) -> Result<(), ManifestError> {
    if field.value == value {
        return Ok(());
    }
    let write = Write {
        file: paths::NATIVE,
        dependency,
        field: name,
    };
    write.check(Place::Text, value)?;
    if let Some(span) = span_of(field).filter(|s| s.end <= text.len()) {
        let rendered = yaml_scalar(&text[span.clone()], value);
        splices.replace(span, rendered);
    }
    Ok(())
}

/// Applies a build: the manifest's version, commit and repository fields and every
/// reference of each updated dependency are edited in place.
pub fn update(files: &ManifestFiles, build: &BuildUpdate) -> Result<Changes, ManifestError> {
    let (text, entries) = parse(files)?;
    let deps: Vec<Dependency> = entries.iter().map(to_dependency).collect();
    let plan = plan_updates(&deps, build);
    let mut changes = Changes::default();
    if plan.is_empty() {
        return Ok(changes);
    }
    let mut edits: BTreeMap<String, Splices> = BTreeMap::new();
    let mut read_backs = Vec::new();
    for (index, up) in &plan {
        let entry = &entries[*index];
        let manifest = edits.entry(paths::NATIVE.to_string()).or_default();
        let dep = up.name.as_str();
        set_scalar(text, (dep, "name"), &entry.name, &up.name, manifest)?;
        set_scalar(
            text,
            (dep, "version"),
            &entry.version,
            &up.to_version,
            manifest,
        )?;
        set_scalar(
            text,
            (dep, "commit"),
            &entry.commit,
            &up.to_commit,
            manifest,
        )?;
        set_scalar(
            text,
            (dep, "repository"),
            &entry.repository,
            &up.repository,
            manifest,
        )?;
        for r in &entry.references {
            let content = files.get(&r.file).ok_or_else(|| {
                error(
                    paths::NATIVE,
                    pos_of(&entry.name),
                    format!("referenced file {} is missing", r.file),
                )
            })?;
            let spots = r
                .locate(content)
                .map_err(|(pos, m)| error(&r.file, pos, m))?;
            let write = Write {
                file: &r.file,
                dependency: dep,
                field: "version",
            };
            write.check(Place::Text, &up.to_version)?;
            read_backs.push(ReadBack {
                reference: r,
                dependency: dep,
                version: &up.to_version,
                spots: spots.len(),
            });
            let s = edits.entry(r.file.clone()).or_default();
            for spot in spots {
                if spot.value != up.to_version {
                    s.replace(spot.span.clone(), spot.render(&up.to_version));
                }
            }
        }
    }
    for (path, splices) in edits {
        let Some(old) = files.get(&path) else {
            continue;
        };
        let new = splices
            .apply(old)
            .ok_or_else(|| ManifestError::Splice { file: path.clone() })?;
        if new != *old {
            changes.files.insert(path, new);
        }
    }
    for check in &read_backs {
        let file = &check.reference.file;
        match changes.files.get(file).or_else(|| files.get(file)) {
            Some(content) => check.check(content)?,
            None => continue,
        }
    }
    changes.updates = plan.into_iter().map(|(_, u)| u).collect();
    Ok(changes)
}

/// Checks names are unique and every reference resolves to the declared version.
pub fn verify(files: &ManifestFiles) -> Result<Vec<Finding>, ManifestError> {
    let (_, entries) = parse(files)?;
    let mut findings = Vec::new();
    for (i, e) in entries.iter().enumerate() {
        if let Some(first) = entries[..i]
            .iter()
            .find(|o| same_name(&o.name.value, &e.name.value))
        {
            findings.push(Finding {
                file: paths::NATIVE.into(),
                pos: pos_of(&e.name),
                message: format!(
                    "duplicate dependency '{}' (first declared at {})",
                    e.name.value,
                    pos_of(&first.name)
                ),
            });
        }
        for r in &e.references {
            let Some(content) = files.get(&r.file) else {
                findings.push(Finding {
                    file: paths::NATIVE.into(),
                    pos: pos_of(&e.name),
                    message: format!("{}: referenced file {} is missing", e.name.value, r.file),
                });
                continue;
            };
            match r.locate(content) {
                Err((pos, message)) => findings.push(Finding {
                    file: r.file.clone(),
                    pos,
                    message,
                }),
                Ok(spots) => findings.extend(
                    spots
                        .into_iter()
                        .filter(|s| s.value != e.version.value)
                        .map(|s| Finding {
                            file: r.file.clone(),
                            pos: s.pos,
                            message: format!(
                                "{} ({}) is {} but {} declares {}",
                                e.name.value,
                                r.describe(),
                                s.value,
                                paths::NATIVE,
                                e.version.value
                            ),
                        }),
                ),
            }
        }
    }
    Ok(findings)
}

#[cfg(test)]
mod tests;
