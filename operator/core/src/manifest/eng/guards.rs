//! What the darc layout's writers refuse before they write: a dependency's values
//! checked against the rules of each file they go into (see [`crate::manifest::guard`]).

use crate::manifest::details_props;
use crate::manifest::guard::{Place, Write};
use crate::manifest::{ManifestError, paths};

/// Refuses a dependency's values that cannot go into Version.Details.xml.
pub(super) fn guard_details(
    name: &str,
    version: &str,
    repository: &str,
    commit: &str,
) -> Result<(), ManifestError> {
    for (field, value) in [
        ("name", name),
        ("version", version),
        ("repository", repository),
        ("commit", commit),
    ] {
        let write = Write {
            file: paths::VERSION_DETAILS_XML,
            dependency: name,
            field,
        };
        write.check(Place::Text, value)?;
    }
    Ok(())
}

/// Refuses a moved dependency's values that cannot go into a regenerated
/// Version.Details.props laid out as `layout`: its property name, its version and the
/// section label of its repository.
pub(super) fn guard_details_props(
    layout: &details_props::PropsLayout,
    (name, version, repository): (&str, &str, &str),
) -> Result<(), ManifestError> {
    let write = |field| Write {
        file: paths::VERSION_DETAILS_PROPS,
        dependency: name,
        field,
    };
    write("name").check(Place::MsBuildName, name)?;
    write("version").check(Place::MsBuildValue, version)?;
    let label = match layout.grouping {
        details_props::Grouping::ByUri => details_props::repo_label(repository),
        details_props::Grouping::ByRepoName => details_props::normalized_repo_name(repository),
    };
    write("repository").check(Place::XmlComment, &label)
}
