//! Adding a dependency to the native manifest.

use super::references::plain_safe;
use super::{error, parse, pos_of};
use crate::manifest::dependency::same_name;
use crate::manifest::guard::{Place, Write};
use crate::manifest::json::quote;
use crate::manifest::pos::line_ending;
use crate::manifest::{Changes, Dependency, ManifestError, ManifestFiles, paths};

/// Appends a dependency (without references) to the manifest, which keeps its line
/// break style and ends with a line break only if it did.
pub fn add(files: &ManifestFiles, dep: &Dependency) -> Result<Changes, ManifestError> {
    let (text, entries) = parse(files)?;
    let coherent_parent = dep.coherent_parent.as_deref().unwrap_or("");
    for (field, value) in [
        ("name", dep.name.as_str()),
        ("version", &dep.version),
        ("repository", &dep.repository),
        ("commit", &dep.commit),
        ("coherent parent", coherent_parent),
    ] {
        let write = Write {
            file: paths::NATIVE,
            dependency: &dep.name,
            field,
        };
        write.check(Place::Text, value)?;
    }
    if let Some(e) = entries.iter().find(|e| same_name(&e.name.value, &dep.name)) {
        return Err(error(
            paths::NATIVE,
            pos_of(&e.name),
            format!("dependency '{}' already exists", e.name.value),
        ));
    }
    let nl = line_ending(text);
    let scalar = |v: &str| {
        if plain_safe(v) {
            v.to_string()
        } else {
            quote(v)
        }
    };
    let mut item = format!(
        "  - name: {}{nl}    version: {}{nl}    repository: {}{nl}    commit: {}{nl}    kind: {}{nl}",
        scalar(&dep.name),
        scalar(&dep.version),
        scalar(&dep.repository),
        scalar(&dep.commit),
        dep.kind
    );
    if let Some(p) = &dep.coherent_parent {
        item.push_str(&format!("    coherentParent: {}{nl}", scalar(p)));
    }
    if dep.pinned {
        item.push_str(&format!("    pinned: true{nl}"));
    }
    let mut new = text.to_vec();
    if entries.is_empty() {
        let body = String::from_utf8_lossy(text);
        let kept: Vec<&str> = body
            .lines()
            .filter(|l| !l.trim_start().starts_with("dependencies:"))
            .collect();
        let mut out = kept.join(nl);
        if !out.is_empty() {
            out.push_str(nl);
        }
        out.push_str(&format!("dependencies:{nl}{item}"));
        new = out.into_bytes();
    } else {
        if !new.ends_with(b"\n") {
            new.extend_from_slice(nl.as_bytes());
        }
        let at = end_of_list(&new);
        new.splice(at..at, item.bytes());
    }
    // The entry ends with a line break; the file ends as it did.
    if !text.is_empty() && !text.ends_with(b"\n") {
        let kept = new.len() - trailing_line_break(&new);
        new.truncate(kept);
    }
    let mut changes = Changes::default();
    changes.files.insert(paths::NATIVE.to_string(), new);
    Ok(changes)
}

/// The length of the line break that ends `text`: 2 for `\r\n`, 1 for `\n`, else 0.
fn trailing_line_break(text: &[u8]) -> usize {
    if text.ends_with(b"\r\n") {
        2
    } else {
        usize::from(text.ends_with(b"\n"))
    }
}

/// Byte offset just after the `dependencies:` list: the start of the next line
/// indented at column 0 that is not a comment, or the end of the text (which ends
/// with a line break).
fn end_of_list(text: &[u8]) -> usize {
    let mut offset = 0;
    let mut inside = false;
    for line in text.split_inclusive(|b| *b == b'\n') {
        let starts_top = line
            .first()
            .is_some_and(|b| !b.is_ascii_whitespace() && *b != b'#' && *b != b'-');
        if starts_top {
            if inside {
                return offset;
            }
            inside = line.starts_with(b"dependencies:");
        }
        offset += line.len();
    }
    text.len()
}
