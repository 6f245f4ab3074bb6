//! A span tree over an XML document: every element, attribute value, text and
//! comment with its byte range, so edits can splice exactly the bytes that change.
//!
//! Events come from quick-xml (which checks well-formedness); attribute spans are
//! read from the raw start tag.

use std::ops::Range;

use quick_xml::Reader;
use quick_xml::events::Event;

use super::pos::Pos;

mod tag;

/// A malformed XML document.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{pos}: {message}")]
pub struct XmlError {
    /// Where the problem is.
    pub pos: Pos,
    /// What was expected.
    pub message: String,
}

/// One attribute of a start tag.
#[derive(Debug, Clone)]
pub struct Attr {
    /// The attribute name as written.
    pub name: String,
    /// The unescaped value.
    pub value: String,
    /// Byte range of the value between its quotes.
    pub value_span: Range<usize>,
}

/// A child of an element, in document order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Node {
    /// An element, by index into [`XmlDoc::elements`].
    Element(usize),
    /// A comment, by index into [`XmlDoc::comments`].
    Comment(usize),
}

/// One element with its spans.
#[derive(Debug, Clone)]
pub struct Element {
    /// The (possibly prefixed) name as written.
    pub name: String,
    /// Byte offset of the local name within `name`.
    local: usize,
    /// Byte range of the start tag (the whole tag for `<x/>`).
    pub tag: Range<usize>,
    /// The attributes, in source order.
    pub attrs: Vec<Attr>,
    /// Byte range between the start and end tags; `None` for `<x/>`.
    pub inner: Option<Range<usize>>,
    /// Byte range of the end tag; `None` for `<x/>`.
    pub end_tag: Option<Range<usize>>,
    /// Index of the parent element.
    pub parent: Option<usize>,
    /// Child elements and comments in document order.
    pub children: Vec<Node>,
}

impl Element {
    /// The name without a namespace prefix.
    pub fn local_name(&self) -> &str {
        self.name.get(self.local..).unwrap_or(&self.name)
    }

    /// The attribute called `name` (exact match).
    pub fn attr(&self, name: &str) -> Option<&Attr> {
        self.attrs.iter().find(|a| a.name == name)
    }
}

/// A comment with its span.
#[derive(Debug, Clone)]
pub struct Comment {
    /// Byte range of `<!-- ... -->`.
    pub span: Range<usize>,
    /// The text between `<!--` and `-->`.
    pub text: String,
    /// The enclosing element.
    pub parent: Option<usize>,
}

/// A parsed document.
#[derive(Debug, Clone, Default)]
pub struct XmlDoc {
    /// All elements in document order; the root is element 0.
    pub elements: Vec<Element>,
    /// All comments in document order.
    pub comments: Vec<Comment>,
}

impl XmlDoc {
    /// Parses `text`.
    pub fn parse(text: &[u8]) -> Result<XmlDoc, XmlError> {
        let base = if text.starts_with(b"\xef\xbb\xbf") {
            3
        } else {
            0
        };
        let utf8 = std::str::from_utf8(text).map_err(|e| XmlError {
            pos: Pos::at(text, e.valid_up_to()),
            message: "expected UTF-8 text".into(),
        })?;
        let mut reader = Reader::from_reader(&text[base..]);
        reader.config_mut().check_end_names = true;
        let mut doc = XmlDoc {
            elements: Vec::with_capacity(text.len() / 48 + 1),
            comments: Vec::new(),
        };
        let mut stack: Vec<usize> = Vec::with_capacity(16);
        let err = |offset: usize, message: String| XmlError {
            pos: Pos::at(text, offset),
            message,
        };
        loop {
            let start = usize::try_from(reader.buffer_position())
                .map_or(usize::MAX, |p| p.saturating_add(base));
            let event = reader.read_event().map_err(|e| {
                let at = usize::try_from(reader.error_position())
                    .map_or(start, |p| p.saturating_add(base));
                err(at, format!("malformed XML: {e}"))
            })?;
            let end = usize::try_from(reader.buffer_position())
                .map_or(usize::MAX, |p| p.saturating_add(base))
                .min(text.len());
            let start = text
                .get(start..end)
                .and_then(|r| r.iter().position(|b| *b == b'<'))
                .map_or(start.min(end), |i| start + i);
            match event {
                Event::Start(_) | Event::Empty(_) => {
                    let empty = matches!(event, Event::Empty(_));
                    if stack.is_empty() && !doc.elements.is_empty() {
                        return Err(err(start, "expected a single root element".into()));
                    }
                    let (name, attrs) = tag::parse_tag(text, utf8, start..end)?;
                    let index = doc.elements.len();
                    let parent = stack.last().copied();
                    if let Some(p) = parent {
                        doc.elements[p].children.push(Node::Element(index));
                    }
                    let local = name.rfind(':').map_or(0, |i| i + 1);
                    doc.elements.push(Element {
                        local,
                        name,
                        tag: start..end,
                        attrs,
                        inner: (!empty).then_some(end..end),
                        end_tag: None,
                        parent,
                        children: Vec::new(),
                    });
                    if !empty {
                        stack.push(index);
                    }
                }
                Event::End(_) => {
                    let Some(index) = stack.pop() else {
                        return Err(err(start, "unexpected end tag".into()));
                    };
                    let el = &mut doc.elements[index];
                    let inner_start = el.tag.end;
                    el.inner = Some(inner_start..start);
                    el.end_tag = Some(start..end);
                }
                Event::Comment(_) => {
                    let body = text.get(start + 4..end.saturating_sub(3)).unwrap_or(b"");
                    let parent = stack.last().copied();
                    let index = doc.comments.len();
                    if let Some(p) = parent {
                        doc.elements[p].children.push(Node::Comment(index));
                    }
                    doc.comments.push(Comment {
                        span: start..end,
                        text: String::from_utf8_lossy(body).into_owned(),
                        parent,
                    });
                }
                Event::Text(_) if stack.is_empty() => {
                    let raw = &text[start.min(end)..end.min(text.len())];
                    if raw
                        .iter()
                        .any(|b| !b.is_ascii_whitespace() && ![0xEF, 0xBB, 0xBF].contains(b))
                    {
                        return Err(err(start, "text outside the root element".into()));
                    }
                }
                Event::Eof => break,
                _ => {}
            }
        }
        if let Some(open) = stack.last() {
            let name = doc.elements[*open].name.clone();
            return Err(err(
                text.len(),
                format!("expected </{name}> before the end of the file"),
            ));
        }
        if doc.elements.is_empty() {
            return Err(err(text.len(), "expected a root element".into()));
        }
        Ok(doc)
    }

    /// The root element.
    pub fn root(&self) -> &Element {
        &self.elements[0]
    }

    /// Child elements of element `index`.
    pub fn child_elements(&self, index: usize) -> impl Iterator<Item = (usize, &Element)> {
        self.elements[index]
            .children
            .iter()
            .filter_map(|n| match n {
                Node::Element(i) => Some((*i, &self.elements[*i])),
                Node::Comment(_) => None,
            })
    }

    /// The first child element of `index` whose local name is `name`.
    pub fn child(&self, index: usize, name: &str) -> Option<(usize, &Element)> {
        self.child_elements(index)
            .find(|(_, e)| e.local_name() == name)
    }

    /// The unescaped text content of element `index` (markup inside is skipped).
    pub fn text(&self, source: &[u8], index: usize) -> String {
        let Some(inner) = self.elements[index].inner.clone() else {
            return String::new();
        };
        let raw = lossy(&source[inner]);
        if raw.contains('<') {
            let mut out = String::new();
            let mut in_tag = false;
            for c in raw.chars() {
                match c {
                    '<' => in_tag = true,
                    '>' => in_tag = false,
                    _ if !in_tag => out.push(c),
                    _ => {}
                }
            }
            return unescape(&out);
        }
        unescape(&raw)
    }
}

/// Unescapes XML entities, leaving unknown ones as written.
pub fn unescape(raw: &str) -> String {
    if !raw.contains('&') {
        return raw.to_string();
    }
    quick_xml::escape::unescape(raw).map_or_else(|_| raw.to_string(), |c| c.into_owned())
}

/// `bytes` as text, replacing what is not UTF-8.
fn lossy(bytes: &[u8]) -> std::borrow::Cow<'_, str> {
    match std::str::from_utf8(bytes) {
        Ok(s) => std::borrow::Cow::Borrowed(s),
        Err(_) => String::from_utf8_lossy(bytes),
    }
}

/// Escapes text for element content or a double-quoted attribute value.
pub fn escape(text: &str) -> String {
    quick_xml::escape::escape(text).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_cover_exact_bytes() {
        let src = b"\xef\xbb\xbf<?xml version=\"1.0\"?>\n<A x='1' y=\"a&amp;b\">\n  <!-- c -->\n  <B>t&lt;</B>\n  <C/>\n</A>\n";
        let doc = XmlDoc::parse(src).expect("parses");
        let a = doc.root();
        assert_eq!(a.name, "A");
        assert_eq!(&src[a.attrs[0].value_span.clone()], b"1");
        assert_eq!(a.attrs[1].value, "a&b");
        let (b, _) = doc.child(0, "B").expect("B");
        assert_eq!(doc.text(src, b), "t<");
        assert_eq!(doc.comments[0].text, " c ");
        let (_, c) = doc.child(0, "C").expect("C");
        assert!(c.inner.is_none());
    }

    #[test]
    fn tags_read_differently_by_quick_xml_are_refused() {
        // Found by the xml_splice fuzz target: quick-xml reads `'` in the name as an
        // opening quote, so the value span reported here was not the one quick-xml saw,
        // and a value written over it left a document that no longer parsed.
        let cases: [&[u8]; 5] = [
            b"<'=\"'\"/\"/>",
            b"<A =\"x\"/>",
            b"<A/B=\"x\"></A/B>",
            b"<A x&=\"1\"/>",
            b"<A\"=\"1\"/>",
        ];
        for src in cases {
            let e = XmlDoc::parse(src).expect_err("malformed");
            assert!(e.message.contains("malformed"), "{e}");
        }
        for src in [
            &b"<A xmlns:x='u' x:y='1' _a.b-c=\"2\"/>"[..],
            "<Größe Wert=\"1\"></Größe>".as_bytes(),
        ] {
            XmlDoc::parse(src).expect("well-formed names parse");
        }
    }

    #[test]
    fn malformed_documents_name_a_position() {
        let cases: [&[u8]; 4] = [b"<A><B></A>", b"<A>", b"", b"<A x=1/>"];
        for src in cases {
            let e = XmlDoc::parse(src).expect_err("malformed");
            assert!(e.pos.line >= 1, "{e}");
        }
    }
}
