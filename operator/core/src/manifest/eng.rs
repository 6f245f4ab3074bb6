//! The darc-compatible layout: eng/Version.Details.xml plus the files that follow
//! from it (Versions.props or Version.Details.props, global.json, tool manifests,
//! NuGet.config).

use super::dependency::{
    BuildUpdate, Dependency, DependencyRef, DependencyUpdate, NameIndex, plan_updates_indexed,
    same_name,
};
use super::details_props;
use super::global_json::{bump_sdk, set_named_versions, set_tool_version};
use super::guard::{Place, Write};
use super::json::Json;
use super::nuget_config;
use super::pos::{Pos, Splices};
#[cfg(test)]
use super::verify;
use super::version_details::VersionDetails;
use super::versions_props;
use super::xml::XmlDoc;
use super::{Changes, ManifestError, ManifestFiles, paths};
use commit::{Ending, Kind, commit};
use guards::{guard_details, guard_details_props};

/// Reads the dependencies of Version.Details.xml.
pub fn list(files: &ManifestFiles) -> Result<Vec<Dependency>, ManifestError> {
    Ok(parse_details(files)?.dependencies())
}

pub(super) fn parse_details(files: &ManifestFiles) -> Result<VersionDetails<'_>, ManifestError> {
    let text = files
        .get(paths::VERSION_DETAILS_XML)
        .ok_or(ManifestError::NoManifest)?;
    VersionDetails::parse(text).map_err(|detail| ManifestError::VersionDetails {
        file: paths::VERSION_DETAILS_XML.into(),
        detail,
    })
}

pub(super) fn parse_xml<'a>(
    files: &'a ManifestFiles,
    path: &str,
) -> Result<Option<XmlDoc<'a>>, ManifestError> {
    files
        .get(path)
        .map(|t| XmlDoc::parse(t))
        .transpose()
        .map_err(|detail| ManifestError::Xml {
            file: path.into(),
            detail,
        })
}

/// Whether the repository keeps its version properties in eng/Version.Details.props:
/// the file exists and eng/Versions.props (`versions_props`, parsed) imports it, or
/// there is no Versions.props to keep them in. Otherwise the file, if any, is a
/// placeholder: left alone, and the properties are Versions.props'.
pub(super) fn uses_details_props(files: &ManifestFiles, versions_props: Option<&XmlDoc>) -> bool {
    files.contains_key(paths::VERSION_DETAILS_PROPS)
        && versions_props.is_none_or(details_props::imported_by)
}

pub(super) fn parse_json(files: &ManifestFiles, path: &str) -> Result<Option<Json>, ManifestError> {
    files
        .get(path)
        .map(|t| Json::parse(t))
        .transpose()
        .map_err(|detail| ManifestError::Json {
            file: path.into(),
            detail,
        })
}

/// Regenerates eng/Version.Details.props from Version.Details.xml as `changes` leaves it
/// (`vdx` when unchanged), in the layout the existing file uses; recorded only when it
/// differs. `moved` are the (name, version, repository) of the dependencies that change,
/// checked by [`guard_details_props`].
fn regenerate_details_props(
    files: &ManifestFiles,
    vdx: &[u8],
    moved: &[(&str, &str, &str)],
    changes: &mut Changes,
) -> Result<(), ManifestError> {
    let new_vdx = changes
        .files
        .get(paths::VERSION_DETAILS_XML)
        .map_or(vdx, |v| v);
    let reparsed =
        VersionDetails::parse(new_vdx).map_err(|detail| ManifestError::VersionDetails {
            file: paths::VERSION_DETAILS_XML.into(),
            detail,
        })?;
    let existing = files
        .get(paths::VERSION_DETAILS_PROPS)
        .map_or(&[][..], |v| v);
    let layout = details_props::detect(existing);
    for m in moved {
        guard_details_props(&layout, *m)?;
    }
    let generated = details_props::generate(&reparsed.dependencies(), &layout);
    if existing != generated.as_slice() {
        changes
            .files
            .insert(paths::VERSION_DETAILS_PROPS.to_string(), generated);
    }
    Ok(())
}

/// Applies `build` to the darc layout: Version.Details.xml, then the version properties
/// (a regenerated Version.Details.props where the repository uses it: Versions.props
/// imports it, see [`details_props::imported_by`], or there is no Versions.props; else
/// Versions.props), global.json, the tool manifests and NuGet.config.
pub fn update(files: &ManifestFiles, build: &BuildUpdate) -> Result<Changes, ManifestError> {
    let details = parse_details(files)?;
    let views: Vec<DependencyRef<'_>> = details.entries.iter().map(|e| e.view()).collect();
    let names = NameIndex::new(&views);
    let plan = plan_updates_indexed(&names, build);
    let mut changes = Changes::default();
    if plan.is_empty() {
        return Ok(changes);
    }
    let vdx_text = &files[paths::VERSION_DETAILS_XML];
    for (_, up) in &plan {
        if let Some(second) = names.find(&up.name).nth(1) {
            return Err(ManifestError::Invalid {
                file: paths::VERSION_DETAILS_XML.into(),
                pos: details.pos(second),
                message: format!("found multiple dependencies named '{}'", up.name),
            });
        }
    }
    let updates: Vec<&DependencyUpdate> = plan.iter().map(|(_, u)| u).collect();
    for up in &updates {
        guard_details(&up.name, &up.to_version, &up.repository, &up.to_commit)?;
    }

    let mut vdx = Splices::new();
    for (index, up) in &plan {
        details.update(vdx_text, *index, up, &mut vdx);
    }
    commit(
        files,
        paths::VERSION_DETAILS_XML,
        &vdx,
        Kind::Xml(&details.doc),
        &mut changes,
    )?;

    let versions_props = parse_xml(files, paths::VERSIONS_PROPS)?;
    if uses_details_props(files, versions_props.as_ref()) {
        // Dependencies with SkipProperty get no property, so only the others are checked.
        let moved: Vec<_> = plan
            .iter()
            .filter(|(index, _)| !details.entries[*index].skip_property)
            .map(|(_, u)| {
                (
                    u.name.as_str(),
                    u.to_version.as_str(),
                    u.repository.as_str(),
                )
            })
            .collect();
        regenerate_details_props(files, vdx_text, &moved, &mut changes)?;
    } else if let Some(doc) = versions_props {
        let text = &files[paths::VERSIONS_PROPS];
        let props = versions_props::Properties::new(&doc);
        let mut s = Splices::new();
        for up in &updates {
            if versions_props::set_version(text, &props, &up.name, &up.to_version, &mut s) {
                let write = Write {
                    file: paths::VERSIONS_PROPS,
                    dependency: &up.name,
                    field: "version",
                };
                write.check(Place::MsBuildValue, &up.to_version)?;
            }
        }
        commit(
            files,
            paths::VERSIONS_PROPS,
            &s,
            Kind::Xml(&doc),
            &mut changes,
        )?;
    }

    if let Some(json) = parse_json(files, paths::GLOBAL_JSON)? {
        let mut s = Splices::new();
        for up in &updates {
            if set_named_versions(&json, &up.name, &up.to_version, &mut s) > 0 {
                let write = Write {
                    file: paths::GLOBAL_JSON,
                    dependency: &up.name,
                    field: "version",
                };
                write.check(Place::Text, &up.to_version)?;
            }
        }
        if let Some(source) = &build.source_global_json {
            let source = Json::parse(source).map_err(|detail| ManifestError::Json {
                file: "source global.json".into(),
                detail,
            })?;
            changes.sdk_bump = bump_sdk(&json, &source, &mut s);
            if let Some(sdk) = &changes.sdk_bump {
                let write = Write {
                    file: paths::GLOBAL_JSON,
                    dependency: "tools.dotnet",
                    field: "version",
                };
                write.check(Place::Text, sdk)?;
            }
        }
        commit(
            files,
            paths::GLOBAL_JSON,
            &s,
            Kind::Json(Ending::Own),
            &mut changes,
        )?;
    }

    for path in [paths::TOOLS_CONFIG_JSON, paths::TOOLS_ROOT_JSON] {
        if let Some(json) = parse_json(files, path)? {
            let mut s = Splices::new();
            for up in &updates {
                if set_tool_version(&json, &up.name, &up.to_version, &mut s) {
                    let write = Write {
                        file: path,
                        dependency: &up.name,
                        field: "version",
                    };
                    write.check(Place::Text, &up.to_version)?;
                }
            }
            commit(files, path, &s, Kind::Json(Ending::Restore), &mut changes)?;
        }
    }

    if build.assets.iter().any(|a| !a.locations.is_empty()) {
        for path in paths::NUGET_CONFIGS {
            if let Some(text) = files.get(*path) {
                let managed = build.assets.iter().filter(|a| {
                    !a.locations.is_empty()
                        && a.locations.iter().all(|l| nuget_config::is_managed_feed(l))
                });
                for asset in managed {
                    for location in &asset.locations {
                        let write = Write {
                            file: path,
                            dependency: &asset.name,
                            field: "location",
                        };
                        write.check(Place::Text, location)?;
                    }
                }
                let new =
                    nuget_config::update(text, build).map_err(|detail| ManifestError::Xml {
                        file: (*path).into(),
                        detail,
                    })?;
                if new != *text {
                    changes.files.insert((*path).to_string(), new);
                }
                break;
            }
        }
    }

    changes.updates = plan.into_iter().map(|(_, u)| u).collect();
    Ok(changes)
}

/// Adds a dependency to Version.Details.xml and its version property to
/// Version.Details.props (regenerated, where the repository uses it, as in [`update`])
/// or Versions.props.
pub fn add(files: &ManifestFiles, dep: &Dependency) -> Result<Changes, ManifestError> {
    let details = parse_details(files)?;
    if let Some(existing) = details
        .entries
        .iter()
        .position(|d| same_name(&d.name, &dep.name))
    {
        return Err(ManifestError::Invalid {
            file: paths::VERSION_DETAILS_XML.into(),
            pos: details.pos(existing),
            message: format!(
                "dependency '{}' already exists",
                details.entries[existing].name
            ),
        });
    }
    guard_details(&dep.name, &dep.version, &dep.repository, &dep.commit)?;
    if let Some(parent) = &dep.coherent_parent {
        let write = Write {
            file: paths::VERSION_DETAILS_XML,
            dependency: &dep.name,
            field: "coherent parent",
        };
        write.check(Place::Text, parent)?;
    }
    let text = &files[paths::VERSION_DETAILS_XML];
    let mut changes = Changes::default();
    let mut s = Splices::new();
    details.add(text, dep, &mut s);
    commit(
        files,
        paths::VERSION_DETAILS_XML,
        &s,
        Kind::Xml(&details.doc),
        &mut changes,
    )?;
    let versions_props = parse_xml(files, paths::VERSIONS_PROPS)?;
    if uses_details_props(files, versions_props.as_ref()) {
        let moved = [(
            dep.name.as_str(),
            dep.version.as_str(),
            dep.repository.as_str(),
        )];
        regenerate_details_props(files, text, &moved, &mut changes)?;
    } else if let Some(doc) = versions_props {
        let props = &files[paths::VERSIONS_PROPS];
        if versions_props::find_dependency_property(&doc, &dep.name).is_none() {
            let write = |field| Write {
                file: paths::VERSIONS_PROPS,
                dependency: &dep.name,
                field,
            };
            write("name").check(Place::MsBuildName, &dep.name)?;
            write("version").check(Place::MsBuildValue, &dep.version)?;
            let mut s = Splices::new();
            if !versions_props::add_property(props, &doc, &dep.name, &dep.version, &mut s) {
                return Err(ManifestError::Invalid {
                    file: paths::VERSIONS_PROPS.into(),
                    pos: Pos::at(props, 0),
                    message: "expected a <PropertyGroup> to add the version property to".into(),
                });
            }
            commit(
                files,
                paths::VERSIONS_PROPS,
                &s,
                Kind::Xml(&doc),
                &mut changes,
            )?;
        }
    }
    Ok(changes)
}

mod commit;
mod guards;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_line_breaks;
#[cfg(test)]
mod tests_props_mode;
