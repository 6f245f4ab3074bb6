//! The bodies of the `sluice deps` subcommands.

use std::fs;
use std::process::ExitCode;

use anyhow::Context;
use sluice_core::manifest::{self, Asset, BuildUpdate, Dependency, DependencyKind};

use super::files::{load, write_all};
use super::{AddArgs, ListArgs, ListFormat, UpdateArgs, VerifyArgs};
use crate::cli::stdout::outln;

/// `sluice deps list`.
pub fn list(args: &ListArgs) -> anyhow::Result<ExitCode> {
    let files = load(&args.dir)?;
    let deps = manifest::list(&files)?;
    match args.format {
        ListFormat::Json => outln!("{}", serde_json::to_string_pretty(&deps)?),
        ListFormat::Table => print!("{}", table(&deps)),
    }
    Ok(ExitCode::SUCCESS)
}

fn table(deps: &[Dependency]) -> String {
    let rows: Vec<[String; 6]> = deps
        .iter()
        .map(|d| {
            let mut flags = Vec::new();
            if d.pinned {
                flags.push("pinned".to_string());
            }
            if let Some(p) = &d.coherent_parent {
                flags.push(format!("parent={p}"));
            }
            let commit: String = d.commit.chars().take(12).collect();
            [
                d.name.clone(),
                d.version.clone(),
                d.kind.to_string(),
                if flags.is_empty() {
                    "-".into()
                } else {
                    flags.join(",")
                },
                d.repository.clone(),
                commit,
            ]
        })
        .collect();
    let header = ["NAME", "VERSION", "KIND", "FLAGS", "REPOSITORY", "COMMIT"].map(String::from);
    let mut widths = header.clone().map(|h| h.len());
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    for row in std::iter::once(&header).chain(&rows) {
        let line: Vec<String> = row
            .iter()
            .zip(widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect();
        out.push_str(line.join("  ").trim_end());
        out.push('\n');
    }
    out
}

/// `sluice deps update`.
pub fn update(args: &UpdateArgs) -> anyhow::Result<ExitCode> {
    let files = load(&args.dir)?;
    let source_global_json = args
        .source_global_json
        .as_ref()
        .map(|p| fs::read(p).with_context(|| format!("reading {}", p.display())))
        .transpose()?;
    let assets = args
        .assets
        .iter()
        .map(|(name, version)| Asset {
            name: name.clone(),
            version: version.clone(),
            locations: args
                .asset_locations
                .iter()
                .filter(|(n, _)| n.eq_ignore_ascii_case(name))
                .map(|(_, url)| url.clone())
                .collect(),
        })
        .collect();
    let build = BuildUpdate {
        source_repo: args.source_repo.clone(),
        commit: args.commit.clone(),
        assets,
        source_global_json,
        coherent_parents: Vec::new(),
    };
    let changes = manifest::update(&files, &build)?;
    let unmoved = manifest::unmoved_assets(&manifest::list(&files)?, &build);
    for up in &changes.updates {
        outln!("{}: {} -> {}", up.name, up.from_version, up.to_version);
    }
    for (asset, why) in &unmoved {
        outln!("{}", why.describe(asset));
    }
    if changes.updates.is_empty() {
        let reason = if unmoved
            .iter()
            .all(|(_, why)| *why == manifest::Unmoved::NoDependency)
        {
            "no dependency matches the build"
        } else {
            "no dependency moves"
        };
        outln!("{reason}; nothing changed");
        return Ok(ExitCode::SUCCESS);
    }
    if let Some(sdk) = &changes.sdk_bump {
        outln!("dotnet SDK: -> {sdk}");
    }
    if !args.dry_run {
        write_all(&args.dir, &changes.files)?;
    }
    for path in changes.files.keys() {
        outln!(
            "{} {path}",
            if args.dry_run { "would write" } else { "wrote" }
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// `sluice deps verify`.
pub fn verify(args: &VerifyArgs) -> anyhow::Result<ExitCode> {
    let files = load(&args.dir)?;
    let findings = manifest::verify(&files)?;
    for f in &findings {
        outln!("{f}");
    }
    if findings.is_empty() {
        outln!("manifest is consistent");
        Ok(ExitCode::SUCCESS)
    } else {
        outln!("{} finding(s)", findings.len());
        Ok(ExitCode::FAILURE)
    }
}

/// `sluice deps add`.
pub fn add(args: &AddArgs) -> anyhow::Result<ExitCode> {
    let files = load(&args.dir)?;
    let mut dep = Dependency::new(&args.name, &args.version, &args.repo, &args.commit);
    dep.kind = if args.toolset {
        DependencyKind::Toolset
    } else {
        DependencyKind::Product
    };
    dep.coherent_parent = args.coherent_parent.clone();
    dep.pinned = args.pinned;
    let changes = manifest::add(&files, &dep)?;
    write_all(&args.dir, &changes.files)?;
    outln!("added {} {}", dep.name, dep.version);
    for path in changes.files.keys() {
        outln!("wrote {path}");
    }
    Ok(ExitCode::SUCCESS)
}
