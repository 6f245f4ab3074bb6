//! `sluice status`: one row per subscription, and whether the configuration in force is
//! sound.

use std::process::ExitCode;

use sluice_core::flow::describe::short_repository_name;
use sluice_core::flow::status;

use super::client::{Client, ServerArgs, print_table};
use crate::cli::stdout::outln;
use crate::engine::{BuildRef, SubscriptionStatusView};

/// Arguments of `sluice status`.
#[derive(Debug, clap::Args)]
#[command(after_help = after_help())]
pub struct StatusArgs {
    #[command(flatten)]
    server: ServerArgs,
    /// Output: a compact table, every column, or JSON.
    #[arg(short = 'o', long = "output", visible_alias = "format", value_enum, default_value_t = Output::Table)]
    output: Output,
}

/// How `sluice status` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Output {
    /// Subscription, target, builds, pull request, condition.
    Table,
    /// Every column.
    Wide,
    /// JSON, for scripts.
    Json,
}

/// What `sluice status --help` says below the options, the reasons taken from the core.
fn after_help() -> String {
    format!(
        "\
CONDITION sums up the subscription's kstatus conditions: Ready (converged), Reconciling
(a pull request is open or being made, or a failure is being retried), Stalled (the input
is wrong, e.g. a malformed manifest; MESSAGE names file and line) or Unknown (not
reconciled yet); the default table adds the reason of a stall, -o wide the whole message.
-o json adds each subscription's full kstatus `conditions`: Ready always, Reconciling and
Stalled only while True, each with reason, message and lastTransitionTime (which moves
only when the status changes).

{}

BUILD is the build applied last, then `-> NUMBER` for the one being applied.
POLICIES lists each merge policy of the open pull request as name=Passed|Pending|Failed.
NEXT UPDATE is when a scheduled subscription (TwiceDaily, EveryDay, ...) fires next.

A warning on stderr says when the last configuration load was invalid (the previous one
stays in force); with no valid configuration in force at all the exit status is 1.",
        status::reasons_help()
    )
}

/// Runs `sluice status`.
pub fn run(args: StatusArgs) -> anyhow::Result<ExitCode> {
    let client = Client::new(&args.server)?;
    let config: serde_json::Value = client.get("/api/config")?;
    let in_force = config["inForce"].as_bool().unwrap_or(false);
    let source = config["source"].as_str().unwrap_or("the configured source");
    let findings: Vec<&str> = config["diagnostics"]
        .as_array()
        .map(|d| d.iter().filter_map(|f| f.as_str()).collect())
        .unwrap_or_default();
    if !in_force {
        eprintln!("error: no valid configuration in force (from {source})");
        for finding in findings.iter().take(10) {
            eprintln!("  {finding}");
        }
        return Ok(ExitCode::FAILURE);
    }
    if config["valid"].as_bool() == Some(false) {
        eprintln!(
            "warning: the last configuration load from {source} is invalid; the previous one stays in force"
        );
        for finding in findings.iter().take(10) {
            eprintln!("  {finding}");
        }
    }
    let rows: Vec<SubscriptionStatusView> = client.get("/api/status")?;
    match args.output {
        Output::Json => outln!("{}", serde_json::to_string_pretty(&rows)?),
        Output::Table => {
            let table: Vec<Vec<String>> = rows
                .iter()
                .map(|s| {
                    vec![
                        s.name.clone(),
                        format!("{}@{}", short_repository_name(&s.target), s.branch),
                        builds(s),
                        pull_request(s),
                        s.summary.label(),
                    ]
                })
                .collect();
            print_table(
                &[
                    "SUBSCRIPTION",
                    "TARGET",
                    "BUILD",
                    "PULL REQUEST",
                    "CONDITION",
                ],
                &table,
            );
        }
        Output::Wide => {
            let table: Vec<Vec<String>> = rows
                .iter()
                .map(|s| {
                    let policies: Vec<String> = s
                        .policies
                        .iter()
                        .map(|p| format!("{}={:?}", p.name, p.result))
                        .collect();
                    let pr = match &s.pull_request {
                        Some(p) => format!("{} {}", pull_request(s), p.url),
                        None => String::new(),
                    };
                    vec![
                        s.name.clone(),
                        short_repository_name(&s.source),
                        s.channel.clone(),
                        short_repository_name(&s.target),
                        s.branch.clone(),
                        s.frequency.clone(),
                        builds(s),
                        s.next_update.clone().unwrap_or_default(),
                        pr,
                        policies.join(" "),
                        s.summary.condition.to_string(),
                        s.summary.detail(),
                    ]
                })
                .collect();
            print_table(
                &[
                    "SUBSCRIPTION",
                    "SOURCE",
                    "CHANNEL",
                    "TARGET",
                    "BRANCH",
                    "FREQUENCY",
                    "BUILD",
                    "NEXT UPDATE",
                    "PULL REQUEST",
                    "POLICIES",
                    "CONDITION",
                    "MESSAGE",
                ],
                &table,
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `<applied>`, `<applied> -> <requested>` or `-> <requested>`.
fn builds(s: &SubscriptionStatusView) -> String {
    let number = |b: &Option<BuildRef>| b.as_ref().map(|b| b.number.clone());
    match (number(&s.last_applied_build), number(&s.requested_build)) {
        (Some(applied), Some(requested)) => format!("{applied} -> {requested}"),
        (Some(applied), None) => applied,
        (None, Some(requested)) => format!("-> {requested}"),
        (None, None) => String::new(),
    }
}

/// `#<number> <state>`.
fn pull_request(s: &SubscriptionStatusView) -> String {
    match &s.pull_request {
        Some(p) => {
            let number = p.number.map(|n| format!("#{n}")).unwrap_or_default();
            format!("{number} {:?}", p.state).trim().to_string()
        }
        None => String::new(),
    }
}
