//! Which forge serves a repository, chosen by the host of its URL.
//!
//! A deployment enables forge kinds (GitHub with a token or an app, Azure DevOps with a
//! token). Enabling a kind claims its well-known hosts (`github.com`; `dev.azure.com`,
//! `ssh.dev.azure.com` and `*.visualstudio.com`); more hosts (GitHub Enterprise servers,
//! say) are claimed by configuration. Every repository on a host no enabled kind claims
//! is served by the git-native forge: its pull requests live in sluice and its branches
//! on the repository's git remote. One configuration may mix targets on several forges.

use super::pacing::host_of;

/// A kind of forge.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ForgeKind {
    /// sluice's own: pull requests in the store, branches on any git remote.
    Native,
    /// GitHub or GitHub Enterprise.
    GitHub,
    /// Azure DevOps Services (or Server).
    AzureDevOps,
}

impl ForgeKind {
    /// The hosts enabling this kind claims without configuration.
    pub fn well_known_hosts(self) -> &'static [&'static str] {
        match self {
            ForgeKind::Native => &[],
            ForgeKind::GitHub => &["github.com"],
            ForgeKind::AzureDevOps => &["dev.azure.com", "ssh.dev.azure.com", "*.visualstudio.com"],
        }
    }

    /// Lower-case name, as flags and messages spell it.
    pub fn as_str(self) -> &'static str {
        match self {
            ForgeKind::Native => "native",
            ForgeKind::GitHub => "github",
            ForgeKind::AzureDevOps => "azure-devops",
        }
    }
}

/// A host pattern that is not usable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("forge host {pattern:?}: {reason}")]
pub struct InvalidHostPattern {
    /// The pattern as given.
    pub pattern: String,
    /// Why it was refused.
    pub reason: &'static str,
}

/// Hosts claimed by forge kinds; the first claim of a host wins.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ForgeHosts {
    claims: Vec<(String, ForgeKind)>,
}

impl ForgeHosts {
    /// No claims: every repository is served by the git-native forge.
    pub fn new() -> Self {
        ForgeHosts::default()
    }

    /// Enables `kind`: it claims its well-known hosts.
    pub fn enable(&mut self, kind: ForgeKind) {
        for host in kind.well_known_hosts() {
            self.claims.push((host.to_string(), kind));
        }
    }

    /// Claims one more host for `kind`: `host`, `host:port` (only that port) or
    /// `*.domain` (every host under the domain, not the domain itself).
    pub fn claim(&mut self, pattern: &str, kind: ForgeKind) -> Result<(), InvalidHostPattern> {
        let invalid = |reason| InvalidHostPattern {
            pattern: pattern.to_string(),
            reason,
        };
        let host = pattern.trim().to_ascii_lowercase();
        let bare = host.strip_prefix("*.").unwrap_or(&host);
        if bare.is_empty() {
            return Err(invalid("is empty"));
        }
        if bare.contains(['/', '@', '*', ' ']) || host.contains("://") {
            return Err(invalid(
                "must be a host name, host:port or *.domain, not a URL",
            ));
        }
        self.claims.push((host, kind));
        Ok(())
    }

    /// The kind serving `repository` (a URL as the configuration declares it).
    pub fn kind_of(&self, repository: &str) -> ForgeKind {
        let authority = host_of(repository);
        if authority.contains("://") {
            // file:// repositories belong to no host.
            return ForgeKind::Native;
        }
        let host = authority
            .rsplit_once(':')
            .filter(|(_, port)| port.chars().all(|c| c.is_ascii_digit()))
            .map_or(authority.as_str(), |(host, _)| host);
        self.claims
            .iter()
            .find(|(pattern, _)| matches(pattern, &authority, host))
            .map_or(ForgeKind::Native, |(_, kind)| *kind)
    }
}

fn matches(pattern: &str, authority: &str, host: &str) -> bool {
    if let Some(domain) = pattern.strip_prefix("*.") {
        return host
            .strip_suffix(domain)
            .is_some_and(|sub| sub.ends_with('.') && sub.len() > 1);
    }
    if pattern.contains(':') {
        pattern == authority
    } else {
        pattern == host
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repositories_go_to_the_kind_claiming_their_host() {
        let mut hosts = ForgeHosts::new();
        hosts.enable(ForgeKind::GitHub);
        hosts.enable(ForgeKind::AzureDevOps);
        hosts.claim("GHE.contoso.com", ForgeKind::GitHub).unwrap();
        hosts.claim("git.example:8443", ForgeKind::GitHub).unwrap();
        for (url, kind) in [
            ("https://github.com/contoso/sdk", ForgeKind::GitHub),
            ("https://GitHub.com/contoso/sdk.git", ForgeKind::GitHub),
            ("git@github.com:contoso/sdk.git", ForgeKind::GitHub),
            ("https://ghe.contoso.com/contoso/sdk", ForgeKind::GitHub),
            ("https://ghe.contoso.com:444/contoso/sdk", ForgeKind::GitHub),
            ("https://git.example:8443/sdk", ForgeKind::GitHub),
            ("https://git.example/sdk", ForgeKind::Native),
            (
                "https://dev.azure.com/contoso/p/_git/r",
                ForgeKind::AzureDevOps,
            ),
            (
                "https://contoso.visualstudio.com/p/_git/r",
                ForgeKind::AzureDevOps,
            ),
            ("https://visualstudio.com/p/_git/r", ForgeKind::Native),
            ("https://evilvisualstudio.com/p/_git/r", ForgeKind::Native),
            (
                "ssh://git@ssh.dev.azure.com/v3/c/p/r",
                ForgeKind::AzureDevOps,
            ),
            (
                "https://github.com.evil.example/contoso/sdk",
                ForgeKind::Native,
            ),
            ("http://127.0.0.1:8080/sdk.git", ForgeKind::Native),
            ("file:///srv/git/github.com/sdk.git", ForgeKind::Native),
        ] {
            assert_eq!(hosts.kind_of(url), kind, "{url}");
        }
    }

    #[test]
    fn without_enabled_kinds_everything_is_native() {
        let hosts = ForgeHosts::new();
        for url in [
            "https://github.com/contoso/sdk",
            "https://dev.azure.com/contoso/p/_git/r",
        ] {
            assert_eq!(hosts.kind_of(url), ForgeKind::Native, "{url}");
        }
    }

    #[test]
    fn the_first_claim_wins() {
        let mut hosts = ForgeHosts::new();
        hosts.claim("127.0.0.1:9", ForgeKind::AzureDevOps).unwrap();
        hosts.claim("127.0.0.1", ForgeKind::GitHub).unwrap();
        assert_eq!(
            hosts.kind_of("http://127.0.0.1:9/r"),
            ForgeKind::AzureDevOps
        );
        assert_eq!(hosts.kind_of("http://127.0.0.1:10/r"), ForgeKind::GitHub);
    }

    #[test]
    fn host_patterns_are_hosts() {
        let mut hosts = ForgeHosts::new();
        for bad in [
            "",
            "*.",
            "https://github.com",
            "github.com/contoso",
            "a b",
            "*.*.x",
        ] {
            assert!(hosts.claim(bad, ForgeKind::GitHub).is_err(), "{bad:?}");
        }
        assert!(hosts.claim("*.contoso.com", ForgeKind::GitHub).is_ok());
    }
}
