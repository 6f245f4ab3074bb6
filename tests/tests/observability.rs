//! What a person running `sluice serve` sees: the log at the default level, `/metrics`,
//! `sluice status`, `sluice pr show`, and the flow history, through a flow with a stall and
//! its recovery, a pull request merged by sluice, one merged and one closed by hand, and a
//! subscription removed from the configuration.

use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use serde_json::Value;
use sluice_tests::binary::sluice;
use sluice_tests::demo::Server;
use sluice_tests::demo::repos::{self, git};

fn wait_until<T>(what: &str, probe: impl FnMut() -> Option<T>) -> T {
    sluice_tests::wait::until(what, Duration::from_secs(60), probe)
}

fn json(server: &Server, args: &[&str]) -> Value {
    serde_json::from_str(&server.sluice(args).unwrap_or_default()).unwrap_or_default()
}

fn status_row(server: &Server, name: &str) -> Option<Value> {
    json(server, &["status", "-o", "json"])
        .as_array()?
        .iter()
        .find(|r| r["name"] == name)
        .cloned()
}

fn open_pr(server: &Server, repo: &str) -> Option<Value> {
    json(server, &["pr", "list", "--format", "json"])
        .as_array()?
        .iter()
        .find(|p| {
            p["state"] == "Open"
                && p["repository"]
                    .as_str()
                    .is_some_and(|r| r.ends_with(&format!("/{repo}.git")))
        })
        .cloned()
}

/// The value of an unlabelled sample, or of one with `labels`, in `/metrics`.
fn metric(server: &Server, sample: &str) -> Option<f64> {
    let text = server.get("/metrics")?;
    text.lines()
        .find_map(|l| l.strip_prefix(sample)?.strip_prefix(' ')?.parse().ok())
}

fn remote_branch(root: &Path, repo: &str, branch: &str) -> String {
    git(
        &root.join("remotes").join(format!("{repo}.git")),
        &["branch", "--list", branch],
    )
}

fn push_manifest(root: &Path, repo: &str, edit: impl Fn(&str) -> String, message: &str) {
    let work = root.join("work").join(repo);
    let path = work.join("eng/Version.Details.xml");
    let xml = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, edit(&xml)).unwrap();
    git(&work, &["commit", "--quiet", "-am", message]);
    let remote = root.join("remotes").join(format!("{repo}.git"));
    git(
        &work,
        &["push", "--quiet", remote.to_str().unwrap(), "main"],
    );
}

#[test]
fn a_flow_is_visible_in_logs_metrics_status_and_pull_requests() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    repos::create_repositories(root);
    let config = repos::write_config(root);
    push_manifest(
        root,
        "sdk",
        |xml| xml.replacen("</Dependency>", "</Dependncy>", 1),
        "Break the manifest",
    );
    let server = Server::start(root, &config).unwrap();

    // Every metric family is there before anything happened.
    for sample in [
        "sluice_pull_requests_opened_total",
        "sluice_pull_requests_merged_total",
        "sluice_builds_published_total",
        "sluice_failures_total{reason=\"permanent\"}",
        "sluice_failures_total{reason=\"retryable\"}",
        "sluice_failures_total{reason=\"conflict\"}",
    ] {
        assert_eq!(metric(&server, sample), Some(0.0), "{sample} at start");
    }
    assert!(metric(&server, "sluice_reconciles_total").is_some());
    // `sluice serve` always acts: it is its own leader.
    assert_eq!(metric(&server, "sluice_leader"), Some(1.0));

    server.publish(root, "runtime", "1", "2.0.0").unwrap();
    let extensions = wait_until("the extensions pull request", || {
        open_pr(&server, "extensions")
    });
    let aspnetcore = wait_until("the aspnetcore pull request", || {
        open_pr(&server, "aspnetcore")
    });
    wait_until("the sdk stall", || {
        (status_row(&server, "runtime-to-sdk")?["condition"] == "Stalled").then_some(())
    });

    // Status: numbers and objects, the requested build while the pull request is open.
    let row = wait_until("policies in status", || {
        status_row(&server, "runtime-to-extensions")
            .filter(|r| r["policies"].as_array().is_some_and(|p| !p.is_empty()))
    });
    assert_eq!(
        row["pullRequest"]["number"], extensions["number"],
        "{row:#}"
    );
    assert!(
        row["pullRequest"]["url"]
            .as_str()
            .unwrap()
            .starts_with("http://"),
        "{row:#}"
    );
    assert_eq!(row["pullRequest"]["state"], "Open", "{row:#}");
    assert_eq!(row["requestedBuild"]["id"], 1, "{row:#}");
    assert_eq!(row["requestedBuild"]["number"], "1", "{row:#}");
    assert!(row["lastAppliedBuild"].is_null(), "{row:#}");
    assert!(
        row["nextUpdate"].is_null(),
        "EveryBuild is not scheduled: {row:#}"
    );

    // The default table fits a terminal; -o wide has everything.
    let table = server.sluice(&["status"]).unwrap();
    for line in table.lines() {
        assert!(line.chars().count() <= 100, "too wide: {line:?}\n{table}");
    }
    let number = extensions["number"].as_i64().unwrap();
    assert!(table.contains(&format!("#{number} Open")), "{table}");
    assert!(table.contains("-> 1"), "requested build shown: {table}");
    assert!(table.contains("Stalled (ManifestInvalid)"), "{table}");
    let wide = server.sluice(&["status", "-o", "wide"]).unwrap();
    assert!(wide.contains("AllChecksSuccessful=Pending"), "{wide}");
    assert!(wide.contains("eng/Version.Details.xml:"), "{wide}");

    // `sluice pr show`: a summary, and JSON with numbers and objects.
    let shown = server.sluice(&["pr", "show", &number.to_string()]).unwrap();
    for want in [
        format!("#{number} [main] Update dependencies from "),
        "state:     Open".to_string(),
        format!("url:       {}", row["pullRequest"]["url"].as_str().unwrap()),
        "branches:  sluice/main/".to_string(),
        "runtime-to-extensions: build 1 (id 1)".to_string(),
        "AllChecksSuccessful: Pending".to_string(),
        "checks: none".to_string(),
        "reviews: none".to_string(),
    ] {
        assert!(shown.contains(&want), "pr show lacks {want:?}:\n{shown}");
    }
    let shown = json(
        &server,
        &["pr", "show", &number.to_string(), "--format", "json"],
    );
    assert_eq!(shown["number"], number, "{shown:#}");
    assert_eq!(shown["carried"][0]["build"]["id"], 1, "{shown:#}");
    assert_eq!(shown["policies"][0]["result"], "Pending", "{shown:#}");

    // A reader that goes away early is no error.
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let piped = sluice()
        .args(["pr", "list"])
        .env("SLUICE_SERVER", server.url())
        .stdout(writer)
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    assert_eq!(piped.status.code(), Some(0), "{piped:?}");

    // Closed by hand: the head branch goes.
    let head = extensions["headBranch"].as_str().unwrap().to_string();
    assert!(!remote_branch(root, "extensions", &head).is_empty());
    server
        .sluice(&["pr", "close", &number.to_string()])
        .unwrap();
    assert_eq!(
        remote_branch(root, "extensions", &head),
        "",
        "head branch left behind"
    );

    // Merged by sluice once its check passes.
    let n = aspnetcore["number"].to_string();
    server
        .sluice(&["pr", "check", &n, "--name", "build", "--state", "success"])
        .unwrap();
    wait_until("sluice to merge aspnetcore", || {
        (metric(&server, "sluice_pull_requests_merged_total")? == 1.0).then_some(())
    });

    // The sdk manifest repaired and the subscription triggered: it recovers; its pull
    // request merged by a person counts too.
    push_manifest(
        root,
        "sdk",
        |xml| xml.replacen("</Dependncy>", "</Dependency>", 1),
        "Repair",
    );
    // The engine may still hold the target's ref advertisement from before the repair
    // for a few seconds: trigger again until it sees the repaired head.
    let mut triggered: Option<Instant> = None;
    let sdk = wait_until("the sdk pull request", || {
        if triggered.is_none_or(|t| t.elapsed() > Duration::from_secs(2)) {
            server
                .sluice(&["subscription", "trigger", "runtime-to-sdk"])
                .unwrap();
            triggered = Some(Instant::now());
        }
        open_pr(&server, "sdk")
    });
    server
        .sluice(&["pr", "merge", &sdk["number"].to_string()])
        .unwrap();
    wait_until("the hand merge to count", || {
        (metric(&server, "sluice_pull_requests_merged_total")? == 2.0).then_some(())
    });

    // A subscription removed from the configuration leaves an event.
    let product = config.join("product.yaml");
    let text = std::fs::read_to_string(&product).unwrap();
    let kept: Vec<&str> = text
        .split("---\n")
        .filter(|d| !d.contains("name: runtime-to-extensions}"))
        .collect();
    assert!(kept.len() < text.split("---\n").count());
    std::fs::write(&product, kept.join("---\n")).unwrap();
    wait_until("the removal event", || {
        let events: Vec<Value> =
            serde_json::from_str(&server.get("/api/events?limit=1000")?).ok()?;
        events
            .iter()
            .any(|e| {
                e["kind"] == "subscription-removed" && e["subscription"] == "runtime-to-extensions"
            })
            .then_some(())
    });

    // An invalid load is reported by `sluice status`, which keeps working.
    std::fs::write(config.join("broken.yaml"), "kind: Subscription\nspec: [\n").unwrap();
    let stderr = wait_until("status to report the invalid load", || {
        let out = sluice()
            .args(["status"])
            .env("SLUICE_SERVER", server.url())
            .output()
            .ok()?;
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        (out.status.success() && stderr.contains("invalid")).then_some(stderr)
    });
    assert!(stderr.contains("broken.yaml"), "{stderr}");
    server.stop();

    let log = std::fs::read_to_string(root.join("serve.log")).unwrap();
    assert!(
        !log.contains('\u{1b}'),
        "colour codes in a log file:\n{log}"
    );
    for want in [
        "configuration loaded",
        "subscriptions=6",
        "channels=1",
        "pull request opened",
        "pull request closed by a person",
        "pull request merged",
        "pull request merged by a person",
        "stalled",
        "recovered from a stall",
        "subscription removed from the configuration",
    ] {
        assert!(log.contains(want), "the log lacks {want:?}:\n{log}");
    }
}

#[test]
fn status_fails_without_a_configuration_in_force() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    let config = root.join("config");
    std::fs::create_dir_all(&config).unwrap();
    std::fs::write(config.join("broken.yaml"), "kind: Subscription\nspec: [\n").unwrap();
    let log = root.join("serve.log");
    let mut child = sluice()
        .args(["serve", "--listen", "127.0.0.1:0", "--config"])
        .arg(&config)
        .arg("--data")
        .arg(root.join("data"))
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .unwrap();
    let url = wait_until("the server to listen", || {
        let text = std::fs::read_to_string(&log).ok()?;
        let rest = text.split("serving on ").nth(1)?;
        Some(rest.split_whitespace().next()?.to_string())
    });
    let out = wait_until("status to answer", || {
        let out = sluice()
            .args(["status"])
            .env("SLUICE_SERVER", &url)
            .output()
            .ok()?;
        String::from_utf8_lossy(&out.stderr)
            .contains("no valid configuration")
            .then_some(out)
    });
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("broken.yaml"),
        "{out:?}"
    );
}
