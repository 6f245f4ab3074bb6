//! Public and internal, end to end in one `sluice serve` with the fake GitHub (public) and
//! the fake Azure DevOps (internal):
//! - a public GitHub source flows into an internal Azure DevOps target;
//! - an internal Azure DevOps mirror flows into a public GitHub target only while its
//!   build's commit is in the public repository it declares;
//! - a public build with a package only on an internal feed is refused for a public target;
//! - a build on an internal channel is refused for a public target (Stalled, with the
//!   reason in `sluice status` and `GET /api/status`) while its internal subscribers merge:
//!   one on Azure DevOps, one a GitHub repository that GitHub reports private.
//!
//! The public target of the internal channel is on a host only the running forge
//! registry knows as GitHub, so `sluice validate` cannot see it: the engine refuses it.

use std::path::Path;
use std::time::Duration;

use serde_json::Value;
use sluice_tests::demo::{Server, repos};
use sluice_tests::fake_azdo::FakeAzureDevOps;
use sluice_tests::github_flow::{GitHubServers, SLUICE_TOKEN};
use sluice_tests::wait;

const PAT: &str = "azdopatvisibility0123456789abcdefghijklmnop";
const INTERNAL_FEED: &str = "https://pkgs.dev.azure.com/contoso/_packaging/darc-int-contoso-runtime-0123456/nuget/v3/index.json";

/// A copy of demo repository `name` served by the fake Azure DevOps as
/// `contoso/Internal/_git/<name>`; its bare directory.
fn internal_copy(root: &Path, name: &str) -> std::path::PathBuf {
    let dir = FakeAzureDevOps::repo_path(&root.join("azdo"), "contoso", "Internal", name);
    std::fs::create_dir_all(dir.parent().unwrap()).unwrap();
    let from = root.join("remotes").join(format!("{name}.git"));
    repos::git(
        dir.parent().unwrap(),
        &["clone", "--bare", "--quiet", from.to_str().unwrap(), name],
    );
    dir
}

/// A commit on the internal mirror's `main` that was never pushed anywhere public.
fn internal_fix(root: &Path, mirror: &Path) -> String {
    let work = root.join("work/extensions-internal");
    repos::git(
        root,
        &[
            "clone",
            "--quiet",
            mirror.to_str().unwrap(),
            work.to_str().unwrap(),
        ],
    );
    std::fs::write(work.join("SECURITY.md"), "embargoed fix\n").unwrap();
    repos::git(&work, &["add", "-A"]);
    repos::git(
        &work,
        &[
            "-c",
            "user.name=dev",
            "-c",
            "user.email=dev@contoso.com",
            "commit",
            "--quiet",
            "-m",
            "embargoed fix",
        ],
    );
    repos::git(&work, &["push", "--quiet", "origin", "main"]);
    repos::git(&work, &["rev-parse", "HEAD"])
}

/// The version of `asset` that the manifest on `main` of bare repository `bare` references.
fn version_at(bare: &Path, asset: &str) -> String {
    let xml = repos::git(bare, &["show", "main:eng/Version.Details.xml"]);
    let at = xml
        .find(&format!("Name=\"{asset}\""))
        .unwrap_or_else(|| panic!("{asset} in {xml}"));
    let rest = &xml[at..];
    let version = rest.split("Version=\"").nth(1).unwrap_or_default();
    version.split('"').next().unwrap_or_default().to_string()
}

fn config(root: &Path, github: &GitHubServers, azdo: &FakeAzureDevOps) -> String {
    let dir = root.join("config");
    std::fs::create_dir_all(&dir).unwrap();
    let runtime = github.url("runtime");
    let extensions = github.url("extensions");
    let sdk = github.url("sdk");
    let internal = |name: &str| azdo.repo_url("contoso", "Internal", name);
    let sub = |name: &str, source: String, target: String| {
        format!(
            "---\napiVersion: sluice.dev/v1alpha1\nkind: Subscription\nmetadata: {{name: {name}}}\nspec:\n  source: {source}\n  target: {{repository: \"{target}\", branch: main}}\n  mergePolicies: [{{name: NoRequestedChanges}}]\n"
        )
    };
    let text = [
        "apiVersion: sluice.dev/v1alpha1\nkind: Channel\nmetadata: {name: dev}\nspec: {visibility: public}\n---\napiVersion: sluice.dev/v1alpha1\nkind: Channel\nmetadata: {name: servicing}\nspec: {visibility: internal}\n".to_string(),
        sub(
            "runtime-to-internal-sdk",
            format!("{{repository: \"{runtime}\", channel: dev}}"),
            internal("sdk"),
        ),
        sub(
            "internal-extensions-to-sdk",
            format!(
                "{{repository: \"{}\", channel: dev, publicRepository: \"{extensions}\"}}",
                internal("extensions")
            ),
            sdk,
        ),
        sub(
            "runtime-to-extensions",
            format!("{{repository: \"{runtime}\", channel: dev}}"),
            extensions.clone(),
        ),
        sub(
            "servicing-to-extensions",
            format!("{{repository: \"{runtime}\", channel: servicing}}"),
            extensions,
        ),
        sub(
            "servicing-to-internal-aspnetcore",
            format!("{{repository: \"{runtime}\", channel: servicing}}"),
            internal("aspnetcore"),
        ),
        sub(
            "servicing-to-private-aspnetcore",
            format!("{{repository: \"{runtime}\", channel: servicing}}"),
            github.url("aspnetcore"),
        ),
    ]
    .concat();
    std::fs::write(dir.join("flow.yaml"), text).unwrap();
    dir.display().to_string()
}

fn publish(server: &Server, repo: &str, commit: &str, number: &str, asset: &str, channel: &str) {
    server
        .sluice(&[
            "build",
            "publish",
            "--repo",
            repo,
            "--branch",
            "main",
            "--commit",
            commit,
            "--number",
            number,
            "--asset",
            asset,
            "--channel",
            channel,
            "--format",
            "json",
        ])
        .unwrap_or_else(|e| panic!("publish {number}: {e}"));
}

fn status_row(server: &Server, name: &str) -> Value {
    let text = server
        .sluice(&["status", "--format", "json"])
        .unwrap_or_default();
    let rows: Vec<Value> = serde_json::from_str(&text).unwrap_or_default();
    rows.into_iter()
        .find(|r| r["name"] == name)
        .unwrap_or(Value::Null)
}

#[test]
fn public_and_internal_flow_between_github_and_azure_devops() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    let github = GitHubServers::start(root);
    let azdo_sdk = internal_copy(root, "sdk");
    let azdo_aspnetcore = internal_copy(root, "aspnetcore");
    let mirror = internal_copy(root, "extensions");
    // GitHub says this one is private: internal builds may reach it.
    github
        .github
        .shared()
        .state()
        .repo("contoso/aspnetcore")
        .private = true;
    let azdo = FakeAzureDevOps::start(&root.join("azdo")).expect("fake Azure DevOps");
    azdo.add_pat(PAT, "sluice@contoso.com");
    let config = config(root, &github, &azdo);
    let (api, github_host, azdo_host) = (
        github.github.api_url(),
        github.git_server.addr().to_string(),
        azdo.host(),
    );
    let extra = [
        "--github-token-env",
        "SLUICE_GH",
        "--github-api-url",
        &api,
        "--github-host",
        &github_host,
        "--azure-devops-token-env",
        "SLUICE_AZDO",
        "--azure-devops-host",
        &azdo_host,
        "--pull-request-interval",
        "1",
    ];
    let env = [("SLUICE_GH", SLUICE_TOKEN), ("SLUICE_AZDO", PAT)];
    let server = Server::start_with_env(root, &config, &extra, &env).unwrap_or_else(|e| {
        let log = std::fs::read_to_string(root.join("serve.log")).unwrap_or_default();
        panic!("sluice serve starts: {e}\n{log}")
    });
    let limit = Duration::from_secs(90);
    let head = |bare: &Path| repos::git(bare, &["rev-parse", "main"]);
    let runtime = github.url("runtime");
    let runtime_head = head(&root.join("remotes/runtime.git"));

    // A public GitHub source into an internal Azure DevOps target.
    publish(
        &server,
        &runtime,
        &runtime_head,
        "1",
        "Contoso.Runtime=2.0.0",
        "dev",
    );
    wait::until_true("runtime 2.0.0 merged into the internal sdk", limit, || {
        version_at(&azdo_sdk, "Contoso.Runtime") == "2.0.0"
    });

    // An internal mirror into public GitHub: its public history flows...
    let mirror_url = azdo.repo_url("contoso", "Internal", "extensions");
    publish(
        &server,
        &mirror_url,
        &head(&mirror),
        "2",
        "Contoso.Extensions=3.0.0",
        "dev",
    );
    wait::until_true("extensions 3.0.0 merged into the public sdk", limit, || {
        repos::version_in(root, "sdk", "extensions") == "3.0.0"
    });
    // ...and a commit only the mirror has does not.
    let fix = internal_fix(root, &mirror);
    publish(
        &server,
        &mirror_url,
        &fix,
        "3",
        "Contoso.Extensions=3.0.1",
        "dev",
    );
    let refused = wait::until_ok("the embargoed build refused", limit, || {
        let row = status_row(&server, "internal-extensions-to-sdk");
        (row["reason"] == "InternalToPublic")
            .then_some(row.clone())
            .ok_or(row)
    });
    assert_eq!(refused["condition"], "Stalled", "{refused:#}");
    let message = refused["message"].as_str().unwrap_or_default();
    assert!(message.contains(&fix), "names the commit: {message}");
    assert!(
        message.contains(&github.url("extensions")),
        "names the public repository: {message}"
    );

    // An internal-channel build: refused for the public target, merged for the internal one.
    publish(
        &server,
        &runtime,
        &runtime_head,
        "4",
        "Contoso.Runtime=2.0.1",
        "servicing",
    );
    wait::until_true(
        "runtime 2.0.1 merged into the internal aspnetcore",
        limit,
        || version_at(&azdo_aspnetcore, "Contoso.Runtime") == "2.0.1",
    );
    wait::until_true(
        "runtime 2.0.1 merged into the private aspnetcore",
        limit,
        || repos::version_in(root, "aspnetcore", "runtime") == "2.0.1",
    );
    let row = wait::until_ok(
        "the servicing build refused for public extensions",
        limit,
        || {
            let row = status_row(&server, "servicing-to-extensions");
            (row["reason"] == "InternalToPublic")
                .then_some(row.clone())
                .ok_or(row)
        },
    );
    assert_eq!(row["condition"], "Stalled", "{row:#}");
    let message = row["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("internal channel `servicing`"),
        "{message}"
    );
    let api_status = server.get("/api/status").unwrap_or_default();
    assert!(api_status.contains("InternalToPublic"), "{api_status}");
    assert!(
        api_status.contains("internal channel `servicing`"),
        "{api_status}"
    );
    let table = server.sluice(&["status"]).unwrap_or_default();
    assert!(table.contains("InternalToPublic"), "{table}");

    // A public build whose package is only on an internal feed: the internal sdk takes it,
    // public extensions refuses it.
    let build = format!(
        "apiVersion: sluice.dev/v1alpha1\nkind: Build\nmetadata: {{name: runtime-5}}\nspec:\n  repository: \"{runtime}\"\n  branch: main\n  commit: {runtime_head}\n  buildNumber: \"5\"\n  channels: [dev]\n  assets:\n  - name: Contoso.Runtime\n    version: 2.0.2\n    locations:\n    - {{type: nugetFeed, location: \"{INTERNAL_FEED}\"}}\n"
    );
    let file = root.join("build-5.yaml");
    std::fs::write(&file, build).unwrap();
    server
        .sluice(&[
            "build",
            "publish",
            "--file",
            file.to_str().unwrap(),
            "--format",
            "json",
        ])
        .expect("published");
    wait::until_true("runtime 2.0.2 merged into the internal sdk", limit, || {
        version_at(&azdo_sdk, "Contoso.Runtime") == "2.0.2"
    });
    let row = wait::until_ok(
        "the internal-feed build refused for public extensions",
        limit,
        || {
            let row = status_row(&server, "runtime-to-extensions");
            (row["reason"] == "InternalToPublic")
                .then_some(row.clone())
                .ok_or(row)
        },
    );
    let message = row["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("only on internal feeds (Contoso.Runtime)"),
        "{message}"
    );
    assert_eq!(repos::version_in(root, "extensions", "runtime"), "2.0.0");

    // Nothing internal reached a public repository (aspnetcore on GitHub is private).
    assert_ne!(repos::version_in(root, "sdk", "extensions"), "3.0.1");
    let pulls = github.github.shared().state();
    let titles: Vec<String> = pulls
        .repos
        .iter()
        .filter(|(name, _)| name.as_str() != "contoso/aspnetcore")
        .flat_map(|(_, r)| r.pulls.values().map(|p| p.title.clone()))
        .collect();
    drop(pulls);
    assert!(
        titles
            .iter()
            .all(|t| !t.contains("2.0.1") && !t.contains("3.0.1")),
        "{titles:?}"
    );
    server.stop();
    let log = std::fs::read_to_string(root.join("serve.log")).unwrap_or_default();
    for secret in [PAT, SLUICE_TOKEN] {
        assert!(!log.contains(secret), "a secret reached the log");
    }
}
