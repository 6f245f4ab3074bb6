//! `sluice flow graph` and `sluice flow time`: the flow network of a running server with
//! the times observed in its history, its critical path, and how long a fix takes to
//! flow from one repository to another.

use std::process::ExitCode;

use sluice_core::graph::network::FlowNetwork;
use sluice_core::graph::timing::parse_window;
use sluice_core::graph::{flow_time, network_render};

use super::client::{Client, ServerArgs};
use crate::cli::stdout::out;

/// Arguments of `sluice flow`.
#[derive(Debug, clap::Args)]
pub struct FlowArgs {
    #[command(flatten)]
    server: ServerArgs,
    /// What to show.
    #[command(subcommand)]
    command: FlowCommand,
}

/// The subcommands of `sluice flow`.
#[derive(Debug, clap::Subcommand)]
enum FlowCommand {
    /// Repositories and subscriptions with their observed times; the critical path.
    #[command(after_help = GRAPH_HELP)]
    Graph(GraphArgs),
    /// How long a fix in SOURCE takes to reach TARGET, from the flow history.
    #[command(after_help = TIME_HELP)]
    Time(TimeArgs),
}

const GRAPH_HELP: &str = "\
Repositories are nodes, subscriptions are edges with their frequency and merge
policies. The critical path (marked * in text, red in DOT and Mermaid) is the slowest
chain of subscriptions by median update + build time; a path visits a repository once,
so a cycle is followed once around at most (links on a cycle are drawn dashed).

Times come from the server's flow history over --window (default 30d):
  UPDATE  a build produced -> the update pull request carrying it merged
  BUILD   that merge -> the target's next build (same repository and branch) produced
Each is shown as median / 90th percentile (n = samples); \"no history\" when no merge
(or no later build of the target) fell in the window.

Examples:
  sluice flow graph
  sluice flow graph --channel dotnet-10 --window 7d
  sluice flow graph --format dot | dot -Tsvg > flow.svg
  sluice flow graph --format json | jq '.criticalPath'";

const TIME_HELP: &str = "\
SOURCE and TARGET are repository URLs or their short names (the last path segment)
when that is unique. Of every chain of subscriptions from SOURCE to TARGET, the slowest
by median is shown, each hop with the figures used: its update time and its target's
build time (the target's build is needed for the fix to flow on, and for TARGET to ship
it). A hop without history counts as 0 and the total is then a lower bound.

Times come from the server's flow history over --window (default 30d):
  UPDATE  a build produced -> the update pull request carrying it merged
  BUILD   that merge -> the target's next build (same repository and branch) produced
Each is shown as median / 90th percentile (n = samples); \"no history\" when no merge
(or no later build of the target) fell in the window.

Examples:
  sluice flow time runtime sdk
  sluice flow time https://github.com/contoso/runtime https://github.com/contoso/sdk --window 7d";

/// Output of `sluice flow graph`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum GraphFormat {
    /// A table of subscriptions, then the critical path.
    Text,
    /// The network as the server answers it.
    Json,
    /// Graphviz DOT.
    Dot,
    /// A Mermaid flowchart.
    Mermaid,
}

/// Output of `sluice flow time`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum TimeFormat {
    /// A table of hops and the totals.
    Text,
    /// JSON, for scripts.
    Json,
}

#[derive(Debug, clap::Args)]
struct GraphArgs {
    /// Only the subscriptions reading this channel.
    #[arg(long, value_name = "CHANNEL")]
    channel: Option<String>,
    /// How far back the history counts: a number and s, m, h, d or w.
    #[arg(long, default_value = "30d", value_name = "DURATION")]
    window: String,
    /// Output format.
    #[arg(long, value_enum, default_value_t = GraphFormat::Text)]
    format: GraphFormat,
}

#[derive(Debug, clap::Args)]
struct TimeArgs {
    /// Where the fix is made (URL or short name).
    #[arg(value_name = "SOURCE")]
    source: String,
    /// Where it must arrive (URL or short name).
    #[arg(value_name = "TARGET")]
    target: String,
    /// How far back the history counts: a number and s, m, h, d or w.
    #[arg(long, default_value = "30d", value_name = "DURATION")]
    window: String,
    /// Output format.
    #[arg(long, value_enum, default_value_t = TimeFormat::Text)]
    format: TimeFormat,
}

/// The flow network from the server at `server` over `window`, reading `channel` only
/// when given. The window is checked before anything is asked.
pub fn fetch_network(
    server: &ServerArgs,
    window: &str,
    channel: Option<&str>,
) -> anyhow::Result<FlowNetwork> {
    parse_window(window).map_err(|e| anyhow::anyhow!("--window: {e}"))?;
    let mut params = vec![("window", window)];
    if let Some(channel) = channel {
        params.push(("channel", channel));
    }
    let url = reqwest::Url::parse_with_params("http://server/api/flow/graph", &params)?;
    let path = format!("{}?{}", url.path(), url.query().unwrap_or_default());
    Client::new(server)?.get(&path)
}

/// Runs `sluice flow`.
pub fn run(args: FlowArgs) -> anyhow::Result<ExitCode> {
    match args.command {
        FlowCommand::Graph(g) => {
            let network = match fetch_network(&args.server, &g.window, g.channel.as_deref()) {
                Err(e) if e.to_string().starts_with("--window") => {
                    eprintln!("error: {e}");
                    return Ok(ExitCode::from(super::EXIT_USAGE));
                }
                other => other?,
            };
            let text = match g.format {
                GraphFormat::Text => network_render::text(&network),
                GraphFormat::Json => format!("{}\n", serde_json::to_string_pretty(&network)?),
                GraphFormat::Dot => network_render::dot(&network),
                GraphFormat::Mermaid => network_render::mermaid(&network),
            };
            out!("{text}");
            Ok(ExitCode::SUCCESS)
        }
        FlowCommand::Time(t) => {
            let network = match fetch_network(&args.server, &t.window, None) {
                Err(e) if e.to_string().starts_with("--window") => {
                    eprintln!("error: {e}");
                    return Ok(ExitCode::from(super::EXIT_USAGE));
                }
                other => other?,
            };
            let ends = network
                .resolve(&t.source)
                .map_err(|e| format!("SOURCE: {e}"))
                .and_then(|s| {
                    network
                        .resolve(&t.target)
                        .map(|t| (s, t))
                        .map_err(|e| format!("TARGET: {e}"))
                });
            let (source, target) = match ends {
                Ok(ends) => ends,
                Err(e) => {
                    eprintln!("error: {e}");
                    return Ok(ExitCode::from(super::EXIT_USAGE));
                }
            };
            let Some(time) = flow_time::flow_time(&network.links, source, target) else {
                eprintln!(
                    "error: no chain of subscriptions leads from {source} to {target}; `sluice flow graph` shows the network"
                );
                return Ok(ExitCode::FAILURE);
            };
            match t.format {
                TimeFormat::Text => out!("{}", flow_time::text(&time)),
                TimeFormat::Json => out!("{}\n", serde_json::to_string_pretty(&time)?),
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
