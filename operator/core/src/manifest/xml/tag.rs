//! Reading a start tag from the raw bytes: its name, and each attribute with the byte
//! span of its value, checked to read exactly as quick-xml read the same tag.

use std::borrow::Cow;
use std::ops::Range;

use super::{Attr, Pos, XmlError, lossy, unescape};

/// The name and attributes of the start tag at `span` of `text` (`utf8` is `text` as a
/// string, when it is UTF-8 throughout).
pub(super) fn parse_tag(
    text: &[u8],
    utf8: &str,
    span: Range<usize>,
) -> Result<(String, Vec<Attr>), XmlError> {
    let slice = |r: Range<usize>| {
        utf8.get(r.clone())
            .map_or_else(|| lossy(&text[r]), Cow::Borrowed)
    };
    let bad = |offset: usize, what: &str| XmlError {
        pos: Pos::at(text, offset),
        message: format!("malformed start tag: expected {what}"),
    };
    let is_name_end = |b: u8| b.is_ascii_whitespace() || b == b'/' || b == b'>' || b == b'=';
    let end = span.end;
    let mut i = span.start + 1;
    let name_start = i;
    while i < end && !is_name_end(text[i]) {
        i += 1;
    }
    if !is_name(&text[name_start..i]) {
        return Err(bad(name_start, "an element name"));
    }
    let name = slice(name_start..i).into_owned();
    let mut attrs = Vec::new();
    loop {
        while i < end && text[i].is_ascii_whitespace() {
            i += 1;
        }
        if i >= end || text[i] == b'/' || text[i] == b'>' {
            break;
        }
        let attr_start = i;
        while i < end && !is_name_end(text[i]) {
            i += 1;
        }
        if !is_name(&text[attr_start..i]) {
            return Err(bad(attr_start, "an attribute name"));
        }
        let attr_name = slice(attr_start..i).into_owned();
        while i < end && text[i].is_ascii_whitespace() {
            i += 1;
        }
        if i >= end || text[i] != b'=' {
            return Err(bad(i, "'=' after an attribute name"));
        }
        i += 1;
        while i < end && text[i].is_ascii_whitespace() {
            i += 1;
        }
        let quote = match text.get(i) {
            Some(q @ (b'"' | b'\'')) if i < end => *q,
            _ => return Err(bad(i, "a quoted attribute value")),
        };
        i += 1;
        let value_start = i;
        while i < end && text[i] != quote {
            i += 1;
        }
        if i >= end {
            return Err(bad(value_start, "a closing quote"));
        }
        attrs.push(Attr {
            name: attr_name,
            value: unescape(&slice(value_start..i)),
            value_span: value_start..i,
        });
        i += 1;
    }
    // The tag ends here, as quick-xml saw it; anything else means the two readings of
    // the tag disagree and no span of it can be trusted.
    let closed = match text.get(i) {
        Some(b'>') => i + 1 == end,
        Some(b'/') => i + 2 == end && text.get(i + 1) == Some(&b'>'),
        _ => false,
    };
    if !closed {
        return Err(bad(i, "'>' or '/>' closing the tag"));
    }
    Ok((name, attrs))
}

/// Whether `name` can be an element or attribute name: not empty, and of ASCII only
/// letters, digits and `_ : - .` (XML allows more beyond ASCII, and so does this). Quotes,
/// `&`, `<` and the like are refused, so a tag reads the same here as in quick-xml.
fn is_name(name: &[u8]) -> bool {
    !name.is_empty()
        && name.iter().all(|b| {
            !b.is_ascii() || b.is_ascii_alphanumeric() || matches!(b, b'_' | b':' | b'-' | b'.')
        })
}
