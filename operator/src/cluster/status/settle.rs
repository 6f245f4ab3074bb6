//! When a status pass runs and how far it goes, and what lets it skip a resource whose
//! status is right already: a digest of what that status is made from.

use kube::api::DynamicObject;

use super::{Part, Pass, Revision, StatusWriter};
use crate::cluster::resources::{self, ConfigKind, Resources};

/// How far a status pass goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Mode {
    /// Every resource of the part whose inputs may have changed.
    Full,
    /// Only Builds whose object or decision changed since their status was found right.
    Changed,
}

/// What the last complete pass over a part saw, and when its last full pass ended.
pub(super) type Last = (Revision, std::time::Instant);

impl StatusWriter {
    /// Whether a pass over `part` is due now, and how far it goes, with what the last
    /// complete pass saw. Where builds flowed follows the store at a pace: thousands of
    /// Builds are not gone over again for every write of every key; a change to the
    /// resources or to the Build decisions passes over the Builds that changed at once.
    pub(super) fn mode(&self, part: Part, revision: Revision) -> Option<(Mode, Option<Last>)> {
        let last = self.seen.lock().ok()?[part as usize];
        let mode = match last {
            None => Mode::Full,
            Some((seen, _)) if seen == revision => return None,
            Some(_) if part == Part::Configuration => Mode::Full,
            Some((_, at)) if at.elapsed() >= self.build_refresh => Mode::Full,
            Some((seen, _)) if (seen.0, seen.1, seen.2) != (revision.0, revision.1, revision.2) => {
                Mode::Changed
            }
            Some(_) => return None,
        };
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
            std::hash::Hash::hash(&format!("{decision:?}"), &mut hasher);
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
