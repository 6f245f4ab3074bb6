//! The JSON reader never panics; the tool layout, when produced, parses again; the
//! XML layout of any document, when produced, parses again too.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sluice_core::manifest::json::Json;
use sluice_core::manifest::layout;
use sluice_core::manifest::xml::XmlDoc;

fuzz_target!(|data: &[u8]| {
    if Json::parse(data).is_ok()
        && let Some(laid_out) = layout::json(data, "\n")
    {
        assert!(Json::parse(&laid_out).is_ok());
    }
    if let Some(laid_out) = layout::xml(data) {
        assert!(XmlDoc::parse(&laid_out).is_ok());
    }
});
