//! `make bench-git`: what one dependency update costs on a large repository.
//!
//! Builds a synthetic repository (50,000 files and about 200 MB of blobs in the head
//! tree, a few hundred commits) with `git fast-import`, serves it over loopback smart
//! HTTP, and measures in one invocation, as the median of several runs:
//!
//! 1. sluice cold: head + fetch + read manifest + commit + push, cache empty;
//! 2. sluice warm: the same after an upstream commit landed, on the warm cache;
//! 3. baseline: `git clone --depth 1 --filter=blob:none --single-branch`, edit the
//!    manifest in the working tree, `git commit`, `git push`;
//! 4. floor: `git ls-remote` + `git push` of an already prepared commit.
//!
//! Environment: `BENCH_FILES` (default 50000), `BENCH_BYTES` (total blob bytes in the
//! head tree, default 209715200), `BENCH_COMMITS` (default 300), `BENCH_RUNS` (default
//! 5), `BENCH_DIR` (scratch directory, default a temporary one).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use sluice::git::{
    Author, Expected, FileEdit, Git, GitConfig, ObjectId, Remote, RemoteRepo, RemoteUrl,
};
use sluice_tests::fixture_repo::{git, git_command};
use sluice_tests::git_server::GitHttpServer;

mod synthetic;

use synthetic::{MANIFEST, build_repository, manifest};

/// What the benchmark's steps return.
type BenchResult<T> = Result<T, Box<dyn std::error::Error>>;

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn config(cache: &Path) -> GitConfig {
    let mut config = GitConfig::new(cache);
    config.stall_timeout = Duration::from_secs(120);
    config.operation_timeout = Duration::from_secs(3600);
    config
}

fn author() -> Author {
    Author {
        name: "sluice".into(),
        email: "sluice@example.com".into(),
    }
}

/// One sluice update: head, fetch, read the manifest, commit a new one, push a branch.
async fn sluice_update(remote: &RemoteRepo, branch: &str, version: u64) -> BenchResult<ObjectId> {
    let head = remote.head("main").await?.ok_or("main is missing")?;
    let fetched = remote.fetch("main").await?;
    if fetched != head {
        return Err("main moved during the update".into());
    }
    let files = remote.read(fetched, &[MANIFEST.to_owned()]).await?;
    let current = files
        .get(MANIFEST)
        .cloned()
        .flatten()
        .ok_or("manifest is missing")?;
    if current.is_empty() {
        return Err("manifest is empty".into());
    }
    let commit = remote
        .commit(
            fetched,
            vec![FileEdit::Write {
                path: MANIFEST.into(),
                content: manifest(version).into_bytes(),
            }],
            "Update dependencies from contoso/runtime",
            &author(),
        )
        .await?;
    remote.push(commit, branch, Expected::Absent).await?;
    Ok(commit)
}

/// An upstream commit on main, made through a separate cache (not timed).
async fn upstream_commit(upstream: &RemoteRepo, n: u64) -> BenchResult<()> {
    let head = upstream.fetch("main").await?;
    let commit = upstream
        .commit(
            head,
            vec![FileEdit::Write {
                path: format!("src/upstream/change-{n}.txt"),
                content: format!("upstream change {n}\n").into_bytes(),
            }],
            "Upstream change",
            &author(),
        )
        .await?;
    upstream.push(commit, "main", Expected::At(head)).await?;
    Ok(())
}

fn run(command: &mut Command) -> BenchResult<()> {
    let output = command
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output()?;
    if output.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{command:?} failed: {}",
            String::from_utf8_lossy(&output.stderr)
        )
        .into())
    }
}

fn baseline_update(scratch: &Path, url: &str, branch: &str, version: u64) -> BenchResult<()> {
    let work = scratch.join(format!("clone-{branch}").replace('/', "-"));
    run(git_command(scratch)
        .args([
            "clone",
            "--quiet",
            "--depth",
            "1",
            "--filter=blob:none",
            "--single-branch",
            "--branch",
            "main",
            url,
        ])
        .arg(&work))?;
    std::fs::write(work.join(MANIFEST), manifest(version))?;
    run(git_command(&work).args(["commit", "--quiet", "-am", "Update dependencies"]))?;
    run(git_command(&work).args([
        "push",
        "--quiet",
        "origin",
        &format!("HEAD:refs/heads/{branch}"),
    ]))?;
    std::fs::remove_dir_all(&work)?;
    Ok(())
}

fn floor_update(git_dir: &Path, url: &str, commit: ObjectId, branch: &str) -> BenchResult<()> {
    run(git_command(git_dir).args(["ls-remote", url, "refs/heads/main"]))?;
    run(git_command(git_dir).args([
        "--git-dir",
        ".",
        "push",
        "--quiet",
        url,
        &format!("{commit}:refs/heads/{branch}"),
    ]))?;
    Ok(())
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn seconds(d: Duration) -> String {
    format!("{:.3} s", d.as_secs_f64())
}

fn main() -> BenchResult<()> {
    let files = env_number("BENCH_FILES", 50_000);
    let bytes = env_number("BENCH_BYTES", 200 * 1024 * 1024);
    let commits = env_number("BENCH_COMMITS", 300);
    let runs = env_number("BENCH_RUNS", 5).max(1);
    let _tmp;
    let scratch: PathBuf = match std::env::var_os("BENCH_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => {
            _tmp = tempfile::tempdir()?;
            _tmp.path().to_owned()
        }
    };
    let served = scratch.join("served");
    let bare = served.join("big.git");
    let started = Instant::now();
    build_repository(&bare, files, bytes, commits)?;
    let tree_bytes: u64 = git(&bare, &["ls-tree", "-r", "-l", "main"])
        .lines()
        .filter_map(|l| l.split_whitespace().nth(3)?.parse::<u64>().ok())
        .sum();
    let commit_count = git(&bare, &["rev-list", "--count", "main"]);
    eprintln!(
        "built {files} files, {:.1} MB in the head tree, {commit_count} commits in {:.1} s",
        tree_bytes as f64 / 1e6,
        started.elapsed().as_secs_f64()
    );

    let server = GitHttpServer::start(&served, None)?;
    let url = server.url("big.git");
    let remote_url = RemoteUrl::parse(&url)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let upstream = Git::new(config(&scratch.join("upstream-cache")))
        .remote(Remote::anonymous(remote_url.clone()));
    let warm =
        Git::new(config(&scratch.join("warm-cache"))).remote(Remote::anonymous(remote_url.clone()));
    let floor = Git::new(config(&scratch.join("floor-cache")))
        .remote(Remote::anonymous(remote_url.clone()));

    let mut cold_times = Vec::new();
    let mut warm_times = Vec::new();
    let mut baseline_times = Vec::new();
    let mut floor_times = Vec::new();
    runtime.block_on(async {
        // Prime the warm cache and prepare the floor's commit (not timed).
        sluice_update(&warm, "sluice/main/prime", 1).await?;
        let floor_head = floor.fetch("main").await?;
        let floor_commit = floor
            .commit(floor_head, vec![], "Prepared update", &author())
            .await?;
        for i in 0..runs {
            let cold_dir = scratch.join(format!("cold-cache-{i}"));
            let cold = Git::new(config(&cold_dir)).remote(Remote::anonymous(remote_url.clone()));
            let t = Instant::now();
            sluice_update(&cold, &format!("sluice/main/cold-{i}"), 100 + i).await?;
            cold_times.push(t.elapsed());
            std::fs::remove_dir_all(&cold_dir)?;

            upstream_commit(&upstream, i).await?;
            let t = Instant::now();
            sluice_update(&warm, &format!("sluice/main/warm-{i}"), 200 + i).await?;
            warm_times.push(t.elapsed());

            let t = Instant::now();
            baseline_update(&scratch, &url, &format!("baseline-{i}"), 300 + i)?;
            baseline_times.push(t.elapsed());

            let t = Instant::now();
            floor_update(
                &floor.cache_dir(),
                &url,
                floor_commit,
                &format!("floor-{i}"),
            )?;
            floor_times.push(t.elapsed());
            eprintln!("run {}/{runs} done", i + 1);
        }
        Ok::<_, Box<dyn std::error::Error>>(())
    })?;

    let cold = median(cold_times);
    let warm = median(warm_times);
    let baseline = median(baseline_times);
    let floor = median(floor_times);
    println!();
    println!(
        "git update benchmark: {files} files, {:.1} MB head tree, {commit_count} commits, loopback smart HTTP, median of {runs}",
        tree_bytes as f64 / 1e6
    );
    println!();
    println!("| operation                                         | median     |");
    println!("|---------------------------------------------------|------------|");
    println!(
        "| sluice cold (empty cache)                         | {:>10} |",
        seconds(cold)
    );
    println!(
        "| sluice warm (after an upstream commit)            | {:>10} |",
        seconds(warm)
    );
    println!(
        "| baseline (blobless shallow clone, commit, push)   | {:>10} |",
        seconds(baseline)
    );
    println!(
        "| floor (ls-remote + push of a prepared commit)     | {:>10} |",
        seconds(floor)
    );
    println!();
    let ratio = |a: Duration, b: Duration| a.as_secs_f64() / b.as_secs_f64().max(1e-9);
    println!(
        "baseline / warm = {:>7.1}x   (goal >= 20x)",
        ratio(baseline, warm)
    );
    println!(
        "warm / floor    = {:>7.2}x   (goal <= 3x)",
        ratio(warm, floor)
    );
    println!(
        "cold / baseline = {:>7.2}x   (goal <= 1x)",
        ratio(cold, baseline)
    );
    drop(server);
    Ok(())
}
