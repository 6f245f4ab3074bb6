use super::*;
use crate::manifest::Asset;

const PUB_A: &str = "https://pkgs.dev.azure.com/dnceng/public/_packaging/darc-pub-contoso-app-0123456789/nuget/v3/index.json";
const INT_A: &str = "https://pkgs.dev.azure.com/dnceng/_packaging/darc-int-contoso-app-0123456789/nuget/v3/index.json";
const PUB_B: &str = "https://pkgs.dev.azure.com/dnceng/public/_packaging/darc-pub-contoso-lib-abcdef1234/nuget/v3/index.json";

fn build(locations: &[&str]) -> BuildUpdate {
    BuildUpdate {
        source_repo: "https://github.com/contoso/app".into(),
        commit: "0123456789".into(),
        assets: vec![Asset {
            name: "Contoso.App".into(),
            version: "1.0.0".into(),
            locations: locations.iter().map(|s| (*s).to_string()).collect(),
        }],
        source_global_json: None,
        coherent_parents: Vec::new(),
    }
}

#[test]
fn keys_and_managed_feed_patterns() {
    let cases = [
        (PUB_A, Some(("darc-pub-contoso-app-0123456", "contoso-app"))),
        (INT_A, Some(("darc-int-contoso-app-0123456", "contoso-app"))),
        ("https://api.nuget.org/v3/index.json", None),
    ];
    for (url, want) in cases {
        assert_eq!(is_managed_feed(url), want.is_some(), "{url}");
        let got = feed_key(url);
        assert_eq!(
            got.as_ref().map(|(k, r)| (k.as_str(), r.as_str())),
            want,
            "{url}"
        );
    }
}

#[test]
fn inserts_a_block_after_clear_and_disables_internal_feeds() {
    let src = "\u{feff}<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<configuration>\n  <packageSources>\n    <clear />\n    <add key=\"nuget\" value=\"https://api.nuget.org/v3/index.json\" />\n  </packageSources>\n</configuration>\n";
    let out = update(src.as_bytes(), &build(&[PUB_A, INT_A])).expect("updates");
    let out = String::from_utf8(out).expect("utf8");
    let want = format!(
        "\u{feff}<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<configuration>\n  <packageSources>\n    <clear />\n    <!--{BEGIN}-->\n    <!--  Begin: Package sources from contoso-app -->\n    <add key=\"darc-pub-contoso-app-0123456\" value=\"{PUB_A}\" />\n    <add key=\"darc-int-contoso-app-0123456\" value=\"{INT_A}\" />\n    <!--  End: Package sources from contoso-app -->\n    <!--{END}-->\n    <add key=\"nuget\" value=\"https://api.nuget.org/v3/index.json\" />\n  </packageSources>\n  <disabledPackageSources>\n    <!--{BEGIN}-->\n    <!--  Begin: Package sources from contoso-app -->\n    <add key=\"darc-int-contoso-app-0123456\" value=\"true\" />\n    <!--  End: Package sources from contoso-app -->\n    <!--{END}-->\n  </disabledPackageSources>\n</configuration>\n"
    );
    assert_eq!(out, want);
}

#[test]
fn replaces_this_repositorys_feeds_and_keeps_others() {
    let src = format!(
        "<configuration>\n  <packageSources>\n    <clear />\n    <!--{BEGIN}-->\n    <!--  Begin: Package sources from contoso-lib -->\n    <add key=\"darc-pub-contoso-lib-abcdef1\" value=\"{PUB_B}\" />\n    <!--  End: Package sources from contoso-lib -->\n    <!--  Begin: Package sources from contoso-app -->\n    <add key=\"darc-pub-contoso-app-1111111\" value=\"https://pkgs.dev.azure.com/dnceng/public/_packaging/darc-pub-contoso-app-1111111/nuget/v3/index.json\" />\n    <!--  End: Package sources from contoso-app -->\n    <!--{END}-->\n  </packageSources>\n</configuration>\n"
    );
    let out = String::from_utf8(update(src.as_bytes(), &build(&[PUB_A])).expect("updates"))
        .expect("utf8");
    assert!(out.contains(PUB_B), "{out}");
    assert!(out.contains(PUB_A), "{out}");
    assert!(!out.contains("1111111"), "{out}");
    assert!(
        out.find("contoso-app").unwrap_or(usize::MAX) < out.find("contoso-lib").unwrap_or(0),
        "sorted: {out}"
    );
}

#[test]
fn unmanaged_or_missing_locations_change_nothing() {
    let src = "<configuration>\n  <packageSources>\n    <add key=\"x\" value=\"y\" />\n  </packageSources>\n</configuration>";
    for locations in [
        &[][..],
        &["https://api.nuget.org/v3/index.json"][..],
        &[PUB_A, "https://api.nuget.org/v3/index.json"][..],
    ] {
        let out = update(src.as_bytes(), &build(locations)).expect("updates");
        assert_eq!(out, src.as_bytes());
    }
}

#[test]
fn clear_is_moved_first() {
    let src = "<configuration>\n  <packageSources>\n    <add key=\"x\" value=\"y\" />\n    <clear />\n  </packageSources>\n</configuration>\n";
    let out = String::from_utf8(update(src.as_bytes(), &build(&[PUB_A])).expect("updates"))
        .expect("utf8");
    let want = format!(
        "<configuration>\n  <packageSources>\n    <clear />\n    <!--{BEGIN}-->\n    <!--  Begin: Package sources from contoso-app -->\n    <add key=\"darc-pub-contoso-app-0123456\" value=\"{PUB_A}\" />\n    <!--  End: Package sources from contoso-app -->\n    <!--{END}-->\n    <add key=\"x\" value=\"y\" />\n  </packageSources>\n</configuration>\n"
    );
    assert_eq!(out, want);
}

#[test]
fn a_group_name_that_would_close_a_comment_is_written_safely() {
    // Found by the nuget_config fuzz target: a feed already in the file whose group name
    // holds `-->`.
    let input = br#"<configuration><packageSources><!--Begin: Package sources managed by Dependency Flow automation. Do not edit the sources below.--><a key="" value="darc-int--->&amp;-0423456"/><!--End: Package sources managed by Dependency Flow automation. Do not edit the sources above.--></packageSources></configuration>"#;
    let out = update(input, &build(&[INT_A])).expect("updates");
    assert!(
        crate::manifest::xml::XmlDoc::parse(&out).is_ok(),
        "{}",
        String::from_utf8_lossy(&out)
    );
    assert_eq!(comment_text("a--->b-"), "a->b");
    assert_eq!(comment_text("contoso-app"), "contoso-app");
}
