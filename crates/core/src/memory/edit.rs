//! Changes to a memory file's text: add a bullet under a heading, replace
//! or remove exact text. Pure functions on the text, plus the write.

use std::path::Path;

/// The heading notes go under when none is given.
pub const DEFAULT_HEADING: &str = "Notes";

/// What a new memory file starts with.
pub fn new_file(scope: super::Scope) -> String {
    format!(
        "# {} memory\n\nNotes Tandem keeps across sessions. Edit freely.\n",
        scope.title()
    )
}

/// Add `note` as a bullet at the end of the `## heading` section, making
/// the section when there is none. A note already there is not repeated.
pub fn add(text: &str, heading: &str, note: &str) -> Result<String, String> {
    let note = note.trim();
    if note.is_empty() {
        return Err("the note is empty".into());
    }
    let heading = heading.trim().trim_start_matches('#').trim();
    let heading = if heading.is_empty() {
        DEFAULT_HEADING
    } else {
        heading
    };
    let mut lines = note.lines();
    let mut bullet = format!("- {}", lines.next().unwrap_or("").trim_start_matches("- "));
    for line in lines {
        bullet.push_str(&format!("\n  {}", line.trim_start()));
    }
    if text.contains(&bullet) {
        return Ok(text.to_string());
    }
    let all: Vec<&str> = text.lines().collect();
    let start = all.iter().position(|l| {
        let t = l.trim();
        t.starts_with("## ") && t[3..].trim().eq_ignore_ascii_case(heading)
    });
    let mut out: Vec<String> = all.iter().map(|l| l.to_string()).collect();
    match start {
        Some(s) => {
            // The section ends at the next heading of level 1 or 2.
            let end = all[s + 1..]
                .iter()
                .position(|l| l.starts_with("# ") || l.starts_with("## "))
                .map_or(all.len(), |i| s + 1 + i);
            let mut at = end;
            while at > s + 1 && all[at - 1].trim().is_empty() {
                at -= 1;
            }
            if at == s + 1 {
                out.insert(at, String::new());
                at += 1;
            }
            out.insert(at, bullet);
        }
        None => {
            while out.last().is_some_and(|l| l.trim().is_empty()) {
                out.pop();
            }
            if !out.is_empty() {
                out.push(String::new());
            }
            out.push(format!("## {heading}"));
            out.push(String::new());
            out.push(bullet);
        }
    }
    Ok(out.join("\n") + "\n")
}

/// Replace the one occurrence of `old` with `new`.
pub fn replace(text: &str, old: &str, new: &str) -> Result<String, String> {
    let at = unique(text, old)?;
    Ok(format!("{}{new}{}", &text[..at], &text[at + old.len()..]))
}

/// Remove the one occurrence of `old`; a bullet or line it fills goes whole.
pub fn remove(text: &str, old: &str) -> Result<String, String> {
    let at = unique(text, old)?;
    let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    let end = at + old.len();
    let line_end = text[end..].find('\n').map_or(text.len(), |i| end + i + 1);
    let line = text[line_start..line_end].trim();
    let whole = line == old.trim() || line.trim_start_matches("- ") == old.trim();
    Ok(if whole {
        format!("{}{}", &text[..line_start], &text[line_end..])
    } else {
        format!("{}{}", &text[..at], &text[end..])
    })
}

fn unique(text: &str, old: &str) -> Result<usize, String> {
    if old.is_empty() {
        return Err("`old_text` is empty".into());
    }
    match text.match_indices(old).count() {
        0 => Err("`old_text` is not in the memory file; view it and copy the text exactly".into()),
        1 => Ok(text.find(old).unwrap_or(0)),
        n => Err(format!(
            "`old_text` is in the memory file {n} times; include more of it so it is unique"
        )),
    }
}

/// Write the file whole (through a temporary file, so a reader never sees
/// half of it), making its folder.
pub fn write(path: &Path, text: &str) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    crate::state_files::write_atomic_bytes(path, text.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn add_goes_under_its_heading() {
        let t = add("# Project memory\n", "Commands", "Run `make test`.").unwrap();
        assert_eq!(t, "# Project memory\n\n## Commands\n\n- Run `make test`.\n");
        let t = add(&t, "Pitfalls", "Never edit gen/").unwrap();
        let t = add(&t, "commands", "Lint: make lint\nwith -j1").unwrap();
        assert_eq!(
            t,
            "# Project memory\n\n## Commands\n\n- Run `make test`.\n- Lint: make lint\n  with -j1\n\n\
             ## Pitfalls\n\n- Never edit gen/\n"
        );
        assert_eq!(
            add(&t, "Pitfalls", "Never edit gen/").unwrap(),
            t,
            "no repeats"
        );
        assert!(add(&t, "x", "  ").is_err());
        assert_eq!(add("", "", "first").unwrap(), "## Notes\n\n- first\n");
    }

    #[test]
    fn replace_and_remove_exact_text() {
        let t = "## Notes\n\n- use tabs\n- run make\n";
        assert_eq!(
            replace(t, "use tabs", "use 4 spaces").unwrap(),
            "## Notes\n\n- use 4 spaces\n- run make\n"
        );
        assert_eq!(remove(t, "- use tabs").unwrap(), "## Notes\n\n- run make\n");
        assert_eq!(remove(t, "use tabs").unwrap(), "## Notes\n\n- run make\n");
        assert_eq!(
            remove(t, "make").unwrap(),
            "## Notes\n\n- use tabs\n- run \n"
        );
        assert!(replace(t, "absent", "x").unwrap_err().contains("not in"));
        assert!(remove("a a", "a").unwrap_err().contains("2 times"));
    }
}
