//! A fetched body as the model reads it: HTML as Markdown (`htmd`), other
//! text as it came, anything else refused; cut at a character cap that the
//! text says.

/// What a body turned into.
#[derive(Debug, PartialEq, Eq)]
pub enum Page {
    /// Readable text, and whether it was Markdown made from HTML.
    Text { text: String, from_html: bool },
    /// Not text: the content type, for the error the model gets.
    NotText(String),
}

/// Tags whose content is no reading matter.
const SKIPPED: [&str; 9] = [
    "script", "style", "noscript", "svg", "head", "template", "iframe", "form", "nav",
];

/// The body of a response with content type `content_type` (empty when the
/// server sent none: then the bytes decide).
pub fn read(content_type: &str, body: &[u8]) -> Page {
    let mime = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    let html = match mime.as_str() {
        "text/html" | "application/xhtml+xml" => true,
        "" => looks_like_html(body),
        m if is_text(m) => false,
        m => return Page::NotText(m.to_string()),
    };
    if mime.is_empty() && std::str::from_utf8(body).is_err() && !html {
        return Page::NotText("binary data (no content type)".into());
    }
    let text = String::from_utf8_lossy(body);
    if !html {
        return Page::Text {
            text: text.into_owned(),
            from_html: false,
        };
    }
    let converter = htmd::HtmlToMarkdown::builder()
        .skip_tags(SKIPPED.to_vec())
        .build();
    match converter.convert(&text) {
        Ok(markdown) => Page::Text {
            text: tidy(&markdown),
            from_html: true,
        },
        // The parser does not fail on bad HTML; an I/O error here would be
        // a bug, and the raw text is still better than nothing.
        Err(_) => Page::Text {
            text: text.into_owned(),
            from_html: false,
        },
    }
}

fn is_text(mime: &str) -> bool {
    mime.starts_with("text/")
        || mime.ends_with("+json")
        || mime.ends_with("+xml")
        || matches!(
            mime,
            "application/json"
                | "application/xml"
                | "application/javascript"
                | "application/x-javascript"
                | "application/ecmascript"
                | "application/toml"
                | "application/yaml"
                | "application/x-yaml"
                | "application/x-sh"
        )
}

fn looks_like_html(body: &[u8]) -> bool {
    let start = String::from_utf8_lossy(&body[..body.len().min(512)]).to_ascii_lowercase();
    let start = start.trim_start();
    start.starts_with("<!doctype html") || start.starts_with("<html")
}

/// At most two blank lines in a row: pages full of empty containers leave
/// long runs of them.
fn tidy(markdown: &str) -> String {
    let mut out = String::with_capacity(markdown.len());
    let mut blank = 0;
    for line in markdown.lines() {
        let line = line.trim_end();
        if line.is_empty() {
            blank += 1;
            if blank > 1 {
                continue;
            }
        } else {
            blank = 0;
        }
        out.push_str(line);
        out.push('\n');
    }
    out.trim().to_string()
}

/// `text` cut to `max` characters at a line end when one is near, with a
/// note saying how much was left out; and the byte offset where the cut
/// began, when there was one.
pub fn cap(text: &str, max: usize) -> (String, Option<usize>) {
    let total = text.chars().count();
    if total <= max {
        return (text.to_string(), None);
    }
    let end = text.char_indices().nth(max).map_or(text.len(), |(i, _)| i);
    let head = &text[..end];
    let head = match head.rfind('\n') {
        Some(i) if i > end / 2 => &head[..i],
        _ => head,
    };
    let shown = head.chars().count();
    (
        format!("{head}\n\n[cut: showing {shown} of {total} characters]"),
        Some(head.len()),
    )
}

/// Characters of one matching line kept.
const LINE_CHARS: usize = 300;

/// Lines of `rest` (what a cut left out) that hold a word of `prompt`
/// (what the model said it looks for), at most `max`: so a long page
/// still answers the question when the answer is far down.
pub fn matching_lines<'a>(rest: &'a str, prompt: &str, max: usize) -> Vec<&'a str> {
    let words: Vec<String> = prompt
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.chars().count() >= 4)
        .map(str::to_lowercase)
        .collect();
    if words.is_empty() {
        return Vec::new();
    }
    rest.lines()
        .map(str::trim)
        .filter(|line| {
            let line = line.to_lowercase();
            words.iter().any(|w| line.contains(w.as_str()))
        })
        .take(max)
        // A minified page is one long line: a window of it is enough.
        .map(|line| match line.char_indices().nth(LINE_CHARS) {
            Some((end, _)) => &line[..end],
            None => line,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_becomes_markdown_without_scripts() {
        let html = "<html><head><title>T</title><script>alert(1)</script></head><body>\
                    <h1>Guide</h1><p>Read <a href=\"/a\">this</a>.</p><ul><li>one</li></ul></body></html>";
        let Page::Text { text, from_html } = read("text/html; charset=utf-8", html.as_bytes())
        else {
            panic!("text")
        };
        assert!(from_html);
        assert!(text.contains("# Guide"), "{text}");
        assert!(text.contains("[this](/a)"), "{text}");
        assert!(text.contains("one"), "{text}");
        assert!(!text.contains("alert"), "{text}");
    }

    #[test]
    fn text_passes_and_binary_is_refused() {
        assert_eq!(
            read("application/json", b"{\"a\":1}"),
            Page::Text {
                text: "{\"a\":1}".into(),
                from_html: false
            }
        );
        assert_eq!(
            read("image/png", b"\x89PNG"),
            Page::NotText("image/png".into())
        );
        assert!(matches!(read("", b"\xff\xfe\x00"), Page::NotText(_)));
        assert!(matches!(
            read("", b"<!DOCTYPE html><p>x</p>"),
            Page::Text {
                from_html: true,
                ..
            }
        ));
    }

    #[test]
    fn the_cap_says_what_it_cut() {
        let text = "line one\nline two\nline three\n";
        assert_eq!(cap(text, 100), (text.to_string(), None));
        let (cut, at) = cap(text, 15);
        assert_eq!(at, Some(8));
        assert!(cut.starts_with("line one\n"), "{cut}");
        assert!(cut.contains("[cut: showing 8 of 29 characters]"), "{cut}");
        let (cut, _) = cap("ééééé", 2);
        assert!(cut.starts_with("éé\n"), "{cut}");
    }

    #[test]
    fn lines_beyond_the_cut_that_hold_the_prompts_words() {
        let rest = "intro\nThe Timeout is 30 s\nother\ntimeouts again\n";
        assert_eq!(
            matching_lines(rest, "what timeout?", 5),
            ["The Timeout is 30 s", "timeouts again"]
        );
        assert_eq!(matching_lines(rest, "timeout", 1).len(), 1);
        assert!(
            matching_lines(rest, "a of", 5).is_empty(),
            "short words match nothing"
        );
    }
}
