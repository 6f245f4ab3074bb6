//! `sluice status`: one row per subscription.

use std::process::ExitCode;

use super::client::{Client, Format, ServerArgs, print_table};
use crate::cli::stdout::outln;
use crate::engine::SubscriptionStatusView;

/// Arguments of `sluice status`.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
CONDITION is Ready (converged), Reconciling (a pull request is open or being made) or
Stalled (the input is wrong, e.g. a malformed manifest; MESSAGE names file and line).
POLICIES lists each merge policy of the open pull request as name=Passed|Pending|Failed.")]
pub struct StatusArgs {
    #[command(flatten)]
    server: ServerArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
}

/// Runs `sluice status`.
pub fn run(args: StatusArgs) -> anyhow::Result<ExitCode> {
    let client = Client::new(&args.server)?;
    let rows: Vec<SubscriptionStatusView> = client.get("/api/status")?;
    match args.format {
        Format::Json => outln!("{}", serde_json::to_string_pretty(&rows)?),
        Format::Table => {
            let table: Vec<Vec<String>> = rows
                .iter()
                .map(|s| {
                    let policies: Vec<String> = s
                        .policies
                        .iter()
                        .map(|p| format!("{}={:?}", p.name, p.result))
                        .collect();
                    let pr = match (&s.pull_request, s.pull_request_state) {
                        (Some(url), Some(state)) => format!("{url} ({state:?})"),
                        _ => String::new(),
                    };
                    vec![
                        s.name.clone(),
                        short_repo(&s.source),
                        s.channel.clone(),
                        short_repo(&s.target),
                        s.branch.clone(),
                        s.last_applied_build.clone().unwrap_or_default(),
                        pr,
                        policies.join(" "),
                        s.condition.clone(),
                        if s.message.is_empty() {
                            s.reason.clone()
                        } else {
                            format!("{}: {}", s.reason, s.message)
                        },
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
                    "LAST BUILD",
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

fn short_repo(url: &str) -> String {
    let trimmed = url.trim_end_matches('/').trim_end_matches(".git");
    let parts: Vec<&str> = trimmed.rsplit('/').take(2).collect();
    if parts.len() == 2 {
        format!("{}/{}", parts[1], parts[0])
    } else {
        url.to_string()
    }
}
