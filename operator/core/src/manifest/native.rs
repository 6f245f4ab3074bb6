//! The native manifest `.sluice/dependencies.yaml`.

use super::{BuildUpdate, Changes, Dependency, Finding, ManifestError, ManifestFiles, Pos};

/// Problems in the native manifest or a file it references.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{pos}: {message}")]
pub struct NativeError {
    /// Where.
    pub pos: Pos,
    /// What was expected.
    pub message: String,
}

/// Files referenced by the manifest.
pub fn referenced_paths(_files: &ManifestFiles) -> Result<Vec<String>, ManifestError> {
    Ok(Vec::new())
}

/// The dependencies declared.
pub fn list(_files: &ManifestFiles) -> Result<Vec<Dependency>, ManifestError> {
    Ok(Vec::new())
}

/// Applies a build.
pub fn update(_files: &ManifestFiles, _build: &BuildUpdate) -> Result<Changes, ManifestError> {
    Ok(Changes::default())
}

/// Adds a dependency.
pub fn add(_files: &ManifestFiles, _dep: &Dependency) -> Result<Changes, ManifestError> {
    Ok(Changes::default())
}

/// Checks consistency.
pub fn verify(_files: &ManifestFiles) -> Result<Vec<Finding>, ManifestError> {
    Ok(Vec::new())
}
