//! Version.Details.props holds the version properties only where the repository uses
//! it: when eng/Versions.props imports it, or when there is no Versions.props. A file
//! nothing imports (a placeholder) is left byte for byte alone, and the properties in
//! Versions.props are updated as for a repository without it.

use super::*;
use crate::manifest::{add as add_files, update as update_files};

const VDX: &str = "<Dependencies>\n  <ProductDependencies>\n    <Dependency Name=\"Contoso.Runtime\" Version=\"1.0.0\">\n      <Uri>https://github.com/contoso/runtime</Uri>\n      <Sha>aaaa</Sha>\n    </Dependency>\n  </ProductDependencies>\n</Dependencies>\n";

/// A Version.Details.props that nothing imports: stale, and laid out by hand.
const PLACEHOLDER: &str = "<Project>\n  <!-- not used yet -->\n  <PropertyGroup>\n    <ContosoRuntimePackageVersion>0.1.0</ContosoRuntimePackageVersion>\n  </PropertyGroup>\n</Project>\n";

/// Versions.props with `import` before its properties.
fn versions_props(import: &str) -> String {
    format!(
        "<Project>\n{import}  <PropertyGroup>\n    <ContosoRuntimePackageVersion>1.0.0</ContosoRuntimePackageVersion>\n  </PropertyGroup>\n</Project>\n"
    )
}

fn files(versions: Option<&str>) -> ManifestFiles {
    let mut f = ManifestFiles::new();
    f.insert(paths::VERSION_DETAILS_XML.into(), VDX.as_bytes().to_vec());
    f.insert(
        paths::VERSION_DETAILS_PROPS.into(),
        PLACEHOLDER.as_bytes().to_vec(),
    );
    if let Some(v) = versions {
        f.insert(paths::VERSIONS_PROPS.into(), v.as_bytes().to_vec());
    }
    f
}

fn build() -> BuildUpdate {
    crate::manifest::fixture::build(
        "https://github.com/contoso/runtime",
        "bbbb",
        &[("Contoso.Runtime", "2.0.0")],
    )
}

/// The changed files of an update, by path.
fn changed(files: &ManifestFiles) -> Vec<&'static str> {
    let changes = update_files(files, &build()).expect("updates");
    [
        paths::VERSION_DETAILS_XML,
        paths::VERSIONS_PROPS,
        paths::VERSION_DETAILS_PROPS,
    ]
    .into_iter()
    .filter(|p| changes.files.contains_key(*p))
    .collect()
}

#[test]
fn a_version_details_props_nothing_imports_is_left_alone() {
    let cases = [
        "",
        "  <!-- <Import Project=\"Version.Details.props\" /> -->\n",
        "  <Import Project=\"Version.Details.targets\" />\n",
        "  <Import Project=\"Other.Version.Details.props\" />\n",
    ];
    for import in cases {
        let before = files(Some(&versions_props(import)));
        let changes = update_files(&before, &build()).expect("updates");
        assert_eq!(
            changes.files.get(paths::VERSION_DETAILS_PROPS),
            None,
            "{import}"
        );
        let props = String::from_utf8_lossy(&changes.files[paths::VERSIONS_PROPS]);
        assert_eq!(
            props,
            versions_props(import).replace(">1.0.0<", ">2.0.0<"),
            "{import}"
        );
    }
}

#[test]
fn an_imported_version_details_props_is_regenerated() {
    let cases = [
        "  <Import Project=\"Version.Details.props\" Condition=\"Exists('Version.Details.props')\" />\n",
        "  <Import Project=\"$(MSBuildThisFileDirectory)Version.Details.props\" />\n",
        "  <ImportGroup>\n    <Import Project=\"..\\eng\\version.details.props\" />\n  </ImportGroup>\n",
    ];
    for import in cases {
        let got = changed(&files(Some(&versions_props(import))));
        assert_eq!(
            got,
            [paths::VERSION_DETAILS_XML, paths::VERSION_DETAILS_PROPS],
            "{import}"
        );
    }
    // Without a Versions.props there is nowhere else for the properties.
    assert_eq!(
        changed(&files(None)),
        [paths::VERSION_DETAILS_XML, paths::VERSION_DETAILS_PROPS]
    );
}

#[test]
fn add_and_verify_follow_the_same_rule() {
    let before = files(Some(&versions_props("")));
    let dep = Dependency::new(
        "Contoso.Tools",
        "3.0.0",
        "https://github.com/contoso/t",
        "c",
    );
    let changes = add_files(&before, &dep).expect("adds");
    assert_eq!(changes.files.get(paths::VERSION_DETAILS_PROPS), None);
    assert!(
        String::from_utf8_lossy(&changes.files[paths::VERSIONS_PROPS])
            .contains("<ContosoToolsPackageVersion>3.0.0</ContosoToolsPackageVersion>")
    );
    // The placeholder's stale value is not a finding; Versions.props is what is checked.
    assert_eq!(verify::eng(&before).expect("verifies"), []);
    let stale = files(Some(&versions_props("").replace(">1.0.0<", ">0.9.0<")));
    let findings: Vec<String> = verify::eng(&stale)
        .expect("verifies")
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(findings.len(), 1, "{findings:?}");
    assert!(
        findings[0].starts_with("eng/Versions.props:"),
        "{findings:?}"
    );
    // Imported, the same placeholder is checked and its value reported.
    let import = "  <Import Project=\"Version.Details.props\" />\n";
    let findings = verify::eng(&files(Some(&versions_props(import)))).expect("verifies");
    assert_eq!(findings.len(), 1, "{findings:?}");
    assert_eq!(findings[0].file, paths::VERSION_DETAILS_PROPS);
}

#[test]
fn details_props_is_checked_only_where_it_is_in_use() {
    use crate::manifest::verify::details_props;
    let import = "  <Import Project=\"Version.Details.props\" />\n";
    let matching = "<Project>\n  <PropertyGroup>\n    <ContosoRuntimePackageVersion>1.0.0</ContosoRuntimePackageVersion>\n  </PropertyGroup>\n</Project>\n";
    let with_props = |props: &str, versions: Option<&str>| {
        let mut f = files(versions);
        f.insert(
            paths::VERSION_DETAILS_PROPS.into(),
            props.as_bytes().to_vec(),
        );
        f
    };
    // (case, files, findings: None when not in use)
    let cases: Vec<(&str, ManifestFiles, Option<Vec<&str>>)> = vec![
        (
            "a placeholder nothing imports",
            files(Some(&versions_props(""))),
            None,
        ),
        (
            "imported and matching",
            with_props(matching, Some(&versions_props(import))),
            Some(vec![]),
        ),
        (
            "without Versions.props, stale",
            files(None),
            Some(vec![
                "eng/Version.Details.props:4:5: ContosoRuntimePackageVersion is 0.1.0 but eng/Version.Details.xml declares 1.0.0",
            ]),
        ),
        ("no manifest at all", ManifestFiles::new(), None),
    ];
    for (name, files, expected) in cases {
        let got = details_props(&files)
            .expect(name)
            .map(|found| found.iter().map(|f| f.to_string()).collect::<Vec<_>>());
        let expected = expected.map(|list| list.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        assert_eq!(got, expected, "{name}");
    }
}
