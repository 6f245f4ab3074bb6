//! A string that must never reach a log line, an error message or a debug dump.

use std::fmt;

/// A secret value such as an access token.
///
/// `Debug` and `Display` print a fixed placeholder; the only way to read the value is
/// [`Secret::expose`], which callers use at the last moment (an environment variable on
/// a child process, a credential callback).
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

/// What `Debug` and `Display` print instead of a secret.
pub const REDACTED: &str = "<redacted>";

impl Secret {
    /// Wrap a value. Surrounding whitespace (a trailing newline from a file) is removed.
    pub fn new(value: impl Into<String>) -> Self {
        let value = value.into();
        let trimmed = value.trim();
        if trimmed.len() == value.len() {
            Secret(value)
        } else {
            Secret(trimmed.to_owned())
        }
    }

    /// The secret itself. Never log or format the result.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Whether the secret is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Replace every occurrence of the secret in `text` with the placeholder, for text
    /// produced by a child process that could echo it back.
    pub fn scrub(&self, text: &str) -> String {
        if self.0.is_empty() {
            text.to_owned()
        } else {
            text.replace(&self.0, REDACTED)
        }
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formatting_redacts() {
        let secret = Secret::new("hunter2\n");
        assert_eq!(secret.expose(), "hunter2");
        assert_eq!(format!("{secret}"), REDACTED);
        assert_eq!(format!("{secret:?}"), REDACTED);
        assert_eq!(
            secret.scrub("token hunter2 leaked"),
            "token <redacted> leaked"
        );
    }
}
