//! The NuGet.config managed-block update never panics, and its output parses.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sluice_core::manifest::nuget_config::update;
use sluice_core::manifest::xml::XmlDoc;
use sluice_core::manifest::{Asset, BuildUpdate};

const FEED: &str =
    "https://pkgs.dev.azure.com/dnceng/_packaging/darc-int-o-r-0123456789/nuget/v3/index.json";

fuzz_target!(|data: &[u8]| {
    let build = BuildUpdate {
        source_repo: "https://github.com/o/r".into(),
        commit: "0123456789".into(),
        assets: vec![Asset {
            name: "A".into(),
            version: "1".into(),
            locations: vec![FEED.into()],
        }],
        source_global_json: None,
        coherent_parents: Vec::new(),
    };
    if let Ok(out) = update(data, &build) {
        assert!(XmlDoc::parse(&out).is_ok());
    }
});
