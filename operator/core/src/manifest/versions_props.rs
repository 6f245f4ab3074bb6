//! `eng/Versions.props`: MSBuild properties carrying dependency versions.

use super::dependency::NameHashes;
use super::pos::{Splices, indentation_at, line_ending};
use super::xml::{XmlDoc, escape};

/// The property base name of a dependency: its name without `.` and `-`.
pub fn property_base(name: &str) -> String {
    name.chars().filter(|c| *c != '.' && *c != '-').collect()
}

/// The primary property name: `Microsoft.NET.Sdk` -> `MicrosoftNETSdkPackageVersion`.
pub fn package_version_property(name: &str) -> String {
    format!("{}PackageVersion", property_base(name))
}

/// The alternate property name: `Microsoft.NET.Sdk` -> `MicrosoftNETSdkVersion`.
pub fn alternate_version_property(name: &str) -> String {
    format!("{}Version", property_base(name))
}

/// The element (first in document order, any depth) whose local name equals
/// `name` ignoring ASCII case.
pub fn find_property(doc: &XmlDoc, name: &str) -> Option<usize> {
    doc.elements
        .iter()
        .position(|e| e.local_name().eq_ignore_ascii_case(name))
}

/// The property of dependency `name`: the primary name first, then the alternate.
/// Returns the element index and the exact property name it should carry.
pub fn find_dependency_property(doc: &XmlDoc, name: &str) -> Option<(usize, String)> {
    dependency_property(name, |p| find_property(doc, p))
}

/// The property of dependency `name`, looked up with `find`.
fn dependency_property(
    name: &str,
    find: impl Fn(&str) -> Option<usize>,
) -> Option<(usize, String)> {
    let primary = package_version_property(name);
    if let Some(i) = find(&primary) {
        return Some((i, primary));
    }
    let alternate = alternate_version_property(name);
    find(&alternate).map(|i| (i, alternate))
}

/// The elements of a props file by local name, for many lookups: what
/// [`find_property`] and [`find_dependency_property`] find, without a scan each.
#[derive(Debug, Clone)]
pub struct Properties<'d, 'a> {
    doc: &'d XmlDoc<'a>,
    hashes: NameHashes,
}

impl<'d, 'a> Properties<'d, 'a> {
    /// Indexes the elements of `doc`.
    pub fn new(doc: &'d XmlDoc<'a>) -> Self {
        let hashes = NameHashes::new(doc.elements.iter().map(|e| e.local_name()));
        Properties { doc, hashes }
    }

    /// The document.
    pub fn doc(&self) -> &'d XmlDoc<'a> {
        self.doc
    }

    /// As [`find_property`].
    pub fn find(&self, name: &str) -> Option<usize> {
        self.hashes.candidates(name).find(|i| {
            self.doc.elements[*i]
                .local_name()
                .eq_ignore_ascii_case(name)
        })
    }

    /// As [`find_dependency_property`].
    pub fn find_dependency(&self, name: &str) -> Option<(usize, String)> {
        dependency_property(name, |p| self.find(p))
    }
}

/// Records the splices that set dependency `name`'s property to `version`, renaming
/// the element when its case differs from the canonical name. Returns false when
/// the file has no such property.
pub fn set_version(
    text: &[u8],
    props: &Properties<'_, '_>,
    name: &str,
    version: &str,
    splices: &mut Splices,
) -> bool {
    let Some((index, exact)) = props.find_dependency(name) else {
        return false;
    };
    let el = &props.doc().elements[index];
    let renamed = el.local_name() != exact;
    let new_name = if renamed { exact } else { el.name.to_string() };
    match (&el.inner, &el.end_tag) {
        (Some(inner), Some(end)) => {
            if renamed {
                let start = el.tag.start + 1;
                splices.replace(start..start + el.name.len(), new_name.clone());
                let end_start = end.start + 2;
                splices.replace(end_start..end_start + el.name.len(), new_name);
            }
            if text[inner.clone()] != *escape(version).as_bytes() {
                splices.replace(inner.clone(), escape(version));
            }
        }
        _ => splices.replace(
            el.tag.clone(),
            format!("<{new_name}>{}</{new_name}>", escape(version)),
        ),
    }
    true
}

/// Records the splices that add a `<NamePackageVersion>` property for a new
/// dependency: after the last `...PackageVersion` (or `...Version`) property,
/// else at the end of the first `<PropertyGroup>`.
pub fn add_property(
    text: &[u8],
    doc: &XmlDoc,
    name: &str,
    version: &str,
    splices: &mut Splices,
) -> bool {
    let nl = line_ending(text);
    let element = format!(
        "<{0}>{1}</{0}>",
        package_version_property(name),
        escape(version)
    );
    let in_group = |e: &&super::xml::Element| {
        e.parent
            .is_some_and(|p| doc.elements[p].local_name() == "PropertyGroup")
    };
    let anchor = doc
        .elements
        .iter()
        .filter(in_group)
        .rfind(|e| e.local_name().ends_with("PackageVersion"))
        .or_else(|| {
            doc.elements
                .iter()
                .filter(in_group)
                .rfind(|e| e.local_name().ends_with("Version"))
        });
    if let Some(a) = anchor {
        let end = a.end_tag.as_ref().map_or(a.tag.end, |e| e.end);
        let indent = indentation_at(text, a.tag.start);
        splices.insert(end, format!("{nl}{indent}{element}"));
        return true;
    }
    let Some(group) = doc
        .elements
        .iter()
        .find(|e| e.local_name() == "PropertyGroup")
    else {
        return false;
    };
    let (Some(inner), Some(end)) = (&group.inner, &group.end_tag) else {
        return false;
    };
    let mut at = end.start;
    while at > inner.start && text[at - 1].is_ascii_whitespace() {
        at -= 1;
    }
    let indent = format!("{}  ", indentation_at(text, group.tag.start));
    splices.insert(at, format!("{nl}{indent}{element}"));
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn property_names() {
        let cases = [
            (
                "Microsoft.NET.Sdk",
                "MicrosoftNETSdkPackageVersion",
                "MicrosoftNETSdkVersion",
            ),
            (
                "System.Text-Json",
                "SystemTextJsonPackageVersion",
                "SystemTextJsonVersion",
            ),
        ];
        for (name, primary, alternate) in cases {
            assert_eq!(package_version_property(name), primary);
            assert_eq!(alternate_version_property(name), alternate);
        }
    }

    #[test]
    fn sets_primary_then_alternate_case_insensitively() {
        let src = b"<Project>\n  <PropertyGroup>\n    <fooPackageVersion>1</fooPackageVersion>\n    <BarVersion>2</BarVersion>\n  </PropertyGroup>\n</Project>\n";
        let doc = XmlDoc::parse(src).expect("parses");
        let mut s = Splices::new();
        let props = Properties::new(&doc);
        assert!(set_version(src, &props, "Foo", "1.1", &mut s));
        assert!(set_version(src, &props, "Bar", "2.1", &mut s));
        assert!(!set_version(src, &props, "Baz", "3", &mut s));
        assert_eq!(props.find("BARVERSION"), find_property(&doc, "barVersion"));
        let out = String::from_utf8(s.apply(src).expect("applies")).expect("utf8");
        assert!(
            out.contains("<FooPackageVersion>1.1</FooPackageVersion>"),
            "{out}"
        );
        assert!(out.contains("<BarVersion>2.1</BarVersion>"), "{out}");
    }

    #[test]
    fn adds_after_the_last_version_property() {
        let src = b"<Project>\n  <PropertyGroup>\n    <APackageVersion>1</APackageVersion>\n    <Other>x</Other>\n  </PropertyGroup>\n</Project>\n";
        let doc = XmlDoc::parse(src).expect("parses");
        let mut s = Splices::new();
        assert!(add_property(src, &doc, "New.Pkg", "2", &mut s));
        let out = String::from_utf8(s.apply(src).expect("applies")).expect("utf8");
        assert!(out.contains("<APackageVersion>1</APackageVersion>\n    <NewPkgPackageVersion>2</NewPkgPackageVersion>\n"), "{out}");
    }
}
