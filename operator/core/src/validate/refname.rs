//! Branch names, by the rules of `git check-ref-format --branch`, plus what sluice passes
//! to git on a command line (never an option), no invisible format characters (a
//! zero-width space or a right-to-left override would make two branches look alike or
//! one look like another) and a bounded length.

use super::{Invalid, MAX_BRANCH, is_format_character};

/// A branch name: a valid ref below `refs/heads/`, not starting with `-`, at most
/// [`MAX_BRANCH`] bytes.
pub fn branch(value: &str) -> Result<(), Invalid> {
    if value.starts_with('-') {
        return Err(Invalid::new("branch", value, "must not start with `-`"));
    }
    ref_name(value)
}

/// A name below `refs/heads/` by git's rules alone (a segment of a longer branch name may
/// start with `-`), at most [`MAX_BRANCH`] bytes.
pub fn ref_name(value: &str) -> Result<(), Invalid> {
    let refuse = |reason: &str| Err(Invalid::new("branch", value, reason));
    if value.is_empty() {
        return refuse("is empty");
    }
    if value.len() > MAX_BRANCH {
        return refuse("is too long (at most 255 bytes)");
    }
    if value == "@" {
        return refuse("must not be `@`");
    }
    if let Some(c) = value.chars().find(|c| {
        c.is_control()
            || c.is_whitespace()
            || is_format_character(*c)
            || matches!(c, '~' | '^' | ':' | '?' | '*' | '[' | '\\' | '\u{7f}')
    }) {
        return Err(Invalid::new(
            "branch",
            value,
            format!("must not contain {c:?}"),
        ));
    }
    for (pattern, what) in [("..", "`..`"), ("@{", "`@{`"), ("//", "`//`")] {
        if value.contains(pattern) {
            return Err(Invalid::new(
                "branch",
                value,
                format!("must not contain {what}"),
            ));
        }
    }
    if value.starts_with('/') || value.ends_with('/') || value.ends_with('.') {
        return refuse("must not start or end with `/` or end with `.`");
    }
    for part in value.split('/') {
        if part.starts_with('.') {
            return refuse("has a path segment starting with `.`");
        }
        if part.ends_with(".lock") {
            return refuse("has a path segment ending with `.lock`");
        }
    }
    Ok(())
}
