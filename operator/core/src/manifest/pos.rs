//! Source positions (`line:col`) and byte-range splices.

use std::collections::BTreeMap;
use std::fmt;
use std::ops::Range;

/// A 1-based line and column (in characters) within a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default, serde::Serialize)]
pub struct Pos {
    /// 1-based line number.
    pub line: usize,
    /// 1-based column, counted in characters.
    pub col: usize,
}

impl Pos {
    /// The position of byte `offset` in `text` (clamped to the end of the text).
    pub fn at(text: &[u8], offset: usize) -> Pos {
        let offset = offset.min(text.len());
        let before = &text[..offset];
        let line = 1 + before.iter().filter(|b| **b == b'\n').count();
        let line_start = before
            .iter()
            .rposition(|b| *b == b'\n')
            .map_or(0, |i| i + 1);
        let col = 1 + String::from_utf8_lossy(&before[line_start..])
            .chars()
            .count();
        Pos { line, col }
    }
}

impl fmt::Display for Pos {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.line, self.col)
    }
}

/// Positions of byte offsets in one text, for many offsets in increasing order: each
/// call reads only the bytes since the previous one.
#[derive(Debug, Clone)]
pub struct LineCursor<'t> {
    text: &'t [u8],
    /// The offset of the previous call.
    offset: usize,
    /// The line (1-based) that `offset` is on, and where that line starts.
    line: usize,
    line_start: usize,
}

impl<'t> LineCursor<'t> {
    /// A cursor at the start of `text`.
    pub fn new(text: &'t [u8]) -> Self {
        LineCursor {
            text,
            offset: 0,
            line: 1,
            line_start: 0,
        }
    }

    /// The position of byte `offset` (clamped to the end of the text). An offset before
    /// the previous one is found by reading again from the start.
    pub fn pos(&mut self, offset: usize) -> Pos {
        let offset = offset.min(self.text.len());
        if offset < self.offset {
            *self = LineCursor::new(self.text);
        }
        let read = &self.text[self.offset..offset];
        let breaks = read.iter().filter(|b| **b == b'\n').count();
        if breaks > 0 {
            self.line += breaks;
            self.line_start = self.offset + read.iter().rposition(|b| *b == b'\n').unwrap_or(0) + 1;
        }
        self.offset = offset;
        let line = &self.text[self.line_start..offset];
        let col = 1 + line.iter().filter(|b| (**b & 0xC0) != 0x80).count();
        Pos {
            line: self.line,
            col,
        }
    }
}

/// A set of non-overlapping byte-range replacements over one file.
///
/// Replacing the same range twice keeps the last replacement; overlapping ranges
/// are rejected when applied.
#[derive(Debug, Clone, Default)]
pub struct Splices {
    edits: BTreeMap<usize, (usize, Vec<u8>)>,
}

impl Splices {
    /// An empty set of splices.
    pub fn new() -> Self {
        Self::default()
    }

    /// Replaces `range` with `bytes`.
    pub fn replace(&mut self, range: Range<usize>, bytes: impl Into<Vec<u8>>) {
        self.edits.insert(range.start, (range.end, bytes.into()));
    }

    /// Inserts `bytes` at `offset`.
    pub fn insert(&mut self, offset: usize, bytes: impl Into<Vec<u8>>) {
        self.replace(offset..offset, bytes);
    }

    /// Whether no splice was recorded.
    pub fn is_empty(&self) -> bool {
        self.edits.is_empty()
    }

    /// Applies the splices to `text`. Returns `None` when two splices overlap or a
    /// range lies outside the text.
    pub fn apply(&self, text: &[u8]) -> Option<Vec<u8>> {
        let mut out = Vec::with_capacity(text.len() + 64);
        let mut cursor = 0;
        for (&start, (end, bytes)) in &self.edits {
            if start < cursor || *end < start || *end > text.len() {
                return None;
            }
            out.extend_from_slice(&text[cursor..start]);
            out.extend_from_slice(bytes);
            cursor = *end;
        }
        out.extend_from_slice(&text[cursor..]);
        Some(out)
    }
}

/// The line ending a file uses: `\r\n` when its first line break is one, else `\n`.
pub fn line_ending(text: &[u8]) -> &'static str {
    match text.iter().position(|b| *b == b'\n') {
        Some(i) if i > 0 && text[i - 1] == b'\r' => "\r\n",
        _ => "\n",
    }
}

/// The ASCII whitespace that ends `text` (its final line break, if it has one).
pub fn trailing_whitespace(text: &[u8]) -> &[u8] {
    &text[text.trim_ascii_end().len()..]
}

/// The whitespace that starts the line containing byte `offset`.
pub fn indentation_at(text: &[u8], offset: usize) -> String {
    let offset = offset.min(text.len());
    let start = text[..offset]
        .iter()
        .rposition(|b| *b == b'\n')
        .map_or(0, |i| i + 1);
    text[start..]
        .iter()
        .take_while(|b| **b == b' ' || **b == b'\t')
        .map(|b| *b as char)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_are_one_based() {
        let text = b"ab\ncd\n\xc3\xa9x";
        let cases = [(0, 1, 1), (1, 1, 2), (3, 2, 1), (6, 3, 1), (8, 3, 2)];
        for (offset, line, col) in cases {
            assert_eq!(Pos::at(text, offset), Pos { line, col }, "offset {offset}");
        }
    }

    #[test]
    fn line_cursor_agrees_with_pos_at() {
        let text = "ab\ncd\n\u{e9}x\n\n".as_bytes();
        let offsets: Vec<usize> = (0..=text.len() + 1)
            .filter(|o| {
                text.get(..*o)
                    .is_none_or(|t| std::str::from_utf8(t).is_ok())
            })
            .collect();
        let mut cursor = LineCursor::new(text);
        for &offset in offsets.iter().chain(offsets.iter().rev().step_by(2)) {
            assert_eq!(cursor.pos(offset), Pos::at(text, offset), "offset {offset}");
        }
    }

    #[test]
    fn splices_apply_in_order() {
        let mut s = Splices::new();
        s.replace(4..5, "X");
        s.replace(0..1, "yy");
        s.insert(6, "!");
        assert_eq!(s.apply(b"abcdefg").as_deref(), Some(&b"yybcdXf!g"[..]));
    }

    #[test]
    fn overlapping_splices_are_rejected() {
        let mut s = Splices::new();
        s.replace(0..3, "x");
        s.replace(2..4, "y");
        assert_eq!(s.apply(b"abcdef"), None);
    }

    #[test]
    fn line_endings_and_indentation() {
        assert_eq!(line_ending(b"a\r\nb"), "\r\n");
        assert_eq!(line_ending(b"a\nb"), "\n");
        assert_eq!(indentation_at(b"x\n    <a/>", 7), "    ");
        assert_eq!(trailing_whitespace(b"}\r\n"), b"\r\n");
        assert_eq!(trailing_whitespace(b"}"), b"");
    }
}
