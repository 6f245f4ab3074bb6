//! The build the manifest tests apply: a source repository, a commit and assets given as
//! name and version.

use super::{Asset, BuildUpdate};

/// A build of `source_repo` at `commit` carrying `assets` (name, version), without
/// locations or a source global.json.
pub(crate) fn build(source_repo: &str, commit: &str, assets: &[(&str, &str)]) -> BuildUpdate {
    BuildUpdate {
        source_repo: source_repo.into(),
        commit: commit.into(),
        assets: assets
            .iter()
            .map(|(name, version)| Asset {
                name: (*name).into(),
                version: (*version).into(),
                locations: vec![],
            })
            .collect(),
        source_global_json: None,
        coherent_parents: Vec::new(),
    }
}
