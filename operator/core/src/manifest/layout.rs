//! The layout the established tooling gives files it rewrites.
//!
//! The .NET dependency-flow tooling re-serialises the JSON and XML manifests it
//! updates: JSON with two-space indentation, XML re-indented by two spaces per level
//! with whitespace-only text dropped. For files already laid out that way (the
//! repositories it manages) sluice reproduces that whitespace, so its output
//! matches byte for byte; a file laid out differently (other indentation, CRLF,
//! comments in JSON) keeps its own layout and only the spliced values change.

use super::json::{Json, JsonKind, quote};
use super::xml::{Node, XmlDoc};

/// Lays `text` out the way the .NET tooling serialises JSON it rewrites (two-space
/// indentation, one member or item per line, `"name": value`, empty containers as
/// `{}`/`[]`), using `nl` for line breaks, when that changes only whitespace between
/// tokens. Returns `None` when the document has comments or trailing commas (they
/// would be lost), does not parse, or is not indented with two spaces.
pub fn json(text: &[u8], nl: &str) -> Option<Vec<u8>> {
    let doc = Json::parse(text).ok()?;
    let bom: &[u8] = if text.starts_with(b"\xef\xbb\xbf") {
        b"\xef\xbb\xbf"
    } else {
        b""
    };
    let first_indent = text
        .split(|b| *b == b'\n')
        .skip(1)
        .map(|l| l.iter().take_while(|b| **b == b' ' || **b == b'\t').count())
        .find(|n| *n > 0);
    if first_indent.is_some_and(|n| n != 2) || text.contains(&b'\t') {
        return None;
    }
    let mut out = bom.to_vec();
    write_indented(text, &doc, 0, nl, &mut out);
    (significant(text) == significant(&out)).then_some(out)
}

fn write_indented(text: &[u8], v: &Json, depth: usize, nl: &str, out: &mut Vec<u8>) {
    let pad = |d: usize, out: &mut Vec<u8>| out.extend(std::iter::repeat_n(b' ', d * 2));
    match &v.kind {
        JsonKind::Object(members) if !members.is_empty() => {
            out.push(b'{');
            for (i, (key, value)) in members.iter().enumerate() {
                out.extend_from_slice(if i == 0 { b"" } else { b"," });
                out.extend_from_slice(nl.as_bytes());
                pad(depth + 1, out);
                out.extend_from_slice(quote(key).as_bytes());
                out.extend_from_slice(b": ");
                write_indented(text, value, depth + 1, nl, out);
            }
            out.extend_from_slice(nl.as_bytes());
            pad(depth, out);
            out.push(b'}');
        }
        JsonKind::Array(items) if !items.is_empty() => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                out.extend_from_slice(if i == 0 { b"" } else { b"," });
                out.extend_from_slice(nl.as_bytes());
                pad(depth + 1, out);
                write_indented(text, item, depth + 1, nl, out);
            }
            out.extend_from_slice(nl.as_bytes());
            pad(depth, out);
            out.push(b']');
        }
        JsonKind::Object(_) => out.extend_from_slice(b"{}"),
        JsonKind::Array(_) => out.extend_from_slice(b"[]"),
        _ => out.extend_from_slice(&text[v.span.clone()]),
    }
}

/// The bytes of `text` outside whitespace that separates tokens.
fn significant(text: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len());
    let mut in_string = false;
    let mut escaped = false;
    for &b in text {
        if in_string {
            out.push(b);
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == b'"' {
                in_string = false;
            }
        } else if b == b'"' {
            in_string = true;
            out.push(b);
        } else if !b.is_ascii_whitespace() {
            out.push(b);
        }
    }
    out
}

/// Re-indents an XML document as the tooling writes it, changing only whitespace
/// between markup: in every element whose content is only elements and comments,
/// each child starts a new line indented two spaces per level and the end tag
/// lines up with the start tag. Elements with text, and elements without children,
/// keep their content as written.
/// Returns `None` unless the document is already laid out that way almost
/// everywhere (at most one gap in twenty differs), so a repository's own layout is
/// never rewritten.
pub fn xml(text: &[u8]) -> Option<Vec<u8>> {
    let doc = XmlDoc::parse(text).ok()?;
    if !xml_deviates(&doc, text) {
        return None;
    }
    let mut gaps: Vec<(usize, usize, usize)> = Vec::new();
    xml_gaps(&doc, text, |start, end, level, _| {
        gaps.push((start, end, level))
    });
    gaps.sort_by_key(|g| g.0);
    let mut out = Vec::with_capacity(text.len());
    let mut cursor = 0;
    for (start, end, level) in gaps {
        out.extend_from_slice(&text[cursor..start]);
        out.push(b'\n');
        out.extend(std::iter::repeat_n(b' ', level * 2));
        cursor = end;
    }
    out.extend_from_slice(&text[cursor..]);
    Some(out)
}

/// Whether [`xml`] would change the document `doc` parsed from `text`: some gap is
/// not laid out the tooling's way, and at most one in twenty. Cheap, as it reuses
/// the parse.
pub fn xml_deviates(doc: &XmlDoc, text: &[u8]) -> bool {
    let (mut gaps, mut differing) = (0usize, 0usize);
    xml_gaps(doc, text, |_, _, _, laid_out| {
        gaps += 1;
        differing += usize::from(!laid_out);
    });
    differing > 0 && differing * 20 <= gaps
}

/// Calls `gap(start, end, level, laid_out)` for every whitespace gap of element-only
/// content, with the indentation level the tooling writes there and whether the gap
/// is written that way already; elements in document order, each one's gaps in order.
fn xml_gaps(doc: &XmlDoc, text: &[u8], mut gap: impl FnMut(usize, usize, usize, bool)) {
    // Parents come before their children, so one pass finds every depth.
    let mut depths: Vec<usize> = Vec::with_capacity(doc.elements.len());
    for el in &doc.elements {
        depths.push(el.parent.map_or(0, |p| depths[p] + 1));
    }
    let span = |node: &Node| match *node {
        Node::Element(i) => {
            let c = &doc.elements[i];
            (c.tag.start, c.end_tag.as_ref().map_or(c.tag.end, |t| t.end))
        }
        Node::Comment(i) => (doc.comments[i].span.start, doc.comments[i].span.end),
    };
    let mut found: Vec<(usize, usize, usize, bool)> = Vec::new();
    for (index, el) in doc.elements.iter().enumerate() {
        let (Some(inner), Some(_)) = (&el.inner, &el.end_tag) else {
            continue;
        };
        let children = doc.children(index);
        if children.is_empty() {
            continue;
        }
        // Element-only content: every gap, the one before the end tag too, is whitespace.
        let level = depths[index] + 1;
        found.clear();
        let mut cursor = inner.start;
        let mut element_only = true;
        for node in children {
            let (start, end) = span(node);
            match classify(&text[cursor..start], level) {
                Some(laid_out) => found.push((cursor, start, level, laid_out)),
                None => element_only = false,
            }
            cursor = end;
        }
        match classify(&text[cursor..inner.end], level - 1) {
            Some(laid_out) => found.push((cursor, inner.end, level - 1, laid_out)),
            None => element_only = false,
        }
        if element_only {
            for &(start, end, level, laid_out) in &found {
                gap(start, end, level, laid_out);
            }
        }
    }
}

/// `Some(laid_out)` for whitespace (laid out: a line break and `level` two-space
/// indents), `None` for anything else.
fn classify(gap: &[u8], level: usize) -> Option<bool> {
    let laid_out =
        gap.len() == 1 + level * 2 && gap[0] == b'\n' && gap[1..].iter().all(|b| *b == b' ');
    (laid_out || is_blank(gap)).then_some(laid_out)
}

fn is_blank(bytes: &[u8]) -> bool {
    bytes.iter().all(u8::is_ascii_whitespace)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tool_layout_only_reflows_whitespace() {
        let cases: [(&str, Option<&str>); 4] = [
            (
                "{\n  \"a\": [ \"x\" ],\n  \"b\": {}, \"c\": 1\n}",
                Some("{\n  \"a\": [\n    \"x\"\n  ],\n  \"b\": {},\n  \"c\": 1\n}"),
            ),
            ("{\n  \"a\": 1 // keep\n}", None),
            ("{\n    \"a\": [1]\n}", None),
            ("{\n  \"a\": 1,\n}", None),
        ];
        for (src, want) in cases {
            let got = json(src.as_bytes(), "\n").map(|v| String::from_utf8(v).expect("utf8"));
            assert_eq!(got.as_deref(), want, "{src}");
        }
    }

    #[test]
    fn xml_layout_fixes_stray_whitespace_only_in_tool_laid_out_files() {
        let body: String = (0..30).map(|i| format!("    <P{i}>v</P{i}>\n")).collect();
        let canonical = format!(
            "<Project>\n  <PropertyGroup>\n{body}  </PropertyGroup>\n  <ItemGroup></ItemGroup>\n</Project>\n"
        );
        let stray = canonical.replacen("    <P3>", "    \n    <P3>", 1);
        assert_eq!(
            xml(stray.as_bytes()).map(String::from_utf8),
            Some(Ok(canonical.clone()))
        );
        assert_eq!(xml(canonical.as_bytes()), None, "already laid out");
        let four = canonical.replace("\n    <P", "\n        <P");
        assert_eq!(
            xml(four.as_bytes()),
            None,
            "a different indentation is kept"
        );
        let crlf = canonical.replace('\n', "\r\n");
        assert_eq!(xml(crlf.as_bytes()), None, "CRLF is kept");
    }
}
