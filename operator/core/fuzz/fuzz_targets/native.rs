//! The native manifest reader and updater never panic on input.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sluice_core::manifest::{self, Asset, BuildUpdate, ManifestFiles, paths};

fuzz_target!(|data: &[u8]| {
    let mut files = ManifestFiles::new();
    files.insert(paths::NATIVE.into(), data.to_vec());
    let Ok(deps) = manifest::list(&files) else {
        return;
    };
    if let Ok(referenced) = manifest::referenced_paths(&files) {
        for path in referenced {
            files.insert(path, data.to_vec());
        }
    }
    let build = BuildUpdate {
        source_repo: "https://github.com/o/r".into(),
        commit: "abc".into(),
        assets: deps
            .iter()
            .map(|d| Asset {
                name: d.name.clone(),
                version: "1.2.3".into(),
                locations: vec![],
            })
            .collect(),
        source_global_json: None,
        coherent_parents: Vec::new(),
    };
    let _ = manifest::update(&files, &build);
    let _ = manifest::verify(&files);
});
