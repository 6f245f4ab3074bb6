//! A rewritten file keeps its own final line break and line ending style (global.json,
//! Version.Details.props, XML re-laid out the tooling's way); tool manifests gain a
//! missing final line break, as the tooling's later versions write them.

use super::*;
use crate::manifest::update as update_files;

const VDX: &str = "<Dependencies>\n  <ProductDependencies>\n    <Dependency Name=\"Contoso.Runtime\" Version=\"1.0.0\">\n      <Uri>https://github.com/contoso/runtime</Uri>\n      <Sha>aaaa</Sha>\n    </Dependency>\n  </ProductDependencies>\n  <ToolsetDependencies>\n    <Dependency Name=\"Contoso.Sdk\" Version=\"1.0.0\">\n      <Uri>https://github.com/contoso/runtime</Uri>\n      <Sha>aaaa</Sha>\n    </Dependency>\n  </ToolsetDependencies>\n</Dependencies>\n";

fn build() -> BuildUpdate {
    crate::manifest::fixture::build(
        "https://github.com/contoso/runtime",
        "bbbb",
        &[("Contoso.Runtime", "2.0.0"), ("Contoso.Sdk", "2.0.0")],
    )
}

/// The file at `path` after updating a repository of Version.Details.xml plus `extra`.
fn updated(extra: &[(&str, &str)], path: &str) -> String {
    let mut files = ManifestFiles::new();
    files.insert(paths::VERSION_DETAILS_XML.into(), VDX.as_bytes().to_vec());
    for (p, t) in extra {
        files.insert((*p).into(), t.as_bytes().to_vec());
    }
    let changes = update_files(&files, &build()).expect("updates");
    String::from_utf8(changes.files[path].clone()).expect("utf8")
}

fn crlf(s: &str) -> String {
    s.replace('\n', "\r\n")
}

#[test]
fn global_json_keeps_its_own_final_line_break() {
    // Already in the tooling's layout, in a layout it reflows, and in one it leaves alone.
    let cases = [
        (
            "{\n  \"msbuild-sdks\": {\n    \"Contoso.Sdk\": \"1.0.0\"\n  }\n}",
            "{\n  \"msbuild-sdks\": {\n    \"Contoso.Sdk\": \"2.0.0\"\n  }\n}",
        ),
        (
            "{\n  \"tools\": { \"dotnet\": \"9.0.100\" },\n  \"msbuild-sdks\": {\n    \"Contoso.Sdk\": \"1.0.0\"\n  }\n}",
            "{\n  \"tools\": {\n    \"dotnet\": \"9.0.100\"\n  },\n  \"msbuild-sdks\": {\n    \"Contoso.Sdk\": \"2.0.0\"\n  }\n}",
        ),
        (
            "{\n    \"msbuild-sdks\": { \"Contoso.Sdk\": \"1.0.0\" } // pinned by hand\n}",
            "{\n    \"msbuild-sdks\": { \"Contoso.Sdk\": \"2.0.0\" } // pinned by hand\n}",
        ),
    ];
    for (before, after) in cases {
        for ending in ["", "\n"] {
            let (before, after) = (format!("{before}{ending}"), format!("{after}{ending}"));
            let got = updated(&[(paths::GLOBAL_JSON, &before)], paths::GLOBAL_JSON);
            assert_eq!(got, after, "LF, final {ending:?}");
            let got = updated(&[(paths::GLOBAL_JSON, &crlf(&before))], paths::GLOBAL_JSON);
            assert_eq!(got, crlf(&after), "CRLF, final {ending:?}");
        }
    }
}

#[test]
fn tool_manifests_gain_a_missing_final_line_break() {
    let before = "{\n  \"version\": 1,\n  \"tools\": {\n    \"contoso.sdk\": {\n      \"version\": \"1.0.0\",\n      \"commands\": [\n        \"contoso\"\n      ]\n    }\n  }\n}";
    let after = before.replace("1.0.0", "2.0.0");
    for path in [paths::TOOLS_CONFIG_JSON, paths::TOOLS_ROOT_JSON] {
        for ending in ["", "\n"] {
            let before = format!("{before}{ending}");
            let got = updated(&[(path, &before)], path);
            assert_eq!(got, format!("{after}\n"), "{path} LF, final {ending:?}");
            let got = updated(&[(path, &crlf(&before))], path);
            assert_eq!(got, crlf(&format!("{after}\n")), "{path} CRLF");
        }
    }
}

#[test]
fn regenerated_version_details_props_keeps_the_files_line_breaks() {
    let imports = "<Project>\n  <Import Project=\"Version.Details.props\" />\n</Project>\n";
    let old = "<Project>\n  <PropertyGroup>\n    <!-- contoso-runtime dependencies -->\n    <ContosoRuntimePackageVersion>1.0.0</ContosoRuntimePackageVersion>\n    <ContosoSdkPackageVersion>1.0.0</ContosoSdkPackageVersion>\n  </PropertyGroup>\n</Project>\n";
    let lf = updated(
        &[
            (paths::VERSIONS_PROPS, imports),
            (paths::VERSION_DETAILS_PROPS, old),
        ],
        paths::VERSION_DETAILS_PROPS,
    );
    assert!(lf.ends_with("</Project>\n") && !lf.contains('\r'), "{lf}");
    assert!(lf.contains("<ContosoSdkPackageVersion>2.0.0<"), "{lf}");
    let cases = [
        (crlf(old), crlf(&lf)),
        (old.trim_end().to_string(), lf.trim_end().to_string()),
        (crlf(old.trim_end()), crlf(lf.trim_end())),
    ];
    for (before, want) in cases {
        let got = updated(
            &[
                (paths::VERSIONS_PROPS, imports),
                (paths::VERSION_DETAILS_PROPS, &before),
            ],
            paths::VERSION_DETAILS_PROPS,
        );
        assert_eq!(got, want, "{before:?}");
    }
}

#[test]
fn xml_laid_out_again_keeps_what_follows_the_root() {
    let body: String = (0..30)
        .map(|i| format!("    <Other{i}>x</Other{i}>\n"))
        .collect();
    let props = format!(
        "<Project>\n  <PropertyGroup>\n{body}    <ContosoRuntimePackageVersion>1.0.0</ContosoRuntimePackageVersion>\n  \n    <ContosoSdkPackageVersion>1.0.0</ContosoSdkPackageVersion>\n  </PropertyGroup>\n</Project>"
    );
    let want = props.replace("1.0.0", "2.0.0").replace("\n  \n", "\n");
    for ending in ["", "\n"] {
        let got = updated(
            &[(paths::VERSIONS_PROPS, &format!("{props}{ending}"))],
            paths::VERSIONS_PROPS,
        );
        assert_eq!(got, format!("{want}{ending}"), "final {ending:?}");
    }
}
