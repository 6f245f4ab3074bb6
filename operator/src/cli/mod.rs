//! Command-line interface: argument parsing and dispatch to one module per subcommand.

pub mod azure_devops;
pub mod build;
pub mod client;
pub mod controller;
pub mod crds;
pub mod deps;
pub mod flow;
pub mod gather_drop;
pub mod git_access;
pub mod github;
pub mod graph;
pub mod graph_diff;
pub mod pr;
pub mod readiness;
pub mod run_args;
pub mod schema;
pub mod serve;
pub mod status;
pub mod stdout;
pub mod validate;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::logging::{self, LogFormat};

/// Exit status for a usage error (bad flags, unreadable input path).
pub const EXIT_USAGE: u8 = 2;

const ABOUT: &str = "\
sluice keeps dependency flow between repositories converged.

Repositories publish builds; builds land on channels; subscriptions map a source
repository's builds on a channel onto a target repository branch. sluice compares
what each target branch should depend on with its dependency manifest
(eng/Version.Details.xml and friends, or .sluice/dependencies.yaml) and opens
update pull requests that merge once their policies pass.

Channels, default channels, subscriptions and repository policies are Kubernetes
resources (group sluice.dev) or the same YAML committed to a config repository.";

const AFTER_HELP: &str = "\
Examples:
  sluice validate examples/config-repo     check a config repository before merging it
  sluice crds | kubectl apply -f -         install the custom resource definitions
  sluice schema --out schemas/             JSON Schemas for editor validation
  sluice deps list --dir ~/src/sdk         show what a repository depends on
  sluice graph https://github.com/contoso/sdk   the product graph and its incoherencies
  sluice gather-drop URL --ref SHA --output drop/   every asset of the product, downloaded
  sluice serve --config config/ --data data/   run the reconciler
  sluice build publish --repo URL --branch main --commit SHA --number 1 --asset NAME=VERSION
  sluice status                            one row per subscription (-o wide: every column)
  sluice pr show 7                         one pull request: builds, policies, checks, reviews
  sluice graph diff URL A B --commits      real changes between two commits, across the product
  sluice flow graph                        subscriptions with observed times, the critical path
  sluice flow time runtime sdk             how long a fix in runtime takes to reach sdk
  sluice readiness URL --ref release/9.0   coherent? if not, what resolves it and when

Logs go to stderr: `sluice serve` logs at info (configuration loads, pull requests opened,
updated, merged and closed, stalls and recoveries), other commands only warnings and
errors. Set RUST_LOG (for example RUST_LOG=sluice=debug) to change log verbosity.";

/// Top-level command line.
#[derive(Debug, Parser)]
#[command(name = "sluice", version, about = ABOUT, after_help = AFTER_HELP)]
pub struct Cli {
    /// Log line format on stderr.
    #[arg(long, global = true, value_enum, default_value_t = LogFormat::Text, env = "SLUICE_LOG_FORMAT")]
    pub log_format: LogFormat,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check a config repository: every problem at once, as file:line:col diagnostics.
    Validate(validate::ValidateArgs),
    /// Print the CustomResourceDefinitions of all sluice kinds as multi-document YAML.
    Crds(crds::CrdsArgs),
    /// Write JSON Schemas of the config-repo manifests, for editors and CI linters.
    Schema(schema::SchemaArgs),
    /// Read, verify and update a repository's dependency manifests on local disk.
    Deps(deps::DepsArgs),
    /// Walk the product graph from a repository at a commit and report its incoherencies.
    Graph(graph::GraphArgs),
    /// Download every asset of a product: each node's build from the registry, its files.
    GatherDrop(Box<gather_drop::GatherDropArgs>),
    /// Run the reconciler: embedded store, git-native forge, HTTP API.
    Serve(Box<serve::ServeArgs>),
    /// Run the reconciler in a Kubernetes cluster: the sluice resources are its configuration.
    Controller(Box<controller::ControllerArgs>),
    /// Publish builds, assign them to channels, and see where they flowed.
    Build(build::BuildArgs),
    /// Trigger a subscription by hand.
    Subscription(pr::SubscriptionArgs),
    /// Pull requests of the git-native forge: list, show, report checks and reviews, merge, close.
    Pr(pr::PrArgs),
    /// One row per subscription: last build, pull request, policies, condition.
    Status(status::StatusArgs),
    /// The flow network with the times observed in the history; time from one repository to another.
    Flow(flow::FlowArgs),
    /// Is the product coherent at the head of a branch? If not, what resolves it and when.
    Readiness(readiness::ReadinessArgs),
}

/// Parses the command line, sets up logging, runs the subcommand and maps errors to exit codes.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    // The server reports what it does; one-shot commands speak only of trouble.
    let default_level = match cli.command {
        Command::Serve(_) | Command::Controller(_) => "warn,sluice=info",
        _ => "warn",
    };
    logging::init(cli.log_format, default_level);
    let result = match cli.command {
        Command::Validate(args) => validate::run(args),
        Command::Crds(args) => crds::run(args),
        Command::Schema(args) => schema::run(args),
        Command::Deps(args) => deps::run(args),
        Command::Graph(args) => graph::run(args),
        Command::GatherDrop(args) => gather_drop::run(*args),
        Command::Serve(args) => serve::run(*args),
        Command::Controller(args) => controller::run(*args),
        Command::Build(args) => build::run(args),
        Command::Subscription(args) => pr::run_subscription(args),
        Command::Pr(args) => pr::run(args),
        Command::Status(args) => status::run(args),
        Command::Flow(args) => flow::run(args),
        Command::Readiness(args) => readiness::run(args),
    };
    match result {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}
