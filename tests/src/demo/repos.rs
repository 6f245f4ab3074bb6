//! The demo product: bare repositories on `file://` remotes, each with an
//! eng/Version.Details.xml manifest, and the config that flows between them.

use std::path::{Path, PathBuf};
use std::process::Command;

/// One repository of the product: its name and what it depends on.
#[derive(Debug, Clone)]
pub struct RepoSpec {
    /// Short name, e.g. `runtime`.
    pub name: &'static str,
    /// Names of the repositories it consumes.
    pub consumes: &'static [&'static str],
}

/// A chain (runtime -> extensions -> aspnetcore -> sdk) plus a diamond: sdk also takes
/// runtime and extensions directly, and aspnetcore takes runtime directly.
pub const PRODUCT: &[RepoSpec] = &[
    RepoSpec {
        name: "runtime",
        consumes: &[],
    },
    RepoSpec {
        name: "extensions",
        consumes: &["runtime"],
    },
    RepoSpec {
        name: "aspnetcore",
        consumes: &["runtime", "extensions"],
    },
    RepoSpec {
        name: "sdk",
        consumes: &["runtime", "extensions", "aspnetcore"],
    },
];

/// The asset a repository produces, e.g. `Contoso.Runtime`.
pub fn asset_name(repo: &str) -> String {
    let product = match repo {
        "aspnetcore" => "AspNetCore".to_string(),
        "sdk" => "Sdk".to_string(),
        other => {
            let mut chars = other.chars();
            let first = chars
                .next()
                .map(|c| c.to_ascii_uppercase())
                .unwrap_or_default();
            format!("{first}{}", chars.as_str())
        }
    };
    format!("Contoso.{product}")
}

/// Runs git with a fixed identity; panics with git's stderr on failure.
pub fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_AUTHOR_NAME", "Contoso CI")
        .env("GIT_AUTHOR_EMAIL", "ci@contoso.invalid")
        .env("GIT_COMMITTER_NAME", "Contoso CI")
        .env("GIT_COMMITTER_EMAIL", "ci@contoso.invalid")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .output()
        .expect("run git");
    assert!(
        out.status.success(),
        "git {args:?} in {}: {}",
        dir.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// The `file://` URL of a repository's bare remote.
pub fn remote_url(root: &Path, repo: &str) -> String {
    format!(
        "file://{}",
        root.join("remotes").join(format!("{repo}.git")).display()
    )
}

fn manifest(root: &Path, spec: &RepoSpec) -> (String, String) {
    let mut xml = String::from(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<Dependencies>\n  <ProductDependencies>\n",
    );
    let mut props = String::from("<Project>\n  <PropertyGroup>\n");
    for dep in spec.consumes {
        let name = asset_name(dep);
        xml.push_str(&format!(
            "    <Dependency Name=\"{name}\" Version=\"1.0.0\">\n      <Uri>{}</Uri>\n      <Sha>{}</Sha>\n    </Dependency>\n",
            remote_url(root, dep),
            "0".repeat(40)
        ));
        let property = format!("{}PackageVersion", name.replace('.', ""));
        props.push_str(&format!("    <{property}>1.0.0</{property}>\n"));
    }
    xml.push_str("  </ProductDependencies>\n  <ToolsetDependencies />\n</Dependencies>\n");
    props.push_str("  </PropertyGroup>\n</Project>\n");
    (xml, props)
}

/// Creates every repository's bare remote with one commit holding its manifests.
pub fn create_repositories(root: &Path) -> Vec<PathBuf> {
    let mut remotes = Vec::new();
    for spec in PRODUCT {
        let remote = root.join("remotes").join(format!("{}.git", spec.name));
        std::fs::create_dir_all(&remote).expect("create remote dir");
        git(
            &remote,
            &["init", "--quiet", "--bare", "--initial-branch=main"],
        );
        let work = root.join("work").join(spec.name);
        std::fs::create_dir_all(work.join("eng")).expect("create work dir");
        git(&work, &["init", "--quiet", "--initial-branch=main"]);
        let (xml, props) = manifest(root, spec);
        std::fs::write(work.join("eng/Version.Details.xml"), xml).expect("write manifest");
        std::fs::write(work.join("eng/Versions.props"), props).expect("write props");
        std::fs::write(work.join("README.md"), format!("# {}\n", spec.name)).expect("write readme");
        git(&work, &["add", "-A"]);
        git(&work, &["commit", "--quiet", "-m", "Initial commit"]);
        git(
            &work,
            &[
                "push",
                "--quiet",
                remote.to_str().expect("utf-8 path"),
                "main",
            ],
        );
        remotes.push(remote);
    }
    remotes
}

/// Writes the config: one channel, a default channel per repository, and a subscription
/// per consumed repository: `Standard` into aspnetcore (the middle of the diamond), where
/// every update must pass checks, draw no requested changes, downgrade nothing and stay
/// coherent; `AllChecksSuccessful` elsewhere.
pub fn write_config(root: &Path) -> PathBuf {
    let dir = root.join("config");
    std::fs::create_dir_all(&dir).expect("create config dir");
    let mut docs = vec!["apiVersion: sluice.dev/v1alpha1\nkind: Channel\nmetadata: {name: product-dev}\nspec: {displayName: Contoso Product Dev}\n".to_string()];
    for spec in PRODUCT {
        docs.push(format!(
            "apiVersion: sluice.dev/v1alpha1\nkind: DefaultChannel\nmetadata: {{name: {0}-main}}\nspec: {{repository: \"{1}\", branch: main, channel: product-dev}}\n",
            spec.name,
            remote_url(root, spec.name)
        ));
        let policy = if spec.name == "aspnetcore" {
            "Standard"
        } else {
            "AllChecksSuccessful"
        };
        for dep in spec.consumes {
            docs.push(format!(
                "apiVersion: sluice.dev/v1alpha1\nkind: Subscription\nmetadata: {{name: {dep}-to-{0}}}\nspec:\n  source: {{repository: \"{1}\", channel: product-dev}}\n  target: {{repository: \"{2}\", branch: main}}\n  mergePolicies: [{{name: {policy}}}]\n",
                spec.name,
                remote_url(root, dep),
                remote_url(root, spec.name)
            ));
        }
    }
    std::fs::write(dir.join("product.yaml"), docs.join("---\n")).expect("write config");
    dir
}

/// `name -> version` of every dependency in a repository's manifest on `main`.
pub fn versions(root: &Path, repo: &str) -> Vec<(String, String)> {
    let remote = root.join("remotes").join(format!("{repo}.git"));
    let xml = git(&remote, &["show", "main:eng/Version.Details.xml"]);
    let mut out = Vec::new();
    for line in xml.lines() {
        let Some(rest) = line.trim().strip_prefix("<Dependency Name=\"") else {
            continue;
        };
        let Some((name, rest)) = rest.split_once('"') else {
            continue;
        };
        let Some(version) = rest
            .split("Version=\"")
            .nth(1)
            .and_then(|v| v.split('"').next())
        else {
            continue;
        };
        out.push((name.to_string(), version.to_string()));
    }
    out
}

/// A config directory under `root` flowing runtime's builds on channel `dev` (runtime
/// declared public, so its builds may reach a public target) into
/// `target`'s `main` under `AllChecksSuccessful`; its path.
pub fn write_flow_config(root: &Path, target: &str) -> String {
    let dir = root.join("config");
    std::fs::create_dir_all(&dir).unwrap();
    let runtime = remote_url(root, "runtime");
    let text = format!(
        "apiVersion: sluice.dev/v1alpha1\nkind: Channel\nmetadata: {{name: dev}}\nspec: {{}}\n---\napiVersion: sluice.dev/v1alpha1\nkind: DefaultChannel\nmetadata: {{name: runtime-main}}\nspec: {{repository: \"{runtime}\", branch: main, channel: dev}}\n---\napiVersion: sluice.dev/v1alpha1\nkind: Subscription\nmetadata: {{name: runtime-to-sdk}}\nspec:\n  source: {{repository: \"{runtime}\", channel: dev, visibility: public}}\n  target: {{repository: \"{target}\", branch: main}}\n  mergePolicies: [{{name: AllChecksSuccessful}}]\n"
    );
    std::fs::write(dir.join("flow.yaml"), text).unwrap();
    dir.display().to_string()
}

/// The version of `source`'s asset that `target`'s manifest on `main` references (empty
/// when it references none).
pub fn version_in(root: &Path, target: &str, source: &str) -> String {
    versions(root, target)
        .into_iter()
        .find(|(name, _)| name == &asset_name(source))
        .map(|(_, version)| version)
        .unwrap_or_default()
}
