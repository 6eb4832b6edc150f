//! When an exact `old_string` is not in the file: the forgiving matches
//! that real models need, tried in order, each used only when it finds
//! exactly one place. Small models write `item['price']` where the file has
//! `item["price"]`, or copy a block with its indentation shifted; refusing
//! those made runs repeat the same failing edit until the turn limit.
//!
//! 1. Quotes: `'`, `"` and the typographic quotes count as one character.
//! 2. Indentation: whole lines equal up to trailing spaces and a leading
//!    indentation shifted by the same amount on every line; the new text
//!    gets the same shift.
//!
//! The result says which was used, so the model (and the user reading the
//! transcript) knows the file was not what it wrote.

/// A unique loose match: the bytes of the file to replace and with what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Loose {
    pub start: usize,
    pub end: usize,
    pub replacement: String,
    /// What differed, for the tool's result.
    pub how: &'static str,
}

fn canon(c: char) -> char {
    match c {
        '\'' | '"' | '\u{2018}' | '\u{2019}' | '\u{201C}' | '\u{201D}' | '\u{2032}'
        | '\u{2033}' => '"',
        c => c,
    }
}

/// `text` with quotes made one, and for each byte of the result where it
/// came from in `text` (one more entry: the end).
fn canonical(text: &str) -> (String, Vec<usize>) {
    let mut out = String::with_capacity(text.len());
    let mut from = Vec::with_capacity(text.len() + 1);
    for (i, c) in text.char_indices() {
        let k = canon(c);
        for _ in 0..k.len_utf8() {
            from.push(i);
        }
        out.push(k);
    }
    from.push(text.len());
    (out, from)
}

/// The unique loose match of `old` in `current`; `Err(n)` when the loose
/// form is found `n > 1` times (as ambiguous as an exact one would be).
pub fn find(current: &str, old: &str, new: &str) -> Result<Option<Loose>, usize> {
    if let Some(found) = by_quotes(current, old, new)? {
        return Ok(Some(found));
    }
    by_indentation(current, old, new)
}

fn by_quotes(current: &str, old: &str, new: &str) -> Result<Option<Loose>, usize> {
    let (text, from) = canonical(current);
    let (probe, _) = canonical(old);
    if probe == old && text == current {
        return Ok(None);
    }
    let hits: Vec<usize> = text.match_indices(&probe).map(|(i, _)| i).collect();
    match hits.as_slice() {
        [] => Ok(None),
        [at] => Ok(Some(Loose {
            start: from[*at],
            end: from[at + probe.len()],
            replacement: new.to_string(),
            how: "quotes differ from the file's",
        })),
        many => Err(many.len()),
    }
}

fn indent(line: &str) -> &str {
    &line[..line.len() - line.trim_start().len()]
}

/// How the file's indentation differs from `old`'s on one line pair:
/// `Some(Ok(extra))` when the file has `extra` more, `Some(Err(extra))`
/// when it has that much less, `None` when the lines differ otherwise.
fn shift<'a>(file: &'a str, old: &'a str) -> Option<Result<&'a str, &'a str>> {
    let (f, o) = (file.trim_end(), old.trim_end());
    let (fi, oi) = (indent(f), indent(o));
    let same = f[fi.len()..]
        .chars()
        .map(canon)
        .eq(o[oi.len()..].chars().map(canon));
    if !same {
        return None;
    }
    if let Some(extra) = fi.strip_prefix(oi) {
        Some(Ok(extra))
    } else {
        oi.strip_prefix(fi).map(Err)
    }
}

fn by_indentation(current: &str, old: &str, new: &str) -> Result<Option<Loose>, usize> {
    let old_lines: Vec<&str> = old.lines().collect();
    if old_lines.iter().all(|l| l.trim().is_empty()) {
        return Ok(None);
    }
    // Byte offset where each line of the file starts.
    let mut starts = vec![0];
    starts.extend(current.match_indices('\n').map(|(i, _)| i + 1));
    let lines: Vec<&str> = current.lines().collect();
    let mut hits = Vec::new();
    for at in 0..lines.len().saturating_sub(old_lines.len() - 1) {
        let mut delta: Option<Result<&str, &str>> = None;
        let fits = old_lines.iter().zip(&lines[at..]).all(|(o, f)| {
            if o.trim().is_empty() && f.trim().is_empty() {
                return true;
            }
            match (shift(f, o), delta) {
                (Some(d), None) => {
                    delta = Some(d);
                    true
                }
                (Some(d), Some(seen)) => d == seen,
                (None, _) => false,
            }
        });
        if fits {
            hits.push((at, delta.unwrap_or(Ok(""))));
        }
    }
    let (at, delta) = match hits.as_slice() {
        [] => return Ok(None),
        [one] => *one,
        many => return Err(many.len()),
    };
    let last = at + old_lines.len() - 1;
    let start = starts[at];
    let mut end = starts[last] + lines[last].len();
    // The exact form would have taken the newline `old` ends with.
    if old.ends_with('\n') && current[end..].starts_with('\n') {
        end += 1;
    }
    let replacement = reindent(new, delta);
    Ok(Some(Loose {
        start,
        end,
        replacement,
        how: "indentation or trailing spaces differ from the file's",
    }))
}

/// `new` with the file's indentation shift applied to every non-blank line.
fn reindent(new: &str, delta: Result<&str, &str>) -> String {
    let mut out = String::with_capacity(new.len());
    for piece in new.split_inclusive('\n') {
        let (line, nl) = match piece.strip_suffix('\n') {
            Some(l) => (l, "\n"),
            None => (piece, ""),
        };
        if line.trim().is_empty() {
            out.push_str(line);
        } else {
            match delta {
                Ok(extra) => {
                    out.push_str(extra);
                    out.push_str(line);
                }
                Err(less) => out.push_str(line.strip_prefix(less).unwrap_or(line)),
            }
        }
        out.push_str(nl);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn apply(current: &str, l: &Loose) -> String {
        format!(
            "{}{}{}",
            &current[..l.start],
            l.replacement,
            &current[l.end..]
        )
    }

    #[test]
    fn other_quotes_match_once_and_keep_the_rest_of_the_file() {
        let file = "total = item[\"price\"] * 2\nname = \u{201C}x\u{201D}\n";
        let l = find(file, "item['price'] * 2", "item['price'] * 3")
            .unwrap()
            .unwrap();
        assert_eq!(
            apply(file, &l),
            "total = item['price'] * 3\nname = \u{201C}x\u{201D}\n"
        );
        assert!(l.how.contains("quotes"));
        // Typographic quotes in the file, straight ones from the model.
        let l = find(file, "name = \"x\"", "name = \"y\"").unwrap().unwrap();
        assert_eq!(
            apply(file, &l),
            "total = item[\"price\"] * 2\nname = \"y\"\n"
        );
    }

    #[test]
    fn a_loose_match_found_twice_is_refused() {
        let file = "a = d[\"k\"]\nb = d[\"k\"]\n";
        assert_eq!(find(file, "d['k']", "d['j']"), Err(2));
        // Nothing alike: no match at all.
        assert_eq!(find(file, "e['k']", "x"), Ok(None));
    }

    #[test]
    fn shifted_indentation_matches_and_the_new_text_gets_the_shift() {
        let file = "class A:\n    def f(self):\n        return 1  \n\n    def g(self):\n        return 2\n";
        let old = "def f(self):\n    return 1\n";
        let new = "def f(self):\n    return 10\n";
        let l = find(file, old, new).unwrap().unwrap();
        assert_eq!(
            apply(file, &l),
            "class A:\n    def f(self):\n        return 10\n\n    def g(self):\n        return 2\n"
        );
        assert!(l.how.contains("indentation"));
        // Less indentation in the file than in old_string.
        let file = "def f():\n  return 1\n";
        let l = find(
            file,
            "    def f():\n      return 1",
            "    def f():\n      return 2",
        )
        .unwrap()
        .unwrap();
        assert_eq!(apply(file, &l), "def f():\n  return 2\n");
    }

    #[test]
    fn an_uneven_shift_is_not_a_match() {
        // Line 1 is shifted by 4, line 2 by 2: a different block, not a copy.
        let file = "    a = 1\n  b = 2\n";
        assert_eq!(find(file, "a = 1\nb = 2", "x"), Ok(None));
    }
}
