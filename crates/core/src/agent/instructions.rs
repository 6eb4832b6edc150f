//! Instruction files: `AGENTS.md` and `CLAUDE.md` from the repository root
//! down to the working folder, plus the user's global ones. Global first,
//! then root first, so the most specific instructions come last and win.
//!
//! In each folder, as Codex and Claude Code do: `AGENTS.override.md`
//! replaces `AGENTS.md`; `CLAUDE.md` (or `.claude/CLAUDE.md`) is followed by
//! `CLAUDE.local.md`. Claude's files may `@import` others (see `imports`).
//! Folders below the working folder are loaded later, when a tool first
//! touches a file under them (`Nested`).

mod imports;

use std::collections::HashSet;
use std::path::{Path, PathBuf};

/// Global instruction files, relative to the home folder, in load order.
/// Each entry is a list of alternatives: the first that exists is used.
const GLOBAL: [&[&str]; 3] = [
    &[".config/tandem/AGENTS.md"],
    &[".codex/AGENTS.override.md", ".codex/AGENTS.md"],
    &[".claude/CLAUDE.md"],
];

/// The instruction files of one folder, in load order, as alternatives.
const FOLDER: [&[&str]; 4] = [
    &["AGENTS.override.md", "AGENTS.md"],
    &["CLAUDE.md"],
    &[".claude/CLAUDE.md"],
    &["CLAUDE.local.md"],
];

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Instructions {
    /// The text for the system prompt: each file under a heading naming it.
    pub text: String,
    /// Paths of the files loaded, in order (imported files after the file
    /// that imports them).
    pub loaded: Vec<PathBuf>,
}

/// One file found, with the file that imported it, if any.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Found {
    path: PathBuf,
    text: String,
    imported_by: Option<PathBuf>,
}

/// The repository root above `cwd`: the nearest folder holding `.git`, or
/// `cwd` itself when there is none.
pub fn repo_root(cwd: &Path) -> PathBuf {
    cwd.ancestors()
        .find(|d| d.join(".git").exists())
        .unwrap_or(cwd)
        .to_path_buf()
}

/// Find and load the instruction files for `cwd`, within `cap` bytes.
pub fn load(cwd: &Path, home: Option<&Path>, cap: usize) -> Instructions {
    let root = repo_root(cwd);
    let mut candidates: Vec<PathBuf> = Vec::new();
    if let Some(home) = home {
        candidates.extend(GLOBAL.iter().filter_map(|alts| first_present(home, alts)));
    }
    let mut folders: Vec<&Path> = cwd
        .ancestors()
        .take_while(|d| d.starts_with(&root))
        .collect();
    folders.reverse();
    for folder in folders {
        candidates.extend(folder_files(folder));
    }
    let mut seen = HashSet::new();
    let found = read_all(&candidates, &root, home, &mut seen);
    assemble(found, cap)
}

/// The instruction files present in `dir`, in load order.
fn folder_files(dir: &Path) -> Vec<PathBuf> {
    FOLDER
        .iter()
        .filter_map(|alts| first_present(dir, alts))
        .collect()
}

/// The first of `alternatives` (relative to `dir`) that is a file with
/// some text in it.
fn first_present(dir: &Path, alternatives: &[&str]) -> Option<PathBuf> {
    alternatives
        .iter()
        .map(|name| dir.join(name))
        .find(|p| p.is_file() && read_text(p).is_some())
}

/// Read the candidates with their imports, skipping empty, unreadable and
/// already seen files.
fn read_all(
    candidates: &[PathBuf],
    root: &Path,
    home: Option<&Path>,
    seen: &mut HashSet<PathBuf>,
) -> Vec<Found> {
    let mut found = Vec::new();
    for path in candidates {
        let Some(text) = read_text(path) else {
            continue;
        };
        if !seen.insert(identity(path)) {
            continue;
        }
        let imports_allowed = imports::may_import(path);
        found.push(Found {
            path: path.clone(),
            text: text.clone(),
            imported_by: None,
        });
        if imports_allowed {
            imports::expand(path, &text, root, home, seen, &mut found);
        }
    }
    found
}

fn read_text(path: &Path) -> Option<String> {
    let text = std::fs::read_to_string(path).ok()?;
    (!text.trim().is_empty()).then_some(text)
}

/// A path's identity for "seen before": its real path when it exists.
fn identity(path: &Path) -> PathBuf {
    path.canonicalize().unwrap_or_else(|_| path.to_path_buf())
}

/// Join the files under headings. Over the cap, the files nearest the working
/// folder (the last ones) are kept whole and the earlier ones are cut.
fn assemble(found: Vec<Found>, cap: usize) -> Instructions {
    let mut budget = cap;
    let mut parts: Vec<String> = Vec::new();
    let mut loaded = Vec::new();
    for f in found.iter().rev() {
        let heading = match &f.imported_by {
            Some(by) => format!(
                "# Instructions from {} (imported by {})\n\n",
                f.path.display(),
                by.display()
            ),
            None => format!("# Instructions from {}\n\n", f.path.display()),
        };
        let body = f.text.trim_end();
        let whole = heading.len() + body.len() + 2;
        if whole <= budget {
            parts.push(format!("{heading}{body}\n\n"));
            budget -= whole;
        } else {
            let note = "\n[... cut: the instruction files exceed their size cap ...]\n\n";
            let room = budget.saturating_sub(heading.len() + note.len());
            if room > 0 {
                let mut end = room.min(body.len());
                while !body.is_char_boundary(end) {
                    end -= 1;
                }
                parts.push(format!("{heading}{}{note}", &body[..end]));
            }
            budget = 0;
            if room == 0 {
                continue;
            }
        }
        loaded.push(f.path.clone());
    }
    parts.reverse();
    loaded.reverse();
    Instructions {
        text: parts.concat().trim_end().to_string(),
        loaded,
    }
}

/// Instruction files of folders below the working folder, loaded when a
/// tool first touches a file under them, once per session.
#[derive(Debug)]
pub struct Nested {
    cwd: PathBuf,
    home: Option<PathBuf>,
    cap: usize,
    /// Folders already looked at.
    checked: HashSet<PathBuf>,
    /// Files already loaded (at the start or by an earlier touch).
    seen: HashSet<PathBuf>,
    /// The files of the system prompt, which are never loaded again.
    at_start: HashSet<PathBuf>,
}

/// Instruction files loaded because a tool touched a file under their folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NestedLoad {
    /// The files loaded, in order.
    pub files: Vec<PathBuf>,
    /// The text to add to the tool's result.
    pub text: String,
}

impl Nested {
    /// `loaded`: the files already in the system prompt.
    pub fn new(cwd: &Path, home: Option<&Path>, cap: usize, loaded: &[PathBuf]) -> Nested {
        let at_start: HashSet<PathBuf> = loaded.iter().map(|p| identity(p)).collect();
        Nested {
            cwd: cwd.to_path_buf(),
            home: home.map(Path::to_path_buf),
            cap,
            checked: HashSet::new(),
            seen: at_start.clone(),
            at_start,
        }
    }

    /// Forget what touches loaded (the conversation that held their text
    /// was compacted away), so the next touch loads them again.
    pub fn forget(&mut self) {
        self.checked.clear();
        self.seen = self.at_start.clone();
    }

    /// The agent touched `file` (absolute): the instruction files of the
    /// folders between the working folder (excluded) and the file's folder
    /// not looked at before, outermost first. `None` when there are none.
    pub fn touch(&mut self, file: &Path) -> Option<NestedLoad> {
        let dir = file.parent()?;
        if !dir.starts_with(&self.cwd) || dir == self.cwd {
            return None;
        }
        let mut folders: Vec<&Path> = dir
            .ancestors()
            .take_while(|d| *d != self.cwd && d.starts_with(&self.cwd))
            .collect();
        folders.reverse();
        let mut candidates = Vec::new();
        for folder in folders {
            if self.checked.insert(folder.to_path_buf()) {
                candidates.extend(folder_files(folder));
            }
        }
        if candidates.is_empty() {
            return None;
        }
        let root = repo_root(&self.cwd);
        let found = read_all(&candidates, &root, self.home.as_deref(), &mut self.seen);
        if found.is_empty() {
            return None;
        }
        let assembled = assemble(found, self.cap);
        let folders: Vec<String> = assembled
            .loaded
            .iter()
            .filter_map(|p| p.parent())
            .map(|d| {
                let rel = d.strip_prefix(&self.cwd).unwrap_or(d);
                format!("{}/", rel.display())
            })
            .collect::<Vec<_>>();
        let text = format!(
            "\n\n[Instruction files for {} were loaded because you touched a file there. \
             They apply to files under that folder; follow them.]\n\n{}\n",
            folders.join(", "),
            assembled.text
        );
        Some(NestedLoad {
            files: assembled.loaded,
            text,
        })
    }
}

/// The files a tool call reads or writes, as the model wrote them (the tool
/// says which); folders searched and files deleted load nothing.
pub fn touched_paths(tool: &str, input: &serde_json::Value) -> Vec<String> {
    use crate::tools::Access;
    let Some(tool) = crate::tools::builtin(tool) else {
        return Vec::new();
    };
    tool.touches(input)
        .into_iter()
        .filter(|t| matches!(t.access, Access::Read | Access::Write))
        .map(|t| t.path)
        .collect()
}

#[cfg(test)]
mod tests;
