//! Cutting long tool output down to size. The head and the tail are kept
//! because both matter (a command's first error and its final summary), and
//! the model is told how much was cut so it can ask for the rest.

/// Keep at most `limit` bytes of `text`: about 40% from the start and 60% from
/// the end, cut at line boundaries where possible and always at char
/// boundaries, joined by a line saying how many bytes and lines were cut.
pub fn truncate_middle(text: &str, limit: usize) -> String {
    if text.len() <= limit {
        return text.to_string();
    }
    let head_budget = limit * 2 / 5;
    let tail_budget = limit - head_budget;

    let mut head_end = floor_char_boundary(text, head_budget);
    if let Some(nl) = text[..head_end].rfind('\n') {
        head_end = nl + 1;
    }
    let mut tail_start = ceil_char_boundary(text, text.len() - tail_budget);
    if let Some(nl) = text[tail_start..].find('\n') {
        let candidate = tail_start + nl + 1;
        if candidate < text.len() {
            tail_start = candidate;
        }
    }
    let cut = &text[head_end..tail_start];
    let cut_lines = cut.matches('\n').count();
    format!(
        "{}[... {} bytes ({} lines) cut ...]\n{}",
        &text[..head_end],
        cut.len(),
        cut_lines,
        &text[tail_start..]
    )
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn ceil_char_boundary(s: &str, mut i: usize) -> usize {
    while !s.is_char_boundary(i) {
        i += 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_text_is_untouched() {
        assert_eq!(truncate_middle("abc\n", 10), "abc\n");
    }

    #[test]
    fn keeps_head_and_tail_and_says_what_was_cut() {
        let text: String = (0..1000).map(|i| format!("line {i}\n")).collect();
        let out = truncate_middle(&text, 200);
        assert!(out.starts_with("line 0\n"));
        assert!(out.ends_with("line 999\n"));
        assert!(out.contains("lines) cut ...]"));
        assert!(out.len() < 300);
        // The numbers in the marker add up to what is missing.
        let kept_lines = out.lines().count() - 1;
        let marker = out.lines().find(|l| l.contains("cut ...]")).unwrap();
        let cut_lines: usize = marker
            .split('(')
            .nth(1)
            .unwrap()
            .split(' ')
            .next()
            .unwrap()
            .parse()
            .unwrap();
        assert_eq!(kept_lines + cut_lines, 1000);
    }

    #[test]
    fn never_splits_a_multibyte_char() {
        let text = "é".repeat(500);
        let out = truncate_middle(&text, 101);
        assert!(out.contains("cut ...]"));
        assert!(out.starts_with('é') && out.ends_with('é'));
    }
}
