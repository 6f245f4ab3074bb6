//! Config-repo loading and validation.
