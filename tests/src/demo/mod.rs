//! A self-contained dependency flow: four repositories (a chain plus a diamond), a config,
//! `sluice serve` with the embedded store, and a driver that plays every repository's CI:
//! it reports checks on update pull requests and publishes a new build of a repository
//! each time its main branch moves. It ends when the top repository depends on the new
//! bits through every path, coherently.
//!
//! `make demo` runs it; the reliability test runs it while killing the server.

pub mod repos;
mod server;

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::time::{Duration, Instant};

pub use crate::http::Answer;
use repos::{PRODUCT, asset_name, git};
pub use server::Server;

/// How to run the demo.
#[derive(Debug, Clone)]
pub struct Options {
    /// Scratch directory (repositories, config, data).
    pub root: PathBuf,
    /// Give up after this long.
    pub timeout: Duration,
    /// Kill the server with SIGKILL this many times at pseudo-random moments, restarting it.
    pub kills: usize,
    /// Seed of the kill schedule.
    pub seed: u64,
    /// Print progress lines.
    pub verbose: bool,
}

/// A pull request the demo saw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeenPullRequest {
    /// Number.
    pub number: i64,
    /// Target repository name.
    pub repository: String,
    /// Head branch.
    pub head_branch: String,
    /// Title.
    pub title: String,
    /// Final state.
    pub state: String,
}

/// What the demo observed.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// Every pull request, by number.
    pub pull_requests: Vec<SeenPullRequest>,
    /// Final dependency versions per repository.
    pub versions: BTreeMap<String, Vec<(String, String)>>,
    /// The newest version each repository published.
    pub published: BTreeMap<String, String>,
    /// Builds published, in order: (repository, version).
    pub builds: Vec<(String, String)>,
    /// Times the server was killed and restarted.
    pub restarts: usize,
    /// Most pull requests seen open at once for one head branch (must be 1).
    pub max_open_per_branch: usize,
    /// For every build at the end: (build id, repository, flow state per dependent
    /// subscription, e.g. `applied` or `superseded`).
    pub flows: Vec<(i64, String, Vec<String>)>,
}

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        // xorshift64*: deterministic per seed, good enough to scatter kill points.
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
}

fn repo_of(url: &str) -> String {
    url.rsplit('/')
        .next()
        .unwrap_or(url)
        .trim_end_matches(".git")
        .to_string()
}

/// Runs the demo to convergence (or the timeout).
pub fn run(options: &Options) -> Result<Report, String> {
    let root = &options.root;
    repos::create_repositories(root);
    let config = repos::write_config(root);
    let mut server = Server::start(root, &config)?;
    let say = |line: String| {
        if options.verbose {
            println!("{line}");
        }
    };
    let mut report = Report::default();
    let mut published: BTreeMap<String, String> = BTreeMap::new();
    let mut counters: BTreeMap<String, u32> = BTreeMap::new();
    let head = |repo: &str| {
        git(
            &root.join("remotes").join(format!("{repo}.git")),
            &["rev-parse", "main"],
        )
    };
    // Every repository's current main is what its consumers already have (1.0.0), except
    // runtime, whose new build starts the flow.
    for spec in PRODUCT.iter().skip(1) {
        published.insert(spec.name.to_string(), head(spec.name));
    }
    let mut rng = Rng(options.seed.max(1));
    let mut kills_left = options.kills;
    let deadline = Instant::now() + options.timeout;
    let mut seen: BTreeMap<i64, SeenPullRequest> = BTreeMap::new();
    let mut settled_rounds = 0;
    loop {
        if Instant::now() > deadline {
            server.stop();
            return Err(format!(
                "no convergence within {:?}; last report: {report:#?}",
                options.timeout
            ));
        }
        if kills_left > 0 && rng.next().is_multiple_of(3) {
            kills_left -= 1;
            report.restarts += 1;
            say(format!(
                "!! killing the server (SIGKILL) and restarting it [{}]",
                report.restarts
            ));
            server.kill();
            std::thread::sleep(Duration::from_millis(rng.next() % 300));
            server = Server::start(root, &config)?;
        }
        // CI: publish a build whenever a repository's main moved.
        let mut moved = false;
        for spec in PRODUCT {
            let now = head(spec.name);
            if published.get(spec.name) == Some(&now) {
                continue;
            }
            let n = counters.entry(spec.name.to_string()).or_insert(0);
            let version = format!("2.0.{n}");
            *n += 1;
            let number = format!("{}.{}", spec.name, n);
            match server.publish(root, spec.name, &number, &version) {
                Ok(_) => {
                    say(format!(
                        "ci: {} built {} at {} -> published {} {version}",
                        spec.name,
                        number,
                        &now[..12],
                        asset_name(spec.name)
                    ));
                    published.insert(spec.name.to_string(), now);
                    report
                        .published
                        .insert(spec.name.to_string(), version.clone());
                    report.builds.push((spec.name.to_string(), version));
                    moved = true;
                }
                Err(err) => {
                    *counters.get_mut(spec.name).expect("counter") -= 1;
                    say(format!(
                        "ci: publishing {} failed ({err}); retrying",
                        spec.name
                    ));
                }
            }
        }
        // CI: report a successful check on every open pull request's current head.
        let prs: Vec<serde_json::Value> = match server
            .sluice(&["pr", "list", "--format", "json"])
            .and_then(|out| serde_json::from_str(&out).map_err(|e| e.to_string()))
        {
            Ok(list) => list,
            Err(_) => {
                std::thread::sleep(Duration::from_millis(200));
                continue;
            }
        };
        let mut open_per_branch: BTreeMap<(String, String), usize> = BTreeMap::new();
        for pr in &prs {
            let number = pr["number"].as_i64().unwrap_or_default();
            let state = pr["state"].as_str().unwrap_or_default().to_string();
            let entry = SeenPullRequest {
                number,
                repository: repo_of(pr["repository"].as_str().unwrap_or_default()),
                head_branch: pr["headBranch"].as_str().unwrap_or_default().to_string(),
                title: pr["title"].as_str().unwrap_or_default().to_string(),
                state: state.clone(),
            };
            if seen.get(&number).map(|s| &s.state) != Some(&state) {
                say(format!(
                    "pr #{number} {} {}: {}",
                    entry.repository, state, entry.title
                ));
            }
            seen.insert(number, entry.clone());
            if state == "Open" {
                *open_per_branch
                    .entry((entry.repository.clone(), entry.head_branch.clone()))
                    .or_default() += 1;
                let details: serde_json::Value = server
                    .sluice(&["pr", "show", &number.to_string(), "--format", "json"])
                    .ok()
                    .and_then(|o| serde_json::from_str(&o).ok())
                    .unwrap_or_default();
                let checked = details["checks"].as_array().is_some_and(|c| !c.is_empty());
                if let (false, Some(head)) = (checked, details["headCommit"].as_str()) {
                    // Reported for the commit CI saw; a stale report is refused and redone.
                    let number = number.to_string();
                    let check = [
                        "pr", "check", &number, "--name", "ci", "--state", "success", "--commit",
                        head,
                    ];
                    let _ = server.sluice(&check);
                }
            }
        }
        report.max_open_per_branch = report
            .max_open_per_branch
            .max(open_per_branch.values().copied().max().unwrap_or(0));
        let any_open = prs.iter().any(|p| p["state"] == "Open");
        // Every planned kill happens, so a restart after convergence is checked to change nothing.
        if !moved && !any_open && kills_left == 0 && coherent(root, &report.published) {
            settled_rounds += 1;
            if settled_rounds >= 3 {
                break;
            }
        } else {
            settled_rounds = 0;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    report.flows = flows(&server)?;
    server.stop();
    report.pull_requests = seen.into_values().collect();
    for spec in PRODUCT {
        report
            .versions
            .insert(spec.name.to_string(), repos::versions(root, spec.name));
    }
    Ok(report)
}

/// Where every build went, from `sluice build list` and `sluice build show`.
fn flows(server: &Server) -> Result<Vec<(i64, String, Vec<String>)>, String> {
    let list: Vec<serde_json::Value> = serde_json::from_str(
        &server.sluice(&["build", "list", "--limit", "1000", "--format", "json"])?,
    )
    .map_err(|e| e.to_string())?;
    let mut out = Vec::new();
    for build in list {
        let id = build["id"].as_i64().unwrap_or_default();
        let details: serde_json::Value = serde_json::from_str(&server.sluice(&[
            "build",
            "show",
            &id.to_string(),
            "--format",
            "json",
        ])?)
        .map_err(|e| e.to_string())?;
        let states = details["flow"]
            .as_array()
            .map(|f| {
                f.iter()
                    .map(|e| e["state"].as_str().unwrap_or_default().to_string())
                    .collect()
            })
            .unwrap_or_default();
        out.push((
            id,
            repo_of(build["repository"].as_str().unwrap_or_default()),
            states,
        ));
    }
    Ok(out)
}

/// Every repository depends on the newest published version of everything it consumes.
pub fn coherent(root: &std::path::Path, published: &BTreeMap<String, String>) -> bool {
    let consumed: BTreeSet<&str> = PRODUCT
        .iter()
        .flat_map(|s| s.consumes.iter().copied())
        .collect();
    if consumed.iter().any(|c| !published.contains_key(*c)) {
        return false;
    }
    PRODUCT.iter().all(|spec| {
        let versions = repos::versions(root, spec.name);
        spec.consumes.iter().all(|dep| {
            let want = &published[*dep];
            versions
                .iter()
                .any(|(name, version)| *name == asset_name(dep) && version == want)
        })
    })
}
