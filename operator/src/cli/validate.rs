//! `sluice validate`: check a config repository and report every problem at once.

use std::path::PathBuf;
use std::process::ExitCode;

use serde::Serialize;
use sluice_core::config::{self, Diagnostic, Loaded, Severity};

use super::EXIT_USAGE;
use crate::cli::stdout::outln;
use crate::config_dir;

/// Arguments of `sluice validate`.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
Reads every *.yaml and *.yml file under each PATH (hidden directories such as .git and .github are
skipped; a file may hold several documents separated by ---), checks each Channel,
DefaultChannel, Subscription, RepositoryPolicy and Build against the same schema the
cluster uses, then checks them against each other: unknown channels, duplicate names,
duplicate flows, merge policy combinations, source-code flow settings, and cycles.
A file that is not UTF-8 text is one finding and the others are still checked; a
resource with schema errors still has its other fields checked, and still counts as
declared; a PATH without any YAML file is a warning.

Every finding is printed as
  FILE:LINE:COL: error[RULE]: MESSAGE
    = hint: HOW TO FIX IT
followed by a summary. Warnings do not fail validation.

Exit status: 0 valid (warnings allowed), 1 invalid, 2 usage error (e.g. a PATH that does not exist).

Examples:
  sluice validate                          validate the current directory
  sluice validate examples/config-repo
  sluice validate --format json config/    machine-readable output for bots")]
pub struct ValidateArgs {
    /// Config directories or single manifest files to check together.
    #[arg(default_value = ".", value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

/// Output format of `sluice validate`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// `file:line:col: error[rule]: message` lines and a summary.
    Text,
    /// One JSON object with `diagnostics` and `summary`.
    Json,
}

#[derive(Serialize)]
struct JsonReport<'a> {
    valid: bool,
    diagnostics: &'a [Diagnostic],
    summary: Summary,
}

#[derive(Serialize)]
struct Summary {
    files: usize,
    resources: usize,
    errors: usize,
    warnings: usize,
}

/// Runs `sluice validate`.
pub fn run(args: ValidateArgs) -> anyhow::Result<ExitCode> {
    let mut files = Vec::new();
    let mut unreadable = Vec::new();
    let mut empty = Vec::new();
    for path in &args.paths {
        match config_dir::read_tree(path) {
            Ok(tree) => {
                if tree.files.is_empty() && tree.unreadable.is_empty() {
                    empty.push(path.display().to_string());
                }
                files.extend(tree.files);
                unreadable.extend(tree.unreadable);
            }
            Err(err) => {
                eprintln!("error: {err:#}");
                return Ok(ExitCode::from(EXIT_USAGE));
            }
        }
    }
    let loaded = config::load_all(&files, &unreadable, &empty);
    let summary = Summary {
        files: loaded.files,
        resources: loaded.config.len(),
        errors: loaded.count(Severity::Error),
        warnings: loaded.count(Severity::Warning),
    };
    match args.format {
        Format::Text => print_text(&args.paths, &loaded, &summary),
        Format::Json => {
            let report = JsonReport {
                valid: !loaded.has_errors(),
                diagnostics: &loaded.diagnostics,
                summary,
            };
            outln!("{}", serde_json::to_string_pretty(&report)?);
        }
    }
    Ok(if loaded.has_errors() {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

fn print_text(paths: &[PathBuf], loaded: &Loaded, summary: &Summary) {
    for diagnostic in &loaded.diagnostics {
        outln!("{diagnostic}");
    }
    if !loaded.diagnostics.is_empty() {
        outln!();
    }
    let verdict = if loaded.has_errors() {
        "invalid"
    } else {
        "valid"
    };
    outln!(
        "{}: {verdict}: {} {}, {} {} in {} {} ({} {})",
        paths
            .iter()
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>()
            .join(" "),
        summary.errors,
        plural(summary.errors, "error", "errors"),
        summary.warnings,
        plural(summary.warnings, "warning", "warnings"),
        summary.files,
        plural(summary.files, "file", "files"),
        summary.resources,
        plural(summary.resources, "resource", "resources"),
    );
}

fn plural<'a>(n: usize, one: &'a str, many: &'a str) -> &'a str {
    if n == 1 { one } else { many }
}
