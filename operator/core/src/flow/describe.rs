//! Pull request titles, descriptions and commit messages for dependency updates.
//!
//! The output depends only on the arguments (no clock), so re-rendering an unchanged
//! update yields identical text and the planner can compare it. Every value quoted comes
//! from outside (builds, configuration) and goes through [`super::markdown`], so it
//! renders as itself.

use crate::manifest::DependencyUpdate;

use super::markdown;

use super::types::BuildInfo;

/// One subscription's part of an update: the build it applies and the dependencies that
/// move because of it.
#[derive(Debug, Clone, Copy)]
pub struct UpdateSection<'a> {
    /// Subscription name.
    pub subscription: &'a str,
    /// The build applied.
    pub build: &'a BuildInfo,
    /// The dependencies it moves, in manifest order.
    pub updates: &'a [DependencyUpdate],
}

/// `owner/name` of a repository URL: its last two path segments (`.git` and trailing `/`
/// dropped; for `git@host:owner/name` the path after `:`). A URL with a single segment
/// yields that segment.
pub fn short_repository_name(url: &str) -> String {
    let trimmed = url.trim().trim_end_matches('/');
    let trimmed = trimmed.strip_suffix(".git").unwrap_or(trimmed);
    let path = match trimmed.split_once("://") {
        Some((_, rest)) => rest.split_once('/').map_or("", |(_, p)| p),
        None => trimmed.split_once(':').map_or(trimmed, |(_, p)| p),
    };
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    match segments.as_slice() {
        [] => trimmed.to_string(),
        [one] => (*one).to_string(),
        [.., owner, name] => format!("{owner}/{name}"),
    }
}

/// `[<target-branch>] Update dependencies from <repos>`, the source repositories as
/// `owner/name`, sorted and deduplicated; quoted as [`markdown::title`] does.
pub fn title(target_branch: &str, sections: &[UpdateSection<'_>]) -> String {
    let mut repos: Vec<String> = sections
        .iter()
        .map(|s| markdown::title(&short_repository_name(&s.build.repository)))
        .collect();
    repos.sort();
    repos.dedup();
    format!(
        "[{}] Update dependencies from {}",
        markdown::title(target_branch),
        repos.join(", ")
    )
}

/// The first seven characters of a commit.
fn short_commit(commit: &str) -> &str {
    commit.get(..7).unwrap_or(commit)
}

/// The update list: `- **<name>**: from <from> to <to>`, one line each.
fn update_lines(updates: &[DependencyUpdate]) -> String {
    updates
        .iter()
        .map(|u| {
            format!(
                "- **{}**: from {} to {}\n",
                markdown::text(&u.name),
                markdown::text(&u.from_version),
                markdown::text(&u.to_version)
            )
        })
        .collect()
}

/// The pull request description: an intro line, then one marked section per
/// subscription (`<!-- sluice:begin subscription=<name> build=<id> -->` to
/// `<!-- sluice:end subscription=<name> -->`) with the source repository, the
/// subscription, the build, when it was produced, its commit and the updates.
pub fn description(
    target_repository: &str,
    target_branch: &str,
    sections: &[UpdateSection<'_>],
) -> String {
    let mut out = format!(
        "This pull request updates the dependencies of {} branch {} from the builds below.\n",
        markdown::code(&short_repository_name(target_repository)),
        markdown::code(target_branch)
    );
    for section in sections {
        let build = section.build;
        out.push('\n');
        out.push_str(&format!(
            "<!-- sluice:begin subscription={} build={} -->\n",
            markdown::comment(section.subscription),
            build.id
        ));
        let text = markdown::text;
        out.push_str(&format!("## From {}\n\n", text(&build.repository)));
        out.push_str(&format!(
            "- **Subscription**: {}\n",
            text(section.subscription)
        ));
        out.push_str(&format!("- **Build**: {}\n", text(&build.build_number)));
        out.push_str(&format!(
            "- **Date Produced**: {}\n",
            text(&build.produced_at)
        ));
        out.push_str(&format!(
            "- **Commit**: {} ({})\n",
            markdown::code(short_commit(&build.commit)),
            text(&build.commit)
        ));
        out.push_str("\n### Updates\n\n");
        if section.updates.is_empty() {
            out.push_str("No dependency changes.\n");
        } else {
            out.push_str(&update_lines(section.updates));
        }
        out.push_str(&format!(
            "<!-- sluice:end subscription={} -->\n",
            markdown::comment(section.subscription)
        ));
    }
    out
}

/// The commit message of the update commit: the title, a blank line, and the updates
/// of every section.
pub fn commit_message(target_branch: &str, sections: &[UpdateSection<'_>]) -> String {
    let mut out = title(target_branch, sections);
    out.push_str("\n\n");
    for section in sections {
        out.push_str(&update_lines(section.updates));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn build(id: i64, repo: &str) -> BuildInfo {
        BuildInfo {
            id,
            repository: repo.into(),
            branch: "main".into(),
            commit: "0123456789abcdef0123456789abcdef01234567".into(),
            build_number: format!("20260101.{id}"),
            produced_at: "2026-01-01T10:00:00Z".into(),
            assets: vec![],
            channels: vec!["dev".into()],
        }
    }

    fn update(name: &str, from: &str, to: &str) -> DependencyUpdate {
        DependencyUpdate {
            name: name.into(),
            from_version: from.into(),
            to_version: to.into(),
            from_commit: "a".into(),
            to_commit: "b".into(),
            repository: "r".into(),
        }
    }

    #[test]
    fn short_names() {
        for (url, want) in [
            ("https://github.com/contoso/runtime", "contoso/runtime"),
            ("https://github.com/contoso/runtime.git/", "contoso/runtime"),
            ("https://dev.azure.com/contoso/product/_git/sdk", "_git/sdk"),
            ("git@github.com:contoso/sdk.git", "contoso/sdk"),
            ("file:///srv/git/tools", "git/tools"),
            ("https://example.com/solo", "solo"),
        ] {
            assert_eq!(short_repository_name(url), want, "{url}");
        }
    }

    #[test]
    fn titles() {
        let rt = build(1, "https://github.com/contoso/runtime");
        let rt2 = build(2, "https://github.com/contoso/runtime.git");
        let aspire = build(3, "https://github.com/contoso/aspire");
        let cases: Vec<(Vec<&BuildInfo>, &str)> = vec![
            (vec![&rt], "[main] Update dependencies from contoso/runtime"),
            (
                vec![&rt, &aspire, &rt2],
                "[main] Update dependencies from contoso/aspire, contoso/runtime",
            ),
        ];
        for (builds, want) in cases {
            let sections: Vec<UpdateSection<'_>> = builds
                .iter()
                .map(|b| UpdateSection {
                    subscription: "s",
                    build: b,
                    updates: &[],
                })
                .collect();
            assert_eq!(title("main", &sections), want);
        }
    }

    #[test]
    fn description_layout() {
        let rt = build(7, "https://github.com/contoso/runtime");
        let ups = [update("Foo", "1.0.0", "1.1.0"), update("Bar", "2.0", "2.1")];
        let sections = [
            UpdateSection {
                subscription: "runtime-to-sdk",
                build: &rt,
                updates: &ups,
            },
            UpdateSection {
                subscription: "empty",
                build: &rt,
                updates: &[],
            },
        ];
        let text = description("https://github.com/contoso/sdk", "main", &sections);
        assert_eq!(
            text,
            "This pull request updates the dependencies of `contoso/sdk` branch `main` from the builds below.\n\
             \n\
             <!-- sluice:begin subscription=runtime-to-sdk build=7 -->\n\
             ## From https://github.com/contoso/runtime\n\
             \n\
             - **Subscription**: runtime-to-sdk\n\
             - **Build**: 20260101.7\n\
             - **Date Produced**: 2026-01-01T10:00:00Z\n\
             - **Commit**: `0123456` (0123456789abcdef0123456789abcdef01234567)\n\
             \n\
             ### Updates\n\
             \n\
             - **Foo**: from 1.0.0 to 1.1.0\n\
             - **Bar**: from 2.0 to 2.1\n\
             <!-- sluice:end subscription=runtime-to-sdk -->\n\
             \n\
             <!-- sluice:begin subscription=empty build=7 -->\n\
             ## From https://github.com/contoso/runtime\n\
             \n\
             - **Subscription**: empty\n\
             - **Build**: 20260101.7\n\
             - **Date Produced**: 2026-01-01T10:00:00Z\n\
             - **Commit**: `0123456` (0123456789abcdef0123456789abcdef01234567)\n\
             \n\
             ### Updates\n\
             \n\
             No dependency changes.\n\
             <!-- sluice:end subscription=empty -->\n"
        );
        assert_eq!(
            text,
            description("https://github.com/contoso/sdk", "main", &sections)
        );
    }

    #[test]
    fn quoted_values_render_inertly() {
        let mut hostile = build(
            7,
            "https://github.com/contoso/run<img src=x onerror=alert(1)>",
        );
        hostile.build_number = "[click](http://evil)".into();
        hostile.commit = "01234`6) **x**".into();
        let ups = [update("Foo`Bar", "1.0\n## Approved", "<b>2</b>&amp;")];
        let sections = [UpdateSection {
            subscription: "s --> <!-- x",
            build: &hostile,
            updates: &ups,
        }];
        let text = description("https://github.com/contoso/s`dk", "ma``in", &sections);
        for want in [
            "dependencies of ``contoso/s`dk`` branch ```ma``in``` from",
            "<!-- sluice:begin subscription=s --&gt; <!-- x build=7 -->\n",
            "## From https://github.com/contoso/run\\<img src=x onerror=alert(1)\\>\n",
            "- **Subscription**: s --\\> \\<!-- x\n",
            "- **Build**: \\[click\\](http://evil)\n",
            "- **Commit**: ``01234`6`` (01234\\`6) \\*\\*x\\*\\*)\n",
            "- **Foo\\`Bar**: from 1.0\\n## Approved to \\<b\\>2\\</b\\>\\&amp;\n",
            "<!-- sluice:end subscription=s --&gt; <!-- x -->\n",
        ] {
            assert!(text.contains(want), "{want}\n---\n{text}");
        }
        assert_eq!(text.lines().count(), 14, "{text}");
        assert_eq!(
            title("ma`in\nx", &sections),
            "[ma\\`in\\nx] Update dependencies from contoso/run<img src=x onerror=alert(1)>"
        );
    }

    #[test]
    fn commit_messages() {
        let rt = build(7, "https://github.com/contoso/runtime");
        let ups = [update("Foo", "1.0.0", "1.1.0")];
        let sections = [UpdateSection {
            subscription: "s",
            build: &rt,
            updates: &ups,
        }];
        assert_eq!(
            commit_message("main", &sections),
            "[main] Update dependencies from contoso/runtime\n\n- **Foo**: from 1.0.0 to 1.1.0\n"
        );
    }
}
