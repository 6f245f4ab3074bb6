//! `eng/Version.Details.xml`: the dependency list of the darc layout.

use super::dependency::{Dependency, DependencyKind, DependencyUpdate, SourceBuild};
use super::pos::{LineIndex, Pos, Splices, indentation_at, line_ending};
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

/// A parsed Version.Details.xml.
#[derive(Debug, Clone)]
pub struct VersionDetails {
    /// The span tree.
    pub doc: XmlDoc,
    /// The dependencies in document order.
    pub dependencies: Vec<Dependency>,
    /// For each dependency, its element index in `doc`.
    pub elements: Vec<usize>,
}

impl VersionDetails {
    /// Parses the file.
    pub fn parse(text: &[u8]) -> Result<VersionDetails, VersionDetailsError> {
        let doc = XmlDoc::parse(text)?;
        let mut dependencies = Vec::new();
        let mut elements = Vec::new();
        let lines = LineIndex::new(text);
        let invalid = |offset: usize, message: String| VersionDetailsError::Invalid {
            pos: Pos::at(text, offset),
            message,
        };
        for (index, el) in doc.elements.iter().enumerate() {
            if el.local_name() != "Dependency" {
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
            let Some(name) = el.attr("Name").map(|a| trimmed(a.value.clone())) else {
                return Err(invalid(
                    el.tag.start,
                    "expected a Name attribute on <Dependency>".into(),
                ));
            };
            let child_text = |n: &str| {
                doc.child(index, n)
                    .map(|(i, _)| trimmed(doc.text(text, i)))
                    .unwrap_or_default()
            };
            let source_build = doc
                .child(index, "SourceBuild")
                .or_else(|| doc.child(index, "SourceBuildTarball"))
                .map(|(_, sb)| -> Result<SourceBuild, VersionDetailsError> {
                    Ok(SourceBuild {
                        repo_name: sb.attr("RepoName").map(|a| a.value.clone()).ok_or_else(
                            || {
                                invalid(
                                    sb.tag.start,
                                    "expected a RepoName attribute on <SourceBuild>".into(),
                                )
                            },
                        )?,
                        managed_only: flag(text, sb, "ManagedOnly")?,
                        tarball_only: flag(text, sb, "TarballOnly")?,
                    })
                })
                .transpose()?;
            dependencies.push(Dependency {
                name,
                version: el
                    .attr("Version")
                    .map(|a| trimmed(a.value.clone()))
                    .unwrap_or_default(),
                repository: child_text("Uri"),
                commit: child_text("Sha"),
                kind,
                coherent_parent: el
                    .attr("CoherentParentDependency")
                    .map(|a| a.value.trim().to_string())
                    .filter(|s| !s.is_empty()),
                pinned: flag(text, el, "Pinned")?,
                skip_property: flag(text, el, "SkipProperty")?,
                source_build,
                pos: lines.pos(text, el.tag.start),
            });
            elements.push(index);
        }
        Ok(VersionDetails {
            doc,
            dependencies,
            elements,
        })
    }

    /// Records the splices that apply `update` to dependency number `dep`.
    pub fn update(
        &self,
        text: &[u8],
        dep: usize,
        update: &DependencyUpdate,
        splices: &mut Splices,
    ) {
        let Some(&index) = self.elements.get(dep) else {
            return;
        };
        let el = &self.doc.elements[index];
        set_attr(text, el, "Name", &update.name, splices);
        set_attr(text, el, "Version", &update.to_version, splices);
        let mut missing = Vec::new();
        for (child, value) in [("Uri", &update.repository), ("Sha", &update.to_commit)] {
            match self.doc.child(index, child) {
                Some((i, _)) => {
                    if self.doc.text(text, i) != *value && !value.trim().is_empty() {
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
            insert_children(text, el, &missing, splices);
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

fn trimmed(s: String) -> String {
    if s.trim().len() == s.len() {
        s
    } else {
        s.trim().to_string()
    }
}

fn flag(text: &[u8], el: &Element, name: &str) -> Result<bool, VersionDetailsError> {
    match el.attr(name) {
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

fn set_attr(text: &[u8], el: &Element, name: &str, value: &str, splices: &mut Splices) {
    match el.attr(name) {
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
mod tests {
    use super::*;

    const SAMPLE: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<Dependencies>
  <!-- product -->
  <ProductDependencies>
    <Dependency Name="Foo.Core" Version="1.0.0" Pinned="true">
      <Uri>https://example.com/foo</Uri>
      <Sha>aaa</Sha>
      <SourceBuild RepoName="foo" ManagedOnly="true" />
    </Dependency>
  </ProductDependencies>
  <ToolsetDependencies>
    <Dependency Name="Bar.Sdk" Version="2.0.0" CoherentParentDependency="Foo.Core">
      <Uri>https://example.com/bar</Uri>
      <Sha>bbb</Sha>
    </Dependency>
  </ToolsetDependencies>
</Dependencies>
"#;

    #[test]
    fn reads_every_field() {
        let vd = VersionDetails::parse(SAMPLE.as_bytes()).expect("parses");
        let [foo, bar] = &vd.dependencies[..] else {
            panic!("two dependencies")
        };
        assert_eq!(
            (foo.name.as_str(), foo.version.as_str(), foo.pinned),
            ("Foo.Core", "1.0.0", true)
        );
        assert_eq!(
            foo.source_build.as_ref().map(|s| s.managed_only),
            Some(true)
        );
        assert_eq!(bar.kind, DependencyKind::Toolset);
        assert_eq!(bar.coherent_parent.as_deref(), Some("Foo.Core"));
        assert_eq!(bar.pos.line, 12);
    }

    #[test]
    fn update_splices_only_changed_values() {
        let vd = VersionDetails::parse(SAMPLE.as_bytes()).expect("parses");
        let up = DependencyUpdate {
            name: "bar.sdk".into(),
            from_version: "2.0.0".into(),
            to_version: "2.1.0".into(),
            from_commit: "bbb".into(),
            to_commit: "ccc".into(),
            repository: "https://example.com/bar".into(),
        };
        let mut s = Splices::new();
        vd.update(SAMPLE.as_bytes(), 1, &up, &mut s);
        let out = String::from_utf8(s.apply(SAMPLE.as_bytes()).expect("applies")).expect("utf8");
        let want = SAMPLE
            .replace(
                "\"Bar.Sdk\" Version=\"2.0.0\"",
                "\"bar.sdk\" Version=\"2.1.0\"",
            )
            .replace("<Sha>bbb</Sha>", "<Sha>ccc</Sha>");
        assert_eq!(out, want);
    }

    #[test]
    fn add_inserts_into_the_group() {
        let vd = VersionDetails::parse(SAMPLE.as_bytes()).expect("parses");
        let mut s = Splices::new();
        let dep = Dependency::new("New.Pkg", "3.0.0", "https://example.com/new", "ddd");
        vd.add(SAMPLE.as_bytes(), &dep, &mut s);
        let out = s.apply(SAMPLE.as_bytes()).expect("applies");
        let again = VersionDetails::parse(&out).expect("reparses");
        assert_eq!(again.dependencies.len(), 3);
        assert_eq!(again.dependencies[1].name, "New.Pkg");
        assert!(String::from_utf8_lossy(&out).contains(
            "    </Dependency>\n    <Dependency Name=\"New.Pkg\" Version=\"3.0.0\">\n      <Uri>https://example.com/new</Uri>\n"
        ));
    }

    #[test]
    fn missing_children_are_added() {
        let src = "<Dependencies>\n  <ProductDependencies>\n    <Dependency Name=\"A\" Version=\"1\" />\n  </ProductDependencies>\n</Dependencies>\n";
        let vd = VersionDetails::parse(src.as_bytes()).expect("parses");
        let up = DependencyUpdate {
            name: "A".into(),
            from_version: "1".into(),
            to_version: "2".into(),
            from_commit: String::new(),
            to_commit: "c".into(),
            repository: "https://example.com/a".into(),
        };
        let mut s = Splices::new();
        vd.update(src.as_bytes(), 0, &up, &mut s);
        let out = String::from_utf8(s.apply(src.as_bytes()).expect("applies")).expect("utf8");
        assert_eq!(
            out,
            "<Dependencies>\n  <ProductDependencies>\n    <Dependency Name=\"A\" Version=\"2\">\n      <Uri>https://example.com/a</Uri>\n      <Sha>c</Sha>\n    </Dependency>\n  </ProductDependencies>\n</Dependencies>\n"
        );
    }

    #[test]
    fn misplaced_dependency_is_an_error() {
        let e = VersionDetails::parse(b"<Dependencies>\n<Dependency Name=\"x\"/></Dependencies>")
            .expect_err("invalid");
        assert!(e.to_string().starts_with("2:1:"), "{e}");
    }
}
