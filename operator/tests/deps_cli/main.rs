//! End-to-end tests of `sluice deps` against repositories on disk.

use std::fs;
use std::path::Path;
use std::process::{Command, Output};

const VDX: &str = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<Dependencies>\n  <ProductDependencies>\n    <Dependency Name=\"Contoso.Runtime\" Version=\"1.0.0\">\n      <Uri>https://github.com/contoso/runtime</Uri>\n      <Sha>aaaaaaaa</Sha>\n    </Dependency>\n  </ProductDependencies>\n  <ToolsetDependencies>\n    <Dependency Name=\"Contoso.Sdk\" Version=\"2.0.0\">\n      <Uri>https://github.com/contoso/runtime</Uri>\n      <Sha>aaaaaaaa</Sha>\n    </Dependency>\n  </ToolsetDependencies>\n</Dependencies>\n";
const PROPS: &str = "<Project>\n  <PropertyGroup>\n    <ContosoRuntimePackageVersion>1.0.0</ContosoRuntimePackageVersion>\n  </PropertyGroup>\n</Project>\n";
const GLOBAL: &str = "{\n  \"msbuild-sdks\": {\n    \"Contoso.Sdk\": \"2.0.0\"\n  }\n}\n";

mod darc;
mod native;

fn sluice(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_sluice"))
        .args(args)
        .output()
        .expect("runs sluice")
}

fn repo() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    fs::create_dir_all(dir.path().join("eng")).expect("mkdir");
    fs::write(dir.path().join("eng/Version.Details.xml"), VDX).expect("write");
    fs::write(dir.path().join("eng/Versions.props"), PROPS).expect("write");
    fs::write(dir.path().join("global.json"), GLOBAL).expect("write");
    dir
}

fn read(dir: &Path, path: &str) -> String {
    fs::read_to_string(dir.join(path)).expect("read")
}

/// `sluice deps update` of `dir` with a build of contoso/runtime at `bbbbbbbb` carrying
/// `assets` (`Name=version`).
fn update(dir: &Path, assets: &[&str]) -> Output {
    let args: Vec<&str> = assets.iter().flat_map(|a| ["--asset", a]).collect();
    update_with(dir, &args)
}

/// `sluice deps update` of `dir` with a build of contoso/runtime at `bbbbbbbb` and the
/// further arguments `args`.
fn update_with(dir: &Path, args: &[&str]) -> Output {
    let d = dir.to_string_lossy().into_owned();
    let mut all = vec![
        "deps",
        "update",
        "--dir",
        &d,
        "--source-repo",
        "https://github.com/contoso/runtime",
        "--commit",
        "bbbbbbbb",
    ];
    all.extend_from_slice(args);
    sluice(&all)
}
