//! The multi-hop demo flow while the server is killed with SIGKILL at pseudo-random moments
//! and restarted: the flow still converges coherently, no head branch ever has two open
//! pull requests, and no build is lost (every build reaches every dependent subscription,
//! applied or superseded by a newer one).

use std::time::Duration;

use sluice_tests::demo::{self, Options};

fn converge_with_kills(seed: u64, kills: usize) {
    let tmp = tempfile::tempdir().unwrap();
    let options = Options {
        root: tmp.path().to_path_buf(),
        timeout: Duration::from_secs(240),
        kills,
        seed,
        verbose: false,
    };
    let report = demo::run(&options)
        .unwrap_or_else(|e| panic!("seed {seed}: {e}\nserver log in {}", tmp.path().display()));
    assert_eq!(
        report.restarts, kills,
        "seed {seed}: every planned kill happened"
    );
    assert_eq!(
        report.max_open_per_branch, 1,
        "seed {seed}: a head branch had two open pull requests"
    );
    assert!(
        demo::coherent(tmp.path(), &report.published),
        "seed {seed}: not coherent"
    );
    // Every build of a consumed repository reached each dependent subscription.
    for (id, repo, states) in &report.flows {
        let consumers = demo::repos::PRODUCT
            .iter()
            .filter(|s| s.consumes.contains(&repo.as_str()))
            .count();
        assert_eq!(
            states.len(),
            consumers,
            "seed {seed}: build {id} of {repo}: {states:?}"
        );
        assert!(
            states.iter().all(|s| s == "applied" || s == "superseded"),
            "seed {seed}: build {id} of {repo} was lost: {states:?}"
        );
    }
    // Nothing merged twice: each merged pull request's title appears once per target and source.
    let merged: Vec<_> = report
        .pull_requests
        .iter()
        .filter(|p| p.state == "Merged")
        .collect();
    assert!(merged.len() >= 6, "seed {seed}: {merged:#?}");
    assert!(
        report.pull_requests.iter().all(|p| p.state != "Open"),
        "seed {seed}: {:#?}",
        report.pull_requests
    );
}

#[test]
fn flow_converges_through_repeated_crashes() {
    for seed in [7, 1234, 987_654_321] {
        converge_with_kills(seed, 5);
    }
}
