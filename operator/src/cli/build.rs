//! `sluice build`: publish builds, assign them to channels, and see where they flowed.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use serde::Deserialize;
use serde_json::json;
use sluice_core::flow::{BuildInfo, FlowState};
use sluice_core::model::Asset;

use super::client::{Client, Format, ServerArgs, print_table};
use crate::cli::stdout::outln;
use crate::engine::BuildFlowEntry;
use crate::store::{FlowEvent, NewBuild};

/// Arguments of `sluice build`.
#[derive(Debug, clap::Args)]
pub struct BuildArgs {
    #[command(flatten)]
    server: ServerArgs,
    #[command(subcommand)]
    command: BuildCommand,
}

#[derive(Debug, clap::Subcommand)]
enum BuildCommand {
    /// Publish a build: it lands on its channels and the default channels of its branch,
    /// and every subscription taking each build from there fires. Publishing the same
    /// repository, commit and build number again (a CI retry) returns the stored build;
    /// a repeat with other fields is refused. Unknown channels are refused; a build no
    /// subscription or default channel knows is published with a warning.
    #[command(after_help = "\
Examples:
  sluice build publish --repo https://github.com/contoso/runtime --branch main \\
      --commit 0f3c...e1 --number 20261101.3 --asset Contoso.Runtime=11.0.0-dev.3
  sluice build publish --file build.yaml     # the same fields in YAML or JSON, or a Build manifest
  sluice build publish --file build.yaml --wait 1800   # and follow it until every dependent has it")]
    Publish(PublishArgs),
    /// Assign a published build to one more channel.
    AddToChannel {
        /// Build id.
        id: i64,
        /// Channel name.
        channel: String,
    },
    /// List builds, newest first.
    List {
        /// Only builds of this repository.
        #[arg(long)]
        repo: Option<String>,
        /// Only builds on this channel.
        #[arg(long)]
        channel: Option<String>,
        /// At most this many.
        #[arg(long, default_value_t = 20)]
        limit: u32,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Show a build and where it has flowed: per dependent subscription, the pull request
    /// and its state, and the flow events so far.
    Show {
        /// Build id.
        id: i64,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
}

#[derive(Debug, clap::Args)]
struct PublishArgs {
    /// A build manifest (YAML or JSON); flags given as well override its fields.
    #[arg(long, value_name = "FILE")]
    file: Option<PathBuf>,
    /// Repository that was built.
    #[arg(long)]
    repo: Option<String>,
    /// Branch that was built.
    #[arg(long)]
    branch: Option<String>,
    /// Commit that was built.
    #[arg(long)]
    commit: Option<String>,
    /// CI build number.
    #[arg(long)]
    number: Option<String>,
    /// When the build finished (RFC 3339; default: when it is first published).
    #[arg(long)]
    produced_at: Option<String>,
    /// Explicit channel (repeatable); it must be declared in the config.
    #[arg(long = "channel", value_name = "CHANNEL")]
    channels: Vec<String>,
    /// Produced asset as NAME=VERSION (repeatable).
    #[arg(long = "asset", value_name = "NAME=VERSION")]
    assets: Vec<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
    /// Follow the build until every dependent subscription has applied it (or a newer
    /// build), printing each change; fail after this many seconds.
    #[arg(long, value_name = "SECONDS", num_args = 0..=1, default_missing_value = "3600")]
    wait: Option<u64>,
}

#[derive(Deserialize)]
struct BuildDetails {
    build: BuildInfo,
    flow: Vec<BuildFlowEntry>,
    events: Vec<FlowEvent>,
}

/// Runs `sluice build`.
pub fn run(args: BuildArgs) -> anyhow::Result<ExitCode> {
    let client = Client::new(&args.server)?;
    match args.command {
        BuildCommand::Publish(p) => {
            let (format, wait) = (p.format, p.wait);
            let build = new_build(p)?;
            let answer: serde_json::Value = client.post("/api/builds", &build)?;
            let stored: BuildInfo = serde_json::from_value(answer.clone())?;
            match format {
                Format::Json => outln!("{}", serde_json::to_string_pretty(&answer)?),
                Format::Table => outln!(
                    "{} build {} ({} of {}) on channels: {}",
                    if answer["created"] == false {
                        "already published as"
                    } else {
                        "published"
                    },
                    stored.id,
                    stored.build_number,
                    stored.repository,
                    stored.channels.join(", ")
                ),
            }
            for warning in answer["warnings"].as_array().into_iter().flatten() {
                eprintln!("warning: {}", warning.as_str().unwrap_or_default());
            }
            if let Some(seconds) = wait {
                return follow(&client, stored.id, std::time::Duration::from_secs(seconds));
            }
        }
        BuildCommand::AddToChannel { id, channel } => {
            let answer: serde_json::Value = client.post(
                &format!("/api/builds/{id}/channels"),
                &json!({"channel": channel}),
            )?;
            let added = answer["added"].as_bool().unwrap_or(false);
            outln!(
                "build {id} {} channel {channel}",
                if added { "added to" } else { "was already on" }
            );
        }
        BuildCommand::List {
            repo,
            channel,
            limit,
            format,
        } => {
            let mut query = vec![format!("limit={limit}")];
            query.extend(repo.map(|r| format!("repository={}", encode(&r))));
            query.extend(channel.map(|c| format!("channel={}", encode(&c))));
            let builds: Vec<BuildInfo> = client.get(&format!("/api/builds?{}", query.join("&")))?;
            match format {
                Format::Json => outln!("{}", serde_json::to_string_pretty(&builds)?),
                Format::Table => {
                    let rows: Vec<Vec<String>> = builds
                        .iter()
                        .map(|b| {
                            vec![
                                b.id.to_string(),
                                b.repository.clone(),
                                b.branch.clone(),
                                short(&b.commit),
                                b.build_number.clone(),
                                b.channels.join(","),
                                b.assets.len().to_string(),
                            ]
                        })
                        .collect();
                    print_table(
                        &[
                            "ID",
                            "REPOSITORY",
                            "BRANCH",
                            "COMMIT",
                            "NUMBER",
                            "CHANNELS",
                            "ASSETS",
                        ],
                        &rows,
                    );
                }
            }
        }
        BuildCommand::Show { id, format } => {
            let details: serde_json::Value = client.get(&format!("/api/builds/{id}"))?;
            if format == Format::Json {
                outln!("{}", serde_json::to_string_pretty(&details)?);
                return Ok(ExitCode::SUCCESS);
            }
            let d: BuildDetails = serde_json::from_value(details)?;
            let b = &d.build;
            outln!(
                "build {} of {} ({}) at {}",
                b.id,
                b.repository,
                b.branch,
                b.commit
            );
            outln!(
                "number {}, produced {}, channels: {}",
                b.build_number,
                b.produced_at,
                b.channels.join(", ")
            );
            for a in &b.assets {
                outln!("  asset {} {}", a.name, a.version);
            }
            outln!();
            let rows: Vec<Vec<String>> = d
                .flow
                .iter()
                .map(|f| {
                    vec![
                        f.subscription.clone(),
                        f.target_repository.clone(),
                        f.target_branch.clone(),
                        f.state.clone(),
                        f.pull_request.clone().unwrap_or_default(),
                    ]
                })
                .collect();
            print_table(
                &["SUBSCRIPTION", "TARGET", "BRANCH", "STATE", "PULL REQUEST"],
                &rows,
            );
            outln!();
            for e in &d.events {
                outln!(
                    "{}  {:?}  {}  {}",
                    e.at,
                    e.kind,
                    e.subscription.clone().unwrap_or_default(),
                    e.message
                );
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Prints each change of the build's flow on stderr until every dependent subscription
/// is finished with it; exit 1 when `limit` passes first.
fn follow(client: &Client, id: i64, limit: std::time::Duration) -> anyhow::Result<ExitCode> {
    let deadline = std::time::Instant::now() + limit;
    let mut last: std::collections::BTreeMap<String, String> = Default::default();
    loop {
        let details: BuildDetails = client.get(&format!("/api/builds/{id}"))?;
        for f in &details.flow {
            let line = format!("{} {}", f.state, f.pull_request.clone().unwrap_or_default());
            if last.get(&f.subscription) != Some(&line) {
                eprintln!(
                    "  {:<32} {:<18} {}",
                    f.subscription,
                    f.state,
                    f.pull_request.clone().unwrap_or_default()
                );
                last.insert(f.subscription.clone(), line);
            }
        }
        if details.flow.iter().all(|f| FlowState::finished(&f.state)) {
            eprintln!(
                "build {id} reached all {} dependent subscriptions",
                details.flow.len()
            );
            return Ok(ExitCode::SUCCESS);
        }
        if std::time::Instant::now() > deadline {
            let waiting: Vec<&str> = details
                .flow
                .iter()
                .filter(|f| !FlowState::finished(&f.state))
                .map(|f| f.subscription.as_str())
                .collect();
            eprintln!(
                "error: gave up waiting after {}s; still waiting for: {}",
                limit.as_secs(),
                waiting.join(", ")
            );
            return Ok(ExitCode::FAILURE);
        }
        std::thread::sleep(std::time::Duration::from_secs(1));
    }
}

fn new_build(p: PublishArgs) -> anyhow::Result<NewBuild> {
    let mut build = match &p.file {
        Some(file) => read_build_file(file)?,
        None => NewBuild {
            repository: String::new(),
            branch: String::new(),
            commit: String::new(),
            build_number: String::new(),
            produced_at: String::new(),
            assets: Vec::new(),
            channels: Vec::new(),
        },
    };
    let set = |field: &mut String, value: Option<String>| {
        if let Some(v) = value {
            *field = v;
        }
    };
    set(&mut build.repository, p.repo);
    set(&mut build.branch, p.branch);
    set(&mut build.commit, p.commit);
    set(&mut build.build_number, p.number);
    // Left empty, the server takes the time of the first publication; a retry then
    // finds the same build.
    set(&mut build.produced_at, p.produced_at);
    build.channels.extend(p.channels);
    for asset in p.assets {
        let (name, version) = asset
            .split_once('=')
            .with_context(|| format!("--asset {asset:?}: expected NAME=VERSION"))?;
        build.assets.push(Asset {
            name: name.to_string(),
            version: version.to_string(),
            non_shipping: false,
            locations: Vec::new(),
        });
    }
    for (flag, value) in [
        ("--repo", &build.repository),
        ("--branch", &build.branch),
        ("--commit", &build.commit),
        ("--number", &build.build_number),
    ] {
        if value.is_empty() {
            anyhow::bail!("{flag} is required (or give it in --file)");
        }
    }
    Ok(build)
}

fn read_build_file(file: &std::path::Path) -> anyhow::Result<NewBuild> {
    let text =
        std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
    let value: serde_json::Value =
        serde_saphyr::from_str(&text).map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
    // A Build manifest carries the fields under `spec`.
    let fields = value.get("spec").cloned().unwrap_or(value);
    serde_json::from_value(fields).with_context(|| format!("{}: not a build (repository, branch, commit, buildNumber, producedAt, channels, assets)", file.display()))
}

fn short(commit: &str) -> String {
    commit.chars().take(12).collect()
}

fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}
