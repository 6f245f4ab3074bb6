//! Locating a version by TOML, YAML, JSON path or regex never panics, and every
//! spot lies inside the input.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sluice_core::manifest::native::references::Reference;

fuzz_target!(|data: &[u8]| {
    let path = || Some("a.b.0.version".to_string());
    let refs = [
        Reference {
            file: "f".into(),
            toml: path(),
            yaml: None,
            json: None,
            regex: None,
        },
        Reference {
            file: "f".into(),
            toml: None,
            yaml: path(),
            json: None,
            regex: None,
        },
        Reference {
            file: "f".into(),
            toml: None,
            yaml: None,
            json: path(),
            regex: None,
        },
        Reference {
            file: "f".into(),
            toml: None,
            yaml: None,
            json: None,
            regex: Some(r"v(?P<version>[0-9.]+)".into()),
        },
    ];
    for r in &refs {
        if let Ok(spots) = r.locate(data) {
            for s in spots {
                assert!(s.span.end <= data.len());
                let _ = s.render("1.0.0");
            }
        }
    }
});
