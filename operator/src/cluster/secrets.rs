//! Tokens from Kubernetes Secrets (`--git-token-secret NAME/KEY` and the like): one key
//! of one Secret in the controller's namespace, followed through a watch restricted to
//! that name (so RBAC can restrict `get/list/watch` to it with `resourceNames`). A rotated
//! Secret reaches the [`SecretSource`] at once; a deleted one, or one whose key went away
//! or is empty, leaves the last value in use (and says so, without the value).

use std::str::FromStr;
use std::time::Duration;

use futures_util::StreamExt;
use k8s_openapi::api::core::v1::Secret as KubeSecret;
use kube::api::Api;
use kube::runtime::watcher;
use kube::runtime::{WatchStreamExt, watcher::Event};

use crate::git::Secret;
use crate::secret_source::SecretSource;

/// `NAME/KEY`: a key of a Secret in the controller's namespace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretRef {
    /// The Secret's name.
    pub name: String,
    /// The key in its `data`.
    pub key: String,
}

/// Why a Secret could not be followed.
#[derive(Debug, thiserror::Error)]
pub enum SecretsError {
    /// The reference is not `NAME/KEY`.
    #[error("{0:?} is not NAME/KEY (a Secret's name and a key of its data)")]
    Reference(String),
    /// No usable value showed within the time allowed.
    #[error(
        "Secret {namespace}/{name}: no usable value under key {key} within {seconds} s (is the Secret there, with that key, and may the controller's service account watch it?)"
    )]
    Missing {
        /// The namespace.
        namespace: String,
        /// The Secret.
        name: String,
        /// The key.
        key: String,
        /// The time allowed.
        seconds: u64,
    },
}

impl FromStr for SecretRef {
    type Err = SecretsError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let refuse = || SecretsError::Reference(text.to_string());
        let (name, key) = text.split_once('/').ok_or_else(refuse)?;
        let name_ok = !name.is_empty()
            && name.len() <= 253
            && name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.');
        let key_ok = !key.is_empty()
            && key.len() <= 253
            && key
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
        if !name_ok || !key_ok {
            return Err(refuse());
        }
        Ok(SecretRef {
            name: name.to_string(),
            key: key.to_string(),
        })
    }
}

fn value(secret: &KubeSecret, key: &str) -> Option<Secret> {
    let bytes = secret.data.as_ref()?.get(key)?;
    let text = String::from_utf8(bytes.0.clone()).ok()?;
    let secret = Secret::new(text);
    (!secret.is_empty()).then_some(secret)
}

/// What a followed key holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Holds {
    /// A token or secret: one line.
    Token,
    /// Key material (a PEM private key): it may span lines.
    KeyMaterial,
}

/// Follows `reference` in `namespace`: waits up to `wait` for its first usable value,
/// then keeps the returned source current for as long as the process runs.
pub async fn follow(
    client: kube::Client,
    namespace: &str,
    reference: &SecretRef,
    wait: Duration,
) -> Result<SecretSource, SecretsError> {
    follow_holding(client, namespace, reference, wait, Holds::Token).await
}

/// As [`follow`], for a key holding `holds`.
pub async fn follow_holding(
    client: kube::Client,
    namespace: &str,
    reference: &SecretRef,
    wait: Duration,
    holds: Holds,
) -> Result<SecretSource, SecretsError> {
    let api: Api<KubeSecret> = Api::namespaced(client, namespace);
    let config = watcher::Config::default().fields(&format!("metadata.name={}", reference.name));
    let stream = watcher::watcher(api, config).default_backoff();
    let origin = format!(
        "Secret {namespace}/{} key {}",
        reference.name, reference.key
    );
    let (first_tx, first_rx) = tokio::sync::oneshot::channel();
    let key = reference.key.clone();
    let task_origin = origin.clone();
    tokio::spawn(async move {
        futures_util::pin_mut!(stream);
        let mut first = Some(first_tx);
        let mut source: Option<SecretSource> = None;
        while let Some(event) = stream.next().await {
            let object = match event {
                Ok(Event::Apply(o) | Event::InitApply(o)) => o,
                Ok(Event::Delete(_)) => {
                    tracing::warn!(origin = %task_origin, "Secret deleted; the last value stays in use");
                    continue;
                }
                Ok(Event::Init | Event::InitDone) => continue,
                Err(err) => {
                    tracing::warn!(origin = %task_origin, error = %err, "watch of the Secret failed; retrying");
                    continue;
                }
            };
            let Some(secret) = value(&object, &key) else {
                tracing::warn!(origin = %task_origin, "no usable value under the key; the last value stays in use");
                continue;
            };
            match &source {
                Some(source) => {
                    source.set(secret);
                }
                None => {
                    let new = match holds {
                        Holds::Token => SecretSource::new(secret, &task_origin),
                        Holds::KeyMaterial => SecretSource::key_material(secret, &task_origin),
                    };
                    let Ok(new) = new else {
                        tracing::warn!(origin = %task_origin, "the value is not a single line; waiting for a usable one");
                        continue;
                    };
                    if let Some(tx) = first.take() {
                        let _ = tx.send(new.clone());
                    }
                    source = Some(new);
                }
            }
        }
    });
    match tokio::time::timeout(wait, first_rx).await {
        Ok(Ok(source)) => Ok(source),
        _ => Err(SecretsError::Missing {
            namespace: namespace.to_string(),
            name: reference.name.clone(),
            key: reference.key.clone(),
            seconds: wait.as_secs(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_are_name_slash_key() {
        assert_eq!(
            "git-token/token".parse::<SecretRef>().unwrap(),
            SecretRef {
                name: "git-token".into(),
                key: "token".into()
            }
        );
        assert!("sluice.tokens/GITHUB_TOKEN".parse::<SecretRef>().is_ok());
        for bad in ["", "name", "/key", "name/", "Name/key", "a/b/c", "a b/key"] {
            let err = bad.parse::<SecretRef>().unwrap_err();
            assert!(err.to_string().contains("NAME/KEY"), "{bad}: {err}");
        }
    }
}
