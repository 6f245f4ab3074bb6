//! The JSON reader never panics; the tool layout, when produced, parses again.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sluice_core::manifest::json::{Json, tool_layout};

fuzz_target!(|data: &[u8]| {
    if Json::parse(data).is_ok()
        && let Some(laid_out) = tool_layout(data, "\n")
    {
        assert!(Json::parse(&laid_out).is_ok());
    }
});
