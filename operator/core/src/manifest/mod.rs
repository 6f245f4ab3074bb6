//! Dependency manifests: read and update them byte-exactly.
