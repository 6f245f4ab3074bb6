use super::*;

const FILE: &str = "\
# comment
runtime-ci  publish        pub-0123456789abcdef
checks-bot  report,read    rep-0123456789abcdef  # trailing comment

root        admin          adm-0123456789abcdef
";

#[test]
fn token_files_parse_and_name_the_line_of_a_mistake() {
    let set = TokenSet::parse(FILE, "tokens").unwrap();
    assert_eq!(set.len(), 3);
    let env = TokenSet::parse("a read aaaaaaaaaaaaaaaa; b admin bbbbbbbbbbbbbbbb", "ENV").unwrap();
    assert_eq!(env.len(), 2);
    for (text, line, needle) in [
        ("x publish short", 1, "shorter than 16"),
        ("\nx write 0123456789abcdef0", 2, "unknown scope `write`"),
        ("x publish", 1, "found 2 field(s)"),
        ("X publish 0123456789abcdef0", 1, "token name"),
        (
            "x read 0123456789abcdef0\nx read 0123456789abcdef1",
            2,
            "declared twice",
        ),
        (
            "x read 0123456789abcdef0\ny read 0123456789abcdef0",
            2,
            "same secret",
        ),
    ] {
        let err = TokenSet::parse(text, "tokens").unwrap_err();
        assert_eq!(err.line, line, "{text:?}: {err}");
        assert!(err.to_string().contains(needle), "{text:?}: {err}");
        assert!(!err.to_string().contains("0123456789abcdef"), "{err}");
    }
}

#[test]
fn debug_output_never_shows_a_secret() {
    let set = TokenSet::parse(FILE, "tokens").unwrap();
    let shown = format!("{set:?}");
    assert!(shown.contains("runtime-ci"), "{shown}");
    assert!(!shown.contains("0123456789abcdef"), "{shown}");
}

#[test]
fn routes_need_their_scopes() {
    let cases = [
        ("GET", "/healthz", None),
        ("GET", "/metrics", None),
        ("GET", "/readyz", None),
        ("POST", "/webhooks/github", None),
        ("GET", "/webhooks/github", Some(Scope::Read)),
        ("POST", "/webhooks/azure-devops", None),
        ("GET", "/webhooks/azure-devops", Some(Scope::Read)),
        ("GET", "/api/builds", Some(Scope::Read)),
        ("GET", "/pull-requests/3", Some(Scope::Read)),
        ("POST", "/api/builds", Some(Scope::Publish)),
        ("POST", "/api/builds/7/channels", Some(Scope::Publish)),
        ("POST", "/api/pull-requests/3/checks", Some(Scope::Report)),
        ("POST", "/api/pull-requests/3/reviews", Some(Scope::Report)),
        ("POST", "/api/pull-requests/3/merge", Some(Scope::Admin)),
        ("POST", "/api/pull-requests/3/close", Some(Scope::Admin)),
        ("POST", "/api/subscriptions/x/trigger", Some(Scope::Admin)),
        ("DELETE", "/api/builds", Some(Scope::Admin)),
        ("POST", "/api/unknown", Some(Scope::Admin)),
    ];
    for (method, path, scope) in cases {
        assert_eq!(required_scope(method, path), scope, "{method} {path}");
    }
}

#[test]
fn requests_are_decided_by_token_and_scope() {
    let set = TokenSet::parse(FILE, "tokens").unwrap();
    let bearer = |s: &str| format!("Bearer {s}");
    let publish = bearer("pub-0123456789abcdef");
    let report = bearer("rep-0123456789abcdef");
    let admin = bearer("adm-0123456789abcdef");
    let ok = |h: Option<&str>, s: Option<Scope>, open: bool| authorize(&set, h, s, open).is_ok();

    assert!(ok(None, None, false), "probes are open");
    assert_eq!(
        authorize(&set, None, Some(Scope::Read), false),
        Err(Denied::Unauthenticated)
    );
    assert!(ok(None, Some(Scope::Read), true), "open reads");
    assert!(!ok(None, Some(Scope::Publish), true), "open reads only");
    assert!(ok(Some(&publish), Some(Scope::Publish), false));
    assert_eq!(
        authorize(&set, Some(&report), Some(Scope::Publish), false),
        Err(Denied::Forbidden {
            token: "checks-bot".into(),
            needed: Scope::Publish
        })
    );
    assert!(ok(Some(&report), Some(Scope::Report), false));
    assert!(
        ok(Some(&admin), Some(Scope::Publish), false),
        "admin has every scope"
    );
    assert!(!ok(
        Some("Bearer pub-0123456789abcdeX"),
        Some(Scope::Read),
        false
    ));
    assert!(!ok(Some("Basic cHViOnB1Yg=="), Some(Scope::Read), false));
    assert!(!ok(Some("Bearer "), Some(Scope::Read), false));
    assert!(
        !ok(Some("Bearer pub-0123456789abcde"), Some(Scope::Read), false),
        "a prefix"
    );
    let message = authorize(&set, Some(&report), Some(Scope::Admin), false)
        .unwrap_err()
        .to_string();
    assert!(!message.contains("0123456789abcdef"), "{message}");

    let none = TokenSet::default();
    assert!(
        authorize(&none, None, Some(Scope::Admin), false).is_ok(),
        "no tokens: open"
    );
}

#[test]
fn an_open_api_listens_on_loopback_unless_told_otherwise() {
    let none = TokenSet::default();
    let some = TokenSet::parse(FILE, "tokens").unwrap();
    assert!(check_listener("127.0.0.1:8080", true, &none, false).is_ok());
    assert!(check_listener("0.0.0.0:8080", false, &some, false).is_ok());
    assert!(check_listener("0.0.0.0:8080", false, &none, true).is_ok());
    let err = check_listener("0.0.0.0:8080", false, &none, false).unwrap_err();
    assert!(err.to_string().contains("--insecure-no-auth"), "{err}");
}
