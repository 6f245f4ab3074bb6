//! Builds as Kubernetes resources: the name a build published through the HTTP API gets
//! as a Build resource, and which Build resources retention removes (etcd keeps the newest
//! few per repository branch; the store keeps the whole history).

use std::collections::BTreeMap;

use super::keys::repository_identity;

/// The annotation carrying the store id of the build a Build resource stands for.
pub const BUILD_ID_ANNOTATION: &str = "sluice.dev/build-id";

/// Why a Build resource was not published into the store; its status shows the rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BuildRefusal {
    /// The spec does not parse, or a field fails the build validators.
    Invalid,
    /// A different build is stored under the same repository, commit and number.
    Conflict,
}

impl BuildRefusal {
    /// The rule a refused Build's `Stalled` condition names (kebab-case).
    pub fn rule(self) -> &'static str {
        match self {
            BuildRefusal::Invalid => "invalid-build",
            BuildRefusal::Conflict => "build-conflict",
        }
    }
}

/// The longest a part of a generated name may be.
const PART: usize = 60;

/// Lowercase letters, digits, `-` and `.` of `text`, other characters as `-`, runs of
/// separators collapsed, trimmed to alphanumerics at both ends, at most [`PART`] long.
fn name_part(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars().flat_map(char::to_lowercase) {
        let c = if c.is_ascii_alphanumeric() || c == '.' {
            c
        } else {
            '-'
        };
        let separator = c == '-' || c == '.';
        if separator && out.ends_with(['-', '.']) {
            continue;
        }
        out.push(c);
        if out.len() >= PART {
            break;
        }
    }
    out.trim_matches(['-', '.']).to_string()
}

/// FNV-1a, 64 bits: a short, stable fingerprint (not a security measure).
fn fingerprint(parts: &[&str]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for byte in part.bytes().chain([0]) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    }
    hash
}

/// The `metadata.name` of the Build resource of a build: the repository's last path
/// segment, the build number and a fingerprint of repository, commit and build number, so
/// two builds never share a name and the same build always gets the same one. A valid
/// DNS subdomain name for any input.
pub fn resource_name(repository: &str, commit: &str, build_number: &str) -> String {
    let identity = repository_identity(repository);
    let last = repository
        .trim_end_matches('/')
        .rsplit(['/', ':'])
        .next()
        .unwrap_or("")
        .trim_end_matches(".git");
    let mut parts: Vec<String> = [name_part(last), name_part(build_number)]
        .into_iter()
        .filter(|p| !p.is_empty())
        .collect();
    parts.push(format!(
        "{:012x}",
        fingerprint(&[&identity, &commit.to_ascii_lowercase(), build_number]) >> 16
    ));
    parts.join("-")
}

/// A Build resource as retention sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeptBuild {
    /// Its namespace.
    pub namespace: String,
    /// Its `metadata.name`.
    pub name: String,
    /// The repository that was built.
    pub repository: String,
    /// The branch that was built.
    pub branch: String,
    /// When it was produced (Unix seconds); ties are broken by name.
    pub produced_at: i64,
}

/// The Build resources beyond the newest `keep` of each repository branch (repositories
/// compared by identity, per namespace), oldest last: what retention deletes. `keep` 0
/// keeps everything.
pub fn beyond_retention(builds: &[KeptBuild], keep: usize) -> Vec<&KeptBuild> {
    if keep == 0 {
        return Vec::new();
    }
    let mut groups: BTreeMap<(&str, String, &str), Vec<&KeptBuild>> = BTreeMap::new();
    for build in builds {
        groups
            .entry((
                &build.namespace,
                repository_identity(&build.repository),
                &build.branch,
            ))
            .or_default()
            .push(build);
    }
    let mut out = Vec::new();
    for mut group in groups.into_values() {
        group.sort_by(|a, b| {
            b.produced_at
                .cmp(&a.produced_at)
                .then_with(|| b.name.cmp(&a.name))
        });
        out.extend(group.into_iter().skip(keep));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn valid_subdomain(name: &str) -> bool {
        !name.is_empty()
            && name.len() <= 253
            && name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.')
            && name.starts_with(|c: char| c.is_ascii_alphanumeric())
            && name.ends_with(|c: char| c.is_ascii_alphanumeric())
    }

    #[test]
    fn names_are_readable_stable_distinct_and_valid() {
        let sha = "0123456789abcdef0123456789abcdef01234567";
        let a = resource_name("https://github.com/contoso/Runtime.git", sha, "20261201.3");
        assert!(a.starts_with("runtime-20261201.3-"), "{a}");
        assert!(valid_subdomain(&a), "{a}");
        // The same build by another spelling of its repository: the same name.
        assert_eq!(
            a,
            resource_name("https://github.com/contoso/runtime", sha, "20261201.3")
        );
        // Another owner, number or commit: another name.
        let others = [
            resource_name("https://github.com/fabrikam/runtime", sha, "20261201.3"),
            resource_name("https://github.com/contoso/runtime", sha, "20261201.4"),
            resource_name(
                "https://github.com/contoso/runtime",
                "1123456789abcdef0123456789abcdef01234567",
                "20261201.3",
            ),
        ];
        for other in &others {
            assert_ne!(&a, other);
        }
        let odd = [
            ("file:///tmp/x/__weird name__/", "--.."),
            ("", ""),
            ("https://h/o/ÄÖÜ", "Build #42 (retry)"),
            (&"x".repeat(400), &"9".repeat(400)),
        ];
        for (repo, number) in odd {
            let name = resource_name(repo, sha, number);
            assert!(valid_subdomain(&name), "{name:?} from {repo:?} {number:?}");
            assert!(name.len() <= 2 * PART + 14, "{name}");
        }
    }

    fn kept(ns: &str, name: &str, repo: &str, branch: &str, at: i64) -> KeptBuild {
        KeptBuild {
            namespace: ns.into(),
            name: name.into(),
            repository: repo.into(),
            branch: branch.into(),
            produced_at: at,
        }
    }

    #[test]
    fn retention_keeps_the_newest_per_repository_branch_and_namespace() {
        let builds = vec![
            kept("a", "r1", "https://h/o/runtime", "main", 1),
            kept("a", "r2", "https://h/o/runtime.git", "main", 2),
            kept("a", "r3", "https://h/o/runtime", "main", 3),
            kept("a", "rel", "https://h/o/runtime", "release", 1),
            kept("b", "r0", "https://h/o/runtime", "main", 0),
            kept("a", "s1", "https://h/o/sdk", "main", 5),
            kept("a", "s2", "https://h/o/sdk", "main", 5),
        ];
        let names = |keep| -> Vec<&str> {
            beyond_retention(&builds, keep)
                .iter()
                .map(|b| b.name.as_str())
                .collect()
        };
        assert_eq!(names(2), vec!["r1"]);
        assert_eq!(names(1), vec!["r2", "r1", "s1"]);
        assert!(names(0).is_empty());
        assert!(names(3).is_empty());
    }

    #[test]
    fn refusals_name_their_rule() {
        assert_eq!(BuildRefusal::Invalid.rule(), "invalid-build");
        assert_eq!(BuildRefusal::Conflict.rule(), "build-conflict");
    }
}
