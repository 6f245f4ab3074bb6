//! The benchmark's world: target repositories on `file://` remotes and the config text.

use std::path::Path;

use sluice_tests::demo::repos::git;

/// The `file://` URL of target repository `repo`.
pub fn target_url(root: &Path, repo: usize) -> String {
    format!(
        "file://{}",
        root.join(format!("targets/t{repo:03}.git")).display()
    )
}

/// The URL of source repository `source` (never contacted).
pub fn source_url(source: usize) -> String {
    format!("https://git.example.com/contoso/source{source:02}")
}

/// One bare repository with a manifest naming every source's asset, copied per target
/// repository, each with `branches` branches at the same commit.
pub fn create_targets(root: &Path, repos: usize, branches: usize, sources: usize) {
    let template = root.join("template");
    std::fs::create_dir_all(template.join("eng")).expect("template dir");
    git(&template, &["init", "--quiet", "--initial-branch=b0"]);
    let mut xml = String::from(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<Dependencies>\n  <ProductDependencies>\n",
    );
    for s in 0..sources {
        xml.push_str(&format!(
            "    <Dependency Name=\"Contoso.Source{s:02}\" Version=\"1.0.0\">\n      <Uri>{}</Uri>\n      <Sha>{}</Sha>\n    </Dependency>\n",
            source_url(s),
            "a".repeat(40)
        ));
    }
    xml.push_str("  </ProductDependencies>\n</Dependencies>\n");
    std::fs::write(template.join("eng/Version.Details.xml"), xml).expect("manifest");
    git(&template, &["add", "-A"]);
    git(&template, &["commit", "--quiet", "-m", "manifest"]);
    for b in 1..branches {
        git(&template, &["branch", &format!("b{b}")]);
    }
    let bare = root.join("template.git");
    git(
        root,
        &[
            "clone",
            "--quiet",
            "--bare",
            template.to_str().expect("path"),
            bare.to_str().expect("path"),
        ],
    );
    for b in 0..branches {
        git(
            &bare,
            &[
                "update-ref",
                &format!("refs/heads/b{b}"),
                &format!("refs/heads/b{b}"),
            ],
        );
    }
    for r in 0..repos {
        let dest = root.join(format!("targets/t{r:03}.git"));
        copy_dir(&bare, &dest);
    }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("copy dir");
    for entry in std::fs::read_dir(from).expect("read dir") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy");
        }
    }
}

/// 10,000 subscriptions: `subscriptions / (repos * branches)` per target branch, each from
/// a different source.
pub fn config_text(
    root: &Path,
    repos: usize,
    branches: usize,
    subscriptions: usize,
    sources: usize,
) -> String {
    let mut docs = vec![
        "apiVersion: sluice.dev/v1alpha1\nkind: Channel\nmetadata: {name: product-dev}\nspec: {}\n"
            .to_string(),
    ];
    let targets = repos * branches;
    for i in 0..subscriptions {
        let target = i % targets;
        let (repo, branch) = (target / branches, target % branches);
        let source = (i / targets + target * 7) % sources;
        docs.push(format!(
            "apiVersion: sluice.dev/v1alpha1\nkind: Subscription\nmetadata: {{name: s{i:05}}}\nspec:\n  source: {{repository: \"{}\", channel: product-dev}}\n  target: {{repository: \"{}\", branch: b{branch}}}\n  mergePolicies: [{{name: Standard}}]\n",
            source_url(source),
            target_url(root, repo)
        ));
    }
    docs.join("---\n")
}
