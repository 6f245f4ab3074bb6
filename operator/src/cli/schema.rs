//! `sluice schema`: write JSON Schemas of config-repo documents for editors and linters.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use sluice_core::model::{ResourceKind, any_document_schema, document_schema};

use crate::cli::stdout::outln;
use crate::files::write_atomic;

/// Arguments of `sluice schema`.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
Writes one schema per kind (channel.json, defaultchannel.json, subscription.json,
repositorypolicy.json, build.json) and sluice.json, which accepts any kind. Point your
editor at them with a modeline on the first line of a config file:

  # yaml-language-server: $schema=../crds/schema/sluice.json

Examples:
  sluice schema --out crds/schema      what `make schema` does
  sluice schema --kind subscription    print one schema to stdout")]
pub struct SchemaArgs {
    /// Directory to write the schemas into.
    #[arg(long, value_name = "DIR", conflicts_with = "kind")]
    pub out: Option<PathBuf>,
    /// Print only this kind's schema (lowercase kind name, or `sluice` for any kind).
    #[arg(long, value_name = "KIND")]
    pub kind: Option<String>,
}

fn schemas() -> Vec<(String, serde_json::Value)> {
    let mut all: Vec<(String, serde_json::Value)> = ResourceKind::ALL
        .iter()
        .map(|k| (k.as_str().to_lowercase(), document_schema(*k)))
        .collect();
    all.push(("sluice".to_string(), any_document_schema()));
    all
}

/// Runs `sluice schema`.
pub fn run(args: SchemaArgs) -> anyhow::Result<ExitCode> {
    let all = schemas();
    if let Some(dir) = args.out {
        std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
        for (name, schema) in &all {
            let path = dir.join(format!("{name}.json"));
            write_atomic(
                &path,
                format!("{}\n", serde_json::to_string_pretty(schema)?).as_bytes(),
            )?;
            eprintln!("wrote {}", path.display());
        }
        return Ok(ExitCode::SUCCESS);
    }
    let wanted = args
        .kind
        .unwrap_or_else(|| "sluice".to_string())
        .to_lowercase();
    match all.iter().find(|(name, _)| *name == wanted) {
        Some((_, schema)) => {
            outln!("{}", serde_json::to_string_pretty(schema)?);
            Ok(ExitCode::SUCCESS)
        }
        None => {
            let names: Vec<&str> = all.iter().map(|(n, _)| n.as_str()).collect();
            eprintln!(
                "error: unknown kind `{wanted}`; expected one of: {}",
                names.join(", ")
            );
            Ok(ExitCode::from(super::EXIT_USAGE))
        }
    }
}
