//! `global.json` (msbuild-sdks, tools.dotnet, sdk.version) and the .NET local tool
//! manifests (`.config/dotnet-tools.json`, `dotnet-tools.json`).

use std::cmp::Ordering;

use super::json::{Json, JsonKind, quote};
use super::pos::Splices;

/// Records splices setting every property named `name` (ASCII case-insensitive) to
/// `version`, walking objects depth-first: in each object the first matching
/// member is replaced and the members after it are not visited, members before it
/// are searched recursively. `dotnet` therefore reaches `tools.dotnet`.
pub fn set_named_versions(json: &Json, name: &str, version: &str, splices: &mut Splices) -> usize {
    let mut count = 0;
    for (key, value) in json.members() {
        if key.eq_ignore_ascii_case(name) {
            if value.as_str() != Some(version) {
                splices.replace(value.span.clone(), quote(version));
            }
            return count + 1;
        }
        count += set_named_versions(value, name, version, splices);
    }
    count
}

/// The version of tool `name` in a tool manifest: `tools.<name>.version`.
pub fn tool_version<'a>(manifest: &'a Json, name: &str) -> Option<&'a Json> {
    let (_, tool) = manifest.get("tools")?.get_ignore_case(name)?;
    tool.get("version")
}

/// Records the splice setting tool `name`'s version; false when absent.
pub fn set_tool_version(manifest: &Json, name: &str, version: &str, splices: &mut Splices) -> bool {
    match tool_version(manifest, name) {
        Some(v) => {
            if v.as_str() != Some(version) {
                splices.replace(v.span.clone(), quote(version));
            }
            true
        }
        None => false,
    }
}

/// The SDK bump the established tooling makes from the source repository's
/// global.json: when the target's `tools.dotnet` is lower than the source's and
/// `tools.pinned` is not true, set `tools.dotnet` and (when present) `sdk.version`
/// to it. Returns the new version when a bump was recorded.
pub fn bump_sdk(target: &Json, source: &Json, splices: &mut Splices) -> Option<String> {
    if matches!(
        target.path(&["tools", "pinned"]).map(|p| &p.kind),
        Some(JsonKind::Bool(true))
    ) {
        return None;
    }
    let incoming = source.path(&["tools", "dotnet"])?.as_str()?;
    let current = target.path(&["tools", "dotnet"])?;
    let current_version = current.as_str()?;
    if compare_versions(current_version, incoming) != Ordering::Less {
        return None;
    }
    splices.replace(current.span.clone(), quote(incoming));
    if let Some(sdk) = target.path(&["sdk", "version"]) {
        splices.replace(sdk.span.clone(), quote(incoming));
    }
    Some(incoming.to_string())
}

/// Compares two NuGet/SemVer versions: numeric release parts, then pre-release
/// labels (a release is greater than any pre-release; numeric labels compare as
/// numbers and sort before alphanumeric ones, which compare case-insensitively).
/// Build metadata after `+` is ignored.
pub fn compare_versions(a: &str, b: &str) -> Ordering {
    let split = |v: &str| -> (Vec<u64>, Option<String>) {
        let v = v.trim().split('+').next().unwrap_or("");
        let (release, pre) = match v.split_once('-') {
            Some((r, p)) => (r, Some(p.to_string())),
            None => (v, None),
        };
        let mut nums: Vec<u64> = release.split('.').map(|p| p.parse().unwrap_or(0)).collect();
        while nums.len() < 4 {
            nums.push(0);
        }
        (nums, pre)
    };
    let (ra, pa) = split(a);
    let (rb, pb) = split(b);
    ra.cmp(&rb).then_with(|| match (pa, pb) {
        (None, None) => Ordering::Equal,
        (None, Some(_)) => Ordering::Greater,
        (Some(_), None) => Ordering::Less,
        (Some(x), Some(y)) => {
            let label = |l: &str| -> (u8, u64, String) {
                match l.parse::<u64>() {
                    Ok(n) => (0, n, String::new()),
                    Err(_) => (1, 0, l.to_ascii_lowercase()),
                }
            };
            x.split('.').map(label).cmp(y.split('.').map(label))
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn apply(src: &str, f: impl Fn(&Json, &mut Splices)) -> String {
        let json = Json::parse(src.as_bytes()).expect("parses");
        let mut s = Splices::new();
        f(&json, &mut s);
        String::from_utf8(s.apply(src.as_bytes()).expect("applies")).expect("utf8")
    }

    #[test]
    fn msbuild_sdks_and_dotnet() {
        let src = "{\n  \"tools\": { \"dotnet\": \"8.0.100\" },\n  \"msbuild-sdks\": {\n    \"My.Sdk\": \"1.0\"\n  }\n}\n";
        let out = apply(src, |j, s| {
            set_named_versions(j, "my.sdk", "2.0", s);
            set_named_versions(j, "dotnet", "8.0.200", s);
        });
        assert_eq!(
            out,
            src.replace("\"1.0\"", "\"2.0\"")
                .replace("8.0.100", "8.0.200")
        );
    }

    #[test]
    fn tool_manifest_versions() {
        let src = "{\"tools\": {\"My.Tool\": {\"version\": \"1.0\", \"commands\": [\"t\"]}}}";
        let out = apply(src, |j, s| {
            assert!(set_tool_version(j, "my.tool", "1.1", s));
            assert!(!set_tool_version(j, "other", "1.1", s));
        });
        assert_eq!(out, src.replace("1.0", "1.1"));
    }

    #[test]
    fn sdk_bump_rules() {
        let cases = [
            (
                "{\"tools\":{\"dotnet\":\"8.0.100\"},\"sdk\":{\"version\":\"8.0.100\"}}",
                "8.0.200",
                true,
            ),
            ("{\"tools\":{\"dotnet\":\"8.0.300\"}}", "8.0.200", false),
            (
                "{\"tools\":{\"dotnet\":\"8.0.100\",\"pinned\":true}}",
                "8.0.200",
                false,
            ),
            ("{\"sdk\":{\"version\":\"8.0.100\"}}", "8.0.200", false),
        ];
        for (target, incoming, bumped) in cases {
            let source = format!("{{\"tools\":{{\"dotnet\":\"{incoming}\"}}}}");
            let source = Json::parse(source.as_bytes()).expect("parses");
            let out = apply(target, |j, s| {
                assert_eq!(bump_sdk(j, &source, s).is_some(), bumped, "{target}");
            });
            assert_eq!(out.matches(incoming).count() > 0, bumped, "{out}");
        }
    }

    #[test]
    fn version_ordering() {
        let cases = [
            ("1.0.0", "1.0.0-beta", Ordering::Greater),
            ("8.0.100-rc.2", "8.0.100-rc.10", Ordering::Less),
            ("9.0.100", "10.0.100", Ordering::Less),
            ("1.0.0-Beta", "1.0.0-beta", Ordering::Equal),
        ];
        for (a, b, want) in cases {
            assert_eq!(compare_versions(a, b), want, "{a} vs {b}");
        }
    }
}
