//! Quoting values in pull request titles, descriptions and comments so they render as
//! themselves: an asset name, a version, a repository URL, a branch, a check or reviewer
//! name or a build number can never add a link, an image, HTML, emphasis, a line or a
//! heading to the text around it.
//!
//! One rule decides every character ([`escaped`]); the places differ only in which
//! characters they have to neutralise:
//!
//! - everywhere, control characters and line separators are shown escaped (`\n`,
//!   `\u{7f}`), so a value stays on its line;
//! - [`text`], markdown body text: `\` `` ` `` `*` `_` `[` `]` `<` `>` `&` `~` `|` `$`
//!   get a backslash (links, images, HTML and entities, emphasis, strikethrough, tables,
//!   math). Characters that act only at the start of a line (`#`, `-`, `+`, `=`, digits)
//!   need nothing, as a value never starts one. `.`, `/`, `:`, `-` and `+` stay, so
//!   `Contoso.Runtime 9.0.2-rc.1` and URLs read as they are;
//! - [`title`], titles and commit subjects, which forges show as plain text apart from
//!   code spans: only `` ` `` gets a backslash;
//! - [`comment`], inside an HTML comment: `>` becomes `&gt;`, so `-->` cannot close it;
//! - [`code`], a code span: fenced by one more backtick than the longest run of
//!   backticks inside, padded with spaces when the value starts or ends with a backtick
//!   or a space, so nothing inside can close it.

/// Where a value is quoted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Place {
    Text,
    Title,
    Comment,
    Code,
}

/// `value` with every character neutralised for `place`.
fn escaped(value: &str, place: Place) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        if c.is_control() || matches!(c, '\u{2028}' | '\u{2029}') {
            out.extend(c.escape_debug());
            continue;
        }
        match (place, c) {
            (
                Place::Text,
                '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '&' | '~' | '|' | '$',
            )
            | (Place::Title, '`') => {
                out.push('\\');
                out.push(c);
            }
            (Place::Comment, '>') => out.push_str("&gt;"),
            _ => out.push(c),
        }
    }
    out
}

/// `value` as inert markdown body text.
pub fn text(value: &str) -> String {
    escaped(value, Place::Text)
}

/// `value` for a pull request title or commit subject.
pub fn title(value: &str) -> String {
    escaped(value, Place::Title)
}

/// `value` for the inside of an HTML comment.
pub fn comment(value: &str) -> String {
    escaped(value, Place::Comment)
}

/// `value` as a markdown code span, fences included.
pub fn code(value: &str) -> String {
    let inner = escaped(value, Place::Code);
    let mut longest = 0;
    let mut run = 0;
    for c in inner.chars() {
        run = if c == '`' { run + 1 } else { 0 };
        longest = longest.max(run);
    }
    let fence = "`".repeat(longest + 1);
    let edge = |c: char| c == '`' || c == ' ';
    let pad = if inner.is_empty() || inner.starts_with(edge) || inner.ends_with(edge) {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{inner}{pad}{fence}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normal_values_are_unchanged() {
        for value in [
            "Contoso.Runtime",
            "9.0.2-preview.1.25101.3+abc",
            "https://github.com/contoso/runtime",
            "release/9.0",
            "contoso/runtime",
            "20260101.3",
            "2026-01-01T10:00:00Z",
            "runtime-to-sdk",
            "Foo.Core 1.2.0 -> 1.1.0",
        ] {
            assert_eq!(title(value), value);
            assert_eq!(comment(value), value.replace('>', "&gt;"));
            if !value.contains('>') {
                assert_eq!(text(value), value);
            }
        }
        assert_eq!(text("Foo.Core 1.2.0 -> 1.1.0"), "Foo.Core 1.2.0 -\\> 1.1.0");
    }

    #[test]
    fn hostile_text_renders_inert() {
        for (value, want) in [
            ("[click](http://evil)", "\\[click\\](http://evil)"),
            ("![x](http://evil/x.png)", "!\\[x\\](http://evil/x.png)"),
            (
                "<img src=x onerror=alert(1)>",
                "\\<img src=x onerror=alert(1)\\>",
            ),
            ("&lt;b&gt;", "\\&lt;b\\&gt;"),
            ("a`b", "a\\`b"),
            (
                "**bold** _em_ ~~gone~~",
                "\\*\\*bold\\*\\* \\_em\\_ \\~\\~gone\\~\\~",
            ),
            ("a|b", "a\\|b"),
            ("$x^2$", "\\$x^2\\$"),
            ("back\\slash", "back\\\\slash"),
            (
                "1.0\n## Approved\n- [x] ok",
                "1.0\\n## Approved\\n- \\[x\\] ok",
            ),
            ("a\r\u{7f}\u{2028}b", "a\\r\\u{7f}\\u{2028}b"),
        ] {
            assert_eq!(text(value), want, "{value:?}");
            assert!(!text(value).contains('\n'));
        }
    }

    #[test]
    fn titles_and_comments_neutralise_their_own_syntax() {
        assert_eq!(title("main`<b>`"), "main\\`<b>\\`");
        assert_eq!(title("main\nSigned-off-by: x"), "main\\nSigned-off-by: x");
        assert_eq!(
            comment("s --> <script>x</script> <!--"),
            "s --&gt; <script&gt;x</script&gt; <!--"
        );
        assert!(!comment("a--!>b").contains('>'));
    }

    #[test]
    fn code_spans_cannot_be_closed_from_inside() {
        for (value, want) in [
            ("contoso/sdk", "`contoso/sdk`"),
            ("a`b", "``a`b``"),
            ("a``b`c", "```a``b`c```"),
            ("`x", "`` `x ``"),
            ("x `", "`` x ` ``"),
            (" x ", "`  x  `"),
            ("", "`  `"),
            ("a\nb", "`a\\nb`"),
        ] {
            assert_eq!(code(value), want, "{value:?}");
        }
    }

    #[test]
    fn failure_comments_quote_names_inertly() {
        use crate::flow::policy::{evaluate, failure_comment};
        use crate::flow::types::{
            Check, CheckState::Failure, Review, ReviewState::ChangesRequested,
        };
        use crate::manifest::DependencyUpdate;
        use crate::model::{MergePolicy, MergePolicyName, MergePolicyProperties};
        let policy = |name| MergePolicy {
            name,
            properties: MergePolicyProperties::default(),
        };
        let check = |name: &str, state| Check {
            name: name.into(),
            state,
        };
        let review = |reviewer: &str, state| Review {
            reviewer: reviewer.into(),
            state,
        };
        let update = |name: &str, from: &str, to: &str| DependencyUpdate {
            name: name.into(),
            from_version: from.into(),
            to_version: to.into(),
            from_commit: "a".into(),
            to_commit: "b".into(),
            repository: "https://example.com/r".into(),
        };
        let evals = evaluate(
            &[
                policy(MergePolicyName::AllChecksSuccessful),
                policy(MergePolicyName::NoRequestedChanges),
                policy(MergePolicyName::DontAutomergeDowngrades),
            ],
            &[
                check("[click](http://evil)", Failure),
                check("<img src=x onerror=alert(1)>", Failure),
                check("a`b", Failure),
            ],
            &[review("<b>mallory</b>\n# Approved", ChangesRequested)],
            &[update("Foo_Core*", "2.0", "1.0&lt;")],
        );
        let body = failure_comment(&evals, &[]).expect("failed");
        assert_eq!(
            body,
            "Merge policies failed; this pull request will not merge by itself.\n\n\
             - **AllChecksSuccessful**: failed checks: \\<img src=x onerror=alert(1)\\>, \
             \\[click\\](http://evil), a\\`b\n\
             - **NoRequestedChanges**: changes requested by \\<b\\>mallory\\</b\\>\\n# Approved\n\
             - **DontAutomergeDowngrades**: downgrades: Foo\\_Core\\* 2.0 -\\> 1.0\\&lt;\n"
        );
        assert_eq!(body.lines().count(), 5, "{body}");
    }
}
