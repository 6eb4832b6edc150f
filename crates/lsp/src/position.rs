//! LSP positions ↔ places in a rope. A position's `character` counts UTF-16
//! code units unless the client and server agreed on UTF-8 (or UTF-32) at
//! `initialize`; every position in or out goes through here.

use ropey::{Rope, RopeSlice};
use tower_lsp_server::ls_types::{Position, PositionEncodingKind};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Encoding {
    Utf8,
    #[default]
    Utf16,
    Utf32,
}

impl Encoding {
    /// UTF-8 when the client offers it (cheapest for us), else UTF-16, the
    /// encoding every client must support.
    pub fn negotiate(offered: Option<&[PositionEncodingKind]>) -> Encoding {
        let offered = offered.unwrap_or_default();
        if offered.contains(&PositionEncodingKind::UTF8) {
            Encoding::Utf8
        } else {
            Encoding::Utf16
        }
    }

    pub fn kind(self) -> PositionEncodingKind {
        match self {
            Encoding::Utf8 => PositionEncodingKind::UTF8,
            Encoding::Utf16 => PositionEncodingKind::UTF16,
            Encoding::Utf32 => PositionEncodingKind::UTF32,
        }
    }
}

/// Chars of a line without its terminator (`\n`, `\r\n` or `\r`).
fn content_chars(line: RopeSlice) -> usize {
    let mut n = line.len_chars();
    if n > 0 && line.char(n - 1) == '\n' {
        n -= 1;
    }
    if n > 0 && line.char(n - 1) == '\r' {
        n -= 1;
    }
    n
}

/// The char index of `pos`. Past the end of a line means the end of that
/// line; past the last line means the end of the text (as LSP asks).
pub fn to_char(rope: &Rope, pos: Position, enc: Encoding) -> usize {
    let line = pos.line as usize;
    if line >= rope.len_lines() {
        return rope.len_chars();
    }
    let start = rope.line_to_char(line);
    let slice = rope.line(line);
    let len = content_chars(slice);
    let units = pos.character as usize;
    let col = match enc {
        Encoding::Utf32 => units.min(len),
        Encoding::Utf16 => {
            let max = slice.char_to_utf16_cu(len);
            slice.utf16_cu_to_char(units.min(max))
        }
        Encoding::Utf8 => {
            let max = slice.char_to_byte(len);
            slice.byte_to_char(units.min(max))
        }
    };
    start + col
}

/// The position of char index `idx`.
pub fn to_position(rope: &Rope, idx: usize, enc: Encoding) -> Position {
    let idx = idx.min(rope.len_chars());
    let line = rope.char_to_line(idx);
    let col = idx - rope.line_to_char(line);
    let slice = rope.line(line);
    let character = match enc {
        Encoding::Utf32 => col,
        Encoding::Utf16 => slice.char_to_utf16_cu(col),
        Encoding::Utf8 => slice.char_to_byte(col),
    };
    Position::new(line as u32, character as u32)
}

/// The start of line `line` counted in `\n`-terminated lines (how hunks
/// count), or the end of the text when there is no such line.
pub fn line_start(rope: &Rope, line: usize, enc: Encoding) -> Position {
    if line < rope.len_lines() {
        Position::new(line as u32, 0)
    } else {
        to_position(rope, rope.len_chars(), enc)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // "é" is 2 bytes and 1 UTF-16 unit; "😀" is 4 bytes and 2 UTF-16 units.
    const TEXT: &str = "aé😀b\nsecond\n";

    #[test]
    fn utf16_counts_surrogate_pairs() {
        let rope = Rope::from_str(TEXT);
        let b = TEXT.find('b').unwrap();
        let b_char = TEXT[..b].chars().count();
        assert_eq!(
            to_position(&rope, b_char, Encoding::Utf16),
            Position::new(0, 4)
        );
        assert_eq!(to_char(&rope, Position::new(0, 4), Encoding::Utf16), b_char);
    }

    #[test]
    fn utf8_counts_bytes() {
        let rope = Rope::from_str(TEXT);
        let b = TEXT.find('b').unwrap();
        let b_char = TEXT[..b].chars().count();
        assert_eq!(
            to_position(&rope, b_char, Encoding::Utf8),
            Position::new(0, b as u32)
        );
        assert_eq!(
            to_char(&rope, Position::new(0, b as u32), Encoding::Utf8),
            b_char
        );
    }

    #[test]
    fn positions_past_the_end_are_clamped() {
        let rope = Rope::from_str(TEXT);
        let end_of_first = "aé😀b".chars().count();
        assert_eq!(
            to_char(&rope, Position::new(0, 99), Encoding::Utf16),
            end_of_first
        );
        assert_eq!(
            to_char(&rope, Position::new(9, 0), Encoding::Utf16),
            rope.len_chars()
        );
    }

    #[test]
    fn utf8_wins_when_offered() {
        let both = [PositionEncodingKind::UTF16, PositionEncodingKind::UTF8];
        assert_eq!(Encoding::negotiate(Some(&both)), Encoding::Utf8);
        assert_eq!(Encoding::negotiate(None), Encoding::Utf16);
    }

    #[test]
    fn line_start_past_an_unterminated_last_line_is_the_end() {
        let rope = Rope::from_str("a\nbé");
        assert_eq!(line_start(&rope, 1, Encoding::Utf16), Position::new(1, 0));
        assert_eq!(line_start(&rope, 2, Encoding::Utf16), Position::new(1, 2));
        assert_eq!(line_start(&rope, 2, Encoding::Utf8), Position::new(1, 3));
    }
}
