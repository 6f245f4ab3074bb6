//! A refused request, answered as a `Status` object.

use super::kinds::ResourceType;

/// A refused request: HTTP code, Kubernetes reason and message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// HTTP status.
    pub code: u16,
    /// `NotFound`, `AlreadyExists`, `Conflict`, `Invalid`, `Expired`, ...
    pub reason: &'static str,
    /// A sentence.
    pub message: String,
}

impl Refusal {
    pub(crate) fn new(code: u16, reason: &'static str, message: impl Into<String>) -> Self {
        Refusal {
            code,
            reason,
            message: message.into(),
        }
    }
}

/// `404 NotFound` for `name` of type `t`.
pub fn not_found(t: &ResourceType, name: &str) -> Refusal {
    let what = if t.group.is_empty() {
        t.plural.clone()
    } else {
        format!("{}.{}", t.plural, t.group)
    };
    Refusal::new(404, "NotFound", format!("{what} \"{name}\" not found"))
}
