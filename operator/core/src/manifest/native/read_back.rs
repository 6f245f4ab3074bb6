//! The read-back check behind every reference edit of the native layout: the new file,
//! located through the same reference, must hold exactly the written version at as many
//! spots as before. A value outside a regex reference's grammar (a Dockerfile
//! `FROM image:(?P<version>\S+)` given `9.0.2 AS x`) is refused this way.

use super::references::Reference;
use crate::manifest::ManifestError;
use crate::manifest::guard::{Refusal, Write};

/// A reference written by an update: the new file must read `version` back through it
/// at as many spots as before.
pub(super) struct ReadBack<'a> {
    /// The reference.
    pub reference: &'a Reference,
    /// The dependency it belongs to.
    pub dependency: &'a str,
    /// The version written.
    pub version: &'a str,
    /// How many spots it had before.
    pub spots: usize,
}

impl ReadBack<'_> {
    /// Refuses `content` unless it reads the version back at as many spots as before.
    pub fn check(&self, content: &[u8]) -> Result<(), ManifestError> {
        let spots = self.reference.locate(content).unwrap_or_default();
        let wrong = spots.iter().find(|s| s.value != self.version);
        if spots.len() == self.spots && wrong.is_none() {
            return Ok(());
        }
        let write = Write {
            file: &self.reference.file,
            dependency: self.dependency,
            field: "version",
        };
        Err(write.refused(
            self.version,
            Refusal::ReadBack {
                reference: self.reference.describe(),
                read: crate::validate::quote(wrong.map_or("", |s| s.value.as_str())),
                found: spots.len(),
                expected: self.spots,
            },
        ))
    }
}
