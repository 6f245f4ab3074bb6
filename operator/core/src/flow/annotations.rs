//! "Reconcile now" by annotation, as cluster users expect (Flux's convention):
//! `sluice.dev/requestedAt` asks a subscription to take the newest build of its channel,
//! `sluice.dev/forceAt` to apply it even when it is applied already. A request is handled
//! once per value: the status echoes the last value handled (`lastHandledRequestedAt`,
//! `lastHandledForceAt`), and an annotation whose value is the one echoed asks nothing.

use std::collections::BTreeMap;

/// The annotation that triggers a subscription.
pub const REQUESTED_AT: &str = "sluice.dev/requestedAt";
/// The annotation that triggers a subscription by force.
pub const FORCE_AT: &str = "sluice.dev/forceAt";

/// A request an annotation makes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnnotationRequest {
    /// Whether it forces.
    pub force: bool,
    /// The annotation's value, echoed in status once handled.
    pub value: String,
}

/// The requests `annotations` make that the status (`handled_requested`,
/// `handled_force`) has not handled yet: the plain request first, then the forced one.
pub fn unhandled(
    annotations: &BTreeMap<String, String>,
    handled_requested: Option<&str>,
    handled_force: Option<&str>,
) -> Vec<AnnotationRequest> {
    [
        (REQUESTED_AT, false, handled_requested),
        (FORCE_AT, true, handled_force),
    ]
    .into_iter()
    .filter_map(|(key, force, handled)| {
        let value = annotations.get(key)?.trim();
        (!value.is_empty() && Some(value) != handled).then(|| AnnotationRequest {
            force,
            value: value.to_string(),
        })
    })
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Annotations, handled requestedAt, handled forceAt, the requests.
    type Case<'a> = (
        &'a [(&'a str, &'a str)],
        Option<&'a str>,
        Option<&'a str>,
        Vec<AnnotationRequest>,
    );

    #[test]
    fn each_annotation_value_is_handled_once() {
        let req = |force, value: &str| AnnotationRequest {
            force,
            value: value.into(),
        };
        let table: [Case; 6] = [
            (&[], None, None, vec![]),
            (&[(REQUESTED_AT, "1")], None, None, vec![req(false, "1")]),
            (&[(REQUESTED_AT, "1")], Some("1"), None, vec![]),
            (
                &[(REQUESTED_AT, "2")],
                Some("1"),
                None,
                vec![req(false, "2")],
            ),
            (
                &[(REQUESTED_AT, "2"), (FORCE_AT, "9"), ("other", "x")],
                Some("2"),
                Some("8"),
                vec![req(true, "9")],
            ),
            (&[(REQUESTED_AT, "  "), (FORCE_AT, "")], None, None, vec![]),
        ];
        for (annotations, requested, forced, want) in table {
            let annotations = annotations
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect();
            assert_eq!(
                unhandled(&annotations, requested, forced),
                want,
                "{annotations:?}"
            );
        }
    }
}
