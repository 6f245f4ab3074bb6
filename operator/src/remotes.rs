//! Which credentials reach which repository: resolves a repository URL from the config
//! into a git [`Remote`].

use crate::git::{Credentials, InvalidRemoteUrl, Remote, RemoteUrl, Scheme};

/// Credentials by host, with an optional default for every HTTPS remote.
#[derive(Clone, Debug, Default)]
pub struct Remotes {
    https: Option<Credentials>,
}

impl Remotes {
    /// Anonymous access everywhere (file:// remotes, public repositories, ssh agent).
    pub fn anonymous() -> Self {
        Remotes::default()
    }

    /// Uses `credentials` for every HTTP(S) remote.
    pub fn with_https(credentials: Credentials) -> Self {
        Remotes {
            https: Some(credentials),
        }
    }

    /// The git remote for a repository URL.
    pub fn resolve(&self, url: &str) -> Result<Remote, InvalidRemoteUrl> {
        let url = RemoteUrl::parse(url)?;
        Ok(match (&self.https, url.scheme()) {
            (Some(credentials), Scheme::Http) => Remote::new(url, credentials.clone()),
            _ => Remote::anonymous(url),
        })
    }
}
