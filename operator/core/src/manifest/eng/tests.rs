use proptest::prelude::*;

use super::*;
use crate::manifest::update as update_files;

fn vdx(deps: &[(String, String)]) -> String {
    let mut s = String::from(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<Dependencies>\n  <ProductDependencies>\n",
    );
    for (name, version) in deps {
        s.push_str(&format!(
            "    <Dependency Name=\"{name}\" Version=\"{version}\">\n      <Uri>https://github.com/o/src</Uri>\n      <Sha>aaaa</Sha>\n    </Dependency>\n"
        ));
    }
    s.push_str("  </ProductDependencies>\n  <ToolsetDependencies>\n  </ToolsetDependencies>\n</Dependencies>\n");
    s
}

fn props(deps: &[(String, String)]) -> String {
    let mut s = String::from("<Project>\n  <PropertyGroup>\n");
    for (name, version) in deps {
        let p = versions_props::package_version_property(name);
        s.push_str(&format!("    <{p}>{version}</{p}>\n"));
    }
    s.push_str("  </PropertyGroup>\n</Project>\n");
    s
}

fn files(deps: &[(String, String)]) -> ManifestFiles {
    let mut f = ManifestFiles::new();
    f.insert(paths::VERSION_DETAILS_XML.into(), vdx(deps).into_bytes());
    f.insert(paths::VERSIONS_PROPS.into(), props(deps).into_bytes());
    let sdks: Vec<String> = deps
        .iter()
        .map(|(n, v)| format!("    \"{n}\": \"{v}\""))
        .collect();
    f.insert(
        paths::GLOBAL_JSON.into(),
        format!(
            "{{\n  \"msbuild-sdks\": {{\n{}\n  }}\n}}\n",
            sdks.join(",\n")
        )
        .into_bytes(),
    );
    f
}

fn build(assets: &[(&str, &str)]) -> BuildUpdate {
    crate::manifest::fixture::build("https://github.com/o/src", "bbbb", assets)
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(a, b)| ((*a).to_string(), (*b).to_string()))
        .collect()
}

#[test]
fn updates_every_file_that_follows() {
    let before = files(&pairs(&[("A.B", "1.0"), ("C-D", "2.0")]));
    let changes = update_files(&before, &build(&[("a.b", "1.1"), ("Z", "9")])).expect("updates");
    let after = files(&pairs(&[("a.b", "1.1"), ("C-D", "2.0")]));
    let want_vdx = String::from_utf8(after[paths::VERSION_DETAILS_XML].clone())
        .expect("utf8")
        .replacen("<Sha>aaaa</Sha>", "<Sha>bbbb</Sha>", 1);
    assert_eq!(
        String::from_utf8_lossy(&changes.files[paths::VERSION_DETAILS_XML]),
        want_vdx
    );
    assert_eq!(
        changes.files[paths::VERSIONS_PROPS],
        props(&pairs(&[("a.b", "1.1"), ("C-D", "2.0")])).into_bytes()
    );
    assert!(
        String::from_utf8_lossy(&changes.files[paths::GLOBAL_JSON]).contains("\"A.B\": \"1.1\"")
    );
    assert_eq!(changes.updates.len(), 1);
}

#[test]
fn malformed_files_name_file_line_and_column() {
    let cases: [(&str, &str, &str); 4] = [
        (
            paths::VERSION_DETAILS_XML,
            "<Dependencies>\n  <ProductDependencies>\n</Dependencies>",
            "eng/Version.Details.xml:3:",
        ),
        (
            paths::VERSIONS_PROPS,
            "<Project>\n<PropertyGroup>\n",
            "eng/Versions.props:3:1",
        ),
        (
            paths::GLOBAL_JSON,
            "{\n  \"msbuild-sdks\": {\n    \"A.B\" \"1.0\"\n",
            "global.json:3:11",
        ),
        (
            paths::TOOLS_CONFIG_JSON,
            "{\"tools\": ",
            ".config/dotnet-tools.json:1:11",
        ),
    ];
    for (path, content, prefix) in cases {
        let mut f = files(&pairs(&[("A.B", "1.0")]));
        f.insert(path.into(), content.as_bytes().to_vec());
        let e = update_files(&f, &build(&[("A.B", "2.0")])).expect_err("malformed");
        assert!(e.to_string().starts_with(prefix), "{e}");
    }
}

#[test]
fn add_writes_the_dependency_and_its_property() {
    let before = files(&pairs(&[("A.B", "1.0")]));
    let dep = Dependency::new("New.Pkg", "3.0", "https://github.com/o/new", "cccc");
    let changes = add(&before, &dep).expect("adds");
    let mut after = before.clone();
    after.extend(changes.files);
    let deps = list(&after).expect("lists");
    assert_eq!(
        deps.iter().map(|d| d.name.as_str()).collect::<Vec<_>>(),
        ["A.B", "New.Pkg"]
    );
    assert!(
        String::from_utf8_lossy(&after[paths::VERSIONS_PROPS])
            .contains("<NewPkgPackageVersion>3.0</NewPkgPackageVersion>")
    );
    assert!(add(&after, &dep).is_err(), "duplicate add is refused");
}

fn name() -> impl Strategy<Value = String> {
    "[A-Z][a-z]{1,6}(\\.[A-Z][a-z]{1,6}){0,2}"
}

fn version() -> impl Strategy<Value = String> {
    "[0-9]{1,2}\\.[0-9]{1,2}\\.[0-9]{1,3}(-beta\\.[0-9]{5}\\.[0-9])?"
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn parse_of_update_holds_the_new_versions(
        deps in proptest::collection::btree_map(name(), version(), 1..12),
        picks in proptest::collection::vec((any::<prop::sample::Index>(), version()), 1..6),
    ) {
        let deps: Vec<(String, String)> = deps.into_iter().collect();
        let before = files(&deps);
        let mut wanted: std::collections::BTreeMap<String, String> = deps.iter().cloned().collect();
        let mut assets: Vec<(String, String)> = Vec::new();
        for (index, v) in picks {
            let (n, _) = &deps[index.index(deps.len())];
            if assets.iter().any(|(a, _)| a == n) { continue; }
            assets.push((n.clone(), v.clone()));
            wanted.insert(n.clone(), v);
        }
        let asset_refs: Vec<(&str, &str)> = assets.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
        let changes = update_files(&before, &build(&asset_refs)).expect("updates");
        let mut after = before.clone();
        after.extend(changes.files);
        let listed = list(&after).expect("reparses");
        for d in &listed {
            prop_assert_eq!(Some(&d.version), wanted.get(&d.name));
            let doc = XmlDoc::parse(&after[paths::VERSIONS_PROPS]).expect("props parse");
            let (i, _) = versions_props::find_dependency_property(&doc, &d.name).expect("property");
            prop_assert_eq!(doc.text(i), d.version.clone());
            let json = Json::parse(&after[paths::GLOBAL_JSON]).expect("json parse");
            let sdks = json.get("msbuild-sdks").expect("msbuild-sdks");
            prop_assert_eq!(sdks.get(&d.name).and_then(Json::as_str), Some(d.version.as_str()));
        }
        prop_assert!(verify::eng(&after).expect("verifies").is_empty());
    }

    #[test]
    fn update_without_matching_assets_is_the_identity(
        deps in proptest::collection::btree_map(name(), version(), 1..12),
        others in proptest::collection::vec(("[a-z]{3}-[0-9]{3}", version()), 0..5),
    ) {
        let deps: Vec<(String, String)> = deps.into_iter().collect();
        let before = files(&deps);
        let refs: Vec<(&str, &str)> = others.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
        let changes = update_files(&before, &build(&refs)).expect("updates");
        prop_assert!(changes.is_empty());
    }
}

fn mutate(text: &[u8], edits: &[(prop::sample::Index, u8)]) -> Vec<u8> {
    let mut out = text.to_vec();
    for (index, byte) in edits {
        if out.is_empty() {
            break;
        }
        let i = index.index(out.len());
        match byte % 3 {
            0 => {
                out.remove(i);
            }
            1 => out[i] = *byte,
            _ => out.insert(i, b"<>\"'&/=\n"[usize::from(*byte) % 8]),
        }
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn damaged_manifests_never_panic(
        edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8),
        target in 0usize..4,
    ) {
        let deps = pairs(&[("A.B", "1.0"), ("C-D", "2.0")]);
        let mut f = files(&deps);
        f.insert(paths::VERSION_DETAILS_PROPS.into(), details_props::generate(&list(&f).expect("lists"), &details_props::PropsLayout::default()));
        f.insert(paths::TOOLS_CONFIG_JSON.into(), b"{\n  \"tools\": {\n    \"a.b\": {\n      \"version\": \"1.0\"\n    }\n  }\n}\n".to_vec());
        let path = [paths::VERSION_DETAILS_XML, paths::VERSIONS_PROPS, paths::GLOBAL_JSON, paths::TOOLS_CONFIG_JSON][target];
        let damaged = mutate(&f[path], &edits);
        f.insert(path.into(), damaged);
        let _ = list(&f);
        let _ = verify::eng(&f);
        let _ = update_files(&f, &build(&[("A.B", "1.1"), ("C-D", "2.1")]));
        let _ = add(&f, &Dependency::new("E", "1", "u", "c"));
    }
}
