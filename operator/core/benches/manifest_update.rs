//! Updating 20 dependencies in a darc-layout manifest of 500 dependencies
//! (Version.Details.xml + Versions.props + global.json).

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use sluice_core::manifest::{self, Asset, BuildUpdate, ManifestFiles, paths};

fn name(i: usize) -> String {
    format!("Contoso.Package{}.Component-{}", i, i % 7)
}

fn files(n: usize) -> ManifestFiles {
    let mut vdx = String::from(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<Dependencies>\n  <ProductDependencies>\n",
    );
    let mut props = String::from("<Project>\n  <PropertyGroup>\n");
    let mut sdks = Vec::new();
    for i in 0..n {
        let name = name(i);
        vdx.push_str(&format!(
            "    <Dependency Name=\"{name}\" Version=\"1.0.0-beta.{i}.1\">\n      <Uri>https://github.com/contoso/repo{}</Uri>\n      <Sha>{:040x}</Sha>\n    </Dependency>\n",
            i % 10,
            i
        ));
        let prop: String = name.chars().filter(|c| *c != '.' && *c != '-').collect();
        props.push_str(&format!(
            "    <{prop}PackageVersion>1.0.0-beta.{i}.1</{prop}PackageVersion>\n"
        ));
        if i % 25 == 0 {
            sdks.push(format!("    \"{name}\": \"1.0.0-beta.{i}.1\""));
        }
    }
    vdx.push_str("  </ProductDependencies>\n  <ToolsetDependencies>\n  </ToolsetDependencies>\n</Dependencies>\n");
    props.push_str("  </PropertyGroup>\n</Project>\n");
    let global = format!(
        "{{\n  \"tools\": {{\n    \"dotnet\": \"9.0.100\"\n  }},\n  \"msbuild-sdks\": {{\n{}\n  }}\n}}\n",
        sdks.join(",\n")
    );
    let mut files = ManifestFiles::new();
    files.insert(paths::VERSION_DETAILS_XML.into(), vdx.into_bytes());
    files.insert(paths::VERSIONS_PROPS.into(), props.into_bytes());
    files.insert(paths::GLOBAL_JSON.into(), global.into_bytes());
    files
}

fn build() -> BuildUpdate {
    BuildUpdate {
        source_repo: "https://github.com/contoso/repo0".into(),
        commit: "f".repeat(40),
        assets: (0..20)
            .map(|k| Asset {
                name: name(k * 25),
                version: "2.0.0".into(),
                locations: Vec::new(),
            })
            .collect(),
        source_global_json: None,
    }
}

fn bench(c: &mut Criterion) {
    let files = files(500);
    let build = build();
    let changes = manifest::update(&files, &build).expect("update succeeds");
    assert_eq!(changes.updates.len(), 20);
    assert_eq!(changes.files.len(), 3);
    c.bench_function(
        "update 20 of 500 dependencies (xml + props + global.json)",
        |b| b.iter(|| manifest::update(black_box(&files), black_box(&build))),
    );
}

criterion_group!(benches, bench);
criterion_main!(benches);
