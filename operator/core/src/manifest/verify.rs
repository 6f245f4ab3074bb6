//! Consistency checks across the manifest files.

use std::fmt;

use serde::Serialize;

use super::dependency::same_name;
use super::{ManifestError, ManifestFiles, Pos, eng, global_json, paths, versions_props};

/// One disagreement between manifest files.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// The file.
    pub file: String,
    /// Where in the file.
    pub pos: Pos,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.file, self.pos, self.message)
    }
}

fn finding(file: &str, text: &[u8], offset: usize, message: String) -> Finding {
    Finding {
        file: file.to_string(),
        pos: Pos::at(text, offset),
        message,
    }
}

/// Version.Details.props against Version.Details.xml where the repository uses it
/// (Versions.props imports it, or there is no Versions.props): `None` when it does not
/// (or the layout is not the darc one), else every disagreement [`eng`] finds that
/// concerns it (a property's value, a property without a dependency, a dependency without
/// a property).
pub fn details_props(files: &ManifestFiles) -> Result<Option<Vec<Finding>>, ManifestError> {
    if super::layout(files) != Some(super::Layout::Eng) {
        return Ok(None);
    }
    let versions_props = eng::parse_xml(files, paths::VERSIONS_PROPS)?;
    if !eng::uses_details_props(files, versions_props.as_ref()) {
        return Ok(None);
    }
    Ok(Some(
        eng(files)?
            .into_iter()
            .filter(|f| {
                f.file == paths::VERSION_DETAILS_PROPS
                    || f.message.contains(paths::VERSION_DETAILS_PROPS)
            })
            .collect(),
    ))
}

/// Checks the darc layout: no dependency declared twice; each dependency's version
/// agrees with its property in the props file the repository uses (Version.Details.props
/// where Versions.props imports it or there is no Versions.props, else Versions.props),
/// its global.json entry and tool manifest entry; when that props file exists, every
/// dependency (unless `SkipProperty`) has at least one of them; a Version.Details.props
/// in use has no property without a dependency.
pub fn eng(files: &ManifestFiles) -> Result<Vec<Finding>, ManifestError> {
    let details = eng::parse_details(files)?;
    let deps = &details.dependencies();
    let mut out = Vec::new();
    for (i, d) in deps.iter().enumerate() {
        if let Some(first) = deps[..i].iter().find(|o| same_name(&o.name, &d.name)) {
            out.push(Finding {
                file: paths::VERSION_DETAILS_XML.into(),
                pos: d.pos,
                message: format!(
                    "duplicate dependency '{}' (first declared at {})",
                    d.name, first.pos
                ),
            });
        }
    }
    let mut covered = vec![false; deps.len()];
    let versions_props = eng::parse_xml(files, paths::VERSIONS_PROPS)?;
    let (props_path, props) = if eng::uses_details_props(files, versions_props.as_ref()) {
        let path = paths::VERSION_DETAILS_PROPS;
        (path, eng::parse_xml(files, path)?)
    } else {
        (paths::VERSIONS_PROPS, versions_props)
    };
    if let Some(doc) = props {
        let text = &files[props_path];
        let properties = versions_props::Properties::new(&doc);
        for (i, d) in deps.iter().enumerate() {
            let Some((index, _)) = properties.find_dependency(&d.name) else {
                continue;
            };
            covered[i] = true;
            let value = doc.text(index);
            let value = value.trim();
            if !value.starts_with("$(") && value != d.version {
                out.push(finding(
                    props_path,
                    text,
                    doc.elements[index].tag.start,
                    format!(
                        "{} is {value} but {} declares {}",
                        doc.elements[index].name,
                        paths::VERSION_DETAILS_XML,
                        d.version
                    ),
                ));
            }
        }
        if props_path == paths::VERSION_DETAILS_PROPS {
            for el in doc
                .elements
                .iter()
                .filter(|e| e.local_name().ends_with("PackageVersion"))
            {
                let owned = deps.iter().any(|d| {
                    versions_props::package_version_property(&d.name)
                        .eq_ignore_ascii_case(el.local_name())
                });
                if !owned {
                    out.push(finding(
                        props_path,
                        text,
                        el.tag.start,
                        format!(
                            "{} has no dependency in {}",
                            el.name,
                            paths::VERSION_DETAILS_XML
                        ),
                    ));
                }
            }
        }
    }
    if let Some(json) = eng::parse_json(files, paths::GLOBAL_JSON)? {
        let text = &files[paths::GLOBAL_JSON];
        for section in ["msbuild-sdks", "tools"] {
            let Some(obj) = json.get(section) else {
                continue;
            };
            for (i, d) in deps.iter().enumerate() {
                let Some((key, v)) = obj.get_ignore_case(&d.name) else {
                    continue;
                };
                covered[i] = true;
                if let Some(value) = v.as_str().filter(|s| *s != d.version) {
                    out.push(finding(
                        paths::GLOBAL_JSON,
                        text,
                        v.span.start,
                        format!(
                            "{section}.{key} is {value} but {} declares {}",
                            paths::VERSION_DETAILS_XML,
                            d.version
                        ),
                    ));
                }
            }
        }
    }
    for path in [paths::TOOLS_CONFIG_JSON, paths::TOOLS_ROOT_JSON] {
        let Some(json) = eng::parse_json(files, path)? else {
            continue;
        };
        let text = &files[path];
        for (i, d) in deps.iter().enumerate() {
            let Some(v) = global_json::tool_version(&json, &d.name) else {
                continue;
            };
            covered[i] = true;
            if let Some(value) = v.as_str().filter(|s| *s != d.version) {
                out.push(finding(
                    path,
                    text,
                    v.span.start,
                    format!(
                        "tool {} is {value} but {} declares {}",
                        d.name,
                        paths::VERSION_DETAILS_XML,
                        d.version
                    ),
                ));
            }
        }
    }
    // With either props file present, each dependency needs a property in it (or a
    // global.json or tool manifest entry): a deleted one is a finding.
    if files.contains_key(props_path) {
        for (i, d) in deps.iter().enumerate() {
            if !covered[i] && !d.skip_property {
                out.push(Finding {
                    file: paths::VERSION_DETAILS_XML.into(),
                    pos: d.pos,
                    message: format!(
                        "{} has no {} property in {props_path} (regenerate it with sluice deps update, or mark it SkipProperty)",
                        d.name,
                        versions_props::package_version_property(&d.name)
                    ),
                });
            }
        }
    }
    out.sort_by(|a, b| (a.file.as_str(), a.pos).cmp(&(b.file.as_str(), b.pos)));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    type Case<'a> = (&'a [(&'a str, &'a str)], &'a [&'a str]);

    const VDX: &str = "<Dependencies>\n  <ProductDependencies>\n    <Dependency Name=\"A.B\" Version=\"1.0\">\n      <Uri>https://github.com/o/a</Uri>\n      <Sha>1</Sha>\n    </Dependency>\n    <Dependency Name=\"My.Sdk\" Version=\"2.0\">\n      <Uri>https://github.com/o/a</Uri>\n      <Sha>1</Sha>\n    </Dependency>\n  </ProductDependencies>\n</Dependencies>\n";

    fn run(extra: &[(&str, &str)]) -> Vec<String> {
        let mut files = ManifestFiles::new();
        files.insert(paths::VERSION_DETAILS_XML.into(), VDX.as_bytes().to_vec());
        for (p, t) in extra {
            files.insert((*p).into(), t.as_bytes().to_vec());
        }
        eng(&files)
            .expect("verifies")
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    #[test]
    fn table() {
        let props_ok = "<Project><PropertyGroup><ABPackageVersion>1.0</ABPackageVersion></PropertyGroup></Project>";
        let props_bad =
            "<Project><PropertyGroup><ABVersion>0.9</ABVersion></PropertyGroup></Project>";
        let gj_ok = "{\"msbuild-sdks\": {\"My.Sdk\": \"2.0\"}}";
        let gj_bad = "{\"msbuild-sdks\": {\"my.sdk\": \"1.9\"}}";
        let cases: [Case; 5] = [
            (
                &[
                    (paths::VERSIONS_PROPS, props_ok),
                    (paths::GLOBAL_JSON, gj_ok),
                ],
                &[],
            ),
            (
                &[
                    (paths::VERSIONS_PROPS, props_bad),
                    (paths::GLOBAL_JSON, gj_bad),
                ],
                &[
                    "eng/Versions.props:1:25: ABVersion is 0.9",
                    "global.json:1:29: msbuild-sdks.my.sdk is 1.9",
                ],
            ),
            (
                &[(
                    paths::VERSION_DETAILS_PROPS,
                    "<Project><PropertyGroup><ABPackageVersion>1.0</ABPackageVersion><XPackageVersion>1</XPackageVersion></PropertyGroup></Project>",
                )],
                &[
                    "eng/Version.Details.props:1:65: XPackageVersion has no dependency",
                    "eng/Version.Details.xml:7:5: My.Sdk has no MySdkPackageVersion",
                ],
            ),
            (&[], &[]),
            // A Versions.props whose property for A.B was deleted.
            (
                &[
                    (
                        paths::VERSIONS_PROPS,
                        "<Project><PropertyGroup><Other>1</Other></PropertyGroup></Project>",
                    ),
                    (paths::GLOBAL_JSON, gj_ok),
                ],
                &[
                    "eng/Version.Details.xml:3:5: A.B has no ABPackageVersion property in eng/Versions.props",
                ],
            ),
        ];
        for (extra, want) in cases {
            let got = run(extra);
            assert_eq!(got.len(), want.len(), "{got:?}");
            for (g, w) in got.iter().zip(want.iter()) {
                assert!(g.starts_with(w), "{g} vs {w}");
            }
        }
    }
}
