//! Consistency checks across the manifest files.

use std::fmt;

use serde::Serialize;

use super::{ManifestError, ManifestFiles, Pos};

/// One disagreement between manifest files.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// The file.
    pub file: String,
    /// Where in the file.
    pub pos: Pos,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.file, self.pos, self.message)
    }
}

/// Checks the darc layout.
pub fn eng(_files: &ManifestFiles) -> Result<Vec<Finding>, ManifestError> {
    Ok(Vec::new())
}
