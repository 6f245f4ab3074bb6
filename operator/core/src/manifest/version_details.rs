//! `eng/Version.Details.xml`: the dependency list of the darc layout.

use std::borrow::Cow;

use super::dependency::{Dependency, DependencyKind, DependencyRef, DependencyUpdate, SourceBuild};
use super::pos::{LineCursor, Pos, Splices, indentation_at, line_ending};
use super::xml::{Element, XmlDoc, XmlError, escape};

/// Problems reading Version.Details.xml.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VersionDetailsError {
    /// Not well-formed XML.
    #[error(transparent)]
    Xml(#[from] XmlError),
    /// Well-formed, but not a valid dependency list.
    #[error("{pos}: {message}")]
    Invalid {
        /// Where.
        pos: Pos,
        /// What was expected.
        message: String,
    },
}

/// One `<Dependency>` as the file declares it, borrowing from the file.
#[derive(Debug, Clone)]
pub struct Entry<'a> {
    /// Its element in [`VersionDetails::doc`].
    pub element: usize,
    /// Asset name (trimmed).
    pub name: Cow<'a, str>,
    /// Version (trimmed).
    pub version: Cow<'a, str>,
    /// `<Uri>` (trimmed).
    pub repository: Cow<'a, str>,
    /// `<Sha>` (trimmed).
    pub commit: Cow<'a, str>,
    /// Product or toolset, from the group it is in.
    pub kind: DependencyKind,
    /// `CoherentParentDependency`, when not blank.
    pub coherent_parent: Option<Cow<'a, str>>,
    /// `Pinned`.
    pub pinned: bool,
    /// `SkipProperty`.
    pub skip_property: bool,
    /// `<SourceBuild>` or `<SourceBuildTarball>`.
    pub source_build: Option<SourceBuild>,
}

impl Entry<'_> {
    /// The fields planning reads.
    pub fn view(&self) -> DependencyRef<'_> {
        DependencyRef {
            name: &self.name,
            version: &self.version,
            repository: &self.repository,
            commit: &self.commit,
            coherent_parent: self.coherent_parent.as_deref(),
            pinned: self.pinned,
        }
    }

    /// The entry as an owned [`Dependency`] declared at `pos`.
    pub fn to_dependency(&self, pos: Pos) -> Dependency {
        Dependency {
            name: self.name.to_string(),
            version: self.version.to_string(),
            repository: self.repository.to_string(),
            commit: self.commit.to_string(),
            kind: self.kind,
            coherent_parent: self.coherent_parent.as_deref().map(str::to_string),
            pinned: self.pinned,
            skip_property: self.skip_property,
            source_build: self.source_build.clone(),
            pos,
        }
    }
}

/// A parsed Version.Details.xml, borrowing from its text.
#[derive(Debug, Clone)]
pub struct VersionDetails<'a> {
    /// The span tree.
    pub doc: XmlDoc<'a>,
    /// The dependencies in document order.
    pub entries: Vec<Entry<'a>>,
}

impl<'a> VersionDetails<'a> {
    /// Parses the file.
    pub fn parse(text: &'a [u8]) -> Result<VersionDetails<'a>, VersionDetailsError> {
        let doc = XmlDoc::parse(text)?;
        let is_dependency = |e: &&Element| e.local_name() == "Dependency";
        let mut entries = Vec::with_capacity(doc.elements.iter().filter(is_dependency).count());
        let invalid = |offset: usize, message: String| VersionDetailsError::Invalid {
            pos: Pos::at(text, offset),
            message,
        };
        for (index, el) in doc.elements.iter().enumerate() {
            if !is_dependency(&el) {
                continue;
            }
            let parent = el.parent.map(|p| doc.elements[p].local_name());
            let kind = match parent {
                Some("ProductDependencies") => DependencyKind::Product,
                Some("ToolsetDependencies") => DependencyKind::Toolset,
                other => {
                    return Err(invalid(
                        el.tag.start,
                        format!(
                            "expected <Dependency> inside <ProductDependencies> or <ToolsetDependencies>, found it in <{}>",
                            other.unwrap_or("")
                        ),
                    ));
                }
            };
            let attr = |name| doc.attr(index, name).map(|a| trimmed(a.value.clone()));
            let Some(name) = attr("Name") else {
                return Err(invalid(
                    el.tag.start,
                    "expected a Name attribute on <Dependency>".into(),
                ));
            };
            // The first child of each name, in one pass.
            let (mut uri, mut sha, mut sb, mut tarball) = (None, None, None, None);
            for (i, child) in doc.child_elements(index) {
                let slot = match child.local_name() {
                    "Uri" => &mut uri,
                    "Sha" => &mut sha,
                    "SourceBuild" => &mut sb,
                    "SourceBuildTarball" => &mut tarball,
                    _ => continue,
                };
                slot.get_or_insert(i);
            }
            let child_text =
                |child: Option<usize>| child.map_or(Cow::Borrowed(""), |i| trimmed(doc.text(i)));
            let source_build = sb
                .or(tarball)
                .map(|sb| -> Result<SourceBuild, VersionDetailsError> {
                    let el = &doc.elements[sb];
                    let repo_name = doc.attr(sb, "RepoName").ok_or_else(|| {
                        invalid(
                            el.tag.start,
                            "expected a RepoName attribute on <SourceBuild>".into(),
                        )
                    })?;
                    Ok(SourceBuild {
                        repo_name: repo_name.value.to_string(),
                        managed_only: flag(text, &doc, sb, "ManagedOnly")?,
                        tarball_only: flag(text, &doc, sb, "TarballOnly")?,
                    })
                })
                .transpose()?;
            entries.push(Entry {
                element: index,
                name,
                version: attr("Version").unwrap_or_default(),
                repository: child_text(uri),
                commit: child_text(sha),
                kind,
                coherent_parent: attr("CoherentParentDependency").filter(|s| !s.is_empty()),
                pinned: flag(text, &doc, index, "Pinned")?,
                skip_property: flag(text, &doc, index, "SkipProperty")?,
                source_build,
            });
        }
        Ok(VersionDetails { doc, entries })
    }

    /// Where dependency number `dep` is declared.
    pub fn pos(&self, dep: usize) -> Pos {
        let offset = self
            .entries
            .get(dep)
            .map_or(0, |e| self.doc.elements[e.element].tag.start);
        Pos::at(self.doc.source().as_bytes(), offset)
    }

    /// The dependencies, owned, with their positions.
    pub fn dependencies(&self) -> Vec<Dependency> {
        let mut lines = LineCursor::new(self.doc.source().as_bytes());
        self.entries
            .iter()
            .map(|e| e.to_dependency(lines.pos(self.doc.elements[e.element].tag.start)))
            .collect()
    }

    /// Records the splices that apply `update` to dependency number `dep`.
    pub fn update(
        &self,
        text: &[u8],
        dep: usize,
        update: &DependencyUpdate,
        splices: &mut Splices,
    ) {
        let Some(index) = self.entries.get(dep).map(|e| e.element) else {
            return;
        };
        set_attr(text, &self.doc, index, "Name", &update.name, splices);
        set_attr(
            text,
            &self.doc,
            index,
            "Version",
            &update.to_version,
            splices,
        );
        let mut missing = Vec::new();
        for (child, value) in [("Uri", &update.repository), ("Sha", &update.to_commit)] {
            match self.doc.child(index, child) {
                Some((i, _)) => {
                    if self.doc.text(i) != *value && !value.trim().is_empty() {
                        if let Some(inner) = self.doc.elements[i].inner.clone() {
                            splices.replace(inner, escape(value));
                        } else {
                            let c = &self.doc.elements[i];
                            splices.replace(
                                c.tag.clone(),
                                format!("<{0}>{1}</{0}>", c.name, escape(value)),
                            );
                        }
                    }
                }
                None => missing.push((child, value.as_str())),
            }
        }
        if !missing.is_empty() {
            insert_children(text, &self.doc.elements[index], &missing, splices);
        }
    }

    /// Records the splices that add `dep` to the product or toolset group.
    pub fn add(&self, text: &[u8], dep: &Dependency, splices: &mut Splices) {
        let nl = line_ending(text);
        let group = match dep.kind {
            DependencyKind::Product => "ProductDependencies",
            DependencyKind::Toolset => "ToolsetDependencies",
        };
        let mut attrs = format!(
            "Name=\"{}\" Version=\"{}\"",
            escape(&dep.name),
            escape(&dep.version)
        );
        if let Some(parent) = &dep.coherent_parent {
            attrs.push_str(&format!(" CoherentParentDependency=\"{}\"", escape(parent)));
        }
        if dep.pinned {
            attrs.push_str(" Pinned=\"True\"");
        }
        let element = |indent: &str, step: &str| {
            format!(
                "{indent}<Dependency {attrs}>{nl}{indent}{step}<Uri>{}</Uri>{nl}{indent}{step}<Sha>{}</Sha>{nl}{indent}</Dependency>",
                escape(&dep.repository),
                escape(&dep.commit)
            )
        };
        let root = self.doc.root();
        let root_indent = indentation_at(text, root.tag.start);
        let step = "  ";
        if let Some((_, g)) = self.doc.child(0, group) {
            let group_indent = indentation_at(text, g.tag.start);
            let indent = format!("{group_indent}{step}");
            match (&g.inner, &g.end_tag) {
                (Some(inner), Some(end)) => {
                    let at = trailing_space_start(text, inner.start, end.start);
                    splices.insert(at, format!("{nl}{}", element(&indent, step)));
                }
                _ => splices.replace(
                    g.tag.clone(),
                    format!(
                        "<{group}>{nl}{}{nl}{group_indent}</{group}>",
                        element(&indent, step)
                    ),
                ),
            }
        } else if let (Some(inner), Some(end)) = (&root.inner, &root.end_tag) {
            let gi = format!("{root_indent}{step}");
            let at = trailing_space_start(text, inner.start, end.start);
            let di = format!("{gi}{step}");
            splices.insert(
                at,
                format!(
                    "{nl}{gi}<{group}>{nl}{}{nl}{gi}</{group}>",
                    element(&di, step)
                ),
            );
        }
    }
}

/// `s` without surrounding whitespace, still borrowed when it was.
fn trimmed(s: Cow<'_, str>) -> Cow<'_, str> {
    let edge = |b: Option<&u8>| b.is_some_and(|b| b.is_ascii_whitespace() || !b.is_ascii());
    if !edge(s.as_bytes().first()) && !edge(s.as_bytes().last()) {
        return s;
    }
    match s {
        Cow::Borrowed(b) => Cow::Borrowed(b.trim()),
        Cow::Owned(o) if o.trim().len() == o.len() => Cow::Owned(o),
        Cow::Owned(o) => Cow::Owned(o.trim().to_string()),
    }
}

fn flag(text: &[u8], doc: &XmlDoc, index: usize, name: &str) -> Result<bool, VersionDetailsError> {
    match doc.attr(index, name) {
        None => Ok(false),
        Some(a) => match a.value.trim().to_ascii_lowercase().as_str() {
            "true" => Ok(true),
            "false" => Ok(false),
            _ => Err(VersionDetailsError::Invalid {
                pos: Pos::at(text, a.value_span.start),
                message: format!("expected True or False for {name}, found '{}'", a.value),
            }),
        },
    }
}

fn set_attr(
    text: &[u8],
    doc: &XmlDoc,
    index: usize,
    name: &str,
    value: &str,
    splices: &mut Splices,
) {
    let el = &doc.elements[index];
    match doc.attr(index, name) {
        Some(a) if a.value == value => {}
        Some(a) => splices.replace(a.value_span.clone(), escape(value)),
        None => {
            let close = if text.get(el.tag.end.saturating_sub(2)) == Some(&b'/') {
                2
            } else {
                1
            };
            let mut at = el.tag.end - close;
            while at > el.tag.start && text[at - 1].is_ascii_whitespace() {
                at -= 1;
            }
            splices.insert(at, format!(" {name}=\"{}\"", escape(value)));
        }
    }
}

fn trailing_space_start(text: &[u8], from: usize, to: usize) -> usize {
    let mut at = to;
    while at > from && text[at - 1].is_ascii_whitespace() {
        at -= 1;
    }
    at
}

fn insert_children(text: &[u8], el: &Element, children: &[(&str, &str)], splices: &mut Splices) {
    let nl = line_ending(text);
    let indent = indentation_at(text, el.tag.start);
    let body: String = children
        .iter()
        .map(|(n, v)| format!("{nl}{indent}  <{n}>{}</{n}>", escape(v)))
        .collect();
    match (&el.inner, &el.end_tag) {
        (Some(inner), Some(end)) => {
            splices.insert(trailing_space_start(text, inner.start, end.start), body);
        }
        _ => {
            let close_at = el.tag.end.saturating_sub(2);
            let mut at = close_at;
            while at > el.tag.start && text[at - 1].is_ascii_whitespace() {
                at -= 1;
            }
            splices.replace(at..el.tag.end, format!(">{body}{nl}{indent}</{}>", el.name));
        }
    }
}

#[cfg(test)]
mod tests;
