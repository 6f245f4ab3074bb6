//! The span tree never panics, and every span it reports lies inside the input.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sluice_core::manifest::xml::XmlDoc;

fuzz_target!(|data: &[u8]| {
    if let Ok(doc) = XmlDoc::parse(data) {
        for (index, el) in doc.elements.iter().enumerate() {
            assert!(el.tag.end <= data.len());
            for a in doc.attrs(index) {
                assert!(a.value_span.end <= data.len());
            }
            if let Some(inner) = &el.inner {
                assert!(inner.start <= inner.end && inner.end <= data.len());
            }
        }
    }
});
