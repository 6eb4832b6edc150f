//! `@path` imports in Claude's instruction files, as Claude Code reads them:
//! a path after `@` (at the start of a line or after whitespace) relative to
//! the importing file, absolute, or home-relative with `@~/`; nothing inside
//! code spans or fenced code blocks; at most `MAX_DEPTH` hops; a file is
//! loaded once, so cycles end. An `@word` naming no file stays plain text.
//! Imported files follow the file that imports them, under their own heading.
//! Outside the repository only Markdown files are imported, so a checked-in
//! `CLAUDE.md` cannot pull `@~/.aws/credentials` into the prompt (Claude
//! Code asks before external imports; Tandem has no one to ask at start).

use super::{Found, identity, read_text};
use std::collections::HashSet;
use std::path::{Path, PathBuf};

/// Import hops allowed from a top-level file.
pub const MAX_DEPTH: usize = 5;

/// Whether `path` may import: Claude's files, not `AGENTS.md` (Codex has no
/// imports).
pub fn may_import(path: &Path) -> bool {
    path.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n.starts_with("CLAUDE"))
}

/// Load the files `text` (the content of `path`) imports, recursively,
/// appending them to `out` after marking them in `seen`.
pub(super) fn expand(
    path: &Path,
    text: &str,
    root: &Path,
    home: Option<&Path>,
    seen: &mut HashSet<PathBuf>,
    out: &mut Vec<Found>,
) {
    expand_at(path, text, root, home, seen, out, 1);
}

fn expand_at(
    path: &Path,
    text: &str,
    root: &Path,
    home: Option<&Path>,
    seen: &mut HashSet<PathBuf>,
    out: &mut Vec<Found>,
    depth: usize,
) {
    if depth > MAX_DEPTH {
        return;
    }
    let base = path.parent().unwrap_or(Path::new("."));
    for token in references(text) {
        let Some(target) = resolve(&token, base, home) else {
            continue;
        };
        let markdown = target.extension().is_some_and(|e| e == "md");
        if !markdown && !identity(&target).starts_with(identity(root)) {
            continue;
        }
        let Some(imported) = read_text(&target) else {
            continue;
        };
        if !seen.insert(identity(&target)) {
            continue;
        }
        out.push(Found {
            path: target.clone(),
            text: imported.clone(),
            imported_by: Some(path.to_path_buf()),
        });
        expand_at(&target, &imported, root, home, seen, out, depth + 1);
    }
}

/// The file an `@token` names, if it is one: the token as written, or
/// without trailing punctuation (`see @docs/style.md.`).
fn resolve(token: &str, base: &Path, home: Option<&Path>) -> Option<PathBuf> {
    let trimmed = token.trim_end_matches(['.', ',', ';', ':', '!', '?', ')', ']', '"', '\'']);
    [token, trimmed].into_iter().find_map(|t| {
        if t.is_empty() {
            return None;
        }
        let p = if let Some(rest) = t.strip_prefix("~/") {
            home?.join(rest)
        } else if Path::new(t).is_absolute() {
            PathBuf::from(t)
        } else {
            base.join(t)
        };
        let p = normalize(&p);
        p.is_file().then_some(p)
    })
}

/// `a/b/../c` as `a/c`, without touching the file system.
fn normalize(path: &Path) -> PathBuf {
    use std::path::Component;
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

/// The `@` references in Markdown text, outside code spans and fences.
pub fn references(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut fence: Option<(char, usize)> = None;
    for line in text.lines() {
        let trimmed = line.trim_start();
        let indent = line.len() - trimmed.len();
        let marker = trimmed.chars().next().filter(|c| *c == '`' || *c == '~');
        if let Some(c) = marker.filter(|_| indent <= 3) {
            let run = trimmed.chars().take_while(|x| *x == c).count();
            if run >= 3 {
                match fence {
                    None => {
                        fence = Some((c, run));
                        continue;
                    }
                    Some((open, len)) if open == c && run >= len => {
                        fence = None;
                        continue;
                    }
                    Some(_) => {}
                }
            }
        }
        if fence.is_some() {
            continue;
        }
        scan_line(&without_code_spans(line), &mut out);
    }
    out
}

/// The line with its inline code spans (`` `…` ``, ``` ``…`` ```) blanked.
fn without_code_spans(line: &str) -> String {
    let chars: Vec<char> = line.chars().collect();
    let mut out = String::with_capacity(line.len());
    let mut i = 0;
    while i < chars.len() {
        if chars[i] != '`' {
            out.push(chars[i]);
            i += 1;
            continue;
        }
        let run = chars[i..].iter().take_while(|c| **c == '`').count();
        // Find a closing run of the same length.
        let mut j = i + run;
        let mut close = None;
        while j < chars.len() {
            if chars[j] == '`' {
                let r = chars[j..].iter().take_while(|c| **c == '`').count();
                if r == run {
                    close = Some(j);
                    break;
                }
                j += r;
            } else {
                j += 1;
            }
        }
        match close {
            Some(j) => {
                out.push(' ');
                i = j + run;
            }
            None => {
                // An unclosed run is literal text.
                out.extend(std::iter::repeat_n('`', run));
                i += run;
            }
        }
    }
    out
}

fn scan_line(line: &str, out: &mut Vec<String>) {
    let mut prev: Option<char> = None;
    for (i, c) in line.char_indices() {
        if c == '@' && prev.is_none_or(char::is_whitespace) {
            let rest = &line[i + 1..];
            let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
            let token = &rest[..end];
            if !token.is_empty() {
                out.push(token.to_string());
            }
        }
        prev = Some(c);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_skip_code_and_emails() {
        let text = "See @docs/a.md and @~/x.md.\nmail me at a@b.c\n`@not/this` but @this\n\
                    ```\n@in/fence\n```\n~~~md\n@tilde/fence\n~~~\n``@double `tick` span`` @after\n";
        assert_eq!(references(text), ["docs/a.md", "~/x.md.", "this", "after"]);
    }
}
