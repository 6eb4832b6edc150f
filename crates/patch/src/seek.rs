//! Finding a chunk's lines in a file, strictly first and then more
//! leniently: trailing whitespace ignored, then surrounding whitespace, then
//! common Unicode punctuation folded to ASCII. At each level the first match
//! at or after the cursor wins; earlier chunks and `@@` anchors move the
//! cursor, which is how a patch picks between identical blocks.

type Norm = fn(&str) -> String;

const LEVELS: [Norm; 4] = [
    |s| s.to_string(),
    |s| s.trim_end().to_string(),
    |s| s.trim().to_string(),
    |s| fold_punctuation(s.trim()),
];

/// Index of the first occurrence of `needle` in `lines` at or after `from`.
/// With `at_end`, a match that ends the file is preferred.
pub fn seek(lines: &[String], needle: &[String], from: usize, at_end: bool) -> Option<usize> {
    if needle.is_empty() {
        return Some(if at_end {
            lines.len()
        } else {
            from.min(lines.len())
        });
    }
    if needle.len() > lines.len() {
        return None;
    }
    for norm in LEVELS {
        let want: Vec<String> = needle.iter().map(|l| norm(l)).collect();
        let matches_at = |i: usize| (0..want.len()).all(|k| norm(&lines[i + k]) == want[k]);
        if at_end {
            let last = lines.len() - needle.len();
            if last >= from && matches_at(last) {
                return Some(last);
            }
        }
        if let Some(i) = (from..=lines.len() - needle.len()).find(|&i| matches_at(i)) {
            return Some(i);
        }
    }
    None
}

fn fold_punctuation(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{201B}' => '\'',
            '\u{201C}' | '\u{201D}' | '\u{201E}' | '\u{201F}' => '"',
            '\u{2010}' | '\u{2011}' | '\u{2012}' | '\u{2013}' | '\u{2014}' | '\u{2015}'
            | '\u{2212}' => '-',
            '\u{00A0}' | '\u{2002}' | '\u{2003}' | '\u{2009}' | '\u{202F}' => ' ',
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
        let lines = v(&["a  ", "  b", "c \u{2014} d", "a", "b"]);
        assert_eq!(seek(&lines, &v(&["a", "b"]), 0, false), Some(3));
        assert_eq!(seek(&lines, &v(&["a", "  b"]), 0, false), Some(0));
        assert_eq!(seek(&lines, &v(&["b"]), 0, false), Some(4));
        assert_eq!(seek(&lines, &v(&["c - d"]), 0, false), Some(2));
        assert_eq!(seek(&lines, &v(&["a", "b"]), 4, false), None);
        assert_eq!(seek(&lines, &v(&["zzz"]), 0, false), None);
    }

    #[test]
    fn end_of_file_prefers_the_last_match() {
        let lines = v(&["x", "y", "x"]);
        assert_eq!(seek(&lines, &v(&["x"]), 0, true), Some(2));
        assert_eq!(seek(&lines, &v(&[]), 0, true), Some(3));
    }
}
