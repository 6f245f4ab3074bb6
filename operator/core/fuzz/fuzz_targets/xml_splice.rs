//! The splice every XML manifest writer makes: a value escaped with `xml::escape` and
//! written over an attribute value or the text of a leaf element. Whatever the document
//! and the value (short of control characters, which XML cannot carry and the writers
//! refuse), the result parses again with the same elements, names, attributes and parents,
//! and reading the spliced place back yields exactly the value.
//!
//! Input: the document, a NUL byte, then the value.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sluice_core::manifest::xml::{XmlDoc, escape};

/// Splices tried per input, so a large document stays fast.
const MAX_SPLICES: usize = 8;

fuzz_target!(|data: &[u8]| {
    let split = data.iter().position(|b| *b == 0).unwrap_or(data.len());
    let (source, value) = (&data[..split], data.get(split + 1..).unwrap_or_default());
    let Ok(value) = std::str::from_utf8(value) else {
        return;
    };
    if value.chars().any(char::is_control) {
        return;
    }
    let Ok(doc) = XmlDoc::parse(source) else {
        return;
    };
    let escaped = escape(value);
    let mut splices = 0;
    for (index, element) in doc.elements.iter().enumerate() {
        for (position, attr) in doc.attrs(index).iter().enumerate() {
            if splices == MAX_SPLICES {
                return;
            }
            splices += 1;
            let out = splice(source, attr.value_span.clone(), &escaped);
            let again = same_shape(&doc, &out);
            let read = &again.attrs(index)[position];
            assert_eq!(read.name, attr.name);
            assert_eq!(
                read.value, value,
                "attribute {} of <{}>",
                attr.name, element.name
            );
        }
        let leaf = doc.children(index).is_empty();
        if let (true, Some(inner)) = (leaf, element.inner.clone()) {
            if splices == MAX_SPLICES {
                return;
            }
            splices += 1;
            let out = splice(source, inner, &escaped);
            let again = same_shape(&doc, &out);
            assert_eq!(again.text(index), value, "text of <{}>", element.name);
        }
    }
});

/// `source` with `span` replaced by `with`.
fn splice(source: &[u8], span: std::ops::Range<usize>, with: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(source.len() + with.len());
    out.extend_from_slice(&source[..span.start]);
    out.extend_from_slice(with.as_bytes());
    out.extend_from_slice(&source[span.end..]);
    out
}

/// Parses `out` and checks it has the elements of `doc`, in order, with the same names,
/// attribute names and parents.
fn same_shape<'a>(doc: &XmlDoc, out: &'a [u8]) -> XmlDoc<'a> {
    let again = XmlDoc::parse(out).unwrap_or_else(|e| {
        panic!(
            "the spliced document no longer parses ({e}): {:?}",
            String::from_utf8_lossy(out)
        )
    });
    assert_eq!(again.elements.len(), doc.elements.len());
    for (index, (before, after)) in doc.elements.iter().zip(&again.elements).enumerate() {
        assert_eq!(before.name, after.name);
        assert_eq!(before.parent, after.parent);
        assert_eq!(attr_names(doc, index), attr_names(&again, index));
    }
    again
}

/// The attribute names of element `index`, in order.
fn attr_names<'a>(doc: &XmlDoc<'a>, index: usize) -> Vec<&'a str> {
    doc.attrs(index).iter().map(|a| a.name).collect()
}
