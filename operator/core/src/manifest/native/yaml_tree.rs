//! A YAML tree whose scalars keep their byte ranges (from serde-saphyr spans), so a
//! scalar can be replaced in place.

use std::ops::Range;

use serde::Deserialize;
use serde::de::{self, MapAccess, SeqAccess, Visitor};
use serde_saphyr::Spanned;

use crate::manifest::pos::Pos;

/// A YAML value with the byte range of its text.
#[derive(Debug, Clone, PartialEq)]
pub struct YamlNode {
    /// Byte range of the node as written (quoted scalars include their quotes).
    pub span: Range<usize>,
    /// Where it starts.
    pub pos: Pos,
    /// The value.
    pub value: YamlValue,
}

/// The kinds of YAML values.
#[derive(Debug, Clone, PartialEq)]
pub enum YamlValue {
    /// A scalar, as text.
    Scalar(String),
    /// A sequence.
    Seq(Vec<YamlNode>),
    /// A mapping in source order.
    Map(Vec<(String, YamlNode)>),
}

impl YamlNode {
    /// Parses a document.
    pub fn parse(text: &str) -> Result<YamlNode, (Pos, String)> {
        let raw: Spanned<Raw> = serde_saphyr::from_str(text).map_err(|e| {
            let pos = e.location().map_or(Pos { line: 1, col: 1 }, |l| Pos {
                line: usize::try_from(l.line()).unwrap_or(1),
                col: usize::try_from(l.column()).unwrap_or(1),
            });
            let msg = e.without_snippet().to_string();
            (
                pos,
                msg.lines().next().unwrap_or("malformed YAML").to_string(),
            )
        })?;
        Ok(convert(raw))
    }

    /// Follows a dotted path; numeric segments index sequences.
    pub fn path(&self, path: &str) -> Option<&YamlNode> {
        path.split('.')
            .try_fold(self, |node, seg| match &node.value {
                YamlValue::Map(m) => m.iter().find(|(k, _)| k == seg).map(|(_, v)| v),
                YamlValue::Seq(s) => seg.parse::<usize>().ok().and_then(|i| s.get(i)),
                YamlValue::Scalar(_) => None,
            })
    }
}

fn convert(s: Spanned<Raw>) -> YamlNode {
    let span = s.referenced.span();
    let start = usize::try_from(span.byte_offset().unwrap_or(0)).unwrap_or(0);
    let len = usize::try_from(span.byte_len().unwrap_or(0)).unwrap_or(0);
    let pos = Pos {
        line: usize::try_from(s.referenced.line()).unwrap_or(1),
        col: usize::try_from(s.referenced.column()).unwrap_or(1),
    };
    let value = match s.value {
        Raw::Scalar(v) => YamlValue::Scalar(v),
        Raw::Seq(items) => YamlValue::Seq(items.into_iter().map(convert).collect()),
        Raw::Map(entries) => {
            YamlValue::Map(entries.into_iter().map(|(k, v)| (k, convert(v))).collect())
        }
    };
    YamlNode {
        span: start..start + len,
        pos,
        value,
    }
}

enum Raw {
    Scalar(String),
    Seq(Vec<Spanned<Raw>>),
    Map(Vec<(String, Spanned<Raw>)>),
}

impl<'de> Deserialize<'de> for Raw {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(RawVisitor)
    }
}

struct RawVisitor;

impl<'de> Visitor<'de> for RawVisitor {
    type Value = Raw;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a YAML value")
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Raw, E> {
        Ok(Raw::Scalar(v.to_string()))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Raw, E> {
        Ok(Raw::Scalar(v.to_string()))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Raw, E> {
        Ok(Raw::Scalar(v.to_string()))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Raw, E> {
        Ok(Raw::Scalar(v.to_string()))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Raw, E> {
        Ok(Raw::Scalar(v.to_string()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Raw, E> {
        Ok(Raw::Scalar(v))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Raw, E> {
        Ok(Raw::Scalar(String::new()))
    }
    fn visit_none<E: de::Error>(self) -> Result<Raw, E> {
        Ok(Raw::Scalar(String::new()))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Raw, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element::<Spanned<Raw>>()? {
            items.push(item);
        }
        Ok(Raw::Seq(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Raw, A::Error> {
        let mut entries = Vec::new();
        while let Some(key) = map.next_key::<String>()? {
            let value = map.next_value::<Spanned<Raw>>()?;
            entries.push((key, value));
        }
        Ok(Raw::Map(entries))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scalar_spans_cover_their_text() {
        let src = "a:\n  b: 1.2.3 # note\n  c: \"x y\"\nlist:\n  - 'q'\n  - 7\n";
        let doc = YamlNode::parse(src).expect("parses");
        let cases = [
            ("a.b", "1.2.3"),
            ("a.c", "\"x y\""),
            ("list.0", "'q'"),
            ("list.1", "7"),
        ];
        for (path, text) in cases {
            let node = doc.path(path).expect(path);
            assert_eq!(&src[node.span.clone()], text, "{path}");
        }
        assert_eq!(doc.path("a.b").map(|n| n.pos.line), Some(2));
    }
}
