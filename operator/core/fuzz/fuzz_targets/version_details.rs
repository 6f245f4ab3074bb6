//! Version.Details.xml (and the files that follow it) never panic on input, and an
//! update that succeeds leaves a Version.Details.xml that parses again.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sluice_core::manifest::{self, Asset, BuildUpdate, ManifestFiles, paths};

fuzz_target!(|data: &[u8]| {
    let split = data.iter().position(|b| *b == 0).unwrap_or(data.len());
    let (vdx, rest) = data.split_at(split);
    let mut files = ManifestFiles::new();
    files.insert(paths::VERSION_DETAILS_XML.into(), vdx.to_vec());
    files.insert(paths::VERSIONS_PROPS.into(), rest.to_vec());
    files.insert(paths::GLOBAL_JSON.into(), rest.to_vec());
    let Ok(deps) = manifest::list(&files) else {
        return;
    };
    let build = BuildUpdate {
        source_repo: "https://github.com/o/r".into(),
        commit: "abc".into(),
        assets: deps
            .iter()
            .map(|d| Asset {
                name: d.name.to_uppercase(),
                version: "9.9.9".into(),
                locations: vec![],
            })
            .collect(),
        source_global_json: None,
        coherent_parents: Vec::new(),
    };
    if let Ok(changes) = manifest::update(&files, &build)
        && let Some(new) = changes.files.get(paths::VERSION_DETAILS_XML)
    {
        files.insert(paths::VERSION_DETAILS_XML.into(), new.clone());
        assert!(manifest::list(&files).is_ok());
    }
    let _ = manifest::verify(&files);
});
