//! Arguments in a skill's body, as Claude Code substitutes them:
//! `$ARGUMENTS` is the text as typed, `$ARGUMENTS[N]` and `$N` the N-th
//! word (from 0; quotes group words). A missing word stays as written. When
//! the body uses none of them, the arguments are added at its end.

/// Split arguments shell-style: whitespace separates, quotes group.
pub fn words(args: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut word = String::new();
    let mut quote: Option<char> = None;
    let mut in_word = false;
    for c in args.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), c) => word.push(c),
            (None, '"' | '\'') => {
                quote = Some(c);
                in_word = true;
            }
            (None, c) if c.is_whitespace() => {
                if in_word {
                    out.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            (None, c) => {
                word.push(c);
                in_word = true;
            }
        }
    }
    if in_word {
        out.push(word);
    }
    out
}

/// The body with the arguments put in.
pub fn substitute(body: &str, args: &str) -> String {
    let words = words(args);
    let mut out = String::with_capacity(body.len() + args.len());
    let mut used = false;
    let mut rest = body;
    while let Some(i) = rest.find('$') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        if let Some(tail) = after.strip_prefix("ARGUMENTS") {
            used = true;
            if let Some((n, len)) =
                index(tail.strip_prefix('[')).filter(|(_, len)| tail[1 + len..].starts_with(']'))
            {
                let taken = 1 + "ARGUMENTS".len() + 1 + len + 1;
                match words.get(n) {
                    Some(w) => out.push_str(w),
                    None => out.push_str(&rest[i..i + taken]),
                }
                rest = &rest[i + taken..];
            } else {
                out.push_str(args);
                rest = tail;
            }
        } else if let Some((n, len)) = index(Some(after)) {
            used = true;
            match words.get(n) {
                Some(w) => out.push_str(w),
                None => out.push_str(&rest[i..i + 1 + len]),
            }
            rest = &after[len..];
        } else {
            out.push('$');
            rest = after;
        }
    }
    out.push_str(rest);
    if !used && !args.trim().is_empty() {
        out.push_str(&format!("\n\nARGUMENTS: {args}"));
    }
    out
}

/// A decimal number at the start of `text`, and its length.
fn index(text: Option<&str>) -> Option<(usize, usize)> {
    let text = text?;
    let len = text.chars().take_while(char::is_ascii_digit).count();
    (len > 0).then(|| text[..len].parse().ok().map(|n| (n, len)))?
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arguments_whole_indexed_and_positional() {
        assert_eq!(words(r#"a "b c" 'd'  e"#), ["a", "b c", "d", "e"]);
        assert_eq!(
            substitute("Fix $ARGUMENTS now", "issue 42"),
            "Fix issue 42 now"
        );
        assert_eq!(
            substitute(
                "from $0 to $ARGUMENTS[1], not $2 or $ARGUMENTS[9]",
                "x \"y z\""
            ),
            "from x to y z, not $2 or $ARGUMENTS[9]"
        );
        assert_eq!(substitute("costs $ and $x", ""), "costs $ and $x");
        assert_eq!(
            substitute("No placeholder.", "src/a.rs"),
            "No placeholder.\n\nARGUMENTS: src/a.rs"
        );
        assert_eq!(substitute("No placeholder.", ""), "No placeholder.");
    }
}
