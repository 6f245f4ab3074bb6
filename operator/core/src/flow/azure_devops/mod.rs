//! What Azure DevOps repositories and answers mean for sluice: which organization,
//! project and repository a URL names (and so which REST API serves it), how policy
//! evaluations, pull request statuses and reviewer votes read as [`Check`]s and
//! [`Review`]s, what a refused completion means ([`states`]), and which keys a service
//! hook delivery concerns ([`events`]). The Azure DevOps forge only fetches; these
//! functions decide.
//!
//! [`Check`]: super::types::Check
//! [`Review`]: super::types::Review

pub mod events;
pub mod states;

use crate::validate::{self, Invalid};

/// The REST API version every call names.
pub const API_VERSION: &str = "7.1";

/// A repository on Azure DevOps Services or Server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AzureRepository {
    /// The API base every call starts with: `https://dev.azure.com/ORG`,
    /// `https://ORG.visualstudio.com` or `http(s)://HOST[:PORT]/COLLECTION`.
    pub api_base: String,
    /// The project (decoded: spaces are spaces).
    pub project: String,
    /// The repository name (decoded).
    pub name: String,
}

impl AzureRepository {
    /// `PROJECT/_git/NAME`, percent-encoded as URLs spell it: the end of the identity
    /// of every URL naming this repository.
    pub fn path_suffix(&self) -> String {
        format!("{}/_git/{}", encode(&self.project), encode(&self.name))
    }
}

/// Percent-encodes a path segment (everything but unreserved characters).
pub fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// Decodes `%XX` escapes of a path segment; `None` for a broken escape or bytes that
/// are not UTF-8.
fn decode(segment: &str) -> Option<String> {
    let bytes = segment.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = segment.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// Whether `name` is a usable project or repository name: 1 to 64 characters, none of
/// `\ / : * ? " < > | ; # $ { } , + = [ ] %` nor control characters, not starting
/// with `_` or `.`, not ending with `.`.
pub fn valid_name(name: &str) -> bool {
    let forbidden = |c: char| c.is_control() || "\\/:*?\"<>|;#${},+=[]%".contains(c);
    (1..=64).contains(&name.chars().count())
        && !name.starts_with(['_', '.'])
        && !name.ends_with('.')
        && name.trim() == name
        && !name.chars().any(forbidden)
}

/// Whether `name` is a usable organization or collection name: letters, digits, `-`,
/// `_` and `.`, 1 to 64 of them, starting with a letter or digit.
fn valid_organization(name: &str) -> bool {
    (1..=64).contains(&name.len())
        && name.starts_with(|c: char| c.is_ascii_alphanumeric())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

/// The organization of a `ORG.visualstudio.com` host, if `host` is one.
fn visualstudio_organization(host: &str) -> Option<&str> {
    host.strip_suffix(".visualstudio.com")
        .filter(|org| !org.is_empty() && !org.contains('.'))
}

/// The repository an SSH URL of Azure DevOps Services names
/// (`git@ssh.dev.azure.com:v3/ORG/PROJECT/REPO`, `ssh://git@ssh.dev.azure.com/v3/...`,
/// or `ORG@vs-ssh.visualstudio.com:v3/...`): `None` when `text` is not one, `Some(None)`
/// when it is one with bad names.
fn ssh_repository(text: &str) -> Option<Option<AzureRepository>> {
    let rest = text.strip_prefix("ssh://").unwrap_or(text);
    let (authority, path) = rest.split_once([':', '/'])?;
    let host = authority
        .rsplit_once('@')
        .map_or(authority, |(_, host)| host);
    let on_services = matches!(host, "ssh.dev.azure.com" | "vs-ssh.visualstudio.com");
    let path = path.strip_prefix("v3/").filter(|_| on_services)?;
    let mut segments = path.split('/');
    let parsed = match (
        segments.next(),
        segments.next(),
        segments.next(),
        segments.next(),
    ) {
        (Some(org), Some(project), Some(name), None) if valid_organization(org) => {
            let project = decode(project).filter(|p| valid_name(p));
            let name = decode(name).filter(|n| valid_name(n));
            project.zip(name).map(|(project, name)| AzureRepository {
                api_base: if host == "ssh.dev.azure.com" {
                    format!("https://dev.azure.com/{org}")
                } else {
                    format!("https://{org}.visualstudio.com")
                },
                project,
                name,
            })
        }
        _ => None,
    };
    Some(parsed)
}

/// The API base, project and repository of an Azure DevOps repository URL, after the
/// core's repository validator has accepted it:
///
/// - `https://dev.azure.com/ORG/PROJECT/_git/REPO`;
/// - `https://ORG.visualstudio.com[/DefaultCollection]/PROJECT/_git/REPO`;
/// - `git@ssh.dev.azure.com:v3/ORG/PROJECT/REPO` (and `vs-ssh.visualstudio.com`);
/// - on any other host (Azure DevOps Server, configured with `--azure-devops-host`),
///   `http(s)://HOST[:PORT][/PATH]/COLLECTION/PROJECT/_git/REPO`, the API base being
///   everything before the project.
///
/// Bad names are refused with the reason (and so are credentials in the URL).
pub fn repository(url: &str) -> Result<AzureRepository, Invalid> {
    let parsed = validate::repository(url)?;
    let refuse = |reason: &str| Invalid::new("repository", url, reason);
    let text = parsed.as_str();
    if let Some(ssh) = ssh_repository(text) {
        return ssh.ok_or_else(|| {
            refuse("expected git@ssh.dev.azure.com:v3/ORG/PROJECT/REPO with valid names")
        });
    }
    let Some((scheme, rest)) = text.split_once("://") else {
        return Err(refuse(
            "is not an Azure DevOps repository: expected https://dev.azure.com/ORG/PROJECT/_git/REPO",
        ));
    };
    if !matches!(scheme, "https" | "http") {
        return Err(refuse("Azure DevOps repositories are reached over http(s)"));
    }
    let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
    let host = authority.to_ascii_lowercase();
    let path = path.trim_end_matches('/');
    let path = path.strip_suffix(".git").unwrap_or(path);
    let segments: Vec<&str> = path.split('/').collect();
    let Some(git) = segments.iter().position(|s| *s == "_git") else {
        return Err(refuse(
            "names no PROJECT/_git/REPO path (expected https://dev.azure.com/ORG/PROJECT/_git/REPO)",
        ));
    };
    if git + 2 != segments.len() || git == 0 {
        return Err(refuse(
            "expected exactly PROJECT/_git/REPO at the end of the path",
        ));
    }
    let prefix = &segments[..git - 1];
    let decoded = |segment: &str, what: &str| {
        decode(segment)
            .filter(|name| valid_name(name))
            .ok_or_else(|| refuse(&format!("has an invalid {what} name {segment:?}")))
    };
    let project = decoded(segments[git - 1], "project")?;
    let name = decoded(segments[git + 1], "repository")?;
    if !prefix.iter().all(|s| valid_organization(s)) {
        return Err(refuse("has an invalid organization or collection name"));
    }
    let secure = scheme == "https";
    let api_base = if host == "dev.azure.com" {
        match prefix {
            [org] if secure => format!("https://dev.azure.com/{org}"),
            [_] => return Err(refuse("dev.azure.com is reached over https")),
            _ => {
                return Err(refuse(
                    "expected https://dev.azure.com/ORG/PROJECT/_git/REPO",
                ));
            }
        }
    } else if let Some(org) = visualstudio_organization(&host) {
        if !secure || prefix.len() > 1 || !valid_organization(org) {
            return Err(refuse(
                "expected https://ORG.visualstudio.com/PROJECT/_git/REPO",
            ));
        }
        let collection = prefix.first().map(|c| format!("/{c}")).unwrap_or_default();
        format!("https://{host}{collection}")
    } else {
        if prefix.is_empty() || prefix.len() > 3 {
            return Err(refuse(
                "expected http(s)://HOST/COLLECTION/PROJECT/_git/REPO on an Azure DevOps Server",
            ));
        }
        format!("{scheme}://{host}/{}", prefix.join("/"))
    };
    Ok(AzureRepository {
        api_base,
        project,
        name,
    })
}

#[cfg(test)]
mod tests;
