//! Secrets that may change while sluice runs (tokens, webhook secrets): read once from an
//! environment variable, re-read from a file whenever its content changes (a mounted
//! Kubernetes Secret is rotated in place), or followed in a Kubernetes Secret through a
//! watch (`sluice controller`, see [`crate::cluster::secrets`]). Every user (git remotes,
//! the GitHub forge, webhook verification) reads [`SecretSource::current`] at the moment it
//! needs the value, so a rotation is used by the next request without a restart.
//!
//! The value is never logged: messages name where it comes from ([`SecretSource::origin`]).

use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use crate::git::{Credentials, Secret};

/// How often a token file is looked at for a new content.
pub const FILE_REREAD: Duration = Duration::from_secs(2);

/// A secret that could not be loaded. Messages name the source, never the value.
#[derive(Debug, thiserror::Error)]
pub enum SecretSourceError {
    /// The environment variable is unset or not valid UTF-8.
    #[error("environment variable {0} is not set")]
    MissingEnv(String),
    /// The file could not be read.
    #[error("cannot read {path}: {source}")]
    File {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The value is empty or holds control characters (key material may span lines).
    #[error("the value from {0} is empty or not a single line")]
    Unusable(String),
}

struct Inner {
    value: RwLock<Secret>,
    origin: String,
    /// Key material (a PEM): lines allowed.
    lines: bool,
    changes: tokio::sync::watch::Sender<u64>,
}

/// A secret and where it comes from; cheap to clone, every clone sees rotations.
#[derive(Clone)]
pub struct SecretSource(Arc<Inner>);

impl std::fmt::Debug for SecretSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SecretSource({})", self.0.origin)
    }
}

impl From<Secret> for SecretSource {
    fn from(secret: Secret) -> Self {
        SecretSource::fixed(secret, "the command line")
    }
}

/// A token or secret is one line; key material (`lines`) may span lines, with no other
/// control characters.
fn usable(secret: &Secret, lines: bool) -> bool {
    let allowed = |c: char| lines && matches!(c, '\n' | '\r' | '\t');
    !secret.is_empty()
        && !secret
            .expose()
            .chars()
            .any(|c| c.is_control() && !allowed(c))
}

impl SecretSource {
    /// A value that never changes, from `origin` (for messages).
    pub fn fixed(secret: Secret, origin: &str) -> Self {
        SecretSource::made(secret, origin, false)
    }

    fn made(secret: Secret, origin: &str, lines: bool) -> Self {
        SecretSource(Arc::new(Inner {
            value: RwLock::new(secret),
            origin: origin.to_string(),
            lines,
            changes: tokio::sync::watch::Sender::new(0),
        }))
    }

    /// A usable value read now from `origin` and set later with [`SecretSource::set`].
    pub fn new(secret: Secret, origin: &str) -> Result<Self, SecretSourceError> {
        if !usable(&secret, false) {
            return Err(SecretSourceError::Unusable(origin.to_string()));
        }
        Ok(SecretSource::fixed(secret, origin))
    }

    /// Key material (a PEM private key) read now from `origin`: as [`SecretSource::new`],
    /// but the value may span lines (and keeps doing so when [`SecretSource::set`]).
    pub fn key_material(secret: Secret, origin: &str) -> Result<Self, SecretSourceError> {
        if !usable(&secret, true) {
            return Err(SecretSourceError::Unusable(origin.to_string()));
        }
        Ok(SecretSource::made(secret, origin, true))
    }

    /// The value of the environment variable `var` (read once: a process's environment
    /// does not change).
    pub fn from_env(var: &str) -> Result<Self, SecretSourceError> {
        let value =
            std::env::var(var).map_err(|_| SecretSourceError::MissingEnv(var.to_string()))?;
        SecretSource::new(Secret::new(value), &format!("environment variable {var}"))
    }

    /// The content of `path`, re-read every [`FILE_REREAD`] by a task of the current Tokio
    /// runtime (when there is one) for as long as any clone lives. A content that cannot
    /// be read or is empty (a file being replaced) keeps the previous value.
    pub fn from_file(path: &Path) -> Result<Self, SecretSourceError> {
        SecretSource::file(path, false)
    }

    /// Key material (a PEM private key) in `path`, followed as [`SecretSource::from_file`]
    /// follows a token; the value may span lines.
    pub fn key_material_file(path: &Path) -> Result<Self, SecretSourceError> {
        SecretSource::file(path, true)
    }

    fn file(path: &Path, lines: bool) -> Result<Self, SecretSourceError> {
        let read = |path: &Path| {
            std::fs::read_to_string(path)
                .map(Secret::new)
                .map_err(|source| SecretSourceError::File {
                    path: path.to_owned(),
                    source,
                })
        };
        let origin = format!("file {}", path.display());
        let value = read(path)?;
        let source = if lines {
            SecretSource::key_material(value, &origin)?
        } else {
            SecretSource::new(value, &origin)?
        };
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            let weak = Arc::downgrade(&source.0);
            let path = path.to_owned();
            runtime.spawn(async move {
                let mut tick = tokio::time::interval(FILE_REREAD);
                loop {
                    tick.tick().await;
                    let Some(inner) = weak.upgrade() else {
                        return;
                    };
                    match read(&path) {
                        Ok(secret) => {
                            SecretSource(inner).set(secret);
                        }
                        Err(err) => {
                            tracing::warn!(error = %err, "secret file unreadable; the previous value stays in use")
                        }
                    }
                }
            });
        }
        Ok(source)
    }

    /// Where the value comes from, for messages.
    pub fn origin(&self) -> &str {
        &self.0.origin
    }

    /// The value now.
    pub fn current(&self) -> Secret {
        self.0
            .value
            .read()
            .map(|v| v.clone())
            .unwrap_or_else(|e| e.into_inner().clone())
    }

    /// Replaces the value; an unusable one is refused (and said, without the value).
    /// Returns whether the value changed.
    pub fn set(&self, secret: Secret) -> bool {
        if !usable(&secret, self.0.lines) {
            tracing::warn!(origin = %self.0.origin, "new secret value is empty or not a single line; the previous value stays in use");
            return false;
        }
        let changed = match self.0.value.write() {
            Ok(mut value) if *value != secret => {
                *value = secret;
                true
            }
            _ => false,
        };
        if changed {
            tracing::info!(origin = %self.0.origin, "secret rotated; the new value is used from now on");
            self.0.changes.send_modify(|n| *n += 1);
        }
        changed
    }

    /// A receiver told of every rotation.
    pub fn changes(&self) -> tokio::sync::watch::Receiver<u64> {
        self.0.changes.subscribe()
    }
}

/// Tokens that differ per repository and change over time (a GitHub App's installation
/// tokens): the one for a repository URL, as it is now.
pub trait RepositoryTokens: Send + Sync + std::fmt::Debug {
    /// The token for `url` now, if one is at hand.
    fn token_for(&self, url: &str) -> Option<Secret>;
    /// Where the tokens come from, for messages.
    fn origin(&self) -> &str;
}

/// Credentials whose token may rotate: what [`crate::remotes::Remotes`] hands out is
/// resolved from it at each use.
#[derive(Clone, Debug)]
pub enum CredentialSource {
    /// Credentials that never change (none, an SSH key, a token given directly).
    Fixed(Credentials),
    /// HTTPS basic authentication with a token from `token`.
    Token {
        /// The user name (`x-access-token`).
        username: String,
        /// The token.
        token: SecretSource,
    },
    /// HTTPS basic authentication with the token `tokens` has for each repository.
    PerRepository {
        /// The user name (`x-access-token`).
        username: String,
        /// The tokens.
        tokens: Arc<dyn RepositoryTokens>,
    },
}

impl From<Credentials> for CredentialSource {
    fn from(credentials: Credentials) -> Self {
        CredentialSource::Fixed(credentials)
    }
}

impl CredentialSource {
    /// HTTPS credentials `username` / the token of `token`.
    pub fn token(username: &str, token: SecretSource) -> Self {
        CredentialSource::Token {
            username: username.to_string(),
            token,
        }
    }

    /// The credentials for repository `url` as they are now.
    pub fn current(&self, url: &str) -> Credentials {
        match self {
            CredentialSource::Fixed(credentials) => credentials.clone(),
            CredentialSource::Token { username, token } => {
                Credentials::token(username, token.current(), token.origin()).unwrap_or_default()
            }
            CredentialSource::PerRepository { username, tokens } => tokens
                .token_for(url)
                .and_then(|token| Credentials::token(username, token, tokens.origin()).ok())
                .unwrap_or_default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_token_file_is_re_read_when_it_changes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("token");
        std::fs::write(&path, "first\n").unwrap();
        let source = SecretSource::from_file(&path).unwrap();
        let credentials = CredentialSource::token("x-access-token", source.clone());
        let token = |c: &CredentialSource| {
            c.current("https://github.com/o/r")
                .secret()
                .map(|s| s.expose().to_string())
        };
        assert_eq!(token(&credentials).as_deref(), Some("first"));
        let mut changes = source.changes();
        // Rotated in place, as the kubelet swaps a mounted Secret.
        std::fs::write(path.with_extension("new"), "second\n").unwrap();
        std::fs::rename(path.with_extension("new"), &path).unwrap();
        tokio::time::timeout(FILE_REREAD * 5, changes.changed())
            .await
            .expect("the rotation is noticed")
            .unwrap();
        assert_eq!(token(&credentials).as_deref(), Some("second"));
        // An empty file (being rewritten) keeps the value in use.
        std::fs::write(&path, "").unwrap();
        tokio::time::sleep(FILE_REREAD * 2).await;
        assert_eq!(source.current().expose(), "second");
        assert!(!format!("{source:?}").contains("second"));
    }

    #[test]
    fn unusable_values_are_refused_and_never_shown() {
        assert!(SecretSource::new(Secret::new(" \n"), "test").is_err());
        let source = SecretSource::new(Secret::new("one"), "test").unwrap();
        assert!(!source.set(Secret::new("two\nlines")));
        assert!(!source.set(Secret::new("one")));
        assert!(source.set(Secret::new("three")));
        assert_eq!(source.current().expose(), "three");
        // Key material may span lines; nothing else may.
        let pem = "-----BEGIN PRIVATE KEY-----\r\nMIIB\n-----END PRIVATE KEY-----\n";
        assert!(SecretSource::new(Secret::new(pem), "test").is_err());
        let key = SecretSource::key_material(Secret::new(pem), "test").unwrap();
        assert!(key.set(Secret::new("-----BEGIN PRIVATE KEY-----\nMIIC\n")));
        assert!(!key.set(Secret::new("bell\u{7}\n")));
        assert!(SecretSource::key_material(Secret::new("\n"), "test").is_err());
        let err = SecretSource::from_env("SLUICE_SURELY_UNSET_VARIABLE").unwrap_err();
        assert!(err.to_string().contains("SLUICE_SURELY_UNSET_VARIABLE"));
    }
}
