//! Remote repository addresses: parsing, redaction and the cache directory name.

use std::fmt;

use super::credentials::Credentials;

/// A remote's URL with any user information removed, safe to print.
///
/// `https://user:token@host/org/repo` becomes `https://host/org/repo`: credentials
/// travel separately ([`Credentials`]), never inside the URL. SSH URLs keep their user
/// name (`git@host:org/repo`), which is not a secret.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct RemoteUrl {
    url: String,
    scheme: Scheme,
}

/// The transport a remote is reached through.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Scheme {
    /// `https://` or `http://`.
    Http,
    /// `ssh://` or the scp-like `user@host:path`.
    Ssh,
    /// `file://` or a local path.
    File,
}

/// A URL that could not be understood.
#[derive(Debug, thiserror::Error)]
#[error("invalid remote URL {redacted:?}: {reason}")]
pub struct InvalidRemoteUrl {
    /// The input with anything that looks like user information removed.
    pub redacted: String,
    /// Why it was rejected.
    pub reason: String,
}

impl RemoteUrl {
    /// Parse a remote URL, dropping user information from HTTP(S) URLs.
    pub fn parse(input: &str) -> Result<Self, InvalidRemoteUrl> {
        let invalid = |reason: &str| InvalidRemoteUrl {
            redacted: sluice_core::model::redact_credentials(input),
            reason: reason.to_owned(),
        };
        let input = input.trim();
        if input.is_empty() {
            return Err(invalid("empty"));
        }
        if input.starts_with('-') {
            return Err(invalid("must not start with '-'"));
        }
        if input.chars().any(|c| c.is_control()) {
            return Err(invalid("contains control characters"));
        }
        let mut url = gix::url::parse(input).map_err(|_| invalid("not a git URL"))?;
        let scheme = match url.scheme {
            gix::url::Scheme::Http | gix::url::Scheme::Https => Scheme::Http,
            gix::url::Scheme::Ssh => Scheme::Ssh,
            gix::url::Scheme::File => Scheme::File,
            _ => return Err(invalid("unsupported scheme (use https, http, ssh or file)")),
        };
        if scheme == Scheme::Http {
            if url.host().is_none() {
                return Err(invalid("missing host"));
            }
            url.set_user(None);
            url.set_password(None);
        } else {
            url.set_password(None);
        }
        let url = url.to_bstring().to_string();
        Ok(RemoteUrl { url, scheme })
    }

    /// The URL as handed to git and gix; it carries no credentials.
    pub fn as_str(&self) -> &str {
        &self.url
    }

    /// Whether this is plain `http://` (no TLS).
    pub fn is_cleartext_http(&self) -> bool {
        self.url.starts_with("http://")
    }

    /// Whether the host is a loopback address (`localhost`, `127.0.0.0/8`, `::1`).
    pub fn is_loopback(&self) -> bool {
        let Ok(url) = gix::url::parse(self.url.as_str()) else {
            return false;
        };
        match url.host() {
            Some("localhost") => true,
            Some(host) => host
                .trim_start_matches('[')
                .trim_end_matches(']')
                .parse::<std::net::IpAddr>()
                .is_ok_and(|ip| ip.is_loopback()),
            None => false,
        }
    }

    /// Whether credentials may be sent to this remote: never in clear text over the
    /// network, only over TLS, SSH, or plain HTTP to the loopback interface.
    pub fn may_carry_credentials(&self) -> bool {
        !self.is_cleartext_http() || self.is_loopback()
    }

    /// The transport.
    pub fn scheme(&self) -> Scheme {
        self.scheme
    }

    /// A directory name for this remote's cache: readable host and path, reduced to
    /// `[A-Za-z0-9._-]`, followed by a hash of the full URL so that two URLs never share
    /// a directory. It never contains a path separator and never starts with a dot.
    pub fn cache_dir_name(&self) -> String {
        let readable = self
            .url
            .split_once("://")
            .map_or(self.url.as_str(), |(_, rest)| rest);
        let mut name = String::with_capacity(64);
        let mut last_was_sep = true;
        for c in readable.chars() {
            if name.len() >= 64 {
                break;
            }
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                name.push(c);
                last_was_sep = false;
            } else if !last_was_sep {
                name.push('_');
                last_was_sep = true;
            }
        }
        let name = name
            .trim_start_matches(['.', '_', '-'])
            .trim_end_matches('_');
        let hash = gix::objs::compute_hash(
            gix::hash::Kind::Sha1,
            gix::objs::Kind::Blob,
            self.url.as_bytes(),
        )
        .map(|id| id.to_hex_with_len(12).to_string())
        .unwrap_or_else(|_| format!("{:012x}", fnv1a(self.url.as_bytes())));
        if name.is_empty() {
            format!("repo-{hash}")
        } else {
            format!("{name}-{hash}")
        }
    }
}

fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325_u64, |hash, b| {
        (hash ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    })
}

impl fmt::Display for RemoteUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.url)
    }
}

impl fmt::Debug for RemoteUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RemoteUrl({})", self.url)
    }
}

/// A remote repository: where it is and how to authenticate to it.
#[derive(Clone, Debug)]
pub struct Remote {
    /// The address, without credentials.
    pub url: RemoteUrl,
    /// How to authenticate.
    pub credentials: Credentials,
}

impl Remote {
    /// A remote that needs no credentials (or gets them from the user's ssh setup).
    pub fn anonymous(url: RemoteUrl) -> Self {
        Remote {
            url,
            credentials: Credentials::None,
        }
    }

    /// A remote with credentials.
    pub fn new(url: RemoteUrl, credentials: Credentials) -> Self {
        Remote { url, credentials }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_credentials_from_http_urls() {
        let url = RemoteUrl::parse("https://bot:s3cr3t@example.com/org/repo.git").unwrap();
        assert_eq!(url.as_str(), "https://example.com/org/repo.git");
        assert!(!format!("{url:?}").contains("s3cr3t"));
    }

    #[test]
    fn rejects_garbage_without_echoing_secrets() {
        let err = RemoteUrl::parse("ftp://bot:s3cr3t@example.com/x").unwrap_err();
        assert!(!err.to_string().contains("s3cr3t"), "{err}");
        assert!(RemoteUrl::parse("--upload-pack=evil").is_err());
        assert!(RemoteUrl::parse("").is_err());
    }

    #[test]
    fn cache_names_are_safe_and_distinct() {
        let a = RemoteUrl::parse("https://example.com/org/repo").unwrap();
        let b = RemoteUrl::parse("https://example.com/org_repo").unwrap();
        let c = RemoteUrl::parse("file:///../../etc/passwd").unwrap();
        for url in [&a, &b, &c] {
            let name = url.cache_dir_name();
            assert!(!name.contains('/') && !name.starts_with('.'), "{name}");
        }
        assert_ne!(a.cache_dir_name(), b.cache_dir_name());
        assert!(a.cache_dir_name().starts_with("example.com_org_repo-"));
    }
}
