//! How sluice authenticates to remotes, for gix (a credential callback) and for the
//! `git` CLI (configuration passed through the child's environment, never its argv).

use std::path::{Path, PathBuf};

use base64::Engine as _;

use super::secret::Secret;

/// Credentials for one remote.
#[derive(Clone, Debug, Default)]
pub enum Credentials {
    /// No credentials: public remotes, `file://`, or SSH through the user's ssh config
    /// and agent.
    #[default]
    None,
    /// HTTPS basic authentication with an access token as the password.
    HttpsToken {
        /// The user name; forges accept any non-empty name with a token
        /// (`x-access-token` is a common choice).
        username: String,
        /// The token.
        token: Secret,
    },
    /// SSH with a private key file, used with `IdentitiesOnly` and batch mode.
    SshKey {
        /// Path of the private key.
        key_file: PathBuf,
    },
}

/// Credentials that could not be loaded. Messages name the source, never the value.
#[derive(Debug, thiserror::Error)]
pub enum CredentialsError {
    /// The environment variable is unset or not valid UTF-8.
    #[error("credentials: environment variable {0} is not set")]
    MissingEnv(String),
    /// The token file could not be read.
    #[error("credentials: cannot read token file {path}: {source}")]
    File {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The token is empty.
    #[error("credentials: the token from {0} is empty")]
    Empty(String),
    /// The user name contains ':' or a control character.
    #[error("credentials: invalid user name")]
    InvalidUsername,
}

impl Credentials {
    /// An HTTPS token read from the environment variable `var`.
    pub fn token_from_env(username: &str, var: &str) -> Result<Self, CredentialsError> {
        let value = std::env::var(var).map_err(|_| CredentialsError::MissingEnv(var.to_owned()))?;
        Self::token(username, Secret::new(value), var)
    }

    /// An HTTPS token read from a file (a mounted Kubernetes Secret, for example).
    pub fn token_from_file(username: &str, path: &Path) -> Result<Self, CredentialsError> {
        let value = std::fs::read_to_string(path).map_err(|source| CredentialsError::File {
            path: path.to_owned(),
            source,
        })?;
        Self::token(username, Secret::new(value), &path.display().to_string())
    }

    /// An HTTPS token given directly.
    pub fn token(username: &str, token: Secret, source: &str) -> Result<Self, CredentialsError> {
        if username.is_empty() || username.contains(':') || username.chars().any(char::is_control) {
            return Err(CredentialsError::InvalidUsername);
        }
        if token.is_empty() || token.expose().chars().any(char::is_control) {
            return Err(CredentialsError::Empty(source.to_owned()));
        }
        Ok(Credentials::HttpsToken {
            username: username.to_owned(),
            token,
        })
    }

    /// The secret to scrub from any text a child process prints, if there is one.
    pub(crate) fn secret(&self) -> Option<&Secret> {
        match self {
            Credentials::HttpsToken { token, .. } => Some(token),
            _ => None,
        }
    }

    /// Remove the secret from `text` (output of a child process).
    pub(crate) fn scrub(&self, text: &str) -> String {
        match self.secret() {
            Some(secret) => secret.scrub(text),
            None => text.to_owned(),
        }
    }

    /// The gix credential callback: answers `get` with the token when `offer` is set, ignores store/erase,
    /// and never prompts.
    pub(crate) fn gix_callback(
        &self,
        offer: bool,
    ) -> impl FnMut(
        gix::credentials::helper::Action,
    ) -> gix::Result<Option<gix::credentials::protocol::Outcome>>
    + use<> {
        let identity = match self {
            Credentials::HttpsToken { username, token } if offer => {
                Some((username.clone(), token.clone()))
            }
            _ => None,
        };
        move |action| match (action, &identity) {
            (gix::credentials::helper::Action::Get(ctx), Some((username, token))) => {
                Ok(Some(gix::credentials::protocol::Outcome {
                    identity: gix::sec::identity::Account {
                        username: username.clone(),
                        password: token.expose().to_owned(),
                        oauth_refresh_token: None,
                    },
                    next: ctx.into(),
                }))
            }
            _ => Ok(None),
        }
    }

    /// `Authorization: Basic ...` for a token, as an HTTP header line.
    pub(crate) fn authorization_header(&self) -> Option<Secret> {
        match self {
            Credentials::HttpsToken { username, token } => {
                let basic = base64::engine::general_purpose::STANDARD
                    .encode(format!("{username}:{}", token.expose()));
                Some(Secret::new(format!("Authorization: Basic {basic}")))
            }
            _ => None,
        }
    }

    /// The `core.sshCommand` to use, if a key file is configured.
    pub(crate) fn ssh_command(&self) -> Option<String> {
        match self {
            Credentials::SshKey { key_file } => Some(format!(
                "ssh -i {} -o IdentitiesOnly=yes -o BatchMode=yes",
                shell_quote(&key_file.display().to_string())
            )),
            _ => None,
        }
    }

    /// Configuration entries for the `git` CLI, passed as `GIT_CONFIG_KEY_n` /
    /// `GIT_CONFIG_VALUE_n` environment variables on the child only. The token travels
    /// as an `Authorization` header value; it is never part of argv or of the URL.
    pub(crate) fn git_config(&self) -> Vec<(String, Secret)> {
        let mut entries = vec![
            // No credential helper of the user's may answer (or store) for sluice.
            ("credential.helper".to_owned(), Secret::new(String::new())),
        ];
        match self {
            Credentials::HttpsToken { .. } => {
                if let Some(header) = self.authorization_header() {
                    entries.push(("http.extraHeader".to_owned(), header));
                }
            }
            Credentials::SshKey { .. } => {
                if let Some(command) = self.ssh_command() {
                    entries.push(("core.sshCommand".to_owned(), Secret::new(command)));
                }
            }
            Credentials::None => {}
        }
        entries
    }
}

fn shell_quote(value: &str) -> String {
    format!("'{}'", value.replace('\'', r"'\''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_token() {
        let creds = Credentials::token("bot", Secret::new("tok-123"), "test").unwrap();
        assert!(!format!("{creds:?}").contains("tok-123"));
        assert!(!format!("{:?}", creds.git_config()).contains("tok-123"));
    }

    #[test]
    fn rejects_empty_tokens_and_bad_names() {
        assert!(Credentials::token("bot", Secret::new("  \n"), "test").is_err());
        assert!(Credentials::token("a:b", Secret::new("t"), "test").is_err());
        assert!(matches!(
            Credentials::token_from_env("bot", "SLUICE_SURELY_UNSET_VARIABLE"),
            Err(CredentialsError::MissingEnv(_))
        ));
    }

    #[test]
    fn ssh_key_paths_are_quoted() {
        let creds = Credentials::SshKey {
            key_file: PathBuf::from("/keys/it's"),
        };
        assert_eq!(
            creds.ssh_command().unwrap(),
            r"ssh -i '/keys/it'\''s' -o IdentitiesOnly=yes -o BatchMode=yes"
        );
    }
}
