//! Writing a file the darc layout updates: splices applied, then the layout and the
//! ending the established tooling gives the file.

use crate::manifest::layout;
use crate::manifest::pos::{Splices, line_ending, trailing_whitespace};
use crate::manifest::xml::XmlDoc;
use crate::manifest::{Changes, ManifestError, ManifestFiles};

/// What kind of file [`commit`] writes.
#[derive(Clone, Copy)]
pub(super) enum Kind<'a> {
    /// XML, with its parse (before the splices).
    Xml(&'a XmlDoc<'a>),
    /// JSON, ending as [`Ending`] says.
    Json(Ending),
}

/// How a JSON file that [`commit`] rewrites ends.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Ending {
    /// As it did: what followed the document (a line break in the file's style, or
    /// nothing) stays. global.json: the tooling wrote it without a final line break in
    /// its early years and with one later, so keeping the file's own reproduces both.
    Own,
    /// With a line break, added when missing: the tooling restores it in tool manifests.
    Restore,
}

/// Applies `splices` to file `path`, recording the result when it differs. A JSON
/// file that changes is laid out as the established tooling serialises it when
/// that only moves whitespace (see [`layout::json`]), and ends as its
/// [`Ending`] says; a changed XML file already laid out the tooling's way gets the
/// tooling's whitespace (see [`layout::xml`]).
pub(super) fn commit(
    files: &ManifestFiles,
    path: &str,
    splices: &Splices,
    kind: Kind<'_>,
    changes: &mut Changes,
) -> Result<(), ManifestError> {
    let Some(old) = files.get(path) else {
        return Ok(());
    };
    if splices.is_empty() {
        return Ok(());
    }
    let mut new = splices
        .apply(old)
        .ok_or_else(|| ManifestError::Splice { file: path.into() })?;
    if let Kind::Json(ending) = kind
        && new != *old
    {
        let nl = line_ending(old);
        if let Some(mut laid_out) = layout::json(&new, nl) {
            // The layout is the document alone; what followed it is the file's own.
            if ending == Ending::Own {
                laid_out.extend_from_slice(trailing_whitespace(&new));
            }
            new = laid_out;
        }
        if ending == Ending::Restore && !new.ends_with(b"\n") {
            new.extend_from_slice(nl.as_bytes());
        }
    }
    if let Kind::Xml(doc) = kind
        && new != *old
        && layout::xml_deviates(doc, old)
        && let Some(laid_out) = layout::xml(&new)
    {
        new = laid_out;
    }
    if new != *old {
        changes.files.insert(path.to_string(), new);
    }
    Ok(())
}
