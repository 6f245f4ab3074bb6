//! The generated scenarios of the fixpoint test and the fixtures they are built from.

use sluice_core::flow::BuildId;
use sluice_core::manifest::ManifestFiles;

pub const SOURCE: &str = "https://github.com/contoso/runtime";
pub const TARGET: &str = "https://github.com/contoso/sdk";
pub const UNKNOWN_BUILD: BuildId = 999;

/// One generated subscription: its builds' asset versions and its state, as indexes.
#[derive(Debug, Clone)]
pub struct SubGen {
    /// Per build: (version minor of dependency 0, of dependency 1), `None` = not produced.
    pub builds: Vec<(Option<u8>, Option<u8>)>,
    pub requested: Option<u8>,
    /// The requested build is one the store does not know.
    pub unknown: bool,
    pub applied: Option<u8>,
    pub rejected: Option<u8>,
    pub force: bool,
    pub carried: Option<u8>,
}

/// One generated world: its subscriptions, policies, pull request and person.
#[derive(Debug, Clone)]
pub struct Scenario {
    pub subs: Vec<SubGen>,
    pub batch: bool,
    pub auto_merge: bool,
    pub manual_policy: u8,
    pub pull_request: u8,
    /// A person pushed a commit on the pull request's head branch: 0 none, 1 on a pull
    /// request built on an older target, 2 on one built on the current target.
    pub person: u8,
}

pub fn dep_name(sub: usize, dep: usize) -> String {
    format!("Sub{sub}.Dep{dep}")
}

pub fn build_id(sub: usize, index: u8, count: usize) -> BuildId {
    if usize::from(index) < count {
        (sub as i64 + 1) * 10 + i64::from(index)
    } else {
        UNKNOWN_BUILD
    }
}

pub fn manifest_files(subs: usize) -> ManifestFiles {
    let mut xml = String::from(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<Dependencies>\n  <ProductDependencies>\n",
    );
    let mut props = String::from("<Project>\n  <PropertyGroup>\n");
    for s in 0..subs {
        for d in 0..2 {
            let name = dep_name(s, d);
            xml.push_str(&format!("    <Dependency Name=\"{name}\" Version=\"1.1.0\">\n      <Uri>{SOURCE}</Uri>\n      <Sha>{:040}</Sha>\n    </Dependency>\n", 0));
            let prop = name.replace('.', "");
            props.push_str(&format!(
                "    <{prop}PackageVersion>1.1.0</{prop}PackageVersion>\n"
            ));
        }
    }
    xml.push_str("  </ProductDependencies>\n  <ToolsetDependencies />\n</Dependencies>\n");
    props.push_str("  </PropertyGroup>\n</Project>\n");
    [
        ("eng/Version.Details.xml".to_string(), xml.into_bytes()),
        ("eng/Versions.props".to_string(), props.into_bytes()),
    ]
    .into_iter()
    .collect()
}
