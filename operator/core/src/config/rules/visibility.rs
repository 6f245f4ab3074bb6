//! The `internal-to-public` rule: a subscription from an internal channel into a public
//! target repository.

use super::super::diagnostic::{Diagnostic, Rule};
use super::super::{ConfigSet, Declared};
use super::repository;
use crate::flow::forges::{ForgeHosts, ForgeKind};
use crate::flow::visibility;
use crate::model::{Subscription, Visibility};

/// The visibility of `repository` as the configuration alone tells it: declared, else the
/// default of the forge its well-known host belongs to.
fn declared_or_default(declared: Option<Visibility>, repository: &str) -> Visibility {
    let mut hosts = ForgeHosts::new();
    hosts.enable(ForgeKind::GitHub);
    hosts.enable(ForgeKind::AzureDevOps);
    visibility::resolve(declared, None, hosts.kind_of(repository))
}

/// Reports a subscription whose channel is internal and whose target is public; checks the
/// URL of a declared `publicRepository`.
pub(super) fn internal_to_public(
    config: &ConfigSet,
    sub: &Declared<Subscription>,
    out: &mut Vec<Diagnostic>,
) {
    let (spec, origin) = (&sub.resource.spec, &sub.origin);
    if let Some(public) = &spec.source.public_repository {
        repository(origin, &["spec", "source", "publicRepository"], public, out);
    }
    let namespace = &sub.resource.metadata.namespace;
    let internal = config.channels.iter().any(|c| {
        c.resource.metadata.namespace == *namespace
            && c.resource.metadata.name.as_deref() == Some(spec.source.channel.as_str())
            && c.resource.spec.visibility == Visibility::Internal
    });
    let target = declared_or_default(spec.target.visibility, &spec.target.repository);
    if internal && target == Visibility::Public {
        out.push(
            Diagnostic::error(
                &origin.file,
                origin.pos(&["spec", "source", "channel"]),
                Rule::InternalToPublic,
                format!(
                    "internal channel `{}` flows into public repository `{}`",
                    spec.source.channel,
                    crate::model::redact_credentials(&spec.target.repository)
                ),
            )
            .with_hint("internal builds flow only into internal repositories: target an internal one, or declare `target.visibility: internal` if this repository is private"),
        );
    }
}
