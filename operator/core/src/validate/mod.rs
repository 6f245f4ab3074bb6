//! Validators for every door through which untrusted text enters: the HTTP API, the CLI,
//! build manifests, Build resources and config files all call these, so one rule decides
//! what a version, a commit, a branch or a name may be.
//!
//! Each validator accepts a value only when it cannot change the structure of anything it
//! is written into (a manifest, a commit message, a ref, a pull request description):
//! no whitespace, control or invisible format characters, a strict character set, a
//! bounded length. A refusal names the field and quotes at most a short, escaped prefix
//! of the value, so a hostile value never reaches a log or a response whole.

mod build;
mod refname;

use std::sync::LazyLock;

use regex::Regex;

use crate::model::RepositoryUrl;
pub use build::{
    BuildFields, MAX_ASSETS, MAX_CHANNELS, MAX_LOCATION, MAX_LOCATIONS, build, location,
};
pub use refname::{branch, ref_name};

/// Longest accepted repository URL.
pub const MAX_REPOSITORY: usize = 2048;
/// Longest accepted version.
pub const MAX_VERSION: usize = 128;
/// Longest accepted build number.
pub const MAX_BUILD_NUMBER: usize = 128;
/// Longest accepted asset name.
pub const MAX_ASSET_NAME: usize = 256;
/// Longest accepted branch name.
pub const MAX_BRANCH: usize = 255;
/// Longest accepted resource name (a Kubernetes DNS subdomain).
pub const MAX_NAME: usize = 253;

/// How much of a refused value an error quotes.
const QUOTED: usize = 40;

/// A refused value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field} {shown}: {reason}")]
pub struct Invalid {
    /// The field, as the door calls it (`version`, `commit`, `assets[2].name`).
    pub field: String,
    /// An escaped, bounded rendering of the value.
    pub shown: String,
    /// What is wrong.
    pub reason: String,
}

impl Invalid {
    /// A refusal of `value` in `field`.
    pub fn new(field: &str, value: &str, reason: impl Into<String>) -> Invalid {
        Invalid {
            field: field.to_string(),
            shown: quote(value),
            reason: reason.into(),
        }
    }

    /// The same refusal under another field name (`version` becomes `assets[2].version`).
    pub fn in_field(mut self, field: impl Into<String>) -> Invalid {
        self.field = field.into();
        self
    }
}

/// Unicode's format characters (general category Cf).
static FORMAT: LazyLock<Option<Regex>> = LazyLock::new(|| Regex::new(r"\p{Cf}").ok());

/// Whether `c` is a Unicode format character (general category Cf): invisible characters
/// that change how the text around them is shown, such as the zero-width space U+200B,
/// the zero-width joiners, the byte-order mark U+FEFF, the soft hyphen U+00AD and the
/// bidirectional controls (U+200E, U+200F, U+202A to U+202E, U+2066 to U+2069), with
/// which two different names can look the same, or a name can show reversed.
pub fn is_format_character(c: char) -> bool {
    if c.is_ascii() {
        return false;
    }
    let mut utf8 = [0; 4];
    // The pattern is fixed and compiles; were it not to, no character could be told
    // apart, and every one beyond ASCII is refused.
    FORMAT
        .as_ref()
        .is_none_or(|format| format.is_match(c.encode_utf8(&mut utf8)))
}

/// `value` escaped and cut to a short prefix, for messages.
pub fn quote(value: &str) -> String {
    let mut shown: String = value.chars().take(QUOTED).collect();
    if value.chars().count() > QUOTED {
        shown.push('…');
    }
    format!("{shown:?}")
}

/// Checks length and characters: `allowed` for every character, an ASCII alphanumeric first.
fn charset(
    field: &str,
    value: &str,
    max: usize,
    allowed: impl Fn(char) -> bool,
    described: &str,
) -> Result<(), Invalid> {
    if value.is_empty() {
        return Err(Invalid::new(field, value, "is empty"));
    }
    if value.len() > max {
        return Err(Invalid::new(
            field,
            value,
            format!("is {} bytes long; at most {max} are allowed", value.len()),
        ));
    }
    if let Some(c) = value.chars().find(|c| !allowed(*c)) {
        return Err(Invalid::new(
            field,
            value,
            format!("contains {c:?}; only {described} are allowed"),
        ));
    }
    if !value.starts_with(|c: char| c.is_ascii_alphanumeric()) {
        return Err(Invalid::new(
            field,
            value,
            "must start with a letter or a digit",
        ));
    }
    Ok(())
}

/// A version: letters, digits and `.` `-` `+` `_` (semantic, NuGet and container-tag
/// versions), starting with a letter or digit, at most [`MAX_VERSION`] bytes.
pub fn version(value: &str) -> Result<(), Invalid> {
    charset(
        "version",
        value,
        MAX_VERSION,
        |c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '+' | '_'),
        "letters, digits and . - + _",
    )
}

/// A commit id: 7 to 64 hexadecimal digits (abbreviated, SHA-1 or SHA-256).
pub fn commit(value: &str) -> Result<(), Invalid> {
    if !(7..=64).contains(&value.len()) || !value.chars().all(|c| c.is_ascii_hexdigit()) {
        return Err(Invalid::new(
            "commit",
            value,
            "is not a commit id (7 to 64 hexadecimal digits)",
        ));
    }
    Ok(())
}

/// A build number as CI systems write them (`20261101.3`, `1234`, `9.0.100-rc.1.2`).
pub fn build_number(value: &str) -> Result<(), Invalid> {
    charset(
        "build number",
        value,
        MAX_BUILD_NUMBER,
        |c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | '+'),
        "letters, digits and . - _ +",
    )
}

/// An asset name: a package id, a file path or an image name (`Contoso.Runtime`,
/// `assets/symbols/x.zip`, `contoso/runtime-deps`).
pub fn asset_name(value: &str) -> Result<(), Invalid> {
    charset(
        "asset name",
        value,
        MAX_ASSET_NAME,
        |c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | '+' | '/'),
        "letters, digits and . - _ + /",
    )?;
    if value.split('/').any(|part| part.is_empty() || part == "..") {
        return Err(Invalid::new(
            "asset name",
            value,
            "has an empty or `..` path segment",
        ));
    }
    Ok(())
}

/// A resource name (subscription, channel, default channel, policy): a Kubernetes DNS
/// subdomain, lowercase letters, digits, `-` and `.`, at most [`MAX_NAME`] bytes,
/// beginning and ending with a letter or digit.
pub fn name(field: &str, value: &str) -> Result<(), Invalid> {
    charset(
        field,
        value,
        MAX_NAME,
        |c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '-' | '.'),
        "lowercase letters, digits, - and .",
    )?;
    if !value.ends_with(|c: char| c.is_ascii_alphanumeric()) {
        return Err(Invalid::new(
            field,
            value,
            "must end with a letter or a digit",
        ));
    }
    Ok(())
}

/// Longest accepted label (a check name, a reviewer).
pub const MAX_LABEL: usize = 256;

/// A label people read, such as a check name or a reviewer: printable text on one line,
/// without invisible format characters, not empty, at most [`MAX_LABEL`] bytes.
pub fn label(field: &str, value: &str) -> Result<(), Invalid> {
    if value.trim().is_empty() {
        return Err(Invalid::new(field, value, "is empty"));
    }
    if value.len() > MAX_LABEL {
        return Err(Invalid::new(
            field,
            value,
            format!(
                "is {} bytes long; at most {MAX_LABEL} are allowed",
                value.len()
            ),
        ));
    }
    if let Some(c) = value.chars().find(|c| c.is_control()) {
        return Err(Invalid::new(
            field,
            value,
            format!("contains the control character {c:?}"),
        ));
    }
    if let Some(c) = value.chars().find(|c| is_format_character(*c)) {
        return Err(Invalid::new(
            field,
            value,
            format!("contains the invisible format character {c:?}"),
        ));
    }
    Ok(())
}

/// A repository URL as a door receives it: at most [`MAX_REPOSITORY`] bytes, accepted by
/// [`RepositoryUrl::parse`], and without the surrounding whitespace that parser forgives
/// (a door keeps the value it was given, so the value itself must be clean).
pub fn repository(value: &str) -> Result<RepositoryUrl, Invalid> {
    // Messages quote the URL with any credentials hidden.
    let refuse = |reason: String| Invalid {
        field: "repository".into(),
        shown: quote(&crate::model::redact_credentials(value)),
        reason,
    };
    if value.len() > MAX_REPOSITORY {
        return Err(refuse(format!(
            "is {} bytes long; at most {MAX_REPOSITORY} are allowed",
            value.len()
        )));
    }
    if value.trim() != value {
        return Err(refuse("has whitespace around it".into()));
    }
    RepositoryUrl::parse(value).map_err(|e| refuse(e.to_string()))
}

#[cfg(test)]
mod tests;
