//! Instruction files: `AGENTS.md` and `CLAUDE.md` from the repository root
//! down to the working folder, plus the user's global ones. Global first,
//! then root first, so the most specific instructions come last and win.

use std::path::{Path, PathBuf};

const NAMES: [&str; 2] = ["AGENTS.md", "CLAUDE.md"];

/// Global instruction files, relative to the home folder, in load order.
const GLOBAL: [&str; 3] = [
    ".config/tandem/AGENTS.md",
    ".codex/AGENTS.md",
    ".claude/CLAUDE.md",
];

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Instructions {
    /// The text for the system prompt: each file under a heading naming it.
    pub text: String,
    /// Paths of the files loaded, in order.
    pub loaded: Vec<PathBuf>,
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
    let mut files: Vec<PathBuf> = Vec::new();
    if let Some(home) = home {
        files.extend(GLOBAL.iter().map(|g| home.join(g)));
    }
    let mut folders: Vec<&Path> = cwd
        .ancestors()
        .take_while(|d| d.starts_with(&root))
        .collect();
    folders.reverse();
    for folder in folders {
        files.extend(NAMES.iter().map(|n| folder.join(n)));
    }

    let found: Vec<(PathBuf, String)> = files
        .into_iter()
        .filter_map(|p| {
            let text = std::fs::read_to_string(&p).ok()?;
            (!text.trim().is_empty()).then_some((p, text))
        })
        .collect();
    assemble(found, cap)
}

/// Join the files under headings. Over the cap, the files nearest the working
/// folder (the last ones) are kept whole and the earlier ones are cut.
fn assemble(found: Vec<(PathBuf, String)>, cap: usize) -> Instructions {
    let mut budget = cap;
    let mut parts: Vec<String> = Vec::new();
    let mut loaded = Vec::new();
    for (path, text) in found.iter().rev() {
        let heading = format!("# Instructions from {}\n\n", path.display());
        let body = text.trim_end();
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
        loaded.push(path.clone());
    }
    parts.reverse();
    loaded.reverse();
    Instructions {
        text: parts.concat().trim_end().to_string(),
        loaded,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(p: &Path, text: &str) {
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }

    #[test]
    fn global_then_root_down_to_cwd_and_not_above_the_repo() {
        let d = tempfile::tempdir().unwrap();
        let outer = d.path();
        let repo = outer.join("repo");
        let home = outer.join("home");
        std::fs::create_dir_all(repo.join(".git")).unwrap();
        write(&outer.join("AGENTS.md"), "ABOVE THE REPO");
        write(&repo.join("AGENTS.md"), "root agents");
        write(&repo.join("CLAUDE.md"), "root claude");
        write(&repo.join("a/b/AGENTS.md"), "nested");
        write(&repo.join("a/b/c/other.md"), "not an instruction file");
        write(&home.join(".claude/CLAUDE.md"), "global claude");
        let got = load(&repo.join("a/b/c"), Some(&home), 100_000);
        let order: Vec<String> = got
            .loaded
            .iter()
            .map(|p| p.strip_prefix(outer).unwrap().display().to_string())
            .collect();
        assert_eq!(
            order,
            [
                "home/.claude/CLAUDE.md",
                "repo/AGENTS.md",
                "repo/CLAUDE.md",
                "repo/a/b/AGENTS.md"
            ]
        );
        assert!(!got.text.contains("ABOVE THE REPO"));
        let g = got.text.find("global claude").unwrap();
        let r = got.text.find("root agents").unwrap();
        let n = got.text.find("nested").unwrap();
        assert!(g < r && r < n);
    }

    #[test]
    fn over_the_cap_the_nearest_file_stays_whole() {
        let d = tempfile::tempdir().unwrap();
        let repo = d.path();
        std::fs::create_dir_all(repo.join(".git")).unwrap();
        write(&repo.join("AGENTS.md"), &"root ".repeat(400));
        write(&repo.join("sub/AGENTS.md"), "nearest rule");
        let got = load(&repo.join("sub"), None, 600);
        assert!(got.text.len() <= 600, "{}", got.text.len());
        assert!(got.text.contains("nearest rule"));
        assert!(got.text.contains("cut: the instruction files exceed"));
        assert_eq!(got.loaded.len(), 2);
    }
}
