//! Start tags read from their raw bytes: the name, and each attribute with the span of
//! its value, checked to end exactly where quick-xml saw the tag end.

use std::ops::Range;

use super::{Attr, XmlError, unescaped};
use crate::manifest::pos::Pos;

/// Which bytes may be part of an element or attribute name: ASCII letters, digits and
/// `_ : - .`, and any byte of a non-ASCII character (XML allows more beyond ASCII, and so
/// does this). Quotes, `&`, `<` and the like are refused, so a tag reads the same here as
/// in quick-xml.
const NAME: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        table[b] =
            !c.is_ascii() || c.is_ascii_alphanumeric() || matches!(c, b'_' | b':' | b'-' | b'.');
        b += 1;
    }
    table
};

/// Whether `b` may end a name: whitespace, `/`, `>` or `=`.
fn ends_name(b: u8) -> bool {
    b.is_ascii_whitespace() || matches!(b, b'/' | b'>' | b'=')
}

/// Reads the start tag at `span` of `text` (`utf8` is the same text as a `str`): returns
/// its name and appends its attributes to `attrs`.
pub(super) fn parse<'a>(
    text: &[u8],
    utf8: &'a str,
    span: Range<usize>,
    attrs: &mut Vec<Attr<'a>>,
) -> Result<&'a str, XmlError> {
    let bad = |offset: usize, what: &str| XmlError {
        pos: Pos::at(text, offset),
        message: format!("malformed start tag: expected {what}"),
    };
    // Every slice starts and ends at an ASCII delimiter of the valid UTF-8 text.
    let slice = |r: Range<usize>| {
        utf8.get(r.clone())
            .ok_or_else(|| bad(r.start, "UTF-8 text"))
    };
    let end = span.end;
    let name_end = |from: usize| {
        let mut i = from;
        while i < end && NAME[usize::from(text[i])] {
            i += 1;
        }
        // A name is not empty and ends where the tag says it does.
        (i > from && (i == end || ends_name(text[i]))).then_some(i)
    };
    let name_start = span.start + 1;
    let mut i = name_end(name_start).ok_or_else(|| bad(name_start, "an element name"))?;
    let name = slice(name_start..i)?;
    loop {
        while i < end && text[i].is_ascii_whitespace() {
            i += 1;
        }
        if i >= end || text[i] == b'/' || text[i] == b'>' {
            break;
        }
        let attr_start = i;
        i = name_end(attr_start).ok_or_else(|| bad(attr_start, "an attribute name"))?;
        let attr_name = slice(attr_start..i)?;
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
        let Some(len) = memchr::memchr(quote, &text[value_start..end]) else {
            return Err(bad(value_start, "a closing quote"));
        };
        i = value_start + len;
        attrs.push(Attr {
            name: attr_name,
            value: unescaped(slice(value_start..i)?),
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
    Ok(name)
}
