//! The patch's envelope: the text between `*** Begin Patch` and `*** End
//! Patch`. As in Codex's reference parser, the text is trimmed first, the
//! two markers may carry spaces around them, and a shell heredoc left
//! around the patch (`<<'EOF'` … `EOF`, which a model writes when it
//! thinks it is calling a shell command) is taken off. Nothing else around
//! the markers is accepted: the reference refuses it, so Tandem does too.

use crate::parser::{BEGIN, END, ParseError};

/// The lines from `*** Begin Patch` to `*** End Patch` (both included), and
/// the 1-based number, in `text`, of the first of them.
pub(crate) fn envelope(text: &str) -> Result<(usize, Vec<&str>), ParseError> {
    let trimmed = text.trim();
    let start = text.len() - text.trim_start().len();
    let first_line = text[..start].matches('\n').count() + 1;
    let lines: Vec<&str> = trimmed.lines().collect();
    let err = match markers(&lines, first_line) {
        Ok(()) => return Ok((first_line, lines)),
        Err(e) => e,
    };
    // The reference takes off a heredoc only when the patch itself is
    // whole inside it, and reports what is wrong inside otherwise.
    if let [opening, .., closing] = lines.as_slice()
        && ["<<EOF", "<<'EOF'", "<<\"EOF\""].contains(opening)
        && closing.ends_with("EOF")
        && lines.len() >= 4
    {
        let inner = lines[1..lines.len() - 1].to_vec();
        markers(&inner, first_line + 1)?;
        return Ok((first_line + 1, inner));
    }
    Err(err)
}

/// Whether `lines` start with `*** Begin Patch` and end with `*** End
/// Patch`, spaces around either allowed.
fn markers(lines: &[&str], first_line: usize) -> Result<(), ParseError> {
    let first = lines.first().map(|l| l.trim());
    let last = lines.last().map(|l| l.trim());
    if first != Some(BEGIN) {
        let got = first.unwrap_or_default();
        return Err(ParseError {
            line: first_line,
            message: format!("the patch must start with a `{BEGIN}` line{}", hint(got)),
        });
    }
    if lines.len() < 2 || last != Some(END) {
        return Err(ParseError {
            line: first_line + lines.len().saturating_sub(1),
            message: format!("the patch must end with a `{END}` line"),
        });
    }
    Ok(())
}

/// What the model most likely did instead, for the error it reads.
fn hint(first: &str) -> &'static str {
    if first.starts_with("```") {
        " (give the patch without a ``` code fence around it)"
    } else if first.starts_with("apply_patch") || first.starts_with("applypatch") {
        " (give only the patch text, not an apply_patch shell command)"
    } else {
        ""
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BODY: &str = "*** Begin Patch\n*** Delete File: x\n*** End Patch";

    #[test]
    fn markers_may_carry_spaces_and_a_heredoc_comes_off() {
        let text = format!("\n\n  {BODY}  \n\n");
        let (line, lines) = envelope(&text).unwrap();
        assert_eq!((line, lines.len()), (3, 3));
        let padded = " *** Begin Patch \n*** Delete File: x\n *** End Patch ";
        assert_eq!(envelope(padded).unwrap().1.len(), 3);
        for wrapped in [
            format!("<<EOF\n{BODY}\nEOF\n"),
            format!("<<'EOF'\n{BODY}\nEOF"),
            format!("<<\"EOF\"\n{BODY}\nEOF\n"),
        ] {
            let (line, lines) = envelope(&wrapped).unwrap();
            assert_eq!((line, lines[0], lines.len()), (2, "*** Begin Patch", 3));
        }
    }

    #[test]
    fn what_the_reference_refuses_is_refused_with_a_hint() {
        for (text, want) in [
            (format!("```\n{BODY}\n```"), "code fence"),
            (
                format!("apply_patch <<'EOF'\n{BODY}\nEOF"),
                "not an apply_patch",
            ),
            (format!("<<\"EOF'\n{BODY}\nEOF"), "must start with"),
            (
                "*** Begin Patch\n*** Delete File: x".to_string(),
                "must end with",
            ),
            ("*** Begin Patch".to_string(), "must end with"),
            (String::new(), "must start with"),
        ] {
            let e = envelope(&text).unwrap_err();
            assert!(e.message.contains(want), "{text:?}: {e}");
        }
        // Inside a heredoc, what is wrong inside is what is reported.
        let e = envelope("<<EOF\n*** Begin Patch\n*** Update File: a\nEOF\n").unwrap_err();
        assert!(e.message.contains("must end with"), "{e}");
    }
}
