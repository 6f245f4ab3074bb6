//! `sluice pr` (the git-native forge's pull requests: checks, reviews, close) and
//! `sluice subscription trigger`.

use std::process::ExitCode;

use serde_json::json;
use sluice_core::flow::{CheckState, ReviewState};

use super::client::{Client, Format, ServerArgs, print_table};
use crate::cli::stdout::{out, outln};
use crate::engine::{PullRequestView, wire_name};
use crate::store::LocalPullRequest;

/// Arguments of `sluice pr`.
#[derive(Debug, clap::Args)]
pub struct PrArgs {
    #[command(flatten)]
    server: ServerArgs,
    #[command(subcommand)]
    command: PrCommand,
}

#[derive(Debug, clap::Subcommand)]
enum PrCommand {
    /// List pull requests of the git-native forge, newest first, a page at a time.
    List {
        /// At most this many (the server answers at most 200).
        #[arg(long, default_value_t = 100)]
        limit: u32,
        /// Only pull requests numbered below this one: the page after the one it ends.
        #[arg(long, value_name = "NUMBER")]
        before: Option<i64>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Show one pull request: title, state, URL, branches, carried builds, policies with
    /// their results, checks and reviews.
    Show {
        /// Pull request number.
        number: i64,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Report a check result on the pull request's current head, as a CI system would.
    #[command(after_help = "Example:\n  sluice pr check 12 --name build --state success")]
    Check {
        /// Pull request number.
        number: i64,
        /// Check name.
        #[arg(long)]
        name: String,
        /// Result.
        #[arg(long, value_enum)]
        state: CheckArg,
        /// The commit the check ran on; refused when the pull request has moved past it.
        #[arg(long, value_name = "SHA")]
        commit: Option<String>,
    },
    /// Report a review.
    #[command(
        after_help = "Example:\n  sluice pr review 12 --reviewer alice --state changesRequested"
    )]
    Review {
        /// Pull request number.
        number: i64,
        /// Who reviews.
        #[arg(long)]
        reviewer: String,
        /// Verdict.
        #[arg(long, value_enum)]
        state: ReviewArg,
    },
    /// Close a pull request without merging; it is not proposed again until a newer build.
    Close {
        /// Pull request number.
        number: i64,
    },
    /// Merge a pull request now, as a person, whatever its merge policies say.
    Merge {
        /// Pull request number.
        number: i64,
    },
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum CheckArg {
    Pending,
    Success,
    Failure,
}

/// A verdict, spelt as the API spells it.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum ReviewArg {
    #[value(name = "approved")]
    Approved,
    #[value(name = "changesRequested", alias = "changes-requested")]
    ChangesRequested,
    #[value(name = "commented")]
    Commented,
}

/// Runs `sluice pr`.
pub fn run(args: PrArgs) -> anyhow::Result<ExitCode> {
    let client = Client::new(&args.server)?;
    match args.command {
        PrCommand::List {
            limit,
            before,
            format,
        } => {
            let mut query = format!("/api/pull-requests?limit={limit}");
            if let Some(before) = before {
                query.push_str(&format!("&before={before}"));
            }
            let prs: Vec<LocalPullRequest> = client.get(&query)?;
            match format {
                Format::Json => outln!("{}", serde_json::to_string_pretty(&prs)?),
                Format::Table => {
                    let rows: Vec<Vec<String>> = prs
                        .iter()
                        .map(|p| {
                            vec![
                                format!("#{}", p.number),
                                format!("{:?}", p.state),
                                p.repository.clone(),
                                p.base_branch.clone(),
                                p.title.clone(),
                            ]
                        })
                        .collect();
                    print_table(&["NUMBER", "STATE", "REPOSITORY", "BRANCH", "TITLE"], &rows);
                }
            }
        }
        PrCommand::Show { number, format } => {
            let pr: PullRequestView = client.get(&format!("/api/pull-requests/{number}"))?;
            match format {
                Format::Json => outln!("{}", serde_json::to_string_pretty(&pr)?),
                Format::Table => out!("{}", pr.summary()),
            }
        }
        PrCommand::Check {
            number,
            name,
            state,
            commit,
        } => {
            let state = match state {
                CheckArg::Pending => CheckState::Pending,
                CheckArg::Success => CheckState::Success,
                CheckArg::Failure => CheckState::Failure,
            };
            let _: serde_json::Value = client.post(
                &format!("/api/pull-requests/{number}/checks"),
                &json!({"name": name, "state": state, "commit": commit}),
            )?;
            outln!("#{number}: check {name}: {}", wire_name(&state));
        }
        PrCommand::Review {
            number,
            reviewer,
            state,
        } => {
            let state = match state {
                ReviewArg::Approved => ReviewState::Approved,
                ReviewArg::ChangesRequested => ReviewState::ChangesRequested,
                ReviewArg::Commented => ReviewState::Commented,
            };
            let _: serde_json::Value = client.post(
                &format!("/api/pull-requests/{number}/reviews"),
                &json!({"reviewer": reviewer, "state": state}),
            )?;
            outln!("#{number}: review by {reviewer}: {}", wire_name(&state));
        }
        PrCommand::Close { number } => {
            let _: serde_json::Value =
                client.post(&format!("/api/pull-requests/{number}/close"), &json!({}))?;
            outln!("#{number} closed");
        }
        PrCommand::Merge { number } => {
            let _: serde_json::Value =
                client.post(&format!("/api/pull-requests/{number}/merge"), &json!({}))?;
            outln!("#{number} merged");
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Arguments of `sluice subscription`.
#[derive(Debug, clap::Args)]
pub struct SubscriptionArgs {
    #[command(flatten)]
    server: ServerArgs,
    #[command(subcommand)]
    command: SubscriptionCommand,
}

#[derive(Debug, clap::Subcommand)]
enum SubscriptionCommand {
    /// Apply a build now: the newest on the subscription's channel, or --build (a build of
    /// the subscription's source repository on its channel). Says what happened: requested
    /// (a pull request follows), or nothing to do because the build is already requested,
    /// applied, older than the applied one, or was rejected.
    #[command(
        after_help = "Examples:\n  sluice subscription trigger runtime-to-sdk-main\n  sluice subscription trigger runtime-to-sdk-main --build 42 --force"
    )]
    Trigger {
        /// Subscription name.
        name: String,
        /// Build id to apply instead of the newest.
        #[arg(long)]
        build: Option<i64>,
        /// Apply it even if it is applied already, older than the applied one, or was
        /// rejected.
        #[arg(long)]
        force: bool,
    },
}

/// Runs `sluice subscription`.
pub fn run_subscription(args: SubscriptionArgs) -> anyhow::Result<ExitCode> {
    let client = Client::new(&args.server)?;
    match args.command {
        SubscriptionCommand::Trigger { name, build, force } => {
            let answer: serde_json::Value = client.post(
                &format!("/api/subscriptions/{name}/trigger"),
                &json!({"build": build, "force": force}),
            )?;
            let message = answer["message"].as_str().unwrap_or_default();
            outln!("{name}: {message}");
        }
    }
    Ok(ExitCode::SUCCESS)
}
