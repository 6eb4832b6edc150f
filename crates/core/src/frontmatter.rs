//! YAML frontmatter of Markdown files (`---` / YAML / `---`, then the
//! body), as Claude Code writes agents and the Agent Skills format writes
//! `SKILL.md`: shared by both.

use serde::de::DeserializeOwned;

/// Split `text` into its frontmatter (YAML, without the fences) and body.
/// `None` when the text does not start with a `---` line or the block is
/// never closed.
pub fn split(text: &str) -> Option<(&str, &str)> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let first_end = text.find('\n')?;
    if text[..first_end].trim_end() != "---" {
        return None;
    }
    let yaml_start = first_end + 1;
    let mut pos = yaml_start;
    while pos <= text.len() {
        let end = text[pos..].find('\n').map_or(text.len(), |i| pos + i);
        let line = text[pos..end].trim_end();
        if line == "---" || line == "..." {
            let body = text.get(end + 1..).unwrap_or("");
            return Some((&text[yaml_start..pos], body));
        }
        if end == text.len() {
            break;
        }
        pos = end + 1;
    }
    None
}

/// Parse the frontmatter into `T` and return it with the body.
pub fn parse<T: DeserializeOwned>(text: &str) -> Result<(T, String), String> {
    let (yaml, body) = split(text)
        .ok_or("no frontmatter: the file must start with a `---` line and close it with another")?;
    // An empty block is an empty mapping, not YAML's null.
    let yaml = if yaml.trim().is_empty() { "{}" } else { yaml };
    let value: T = serde_norway::from_str(yaml).map_err(|e| format!("frontmatter: {e}"))?;
    Ok((value, body.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize, PartialEq)]
    struct Front {
        name: String,
        #[serde(default)]
        tools: Option<String>,
    }

    #[test]
    fn splits_yaml_from_body() {
        let text = "---\nname: a\ntools: Read, Grep\n---\nBody line\nmore\n";
        let (front, body): (Front, String) = parse(text).unwrap();
        assert_eq!(front.name, "a");
        assert_eq!(front.tools.as_deref(), Some("Read, Grep"));
        assert_eq!(body, "Body line\nmore\n");
    }

    #[test]
    fn crlf_bom_and_empty_body() {
        let text = "\u{feff}---\r\nname: b\r\n---\r\n";
        let (front, body): (Front, String) = parse(text).unwrap();
        assert_eq!(front.name, "b");
        assert_eq!(body, "");
        let (yaml, body) = split("---\nname: c\n---").unwrap();
        assert_eq!((yaml, body), ("name: c\n", ""));
    }

    #[test]
    fn a_dash_line_inside_the_body_is_body() {
        let (_, body): (Front, String) = parse("---\nname: d\n---\nx\n---\ny\n").unwrap();
        assert_eq!(body, "x\n---\ny\n");
    }

    #[test]
    fn errors_say_what_is_wrong() {
        assert!(
            parse::<Front>("no fence\n")
                .unwrap_err()
                .contains("no frontmatter")
        );
        assert!(
            parse::<Front>("---\nname: e\n")
                .unwrap_err()
                .contains("no frontmatter")
        );
        let bad = parse::<Front>("---\nname: [unclosed\n---\n").unwrap_err();
        assert!(bad.starts_with("frontmatter:"), "{bad}");
        let missing = parse::<Front>("---\n---\nbody").unwrap_err();
        assert!(missing.contains("name"), "{missing}");
    }
}
