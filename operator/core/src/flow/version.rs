//! Version ordering for downgrade detection: semantic-version aware, tolerant of the
//! four-part and prerelease-heavy versions the established tooling produces.

use std::cmp::Ordering;

/// A version split into its release numbers and prerelease identifiers.
#[derive(Debug, PartialEq, Eq)]
struct Parsed<'a> {
    release: Vec<&'a str>,
    prerelease: Vec<&'a str>,
}

/// Splits `text` into release and prerelease parts; `None` when the release part is not
/// dot-separated decimal numbers. A leading `v` and `+build` metadata are ignored.
fn parse(text: &str) -> Option<Parsed<'_>> {
    let text = text.trim();
    let text = text.strip_prefix(['v', 'V']).unwrap_or(text);
    let text = text.split_once('+').map_or(text, |(v, _)| v);
    let (release, prerelease) = match text.split_once('-') {
        Some((r, p)) => (r, Some(p)),
        None => (text, None),
    };
    let release: Vec<&str> = release.split('.').collect();
    if release
        .iter()
        .any(|c| c.is_empty() || !c.bytes().all(|b| b.is_ascii_digit()))
    {
        return None;
    }
    let prerelease = match prerelease {
        Some("") => return None,
        Some(p) => p.split('.').collect(),
        None => Vec::new(),
    };
    Some(Parsed {
        release,
        prerelease,
    })
}

/// Compares two decimal digit strings of any length numerically.
fn compare_numeric(a: &str, b: &str) -> Ordering {
    let a = a.trim_start_matches('0');
    let b = b.trim_start_matches('0');
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
}

fn is_numeric(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// Compares two prerelease identifiers: numeric ones numerically and below alphanumeric
/// ones, alphanumeric ones lexically ignoring ASCII case.
fn compare_identifier(a: &str, b: &str) -> Ordering {
    match (is_numeric(a), is_numeric(b)) {
        (true, true) => compare_numeric(a, b),
        (true, false) => Ordering::Less,
        (false, true) => Ordering::Greater,
        (false, false) => a
            .to_ascii_lowercase()
            .cmp(&b.to_ascii_lowercase())
            .then_with(|| a.cmp(b)),
    }
}

/// Orders two versions: release components numerically (missing ones count as 0, so
/// `1.0` equals `1.0.0`), a prerelease (`-preview.1`) below its release, prerelease
/// identifiers pairwise (numeric numerically, else lexically) with a shorter prefix
/// lower. When either side does not parse, the plain strings are compared.
pub fn compare_versions(a: &str, b: &str) -> Ordering {
    let (Some(pa), Some(pb)) = (parse(a), parse(b)) else {
        return a.cmp(b);
    };
    let len = pa.release.len().max(pb.release.len());
    for i in 0..len {
        let x = pa.release.get(i).copied().unwrap_or("0");
        let y = pb.release.get(i).copied().unwrap_or("0");
        match compare_numeric(x, y) {
            Ordering::Equal => {}
            other => return other,
        }
    }
    match (pa.prerelease.is_empty(), pb.prerelease.is_empty()) {
        (true, true) => return Ordering::Equal,
        (true, false) => return Ordering::Greater,
        (false, true) => return Ordering::Less,
        (false, false) => {}
    }
    for (x, y) in pa.prerelease.iter().zip(&pb.prerelease) {
        match compare_identifier(x, y) {
            Ordering::Equal => {}
            other => return other,
        }
    }
    pa.prerelease.len().cmp(&pb.prerelease.len())
}

/// Whether moving from `from` to `to` lowers the version.
pub fn is_downgrade(from: &str, to: &str) -> bool {
    compare_versions(to, from) == Ordering::Less
}

#[cfg(test)]
mod tests {
    use super::*;
    use Ordering::{Equal, Greater, Less};

    #[test]
    fn ordering_table() {
        let cases = [
            ("1.0.0", "1.0.0", Equal),
            ("1.0", "1.0.0", Equal),
            ("1.2.10", "1.2.9", Greater),
            ("10.0.0", "9.9.9", Greater),
            ("1.0.0-preview.1", "1.0.0", Less),
            ("1.0.0-preview.2", "1.0.0-preview.10", Less),
            ("1.0.0-preview.1", "1.0.0-rc.1", Less),
            ("1.0.0-rc.1", "1.0.0-RC.1", Greater),
            ("1.0.0-alpha", "1.0.0-alpha.1", Less),
            ("1.0.0-1", "1.0.0-alpha", Less),
            (
                "11.0.0-preview.1.25080.5",
                "11.0.0-preview.1.25079.12",
                Greater,
            ),
            ("8.0.100-rtm.23506.1", "8.0.100", Less),
            ("2.0.0+build.5", "2.0.0+build.1", Equal),
            ("v1.2.3", "1.2.3", Equal),
            ("1.0.0.1", "1.0.0", Greater),
            ("99999999999999999999999.0", "1.0", Greater),
            ("007", "7", Equal),
            ("abc", "abd", Less),
            ("1.x", "1.0", Greater),
        ];
        for (a, b, want) in cases {
            assert_eq!(compare_versions(a, b), want, "{a} vs {b}");
            assert_eq!(compare_versions(b, a), want.reverse(), "{b} vs {a}");
        }
    }

    #[test]
    fn downgrades() {
        for (from, to, want) in [
            ("1.0.0", "1.0.1", false),
            ("1.0.1", "1.0.0", true),
            ("1.0.0", "1.0.0-preview.1", true),
            ("1.0.0-preview.1", "1.0.0", false),
            ("2.0", "2.0.0", false),
        ] {
            assert_eq!(is_downgrade(from, to), want, "{from} -> {to}");
        }
    }
}
