//! A file's text as lines that each keep their own line ending, so that
//! replacing some lines leaves every other byte of the file as it was (a
//! CRLF file stays CRLF, a mixed one stays mixed), as the reference does.

/// Replace `len` lines at `at` with `new`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Replacement {
    pub at: usize,
    pub len: usize,
    pub new: Vec<String>,
}

struct Line {
    text: String,
    /// `None` only for a last line with no newline after it.
    ending: Option<&'static str>,
}

pub(crate) struct Lines {
    lines: Vec<Line>,
    /// The ending of the file's first line (LF when it has none): what new
    /// lines get, as rustfmt and most editors would choose.
    eol: &'static str,
}

impl Lines {
    pub fn parse(text: &str) -> Self {
        let mut lines = Vec::new();
        let mut rest = text;
        while let Some(nl) = rest.find('\n') {
            let line = &rest[..nl];
            let (text, ending) = match line.strip_suffix('\r') {
                Some(t) => (t, "\r\n"),
                None => (line, "\n"),
            };
            lines.push(Line {
                text: text.to_string(),
                ending: Some(ending),
            });
            rest = &rest[nl + 1..];
        }
        if !rest.is_empty() {
            lines.push(Line {
                text: rest.to_string(),
                ending: None,
            });
        }
        let eol = lines.first().and_then(|l| l.ending).unwrap_or("\n");
        Lines { lines, eol }
    }

    /// The lines' text, without endings: what chunks are matched against.
    pub fn texts(&self) -> Vec<String> {
        self.lines.iter().map(|l| l.text.clone()).collect()
    }

    /// Apply replacements sorted by `at` and not overlapping. Afterwards
    /// every line ends with a newline: an updated file always ends with
    /// one (the reference's behaviour), and a last line that an insertion
    /// moved inward needs one anyway.
    pub fn replace(&mut self, replacements: &[Replacement]) {
        let eol = self.eol;
        let mut old = std::mem::take(&mut self.lines).into_iter();
        let mut done = 0;
        for r in replacements {
            self.lines.extend(old.by_ref().take(r.at - done));
            old.by_ref().take(r.len).for_each(drop);
            self.lines.extend(r.new.iter().map(|text| Line {
                text: text.clone(),
                ending: Some(eol),
            }));
            done = r.at + r.len;
        }
        self.lines.extend(old);
        for line in &mut self.lines {
            line.ending.get_or_insert(eol);
        }
    }

    pub fn into_text(self) -> String {
        let mut out = String::new();
        for line in self.lines {
            out.push_str(&line.text);
            out.push_str(line.ending.unwrap_or_default());
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn replaced(text: &str, replacements: &[Replacement]) -> String {
        let mut lines = Lines::parse(text);
        lines.replace(replacements);
        lines.into_text()
    }

    fn r(at: usize, len: usize, new: &[&str]) -> Replacement {
        Replacement {
            at,
            len,
            new: new.iter().map(|s| s.to_string()).collect(),
        }
    }

    #[test]
    fn endings_are_kept_per_line_and_new_lines_take_the_first() {
        let text = "one\r\ntwo\nthree\r\nfour\n";
        assert_eq!(Lines::parse(text).texts(), ["one", "two", "three", "four"]);
        assert_eq!(
            replaced(text, &[r(2, 1, &["THREE", "3"])]),
            "one\r\ntwo\nTHREE\r\n3\r\nfour\n"
        );
        assert_eq!(replaced(text, &[]), text);
    }

    #[test]
    fn the_result_ends_with_a_newline_unless_empty() {
        assert_eq!(replaced("a\r\nb", &[r(0, 1, &["A"])]), "A\r\nb\r\n");
        assert_eq!(replaced("only", &[r(1, 0, &["more"])]), "only\nmore\n");
        assert_eq!(replaced("gone\n", &[r(0, 1, &[])]), "");
        assert_eq!(replaced("", &[r(0, 0, &["new"])]), "new\n");
    }
}
