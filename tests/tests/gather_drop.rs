//! `sluice gather-drop` end to end: real git repositories (a product of four, one without
//! a registered build), a real `sluice serve` holding the builds, and a real HTTP server
//! of the assets (blobs with ranges, a NuGet feed). A dry run lists and fetches nothing;
//! a run downloads every file into `<repository>/<build>/`, writes the manifest and
//! reports the node without a build; a run after a cut resumes the partial file with a
//! range request and keeps the complete ones.

use std::path::Path;
use std::process::Output;

use serde_json::{Value, json};
use sluice_tests::asset_server::AssetServer;
use sluice_tests::binary::sluice;
use sluice_tests::demo::Server;
use sluice_tests::fixture_repo::FixtureRepo;
use sluice_tests::version_details::{Dep, xml};

/// Bytes that differ along the file, so a misplaced range shows.
fn content(seed: u8, len: usize) -> Vec<u8> {
    (0..len)
        .map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed))
        .collect()
}

struct World {
    _tmp: tempfile::TempDir,
    root: std::path::PathBuf,
    server: Server,
    assets: AssetServer,
    app: String,
    app_commit: String,
    tools: String,
}

fn url(repo: &FixtureRepo) -> String {
    format!("file://{}", repo.bare.display())
}

fn publish(server: &Server, root: &Path, build: Value) {
    let file = root.join(format!(
        "build-{}.json",
        build["buildNumber"].as_str().unwrap()
    ));
    std::fs::write(&file, build.to_string()).unwrap();
    server
        .sluice(&["build", "publish", "--file", file.to_str().unwrap()])
        .expect("published");
}

fn world() -> World {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().to_path_buf();
    let served = root.join("served");
    std::fs::create_dir_all(&served).unwrap();
    let runtime = FixtureRepo::create(&served, "runtime.git");
    let tools = FixtureRepo::create(&served, "tools.git");
    let lib = FixtureRepo::create(&served, "lib.git");
    let app = FixtureRepo::create(&served, "app.git");
    let r = runtime.commit(&[("README.md", "runtime\n")], "runtime");
    let t = tools.commit(&[("README.md", "tools\n")], "tools");
    let l = lib.commit(
        &[(
            "eng/Version.Details.xml",
            &xml(&[Dep::product("runtime.tar.gz", "3.0.0", &url(&runtime), &r)]),
        )],
        "lib",
    );
    let a = app.commit(
        &[(
            "eng/Version.Details.xml",
            &xml(&[
                Dep::product("Contoso.Lib", "2.0.0", &url(&lib), &l),
                Dep::product("runtime.tar.gz", "3.0.0", &url(&runtime), &r),
                Dep::product("Contoso.Tools", "1.0.0", &url(&tools), &t),
            ]),
        )],
        "app",
    );
    let config = root.join("config");
    std::fs::create_dir_all(&config).unwrap();
    std::fs::write(
        config.join("channels.yaml"),
        "apiVersion: sluice.dev/v1alpha1\nkind: Channel\nmetadata: {name: dev}\nspec: {}\n",
    )
    .unwrap();
    let server = Server::start(&root, &config).expect("server");
    let assets = AssetServer::start().expect("asset server");
    assets.put("drops/app/app.zip", &content(1, 3_000));
    assets.put_package("Contoso.Lib", "2.0.0", &content(2, 5_000));
    assets.put("drops/runtime/bin/runtime.tar.gz", &content(3, 100_000));
    let blob =
        |path: &str| json!([{"location": format!("{}/{path}", assets.base()), "type": "blob"}]);
    let build = |repo: &FixtureRepo, commit: &str, number: &str, assets: Value| {
        json!({"repository": url(repo), "branch": "main", "commit": commit,
               "buildNumber": number, "channels": ["dev"], "assets": assets})
    };
    publish(
        &server,
        &root,
        build(
            &app,
            &a,
            "20261201.4",
            json!([{"name": "app.zip", "version": "1.0.0", "locations": blob("drops/app")}]),
        ),
    );
    publish(
        &server,
        &root,
        build(
            &lib,
            &l,
            "20261201.2",
            json!([{"name": "Contoso.Lib", "version": "2.0.0",
            "locations": [{"location": assets.feed(), "type": "nugetFeed"}]}]),
        ),
    );
    publish(
        &server,
        &root,
        build(
            &runtime,
            &r,
            "20261201.1",
            json!([
            {"name": "bin/runtime.tar.gz", "version": "3.0.0", "locations": blob("drops/runtime/")},
            {"name": "contoso/runtime-deps", "version": "3.0.0",
             "locations": [{"location": "registry.example.com/contoso/runtime-deps", "type": "container"}]}]),
        ),
    );
    World {
        _tmp: tmp,
        root,
        app: url(&app),
        app_commit: a,
        tools: url(&tools),
        server,
        assets,
    }
}

impl World {
    fn gather(&self, extra: &[&str]) -> Output {
        let out = self.root.join("drop");
        let cache = self.root.join("cache");
        sluice()
            .args([
                "gather-drop",
                &self.app,
                "--ref",
                &self.app_commit,
                "--output",
                out.to_str().unwrap(),
                "--cache",
                cache.to_str().unwrap(),
            ])
            .args(extra)
            .env("SLUICE_SERVER", self.server.url())
            .env_remove("SLUICE_TOKEN")
            .output()
            .expect("run sluice")
    }

    fn drop_file(&self, path: &str) -> std::path::PathBuf {
        path.split('/')
            .fold(self.root.join("drop"), |d, s| d.join(s))
    }
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn gather_drop_lists_downloads_reports_and_resumes() {
    let w = world();
    const APP: &str = "app/20261201.4/app.zip";
    const LIB: &str = "lib/20261201.2/contoso.lib.2.0.0.nupkg";
    const RUNTIME: &str = "runtime/20261201.1/bin/runtime.tar.gz";

    // A dry run lists the plan and touches nothing.
    let dry = w.gather(&["--dry-run"]);
    assert_eq!(dry.status.code(), Some(1), "{}", text(&dry.stderr));
    let listing = text(&dry.stdout);
    for expected in [
        APP,
        LIB,
        RUNTIME,
        "skipped contoso/runtime-deps 3.0.0: a container image: pull registry.example.com/contoso/runtime-deps:3.0.0",
        &format!("{} @ ", w.tools),
        ": no build registered",
    ] {
        assert!(listing.contains(expected), "{expected:?} not in\n{listing}");
    }
    assert!(w.assets.requests().is_empty(), "{:?}", w.assets.requests());
    assert!(!w.root.join("drop").exists());

    // A run downloads every file and reports the node without a build.
    let run = w.gather(&[]);
    assert_eq!(run.status.code(), Some(1), "{}", text(&run.stderr));
    let progress = text(&run.stderr);
    assert!(progress.contains("[3/3] downloaded "), "{progress}");
    assert_eq!(std::fs::read(w.drop_file(APP)).unwrap(), content(1, 3_000));
    assert_eq!(std::fs::read(w.drop_file(LIB)).unwrap(), content(2, 5_000));
    assert_eq!(
        std::fs::read(w.drop_file(RUNTIME)).unwrap(),
        content(3, 100_000)
    );
    let manifest: Value =
        serde_json::from_slice(&std::fs::read(w.root.join("drop/manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["complete"], false);
    assert_eq!(manifest["root"]["commit"], w.app_commit.as_str());
    let mut gathered: Vec<(String, u64, String)> = manifest["gathered"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| {
            (
                g["path"].as_str().unwrap().to_owned(),
                g["bytes"].as_u64().unwrap(),
                g["how"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    gathered.sort();
    assert_eq!(
        gathered,
        [
            (APP.to_owned(), 3_000, "downloaded".to_owned()),
            (LIB.to_owned(), 5_000, "downloaded".to_owned()),
            (RUNTIME.to_owned(), 100_000, "downloaded".to_owned()),
        ]
    );
    let lib = manifest["gathered"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["path"] == LIB)
        .unwrap();
    assert_eq!(
        lib["url"],
        format!(
            "{}/feed/flat/contoso.lib/2.0.0/contoso.lib.2.0.0.nupkg",
            w.assets.base()
        )
    );
    assert_eq!(manifest["missing"][0]["repository"], w.tools.as_str());
    assert_eq!(manifest["missing"].as_array().unwrap().len(), 1);
    assert_eq!(manifest["skipped"][0]["asset"], "contoso/runtime-deps");
    assert_eq!(manifest["failed"], json!([]));

    // A cut run: half of runtime is left as a partial file, app is gone. The next run
    // resumes runtime from where it stopped, downloads app again and keeps lib.
    let runtime = w.drop_file(RUNTIME);
    std::fs::remove_file(&runtime).unwrap();
    std::fs::write(
        runtime.with_file_name("runtime.tar.gz.part"),
        &content(3, 100_000)[..40_000],
    )
    .unwrap();
    std::fs::remove_file(w.drop_file(APP)).unwrap();
    let before = w.assets.requests().len();
    let again = w.gather(&[]);
    assert_eq!(again.status.code(), Some(1), "{}", text(&again.stderr));
    assert_eq!(std::fs::read(&runtime).unwrap(), content(3, 100_000));
    assert!(!runtime.with_file_name("runtime.tar.gz.part").exists());
    assert_eq!(std::fs::read(w.drop_file(APP)).unwrap(), content(1, 3_000));
    let requests = w.assets.requests()[before..].to_vec();
    assert!(
        requests.contains(&(
            "drops/runtime/bin/runtime.tar.gz".to_owned(),
            Some("bytes=40000-".to_owned())
        )),
        "{requests:?}"
    );
    assert!(
        !requests.iter().any(|(p, _)| p.ends_with(".nupkg")),
        "lib was complete: {requests:?}"
    );
    let manifest: Value =
        serde_json::from_slice(&std::fs::read(w.root.join("drop/manifest.json")).unwrap()).unwrap();
    let how: std::collections::BTreeMap<String, String> = manifest["gathered"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| {
            (
                g["path"].as_str().unwrap().to_owned(),
                g["how"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(how[APP], "downloaded");
    assert_eq!(how[LIB], "present");
    assert_eq!(how[RUNTIME], "resumed");
}
