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
    let [foo, bar] = &vd.dependencies()[..] else {
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
    assert_eq!(again.entries.len(), 3);
    assert_eq!(again.entries[1].name, "New.Pkg");
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
