//! Repository URLs: which forms sluice accepts and when two spellings are the same repository.

/// Why a repository URL was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RepositoryUrlError {
    /// Empty string.
    #[error("the repository URL is empty")]
    Empty,
    /// A scheme sluice does not speak.
    #[error(
        "unsupported scheme {}: use https://, http://, ssh://, file:// or git@host:path",
        crate::validate::quote(.0)
    )]
    Scheme(String),
    /// Neither `scheme://` nor `user@host:path`.
    #[error("not a URL: expected https://host/owner/name, ssh://, file:// or git@host:path")]
    NotUrl,
    /// User and password or token inside the URL.
    #[error("the URL carries credentials; configure them as a secret instead")]
    Credentials,
    /// No host.
    #[error("the URL has no host")]
    NoHost,
    /// No repository path after the host.
    #[error("the URL names no repository (expected a path such as /owner/name)")]
    NoPath,
    /// Whitespace, control or invisible format characters, or a query/fragment.
    #[error("the URL contains {0:?}, which cannot appear in a repository URL")]
    BadCharacter(char),
}

/// A repository URL in canonical form: scheme and host lowercased, no trailing `/` or `.git`.
///
/// Equality ignores the case of the path too on forges (https, ssh), which treat
/// `Contoso/SDK` and `contoso/sdk` as one repository; `file://` paths stay case-sensitive.
#[derive(Debug, Clone)]
pub struct RepositoryUrl {
    text: String,
    identity: String,
}

impl PartialEq for RepositoryUrl {
    fn eq(&self, other: &Self) -> bool {
        self.identity == other.identity
    }
}

impl Eq for RepositoryUrl {}

impl std::hash::Hash for RepositoryUrl {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.identity.hash(state);
    }
}

impl PartialOrd for RepositoryUrl {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for RepositoryUrl {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.identity.cmp(&other.identity)
    }
}

impl RepositoryUrl {
    fn forge(text: String) -> Self {
        RepositoryUrl {
            identity: text.to_lowercase(),
            text,
        }
    }
}

impl RepositoryUrl {
    /// Parses and canonicalises a repository URL.
    pub fn parse(url: &str) -> Result<Self, RepositoryUrlError> {
        let url = url.trim();
        if url.is_empty() {
            return Err(RepositoryUrlError::Empty);
        }
        if let Some(c) = url.chars().find(|c| {
            c.is_whitespace()
                || c.is_control()
                || crate::validate::is_format_character(*c)
                || *c == '?'
                || *c == '#'
        }) {
            return Err(RepositoryUrlError::BadCharacter(c));
        }
        let (scheme, rest) = match url.split_once("://") {
            Some((scheme, rest)) => (scheme.to_ascii_lowercase(), rest),
            None => return Self::parse_scp_like(url),
        };
        if scheme == "file" {
            let path = strip_git(rest);
            if path.trim_matches('/').is_empty() {
                return Err(RepositoryUrlError::NoPath);
            }
            let text = format!("file://{path}");
            return Ok(RepositoryUrl {
                identity: text.clone(),
                text,
            });
        }
        if !matches!(scheme.as_str(), "https" | "http" | "ssh" | "git") {
            return Err(RepositoryUrlError::Scheme(scheme));
        }
        let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
        let host = match authority.rsplit_once('@') {
            Some((user, host)) => {
                // ssh://git@host/... names a login, not a secret; anything with a password
                // or any user on http(s) is a credential.
                if user.contains(':') || scheme.starts_with("http") {
                    return Err(RepositoryUrlError::Credentials);
                }
                host
            }
            None => authority,
        };
        if host.is_empty() {
            return Err(RepositoryUrlError::NoHost);
        }
        let path = strip_git(path);
        if path.trim_matches('/').is_empty() {
            return Err(RepositoryUrlError::NoPath);
        }
        let login = authority
            .rsplit_once('@')
            .map(|(u, _)| format!("{u}@"))
            .unwrap_or_default();
        Ok(RepositoryUrl::forge(format!(
            "{scheme}://{login}{}/{path}",
            host.to_ascii_lowercase()
        )))
    }

    fn parse_scp_like(url: &str) -> Result<Self, RepositoryUrlError> {
        // git@github.com:owner/name(.git)
        let Some((authority, path)) = url.split_once(':') else {
            return Err(RepositoryUrlError::NotUrl);
        };
        let Some((user, host)) = authority.split_once('@') else {
            return Err(RepositoryUrlError::NotUrl);
        };
        if host.is_empty() {
            return Err(RepositoryUrlError::NoHost);
        }
        let path = strip_git(path);
        if path.trim_matches('/').is_empty() {
            return Err(RepositoryUrlError::NoPath);
        }
        Ok(RepositoryUrl::forge(format!(
            "{user}@{}:{path}",
            host.to_ascii_lowercase()
        )))
    }

    /// The comparison key: equal for URLs naming the same repository.
    pub fn identity(&self) -> &str {
        &self.identity
    }

    /// The canonical text (path case as written).
    pub fn as_str(&self) -> &str {
        &self.text
    }
}

/// `path` without its trailing `/` and `.git`, however many there are, so the canonical
/// form of a URL is its own canonical form.
fn strip_git(mut path: &str) -> &str {
    loop {
        let trimmed = path.trim_end_matches('/');
        let trimmed = trimmed.strip_suffix(".git").unwrap_or(trimmed);
        if trimmed == path {
            return path;
        }
        path = trimmed;
    }
}

impl std::fmt::Display for RepositoryUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text)
    }
}

/// `url` with any credentials hidden, for messages about input that may not even parse:
/// the user information of a `scheme://user:password@host/...` URL becomes `***`, and so
/// does a `user:password@host:path` (scp-like) prefix. A bare scp-like user such as
/// `git@` is not a secret and stays.
pub fn redact_credentials(url: &str) -> String {
    if let Some((scheme, rest)) = url.split_once("://") {
        let authority = &rest[..rest.find('/').unwrap_or(rest.len())];
        return match authority.rfind('@') {
            Some(at) => format!("{scheme}://***@{}", &rest[at + 1..]),
            None => url.to_string(),
        };
    }
    // scp-like: the user information ends at the last `@` before the first `/`.
    let head = &url[..url.find('/').unwrap_or(url.len())];
    match head.rfind('@') {
        Some(at) if head[..at].contains(':') => format!("***@{}", &url[at + 1..]),
        _ => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_are_hidden_in_any_url_shape() {
        for (input, want) in [
            ("ftp://bot:s3cret@example.com/x", "ftp://***@example.com/x"),
            (
                "https://bot:s3cret@github.com/o/r",
                "https://***@github.com/o/r",
            ),
            ("https://t0ken@github.com/o/r", "https://***@github.com/o/r"),
            ("bot:s3cret@github.com:o/r", "***@github.com:o/r"),
            ("git@github.com:o/r", "git@github.com:o/r"),
            ("https://github.com/o/r", "https://github.com/o/r"),
            ("not a url", "not a url"),
        ] {
            assert_eq!(redact_credentials(input), want, "{input}");
        }
    }

    #[test]
    fn canonical_forms() {
        for (input, want) in [
            (
                "https://github.com/contoso/runtime",
                "https://github.com/contoso/runtime",
            ),
            (
                "https://GitHub.com/contoso/runtime.git/",
                "https://github.com/contoso/runtime",
            ),
            (
                "https://dev.azure.com/contoso/product/_git/sdk",
                "https://dev.azure.com/contoso/product/_git/sdk",
            ),
            ("ssh://git@example.com/a/b.git", "ssh://git@example.com/a/b"),
            (
                "git@github.com:contoso/sdk.git",
                "git@github.com:contoso/sdk",
            ),
            ("file:///srv/git/sdk.git", "file:///srv/git/sdk"),
        ] {
            assert_eq!(
                RepositoryUrl::parse(input).unwrap().as_str(),
                want,
                "{input}"
            );
        }
    }

    #[test]
    fn forge_paths_compare_case_insensitively() {
        let a = RepositoryUrl::parse("https://github.com/Contoso/SDK.git").unwrap();
        let b = RepositoryUrl::parse("https://github.com/contoso/sdk").unwrap();
        assert_eq!(a, b);
        assert_eq!(a.as_str(), "https://github.com/Contoso/SDK");
        let c = RepositoryUrl::parse("file:///srv/Git/sdk").unwrap();
        let d = RepositoryUrl::parse("file:///srv/git/sdk").unwrap();
        assert_ne!(c, d);
    }

    #[test]
    fn rejections() {
        use RepositoryUrlError as E;
        for (input, want) in [
            ("", E::Empty),
            ("ftp://example.com/a", E::Scheme("ftp".into())),
            ("https://user:token@github.com/a/b", E::Credentials),
            ("https://token@github.com/a/b", E::Credentials),
            ("https:///a/b", E::NoHost),
            ("https://github.com/", E::NoPath),
            ("https://github.com/a b", E::BadCharacter(' ')),
            ("https://github.com/a?x=1", E::BadCharacter('?')),
            ("contoso/runtime", E::NotUrl),
        ] {
            assert_eq!(RepositoryUrl::parse(input), Err(want), "{input}");
        }
    }

    #[test]
    fn canonical_forms_are_fixpoints() {
        // Found by the repository_url fuzz target: `.git` after a `/` left a trailing `/`
        // that the next parse removed, so one repository had two identities.
        for (input, want) in [
            ("git@example.com:a/b/.git", "git@example.com:a/b"),
            ("https://github.com/a/b.git.git", "https://github.com/a/b"),
            ("https://github.com/a/b/.git/", "https://github.com/a/b"),
            ("file:///srv/b.git/.git", "file:///srv/b"),
        ] {
            let url = RepositoryUrl::parse(input).expect(input);
            assert_eq!(url.as_str(), want, "{input}");
            let again = RepositoryUrl::parse(url.as_str()).expect(want);
            assert_eq!(again.as_str(), want);
            assert_eq!(again.identity(), url.identity());
        }
        assert_eq!(
            RepositoryUrl::parse("file:///.git"),
            Err(RepositoryUrlError::NoPath)
        );
    }

    #[test]
    fn messages_escape_and_bound_what_they_quote() {
        // Found by the build_publish fuzz target: a newline in a published repository URL
        // came back raw in the refusal, so it could forge lines in a log or a response.
        let e = RepositoryUrl::parse("https://github.com/a\nINFO forged").unwrap_err();
        assert_eq!(
            e.to_string(),
            r"the URL contains '\n', which cannot appear in a repository URL"
        );
        let e = RepositoryUrl::parse(&format!("{}://h/a", "x".repeat(10_000))).unwrap_err();
        assert!(e.to_string().len() < 200, "{e}");
    }
}
