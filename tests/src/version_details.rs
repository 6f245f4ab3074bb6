//! Writing `eng/Version.Details.xml` for fixture repositories, in the layout the
//! established tooling writes.

/// One dependency to write.
#[derive(Debug, Clone)]
pub struct Dep {
    /// Asset name.
    pub name: String,
    /// Version.
    pub version: String,
    /// The repository that built it.
    pub repository: String,
    /// The commit it was built from.
    pub commit: String,
    /// A toolset dependency rather than a product one.
    pub toolset: bool,
    /// The dependency it must stay coherent with, if any.
    pub coherent_parent: Option<String>,
}

impl Dep {
    /// A product dependency.
    pub fn product(name: &str, version: &str, repository: &str, commit: &str) -> Self {
        Dep {
            name: name.to_owned(),
            version: version.to_owned(),
            repository: repository.to_owned(),
            commit: commit.to_owned(),
            toolset: false,
            coherent_parent: None,
        }
    }

    /// A toolset dependency.
    pub fn toolset(name: &str, version: &str, repository: &str, commit: &str) -> Self {
        Dep {
            toolset: true,
            ..Dep::product(name, version, repository, commit)
        }
    }
}

fn entries(deps: &[&Dep]) -> String {
    let mut out = String::new();
    for dep in deps {
        let parent = dep
            .coherent_parent
            .as_deref()
            .map(|p| format!(" CoherentParentDependency=\"{p}\""))
            .unwrap_or_default();
        out.push_str(&format!(
            "    <Dependency Name=\"{}\" Version=\"{}\"{parent}>\n      <Uri>{}</Uri>\n      <Sha>{}</Sha>\n    </Dependency>\n",
            dep.name, dep.version, dep.repository, dep.commit
        ));
    }
    out
}

/// The whole file for `deps`: product dependencies, then toolset ones.
pub fn xml(deps: &[Dep]) -> String {
    let product: Vec<&Dep> = deps.iter().filter(|d| !d.toolset).collect();
    let toolset: Vec<&Dep> = deps.iter().filter(|d| d.toolset).collect();
    format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<Dependencies>\n  <ProductDependencies>\n{}  </ProductDependencies>\n  <ToolsetDependencies>\n{}  </ToolsetDependencies>\n</Dependencies>\n",
        entries(&product),
        entries(&toolset)
    )
}
