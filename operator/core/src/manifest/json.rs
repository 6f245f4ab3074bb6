//! A span-keeping JSON reader (comments and trailing commas tolerated, as the
//! .NET tooling reading global.json and tool manifests does).

use std::ops::Range;

use super::pos::Pos;

/// Malformed JSON.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{pos}: {message}")]
pub struct JsonError {
    /// Where the problem is.
    pub pos: Pos,
    /// What was expected.
    pub message: String,
}

/// A JSON value with the byte range it occupies.
#[derive(Debug, Clone, PartialEq)]
pub struct Json {
    /// Byte range of the value (strings include their quotes).
    pub span: Range<usize>,
    /// The value.
    pub kind: JsonKind,
}

/// The kinds of JSON values.
#[derive(Debug, Clone, PartialEq)]
pub enum JsonKind {
    /// `{...}`: members in source order.
    Object(Vec<(String, Json)>),
    /// `[...]`.
    Array(Vec<Json>),
    /// A string, unescaped.
    String(String),
    /// A number as written.
    Number(String),
    /// `true` / `false`.
    Bool(bool),
    /// `null`.
    Null,
}

impl Json {
    /// Parses a whole document (a UTF-8 BOM is skipped).
    pub fn parse(text: &[u8]) -> Result<Json, JsonError> {
        let mut p = Parser { text, i: 0 };
        if text.starts_with(b"\xef\xbb\xbf") {
            p.i = 3;
        }
        p.skip_ws()?;
        let value = p.value(0)?;
        p.skip_ws()?;
        if p.i < text.len() {
            return Err(p.error("end of the document"));
        }
        Ok(value)
    }

    /// The members of an object (empty for other kinds).
    pub fn members(&self) -> &[(String, Json)] {
        match &self.kind {
            JsonKind::Object(m) => m,
            _ => &[],
        }
    }

    /// The member called `key` (exact match).
    pub fn get(&self, key: &str) -> Option<&Json> {
        self.members()
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v)
    }

    /// The member whose name equals `key` ignoring ASCII case.
    pub fn get_ignore_case(&self, key: &str) -> Option<(&str, &Json)> {
        self.members()
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(k, v)| (k.as_str(), v))
    }

    /// The string value, if this is a string.
    pub fn as_str(&self) -> Option<&str> {
        match &self.kind {
            JsonKind::String(s) => Some(s),
            _ => None,
        }
    }

    /// Follows a dotted path of member names.
    pub fn path(&self, path: &[&str]) -> Option<&Json> {
        path.iter().try_fold(self, |v, key| v.get(key))
    }
}

/// Encodes `s` as a JSON string literal, quotes included.
pub fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

const MAX_DEPTH: usize = 256;

struct Parser<'a> {
    text: &'a [u8],
    i: usize,
}

impl Parser<'_> {
    fn error(&self, expected: &str) -> JsonError {
        let found = match self.text.get(self.i) {
            Some(b) => format!("'{}'", *b as char),
            None => "the end of the file".to_string(),
        };
        JsonError {
            pos: Pos::at(self.text, self.i),
            message: format!("expected {expected}, found {found}"),
        }
    }

    fn skip_ws(&mut self) -> Result<(), JsonError> {
        loop {
            match self.text.get(self.i) {
                Some(b' ' | b'\t' | b'\r' | b'\n') => self.i += 1,
                Some(b'/') if self.text.get(self.i + 1) == Some(&b'/') => {
                    while self.i < self.text.len() && self.text[self.i] != b'\n' {
                        self.i += 1;
                    }
                }
                Some(b'/') if self.text.get(self.i + 1) == Some(&b'*') => {
                    let start = self.i;
                    self.i += 2;
                    loop {
                        if self.i + 1 >= self.text.len() {
                            self.i = start;
                            return Err(self.error("the end of a /* comment */"));
                        }
                        if &self.text[self.i..self.i + 2] == b"*/" {
                            self.i += 2;
                            break;
                        }
                        self.i += 1;
                    }
                }
                _ => return Ok(()),
            }
        }
    }

    fn value(&mut self, depth: usize) -> Result<Json, JsonError> {
        if depth > MAX_DEPTH {
            return Err(self.error("less deeply nested values"));
        }
        let start = self.i;
        let kind = match self.text.get(self.i) {
            Some(b'{') => self.object(depth)?,
            Some(b'[') => self.array(depth)?,
            Some(b'"') => JsonKind::String(self.string()?),
            Some(b't') => self.word("true", JsonKind::Bool(true))?,
            Some(b'f') => self.word("false", JsonKind::Bool(false))?,
            Some(b'n') => self.word("null", JsonKind::Null)?,
            Some(b'-' | b'0'..=b'9') => self.number()?,
            _ => return Err(self.error("a value")),
        };
        Ok(Json {
            span: start..self.i,
            kind,
        })
    }

    fn word(&mut self, word: &str, kind: JsonKind) -> Result<JsonKind, JsonError> {
        if self.text[self.i..].starts_with(word.as_bytes()) {
            self.i += word.len();
            Ok(kind)
        } else {
            Err(self.error(&format!("'{word}'")))
        }
    }

    fn number(&mut self) -> Result<JsonKind, JsonError> {
        let start = self.i;
        while let Some(b'-' | b'+' | b'.' | b'e' | b'E' | b'0'..=b'9') = self.text.get(self.i) {
            self.i += 1;
        }
        let raw = String::from_utf8_lossy(&self.text[start..self.i]).into_owned();
        if raw.parse::<f64>().is_err() {
            self.i = start;
            return Err(self.error("a number"));
        }
        Ok(JsonKind::Number(raw))
    }

    fn string(&mut self) -> Result<String, JsonError> {
        self.i += 1;
        let mut out: Vec<u8> = Vec::new();
        loop {
            let Some(&b) = self.text.get(self.i) else {
                return Err(self.error("a closing '\"'"));
            };
            match b {
                b'"' => {
                    self.i += 1;
                    return String::from_utf8(out).map_err(|_| self.error("UTF-8 text"));
                }
                b'\\' => {
                    self.i += 1;
                    let esc = self.text.get(self.i).copied();
                    self.i += 1;
                    match esc {
                        Some(b'"') => out.push(b'"'),
                        Some(b'\\') => out.push(b'\\'),
                        Some(b'/') => out.push(b'/'),
                        Some(b'b') => out.push(8),
                        Some(b'f') => out.push(12),
                        Some(b'n') => out.push(b'\n'),
                        Some(b'r') => out.push(b'\r'),
                        Some(b't') => out.push(b'\t'),
                        Some(b'u') => {
                            let hex = self.text.get(self.i..self.i + 4).unwrap_or(b"");
                            let code = std::str::from_utf8(hex)
                                .ok()
                                .and_then(|h| u32::from_str_radix(h, 16).ok());
                            let Some(code) = code else {
                                return Err(self.error("four hex digits after \\u"));
                            };
                            self.i += 4;
                            let c = char::from_u32(code).unwrap_or('\u{FFFD}');
                            let mut buf = [0u8; 4];
                            out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                        }
                        _ => {
                            self.i -= 1;
                            return Err(self.error("a valid escape sequence"));
                        }
                    }
                }
                b'\n' => return Err(self.error("a closing '\"' before the end of the line")),
                _ => {
                    out.push(b);
                    self.i += 1;
                }
            }
        }
    }

    fn object(&mut self, depth: usize) -> Result<JsonKind, JsonError> {
        self.i += 1;
        let mut members = Vec::new();
        loop {
            self.skip_ws()?;
            match self.text.get(self.i) {
                Some(b'}') => {
                    self.i += 1;
                    return Ok(JsonKind::Object(members));
                }
                Some(b'"') => {}
                _ => return Err(self.error("a member name in double quotes or '}'")),
            }
            let key = self.string()?;
            self.skip_ws()?;
            if self.text.get(self.i) != Some(&b':') {
                return Err(self.error("':' after a member name"));
            }
            self.i += 1;
            self.skip_ws()?;
            let value = self.value(depth + 1)?;
            members.push((key, value));
            self.skip_ws()?;
            match self.text.get(self.i) {
                Some(b',') => self.i += 1,
                Some(b'}') => {}
                _ => return Err(self.error("',' or '}'")),
            }
        }
    }

    fn array(&mut self, depth: usize) -> Result<JsonKind, JsonError> {
        self.i += 1;
        let mut items = Vec::new();
        loop {
            self.skip_ws()?;
            if self.text.get(self.i) == Some(&b']') {
                self.i += 1;
                return Ok(JsonKind::Array(items));
            }
            items.push(self.value(depth + 1)?);
            self.skip_ws()?;
            match self.text.get(self.i) {
                Some(b',') => self.i += 1,
                Some(b']') => {}
                _ => return Err(self.error("',' or ']'")),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_and_values() {
        let src = br#"{ "a": {"b": "x\"y"}, // c
  "n": [1, -2.5e3, true, null], }"#;
        let doc = Json::parse(src).expect("parses");
        let b = doc.path(&["a", "b"]).expect("a.b");
        assert_eq!(b.as_str(), Some("x\"y"));
        assert_eq!(&src[b.span.clone()], br#""x\"y""#);
        assert!(matches!(doc.get("n").map(|n| &n.kind), Some(JsonKind::Array(v)) if v.len() == 4));
    }

    #[test]
    fn errors_name_line_and_column() {
        let cases: [(&[u8], usize, usize); 4] = [
            (b"{\n  \"a\" 1}", 2, 7),
            (b"{\"a\": }", 1, 7),
            (b"[1, 2", 1, 6),
            (b"{} x", 1, 4),
        ];
        for (src, line, col) in cases {
            let e = Json::parse(src).expect_err("malformed");
            assert_eq!((e.pos.line, e.pos.col), (line, col), "{e}");
        }
    }

    #[test]
    fn quoting_round_trips() {
        for s in ["plain", "q\"uote", "back\\slash", "tab\t"] {
            let q = quote(s);
            let v = Json::parse(q.as_bytes()).expect("parses");
            assert_eq!(v.as_str(), Some(s));
        }
    }
}
