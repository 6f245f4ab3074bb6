//! `sluice flow graph`, `sluice flow time` and `sluice readiness` end to end: the demo
//! product (four repositories on `file://` remotes, a chain and a diamond) flows to
//! convergence under a real `sluice serve`, so its store holds a real flow history; then
//! a new runtime build lands in sdk ahead of the rest, the product is incoherent, and
//! the flow resolves it.

use std::path::Path;
use std::time::Duration;

use serde_json::Value;
use sluice_tests::demo::{self, Options, Server, repos};

fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("{e}: {text}"))
}

/// `sluice <args>` against `server`: exit code, stdout, stderr.
fn run(server: &Server, args: &[&str]) -> (Option<i32>, String, String) {
    let out = std::process::Command::new(sluice_tests::binary::sluice_path())
        .args(args)
        .env("SLUICE_SERVER", server.url())
        .env_remove("SLUICE_TOKEN")
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn open_pull_requests(server: &Server) -> Vec<Value> {
    let list = json(&server.sluice(&["pr", "list", "--format", "json"]).unwrap());
    list.as_array()
        .unwrap()
        .iter()
        .filter(|p| p["state"] == "Open")
        .cloned()
        .collect()
}

fn head_of(server: &Server, number: &str) -> Option<String> {
    let details = json(
        &server
            .sluice(&["pr", "show", number, "--format", "json"])
            .ok()?,
    );
    details["headCommit"].as_str().map(str::to_owned)
}

/// Reports check `ci` as `state` on the open pull request of `subscription`, once open.
fn check(server: &Server, subscription: &str, state: &str) {
    let branch = format!("sluice/main/{subscription}");
    sluice_tests::wait::until_true(
        &format!("the pull request of {subscription} checked {state}"),
        Duration::from_secs(60),
        || {
            let Some(pr) = open_pull_requests(server)
                .into_iter()
                .find(|p| p["headBranch"] == branch.as_str())
            else {
                return false;
            };
            let number = pr["number"].to_string();
            let Some(head) = head_of(server, &number) else {
                return false;
            };
            server
                .sluice(&[
                    "pr", "check", &number, "--name", "ci", "--state", state, "--commit", &head,
                ])
                .is_ok()
        },
    );
}

fn head(root: &Path, repo: &str) -> String {
    repos::git(
        &root.join("remotes").join(format!("{repo}.git")),
        &["rev-parse", "main"],
    )
}

#[test]
fn flow_times_critical_path_and_readiness_from_a_real_history() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().to_path_buf();
    demo::run(&Options {
        root: root.clone(),
        timeout: Duration::from_secs(180),
        kills: 0,
        seed: 1,
        verbose: false,
    })
    .expect("the demo converges");
    let server = Server::start(&root, &root.join("config")).unwrap();
    let sdk = repos::remote_url(&root, "sdk");
    let cache = root.join("cache");
    let cache = cache.to_str().unwrap();

    // The network: six subscriptions, every one merged at least once.
    let (code, out, err) = run(&server, &["flow", "graph", "--format", "json"]);
    assert_eq!(code, Some(0), "{err}");
    let network = json(&out);
    let links = network["links"].as_array().unwrap();
    assert_eq!(links.len(), 6, "{network:#}");
    for link in links {
        assert!(
            link["update"]["samples"].as_u64() >= Some(1),
            "{}: no merge in the history: {link:#}",
            link["subscription"]
        );
        // The demo's aspnetcore subscriptions merge under Standard, the others under
        // AllChecksSuccessful.
        let expected = if link["subscription"]
            .as_str()
            .is_some_and(|s| s.ends_with("-to-aspnetcore"))
        {
            "Standard"
        } else {
            "AllChecksSuccessful"
        };
        assert_eq!(
            link["policies"],
            serde_json::json!([expected]),
            "{}",
            link["subscription"]
        );
    }
    // runtime is the only source and sdk the only sink: every slowest chain runs from one
    // to the other, and its total is the sum of its links' medians.
    let path = &network["criticalPath"];
    let repos_on_path: Vec<&str> = path["repositories"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_str().unwrap())
        .collect();
    assert_eq!(
        repos_on_path.first(),
        Some(&repos::remote_url(&root, "runtime").as_str())
    );
    assert_eq!(repos_on_path.last(), Some(&sdk.as_str()));
    let weight = |l: &Value| {
        l["update"]["medianSecs"].as_i64().unwrap_or(0)
            + l["build"]["medianSecs"].as_i64().unwrap_or(0)
    };
    let total: i64 = path["links"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| weight(&links[i.as_u64().unwrap() as usize]))
        .sum();
    assert_eq!(path["totalSecs"].as_i64(), Some(total));

    // Text, DOT and Mermaid mark the same path.
    let (code, text, _) = run(&server, &["flow", "graph"]);
    assert_eq!(code, Some(0));
    assert!(text.contains("Critical path (* above)"), "{text}");
    assert!(text.contains("runtime-to-sdk"), "{text}");
    let (_, dot, _) = run(&server, &["flow", "graph", "--format", "dot"]);
    assert!(dot.starts_with("digraph flow {"), "{dot}");
    let (_, mermaid, _) = run(
        &server,
        &[
            "flow",
            "graph",
            "--format",
            "mermaid",
            "--channel",
            "product-dev",
        ],
    );
    assert_eq!(
        mermaid.matches("linkStyle").count(),
        path["links"].as_array().unwrap().len(),
        "{mermaid}"
    );
    let (_, other, _) = run(
        &server,
        &[
            "flow",
            "graph",
            "--channel",
            "nothing-reads-this",
            "--format",
            "json",
        ],
    );
    assert_eq!(json(&other)["links"].as_array().map(Vec::len), Some(0));

    // flow time runtime -> sdk is the slowest path, so the critical path, with its figures.
    let (code, out, err) = run(
        &server,
        &["flow", "time", "runtime", "sdk", "--format", "json"],
    );
    assert_eq!(code, Some(0), "{err}");
    let time = json(&out);
    assert_eq!(time["totalSecs"], path["totalSecs"], "{time:#}");
    assert_eq!(
        time["hops"].as_array().unwrap().len(),
        path["links"].as_array().unwrap().len()
    );
    let (_, text, _) = run(&server, &["flow", "time", "runtime", "sdk"]);
    assert!(text.contains("runtime -> sdk: slowest of"), "{text}");
    assert!(text.contains("Estimated time to flow:"), "{text}");
    let (code, _, err) = run(&server, &["flow", "time", "runtime", "nowhere"]);
    assert_eq!(code, Some(2));
    assert!(err.contains("TARGET") && err.contains("known: "), "{err}");
    let (code, _, err) = run(&server, &["flow", "time", "sdk", "runtime"]);
    assert_eq!(code, Some(1));
    assert!(err.contains("no chain of subscriptions"), "{err}");
    let (code, _, err) = run(&server, &["flow", "graph", "--window", "30"]);
    assert_eq!(code, Some(2));
    assert!(err.contains("--window"), "{err}");

    // Converged: coherent.
    let (code, out, err) = run(&server, &["readiness", &sdk, "--cache", cache]);
    assert_eq!(code, Some(0), "{out}{err}");
    assert!(out.contains("is coherent"), "{out}");

    // A runtime fix lands in sdk directly while extensions and aspnetcore lag: the
    // extensions update fails its check, the aspnetcore one waits for its.
    let work = root.join("work").join("runtime");
    repos::git(
        &work,
        &[
            "commit",
            "--quiet",
            "--allow-empty",
            "-m",
            "Fix a runtime bug",
        ],
    );
    let remote = root.join("remotes").join("runtime.git");
    repos::git(
        &work,
        &["push", "--quiet", remote.to_str().unwrap(), "main"],
    );
    server
        .publish(&root, "runtime", "runtime.fix", "3.0.0")
        .unwrap();
    check(&server, "runtime-to-sdk", "success");
    check(&server, "runtime-to-extensions", "failure");
    sluice_tests::wait::until_true("sdk takes the runtime fix", Duration::from_secs(60), || {
        repos::version_in(&root, "sdk", "runtime") == "3.0.0"
    });
    let report = sluice_tests::wait::until(
        "the failed policy in the status",
        Duration::from_secs(60),
        || {
            let (code, out, _) = run(
                &server,
                &["readiness", &sdk, "--cache", cache, "--format", "json"],
            );
            let report = json(&out);
            let failed = report["findings"][0]["stale"]
                .as_array()?
                .iter()
                .flat_map(|p| p["hops"].as_array().unwrap())
                .any(|h| h["blockers"].to_string().contains("merge policy failed"));
            (code == Some(3) && failed).then_some(report)
        },
    );
    assert_eq!(report["coherent"], false);
    let finding = &report["findings"][0];
    assert_eq!(
        finding["repository"],
        repos::remote_url(&root, "runtime").as_str()
    );
    assert_eq!(finding["alignOn"]["number"], "runtime.fix");
    assert_eq!(
        finding["alignOn"]["commit"],
        head(&root, "runtime").as_str()
    );
    let hops: Vec<&Value> = finding["stale"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|p| p["hops"].as_array().unwrap())
        .collect();
    let first = |sub: &str| *hops.iter().find(|h| h["subscription"] == sub).unwrap();
    assert_eq!(first("runtime-to-extensions")["state"], "pull-request-open");
    assert_eq!(first("runtime-to-aspnetcore")["state"], "pull-request-open");
    assert!(
        first("runtime-to-aspnetcore")["blockers"]
            .to_string()
            .contains("merge policy pending: AllChecksSuccessful")
    );
    assert_eq!(first("extensions-to-sdk")["state"], "awaits-source");
    assert!(report["estimateSecs"].is_i64(), "{report:#}");
    let (code, text, _) = run(&server, &["readiness", &sdk, "--cache", cache]);
    assert_eq!(code, Some(3));
    for want in [
        "is NOT coherent",
        "runtime: align on",
        "blocked: merge policy failed: AllChecksSuccessful",
        "Estimated time to a coherent product:",
    ] {
        assert!(text.contains(want), "{want:?} not in\n{text}");
    }

    // The flow resolves it: checks pass, each repository's CI publishes when its main moves.
    let mut published: std::collections::BTreeMap<&str, String> = ["extensions", "aspnetcore"]
        .iter()
        .map(|r| (*r, head(&root, r)))
        .collect();
    let mut n = 0;
    sluice_tests::wait::until_true("a coherent product again", Duration::from_secs(120), || {
        for repo in ["extensions", "aspnetcore"] {
            let now = head(&root, repo);
            if published[repo] != now {
                n += 1;
                if server
                    .publish(&root, repo, &format!("{repo}.r{n}"), &format!("3.0.{n}"))
                    .is_ok()
                {
                    published.insert(repo, now);
                }
            }
        }
        for pr in open_pull_requests(&server) {
            let number = pr["number"].to_string();
            if let Some(head) = head_of(&server, &number) {
                let _ = server.sluice(&[
                    "pr", "check", &number, "--name", "ci", "--state", "success", "--commit", &head,
                ]);
            }
        }
        run(&server, &["readiness", &sdk, "--cache", cache]).0 == Some(0)
    });
    server.stop();
}
