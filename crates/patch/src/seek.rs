//! Finding a chunk's lines in a file as Codex's reference does: exactly
//! first, then ignoring trailing whitespace, then surrounding whitespace,
//! then with common Unicode punctuation read as ASCII. Each level searches
//! the whole range before the next, more lenient one is tried, so a strict
//! match later in the file wins over a lenient one earlier. The first match
//! at or after the cursor wins; earlier chunks and `@@` lines move the
//! cursor, which is how a patch picks between identical blocks.

type Norm = fn(&str) -> String;

const LEVELS: [Norm; 4] = [
    |s| s.to_string(),
    |s| s.trim_end().to_string(),
    |s| s.trim().to_string(),
    |s| fold_punctuation(s.trim()),
];

/// Index of the first occurrence of `needle` in `lines` at or after `from`.
/// With `at_end` (`*** End of File`) only a match that ends the file counts,
/// wherever the cursor is.
pub fn seek(lines: &[String], needle: &[String], from: usize, at_end: bool) -> Option<usize> {
    if needle.is_empty() {
        return Some(from);
    }
    let last = lines.len().checked_sub(needle.len())?;
    let first = if at_end { last } else { from };
    for norm in LEVELS {
        let want: Vec<String> = needle.iter().map(|l| norm(l)).collect();
        let found =
            (first..=last).find(|&i| (0..want.len()).all(|k| norm(&lines[i + k]) == want[k]));
        if found.is_some() {
            return found;
        }
    }
    None
}

/// Typographic dashes, quotes and spaces as the ASCII a model types.
fn fold_punctuation(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '\u{2010}'..='\u{2015}' | '\u{2212}' => '-',
            '\u{2018}'..='\u{201B}' => '\'',
            '\u{201C}'..='\u{201F}' => '"',
            '\u{00A0}' | '\u{2002}'..='\u{200A}' | '\u{202F}' | '\u{205F}' | '\u{3000}' => ' ',
            other => other,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &[&str]) -> Vec<String> {
        s.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn strict_first_then_lenient() {
        let lines = v(&["a  ", "  b", "c \u{2014} d\u{3000}", "a", "b"]);
        assert_eq!(seek(&lines, &v(&["a", "b"]), 0, false), Some(3));
        assert_eq!(seek(&lines, &v(&["a", "  b"]), 0, false), Some(0));
        assert_eq!(seek(&lines, &v(&["b"]), 0, false), Some(4));
        assert_eq!(seek(&lines, &v(&["c - d"]), 0, false), Some(2));
        assert_eq!(seek(&lines, &v(&["a", "b"]), 4, false), None);
        assert_eq!(seek(&lines, &v(&["zzz"]), 0, false), None);
        assert_eq!(
            seek(&lines, &v(&["a", "b", "c", "d", "e", "f"]), 0, false),
            None
        );
    }

    #[test]
    fn end_of_file_only_matches_at_the_end() {
        let lines = v(&["x", "y", "x"]);
        assert_eq!(seek(&lines, &v(&["x"]), 0, true), Some(2));
        assert_eq!(seek(&lines, &v(&["y"]), 0, true), None);
        // The cursor does not hold an end-of-file match back.
        assert_eq!(seek(&lines, &v(&["y", "x"]), 3, true), Some(1));
        assert_eq!(seek(&lines, &v(&[]), 1, true), Some(1));
    }
}
