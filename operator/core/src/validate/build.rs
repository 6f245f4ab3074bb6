//! A published build as a whole: every field through its validator, and bounds on the
//! number of assets, locations and channels, so no build can grow the store without limit.

use super::{Invalid, asset_name, branch, build_number, commit, name, version};
use crate::model::{Asset, redact_credentials};

/// Most assets one build may carry.
pub const MAX_ASSETS: usize = 10_000;
/// Most locations one asset may list.
pub const MAX_LOCATIONS: usize = 16;
/// Most channels a build may name.
pub const MAX_CHANNELS: usize = 64;
/// Longest accepted asset location.
pub const MAX_LOCATION: usize = 2_048;

/// The fields of a build as it arrives, before it is stored.
#[derive(Debug, Clone, Copy)]
pub struct BuildFields<'a> {
    /// Source repository URL.
    pub repository: &'a str,
    /// Branch built.
    pub branch: &'a str,
    /// Commit built.
    pub commit: &'a str,
    /// CI build number.
    pub build_number: &'a str,
    /// When it was produced (RFC 3339).
    pub produced_at: &'a str,
    /// What it produced.
    pub assets: &'a [Asset],
    /// Channels named by the publisher.
    pub channels: &'a [String],
}

/// Checks every field of a build; the first problem is the answer.
pub fn build(fields: &BuildFields<'_>) -> Result<(), Invalid> {
    super::repository(fields.repository)?;
    branch(fields.branch)?;
    commit(fields.commit)?;
    build_number(fields.build_number)?;
    if crate::time::parse_rfc3339(fields.produced_at).is_none() {
        return Err(Invalid::new(
            "producedAt",
            fields.produced_at,
            "is not an RFC 3339 time such as 2026-11-01T10:00:00Z",
        ));
    }
    bounded("assets", fields.assets.len(), MAX_ASSETS)?;
    for (i, asset) in fields.assets.iter().enumerate() {
        asset_name(&asset.name).map_err(|e| e.in_field(format!("assets[{i}].name")))?;
        version(&asset.version).map_err(|e| e.in_field(format!("assets[{i}].version")))?;
        bounded(
            &format!("assets[{i}].locations"),
            asset.locations.len(),
            MAX_LOCATIONS,
        )?;
        for (j, l) in asset.locations.iter().enumerate() {
            location(&l.location)
                .map_err(|e| e.in_field(format!("assets[{i}].locations[{j}].location")))?;
        }
    }
    bounded("channels", fields.channels.len(), MAX_CHANNELS)?;
    for (i, c) in fields.channels.iter().enumerate() {
        name(&format!("channels[{i}]"), c)?;
    }
    Ok(())
}

/// An asset location: a feed or registry address, no whitespace, control or invisible
/// format characters.
pub fn location(value: &str) -> Result<(), Invalid> {
    if value.is_empty() || value.len() > MAX_LOCATION {
        return Err(Invalid::new(
            "location",
            value,
            format!("must be 1 to {MAX_LOCATION} bytes long"),
        ));
    }
    if let Some(c) = value
        .chars()
        .find(|c| c.is_whitespace() || c.is_control() || super::is_format_character(*c))
    {
        return Err(Invalid::new(
            "location",
            value,
            format!("must not contain {c:?}"),
        ));
    }
    if value != redact_credentials(value) {
        return Err(Invalid {
            field: "location".into(),
            shown: super::quote(&redact_credentials(value)),
            reason: "carries credentials".into(),
        });
    }
    Ok(())
}

fn bounded(field: &str, count: usize, max: usize) -> Result<(), Invalid> {
    if count > max {
        return Err(Invalid {
            field: field.to_string(),
            shown: format!("({count} entries)"),
            reason: format!("at most {max} are allowed"),
        });
    }
    Ok(())
}
