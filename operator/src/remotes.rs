//! Which credentials reach which repository: resolves a repository URL from the config
//! into a git [`Remote`], with the token as it is at that moment (a rotated one is used
//! by the next operation).

use sluice_core::flow::forges::{ForgeHosts, ForgeKind};

use crate::git::{InvalidRemoteUrl, Remote, RemoteUrl, Scheme};
use crate::secret_source::CredentialSource;

/// Credentials for the hosts of forges (a GitHub token for GitHub's hosts), with an
/// optional default for every other HTTP(S) remote.
#[derive(Clone, Debug, Default)]
pub struct Remotes {
    https: Option<CredentialSource>,
    forges: Vec<(ForgeHosts, ForgeKind, CredentialSource)>,
}

impl Remotes {
    /// Anonymous access everywhere (file:// remotes, public repositories, ssh agent).
    pub fn anonymous() -> Self {
        Remotes::default()
    }

    /// Uses `credentials` for every HTTP(S) remote.
    pub fn with_https(credentials: impl Into<CredentialSource>) -> Self {
        Remotes {
            https: Some(credentials.into()),
            forges: Vec::new(),
        }
    }

    /// Uses `credentials` for HTTP(S) remotes on the hosts `hosts` gives to `kind`
    /// (before the default, if any).
    pub fn with_forge(
        mut self,
        hosts: ForgeHosts,
        kind: ForgeKind,
        credentials: impl Into<CredentialSource>,
    ) -> Self {
        self.forges.push((hosts, kind, credentials.into()));
        self
    }

    /// The git remote for a repository URL.
    pub fn resolve(&self, url: &str) -> Result<Remote, InvalidRemoteUrl> {
        let parsed = RemoteUrl::parse(url)?;
        if parsed.scheme() != Scheme::Http {
            return Ok(Remote::anonymous(parsed));
        }
        let forge = self
            .forges
            .iter()
            .find(|(hosts, kind, _)| hosts.kind_of(url) == *kind)
            .map(|(_, _, credentials)| credentials);
        Ok(match forge.or(self.https.as_ref()) {
            Some(credentials) => Remote::new(parsed, credentials.current(url)),
            None => Remote::anonymous(parsed),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::git::{Credentials, Secret};

    #[test]
    fn forge_hosts_get_their_forge_token_and_other_hosts_the_default() {
        let token = |t: &str| Credentials::token("x-access-token", Secret::new(t), "test").unwrap();
        let mut hosts = ForgeHosts::new();
        hosts.claim("ghe.contoso.com", ForgeKind::GitHub).unwrap();
        hosts.enable(ForgeKind::GitHub);
        let remotes = Remotes::with_https(token("default")).with_forge(
            hosts.clone(),
            ForgeKind::GitHub,
            token("github"),
        );
        let secret = |url: &str| {
            remotes
                .resolve(url)
                .unwrap()
                .credentials
                .secret()
                .map(|s| s.expose().to_string())
        };
        assert_eq!(
            secret("https://github.com/contoso/sdk").as_deref(),
            Some("github")
        );
        assert_eq!(
            secret("https://ghe.contoso.com/contoso/sdk").as_deref(),
            Some("github")
        );
        assert_eq!(
            secret("https://git.example/sdk").as_deref(),
            Some("default")
        );
        assert_eq!(secret("file:///srv/sdk.git"), None);
        let only_github =
            Remotes::anonymous().with_forge(hosts, ForgeKind::GitHub, token("github"));
        let other = only_github.resolve("https://git.example/sdk").unwrap();
        assert!(other.credentials.secret().is_none());
    }
}
