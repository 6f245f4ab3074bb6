//! Loading where every resource stands alone, as in a cluster: each file holds one
//! resource, and a resource that fails validation is refused on its own (with its
//! findings) while the others load. Refusing one can make others fail (a subscription
//! whose channel was refused), so loading repeats until no new file fails.

use std::collections::BTreeMap;

use super::{Diagnostic, LoadMemo, Loaded, Severity, SourceFile, load_with};

/// What loading each resource on its own gave.
#[derive(Debug)]
pub struct EachLoaded {
    /// The load of the accepted files: no errors, warnings kept.
    pub loaded: Loaded,
    /// Each refused file with the findings that refused it (errors, in order).
    pub refused: BTreeMap<String, Vec<Diagnostic>>,
}

/// Loads `files`, refusing each file that has an error until the rest load cleanly.
pub fn load_each(files: &[SourceFile]) -> EachLoaded {
    load_each_with(files, &mut LoadMemo::default())
}

/// [`load_each`], with the per-file checks of unchanged files taken from `memo`: a load
/// after one resource of ten thousand changed parses and checks that one alone (the
/// cross-resource rules still see every resource). `memo` keeps `files` only.
pub fn load_each_with(files: &[SourceFile], memo: &mut LoadMemo) -> EachLoaded {
    memo.keep_only(files);
    let mut refused: BTreeMap<String, Vec<Diagnostic>> = BTreeMap::new();
    loop {
        let accepted: Vec<SourceFile> = files
            .iter()
            .filter(|f| !refused.contains_key(&f.path))
            .cloned()
            .collect();
        let loaded = load_with(&accepted, memo);
        let mut new = false;
        for d in loaded
            .diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Error)
        {
            // An error that names no accepted file cannot be pinned on a resource; the
            // file that holds it is refused all the same when it is one of ours.
            if accepted.iter().any(|f| f.path == d.file) {
                refused.entry(d.file.clone()).or_default().push(d.clone());
                new = true;
            }
        }
        if !new {
            return EachLoaded { loaded, refused };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(path: &str, text: &str) -> SourceFile {
        SourceFile {
            path: path.into(),
            text: text.into(),
        }
    }

    const CHANNEL: &str =
        "apiVersion: sluice.dev/v1alpha1\nkind: Channel\nmetadata: {name: dev}\nspec: {}\n";
    const BAD_CHANNEL: &str = "apiVersion: sluice.dev/v1alpha1\nkind: Channel\nmetadata: {name: broken}\nspec: {visibility: nowhere}\n";

    fn subscription(name: &str, channel: &str) -> String {
        format!(
            "apiVersion: sluice.dev/v1alpha1\nkind: Subscription\nmetadata: {{name: {name}}}\nspec:\n  source: {{repository: \"https://github.com/contoso/runtime\", channel: {channel}}}\n  target: {{repository: \"https://github.com/contoso/sdk\", branch: main}}\n"
        )
    }

    #[test]
    fn a_failing_resource_is_refused_alone_and_takes_its_dependents_with_it() {
        let table: [(Vec<SourceFile>, &[&str], usize); 4] = [
            // Everything valid: nothing refused.
            (
                vec![file("c", CHANNEL), file("s", &subscription("s", "dev"))],
                &[],
                1,
            ),
            // A subscription on an unknown channel: refused alone.
            (
                vec![
                    file("c", CHANNEL),
                    file("s", &subscription("s", "dev")),
                    file("t", &subscription("t", "nope")),
                ],
                &["t"],
                1,
            ),
            // A broken channel is refused, and so, in the next round, is its subscription.
            (
                vec![
                    file("c", CHANNEL),
                    file("b", BAD_CHANNEL),
                    file("u", &subscription("u", "broken")),
                    file("s", &subscription("s", "dev")),
                ],
                &["b", "u"],
                1,
            ),
            // Not a manifest at all.
            (vec![file("c", CHANNEL), file("x", "kind: [")], &["x"], 0),
        ];
        for (files, want, subscriptions) in table {
            let got = load_each(&files);
            let refused: Vec<&str> = got.refused.keys().map(String::as_str).collect();
            assert_eq!(refused, want);
            assert!(!got.loaded.has_errors(), "{:?}", got.loaded.diagnostics);
            assert_eq!(got.loaded.config.subscriptions.len(), subscriptions);
            for findings in got.refused.values() {
                assert!(!findings.is_empty());
            }
        }
    }

    #[test]
    fn a_memo_checks_only_changed_files_again_and_keeps_no_parse_tree_of_a_valid_one() {
        let qa = CHANNEL.replace("name: dev", "name: qa");
        let mut files = vec![
            file("c", CHANNEL),
            file("q", &qa),
            // Rules that look at every merge policy find no position unless they report.
            file(
                "s",
                &format!(
                    "{}  mergePolicies: [{{name: Standard}}]\n",
                    subscription("s", "dev")
                ),
            ),
            file("u", &subscription("u", "nowhere")),
        ];
        let mut memo = LoadMemo::default();
        let first = load_each_with(&files, &mut memo);
        assert_eq!(first.refused.keys().collect::<Vec<_>>(), ["u"]);
        assert_eq!(memo.len(), 4);
        // Only the refused file's finding needed a position, so only it was parsed again.
        assert_eq!(memo.parse_trees_kept(), 1);

        // The same files from the memo load as from scratch.
        let again = load_each_with(&files, &mut memo);
        let fresh = load_each(&files);
        assert_eq!(again.refused, fresh.refused);
        assert_eq!(
            again.loaded.config.subscriptions.len(),
            fresh.loaded.config.subscriptions.len()
        );

        // A changed file is checked again; a removed one is forgotten.
        files[3] = file("u", &subscription("u", "qa"));
        files.remove(2);
        let fixed = load_each_with(&files, &mut memo);
        assert!(fixed.refused.is_empty(), "{:?}", fixed.refused);
        assert_eq!(fixed.loaded.config.subscriptions.len(), 1);
        assert_eq!(memo.len(), 3);
        assert_eq!(memo.parse_trees_kept(), 0);
    }
}
