//! A span tree over an XML document: every element, attribute value, text and
//! comment with its byte range, so edits can splice exactly the bytes that change.
//!
//! Events come from quick-xml (which checks well-formedness); attribute spans are
//! read from the raw start tag. Names, comments and attribute values without
//! entities borrow from the document, so a parse allocates little beyond its tree.

use std::borrow::Cow;
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
pub struct Attr<'a> {
    /// The attribute name as written.
    pub name: &'a str,
    /// The unescaped value.
    pub value: Cow<'a, str>,
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
pub struct Element<'a> {
    /// The (possibly prefixed) name as written.
    pub name: &'a str,
    /// Byte offset of the local name within `name`.
    local: usize,
    /// Byte range of the start tag (the whole tag for `<x/>`).
    pub tag: Range<usize>,
    /// Its attributes: a range of [`XmlDoc::attrs`].
    attrs: Range<usize>,
    /// Byte range between the start and end tags; `None` for `<x/>`.
    pub inner: Option<Range<usize>>,
    /// Byte range of the end tag; `None` for `<x/>`.
    pub end_tag: Option<Range<usize>>,
    /// Index of the parent element.
    pub parent: Option<usize>,
    /// Its children: a range of [`XmlDoc::children`].
    children: Range<usize>,
}

impl<'a> Element<'a> {
    /// The name without a namespace prefix.
    pub fn local_name(&self) -> &'a str {
        self.name.get(self.local..).unwrap_or(self.name)
    }
}

/// A comment with its span.
#[derive(Debug, Clone)]
pub struct Comment<'a> {
    /// Byte range of `<!-- ... -->`.
    pub span: Range<usize>,
    /// The text between `<!--` and `-->`.
    pub text: &'a str,
    /// The enclosing element.
    pub parent: Option<usize>,
}

/// A parsed document, borrowing from its text.
#[derive(Debug, Clone, Default)]
pub struct XmlDoc<'a> {
    /// All elements in document order; the root is element 0.
    pub elements: Vec<Element<'a>>,
    /// All comments in document order.
    pub comments: Vec<Comment<'a>>,
    /// Every element's attributes, element after element (see [`XmlDoc::attrs`]).
    attrs: Vec<Attr<'a>>,
    /// Every element's children, element after element (see [`XmlDoc::children`]).
    children: Vec<Node>,
    /// The parsed text.
    source: &'a str,
}

impl<'a> XmlDoc<'a> {
    /// Parses `text`.
    pub fn parse(text: &'a [u8]) -> Result<XmlDoc<'a>, XmlError> {
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
        let config = reader.config_mut();
        config.check_end_names = true;
        // Whitespace between markup is not an event: spans come from positions, and
        // only text outside the root element matters, which is never whitespace.
        config.trim_text_start = true;
        let mut doc = XmlDoc {
            elements: Vec::with_capacity(text.len() / 48 + 1),
            comments: Vec::new(),
            attrs: Vec::with_capacity(text.len() / 96 + 1),
            children: Vec::with_capacity(text.len() / 48 + 1),
            source: utf8,
        };
        // The open elements, each with where its children start in `pending`, which
        // holds the children seen so far of every open element; an element's children
        // move to `doc.children` when it closes.
        let mut stack: Vec<(usize, usize)> = Vec::with_capacity(16);
        let mut pending: Vec<Node> = Vec::with_capacity(64);
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
            // The markup starts after the whitespace quick-xml skipped: found from the
            // length of the tag for the common events, else by looking for its `<`.
            let length = match &event {
                Event::Start(e) => Some(e.len() + 2),
                Event::Empty(e) => Some(e.len() + 3),
                Event::End(e) => Some(e.len() + 3),
                _ => None,
            };
            let start = match length.and_then(|n| end.checked_sub(n)) {
                Some(at) if at >= start && text.get(at) == Some(&b'<') => at,
                _ => text
                    .get(start..end)
                    .and_then(|r| r.iter().position(|b| *b == b'<'))
                    .map_or(start.min(end), |i| start + i),
            };
            match event {
                Event::Start(_) | Event::Empty(_) => {
                    let empty = matches!(event, Event::Empty(_));
                    if stack.is_empty() && !doc.elements.is_empty() {
                        return Err(err(start, "expected a single root element".into()));
                    }
                    let first_attr = doc.attrs.len();
                    let name = tag::parse(text, utf8, start..end, &mut doc.attrs)?;
                    let index = doc.elements.len();
                    let parent = stack.last().map(|(p, _)| *p);
                    if parent.is_some() {
                        pending.push(Node::Element(index));
                    }
                    let local = name.bytes().rposition(|b| b == b':').map_or(0, |i| i + 1);
                    doc.elements.push(Element {
                        local,
                        name,
                        tag: start..end,
                        attrs: first_attr..doc.attrs.len(),
                        inner: (!empty).then_some(end..end),
                        end_tag: None,
                        parent,
                        children: 0..0,
                    });
                    if !empty {
                        stack.push((index, pending.len()));
                    }
                }
                Event::End(_) => {
                    let Some((index, mark)) = stack.pop() else {
                        return Err(err(start, "unexpected end tag".into()));
                    };
                    let first_child = doc.children.len();
                    doc.children.extend(pending.drain(mark..));
                    let el = &mut doc.elements[index];
                    el.inner = Some(el.tag.end..start);
                    el.end_tag = Some(start..end);
                    el.children = first_child..doc.children.len();
                }
                Event::Comment(_) => {
                    let body = utf8.get(start + 4..end.saturating_sub(3)).unwrap_or("");
                    let parent = stack.last().map(|(p, _)| *p);
                    if parent.is_some() {
                        pending.push(Node::Comment(doc.comments.len()));
                    }
                    doc.comments.push(Comment {
                        span: start..end,
                        text: body,
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
        if let Some((open, _)) = stack.last() {
            let name = doc.elements[*open].name;
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

    /// The text the document was parsed from.
    pub fn source(&self) -> &'a str {
        self.source
    }

    /// The root element.
    pub fn root(&self) -> &Element<'a> {
        &self.elements[0]
    }

    /// The attributes of element `index`, in source order.
    pub fn attrs(&self, index: usize) -> &[Attr<'a>] {
        &self.attrs[self.elements[index].attrs.clone()]
    }

    /// The attribute of element `index` called `name` (exact match).
    pub fn attr(&self, index: usize, name: &str) -> Option<&Attr<'a>> {
        self.attrs(index).iter().find(|a| a.name == name)
    }

    /// The child elements and comments of element `index`, in document order.
    pub fn children(&self, index: usize) -> &[Node] {
        &self.children[self.elements[index].children.clone()]
    }

    /// Child elements of element `index`.
    pub fn child_elements(&self, index: usize) -> impl Iterator<Item = (usize, &Element<'a>)> {
        self.children(index).iter().filter_map(|n| match n {
            Node::Element(i) => Some((*i, &self.elements[*i])),
            Node::Comment(_) => None,
        })
    }

    /// The first child element of `index` whose local name is `name`.
    pub fn child(&self, index: usize, name: &str) -> Option<(usize, &Element<'a>)> {
        self.child_elements(index)
            .find(|(_, e)| e.local_name() == name)
    }

    /// The unescaped text content of element `index` (markup inside is skipped), borrowed
    /// from the document when it has neither markup nor entities.
    pub fn text(&self, index: usize) -> Cow<'a, str> {
        let Some(raw) = self.elements[index]
            .inner
            .clone()
            .and_then(|inner| self.source.get(inner))
        else {
            return Cow::Borrowed("");
        };
        if memchr::memchr2(b'<', b'&', raw.as_bytes()).is_none() {
            return Cow::Borrowed(raw);
        }
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
            return Cow::Owned(unescape(&out));
        }
        unescaped(raw)
    }
}

/// `raw` unescaped, borrowed when it has no entity.
pub(crate) fn unescaped(raw: &str) -> Cow<'_, str> {
    if raw.bytes().any(|b| b == b'&') {
        Cow::Owned(unescape(raw))
    } else {
        Cow::Borrowed(raw)
    }
}

/// Unescapes XML entities, leaving unknown ones as written.
pub fn unescape(raw: &str) -> String {
    if !raw.contains('&') {
        return raw.to_string();
    }
    quick_xml::escape::unescape(raw).map_or_else(|_| raw.to_string(), |c| c.into_owned())
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
        assert_eq!(&src[doc.attrs(0)[0].value_span.clone()], b"1");
        assert_eq!(doc.attr(0, "y").map(|a| &a.value[..]), Some("a&b"));
        assert_eq!(doc.children(0).len(), 3, "the comment, B and C");
        let (b, _) = doc.child(0, "B").expect("B");
        assert_eq!(doc.text(b), "t<");
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
