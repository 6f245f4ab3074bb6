//! A subscription whose target directories name a subdirectory (written `./src/tool/`)
//! updates the manifests there and nowhere else.

use std::time::Duration;

use sluice_tests::demo::Server;
use sluice_tests::demo::repos::{self, git, remote_url};
use sluice_tests::wait;

#[test]
fn manifests_in_a_subdirectory_are_updated() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    repos::create_repositories(root);
    // Move sdk's manifests into src/tool/ and leave a decoy at the root.
    let work = root.join("work/sdk");
    std::fs::create_dir_all(work.join("src/tool")).unwrap();
    git(&work, &["mv", "eng", "src/tool/eng"]);
    std::fs::create_dir_all(work.join("eng")).unwrap();
    std::fs::write(work.join("eng/Version.Details.xml"), "<Dependencies />\n").unwrap();
    git(&work, &["add", "-A"]);
    git(
        &work,
        &["commit", "--quiet", "-m", "Manifests move to src/tool"],
    );
    git(
        &work,
        &[
            "push",
            "--quiet",
            root.join("remotes/sdk.git").to_str().unwrap(),
            "main",
        ],
    );
    let config = repos::write_config(root);
    let yaml = std::fs::read_to_string(config.join("product.yaml")).unwrap();
    let sdk = format!(
        "target: {{repository: \"{}\", branch: main}}",
        remote_url(root, "sdk")
    );
    let moved = format!(
        "target: {{repository: \"{}\", branch: main, directories: [\"./src/tool/\"]}}",
        remote_url(root, "sdk")
    );
    assert!(yaml.contains(&sdk));
    std::fs::write(config.join("product.yaml"), yaml.replace(&sdk, &moved)).unwrap();

    let server = Server::start(root, &config).unwrap();
    server.publish(root, "runtime", "1", "2.0.0").unwrap();
    let remote = root.join("remotes/sdk.git");
    let branch = "sluice/main/runtime-to-sdk";
    wait::until_true("the update branch", Duration::from_secs(60), || {
        std::process::Command::new("git")
            .args(["rev-parse", "--verify", "--quiet", branch])
            .current_dir(&remote)
            .status()
            .is_ok_and(|s| s.success())
    });
    let xml = git(
        &remote,
        &[
            "show",
            &format!("{branch}:src/tool/eng/Version.Details.xml"),
        ],
    );
    assert!(
        xml.contains("Name=\"Contoso.Runtime\" Version=\"2.0.0\""),
        "{xml}"
    );
    let props = git(
        &remote,
        &["show", &format!("{branch}:src/tool/eng/Versions.props")],
    );
    assert!(
        props.contains("<ContosoRuntimePackageVersion>2.0.0<"),
        "{props}"
    );
    assert_eq!(
        git(
            &remote,
            &["show", &format!("{branch}:eng/Version.Details.xml")]
        ),
        "<Dependencies />",
        "the root is left alone"
    );
    server.stop();
}
