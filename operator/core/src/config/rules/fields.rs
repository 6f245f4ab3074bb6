//! Single fields checked with the core's validators: branch names and excluded-asset
//! patterns, the same rules the HTTP API and the CLI apply.

use super::super::Origin;
use super::super::diagnostic::{Diagnostic, Rule};
use crate::validate;

/// Longest accepted excluded-asset pattern.
const MAX_GLOB: usize = validate::MAX_ASSET_NAME;

/// Reports `value` at `path` unless it is a branch name git accepts.
pub(super) fn branch(origin: &Origin, path: &[&str], value: &str, out: &mut Vec<Diagnostic>) {
    if let Err(e) = validate::branch(value) {
        out.push(
            Diagnostic::error(
                &origin.file,
                origin.pos(path),
                Rule::InvalidBranch,
                format!("invalid branch {}: {}", e.shown, e.reason),
            )
            .with_hint("branch names follow git's rules, for example `main` or `release/9.0`"),
        );
    }
}

/// Whether `glob` is an asset name with `*` and `?` wildcards.
pub(super) fn asset_glob_ok(glob: &str) -> bool {
    !glob.is_empty()
        && glob.len() <= MAX_GLOB
        && glob.chars().all(|c| {
            c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | '+' | '/' | '*' | '?')
        })
}
