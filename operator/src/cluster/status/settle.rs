//! When a status pass runs and how far it goes (the core's [`status_pass`] decides), and
//! what lets it skip a resource whose status is right already: a digest of what that
//! status is made from.

use kube::api::DynamicObject;

use sluice_core::flow::status_pass::{self, Mode, Revision};

use super::{Part, Pass, Seen, StatusWriter};
use crate::cluster::resources::{self, ConfigKind, Resources};

impl StatusWriter {
    /// The pass due over `part` now ([`status_pass::due`]), with what the last complete
    /// pass saw; `None` when none is.
    pub(super) fn mode(&self, part: Part, revision: Revision) -> Option<(Mode, Option<Seen>)> {
        let last = self.seen.lock().ok()?[part as usize];
        let seen = last.map(|(seen, at)| status_pass::Last {
            seen,
            full_ago: at.elapsed(),
        });
        let mode = status_pass::due(part == Part::Builds, seen, revision, self.build_refresh)?;
        Some((mode, last))
    }

    /// A digest of what the status of a resource is made from: of an accepted
    /// Subscription, the object as watched (its version, which any change to it moves)
    /// and the store's view of it; of a Build, the object and its Build decision (where
    /// it flowed is left to full passes). `None` for the others, made every pass.
    pub(super) fn inputs(
        &self,
        (resources, kind): (&Resources, &ConfigKind),
        object: &DynamicObject,
        pass: &Pass<'_>,
    ) -> Option<u64> {
        if kind.kind == "Build" {
            let decision = self
                .ingested
                .get(&resources::key(object), object.metadata.generation);
            let mut hasher = std::hash::DefaultHasher::new();
            std::hash::Hash::hash(&object.metadata.resource_version, &mut hasher);
            std::hash::Hash::hash(&decision, &mut hasher);
            return Some(std::hash::Hasher::finish(&hasher));
        }
        if kind.kind != "Subscription" {
            return None;
        }
        let namespace = object.metadata.namespace.as_deref().unwrap_or("");
        let name = object.metadata.name.as_deref().unwrap_or("");
        if resources
            .refusal(&resources::path(kind, namespace, name))
            .is_some()
        {
            return None;
        }
        let view = pass.views.get(name)?;
        let mut hasher = HashWriter(std::hash::DefaultHasher::new());
        std::hash::Hash::hash(&object.metadata.resource_version, &mut hasher.0);
        serde_json::to_writer(&mut hasher, view).ok()?;
        Some(std::hash::Hasher::finish(&hasher.0))
    }
}

/// Feeds what is written to it into a hasher.
struct HashWriter(std::hash::DefaultHasher);

impl std::io::Write for HashWriter {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        std::hash::Hasher::write(&mut self.0, bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
