//! The system prompt. Built once per session and never changed afterwards, so
//! every request of a session starts with the same bytes and the provider's
//! prompt cache keeps hitting.

use super::instructions::Instructions;
use std::path::Path;

const BASE: &str = "\
You are Tandem, a coding agent working in the user's repository from inside their editor or terminal.

How your changes reach the user:
- Every edit you make (edit, apply_patch, write) becomes a PROPOSAL. Nothing is written to the user's files until they review it hunk by hunk and accept it. Later reads of a file you edited show your proposed text.
- Shell commands see your proposed edits (in the sandbox, the default; see the shell tool), so you can check your work before the user accepts it.

How to work:
- Read before you edit: use read, grep, glob and list to find the code that matters, and base every change on text you have actually read.
- Prefer edit (exact replacement) or apply_patch for existing files; use write for new files or complete rewrites.
- Keep changes focused on the request. Follow the conventions of the code around you and the instructions below.
- For work of several steps, keep a plan with the todo tool and update it as you go.
- After changing code, run the project's tests or checks with shell and report their result; end with the commands that prove the change works.
- When you are done, reply with a short summary of what you changed and why, naming files and functions. Do not paste the whole diff; the user sees it.
- If the request is unclear or impossible, say so instead of guessing.";

/// Assemble the system prompt for a session in `cwd`.
pub fn system_prompt(cwd: &Path, date: &str, instructions: &Instructions) -> String {
    system_prompt_with(BASE, cwd, date, instructions)
}

/// The same with another opening in place of Tandem's (a sub-agent's).
pub fn system_prompt_with(
    base: &str,
    cwd: &Path,
    date: &str,
    instructions: &Instructions,
) -> String {
    let mut out = String::from(base);
    out.push_str("\n\n# Environment\n\n");
    out.push_str(&format!("- Working folder: {}\n", cwd.display()));
    out.push_str(&format!(
        "- Platform: {} ({})\n",
        std::env::consts::OS,
        std::env::consts::ARCH
    ));
    out.push_str(&format!("- Date: {date}\n"));
    let git = cwd.ancestors().any(|d| d.join(".git").exists());
    out.push_str(&format!(
        "- Git repository: {}\n",
        if git { "yes" } else { "no" }
    ));
    let listing = top_level_listing(cwd, 60);
    if !listing.is_empty() {
        out.push_str("- Top-level entries: ");
        out.push_str(&listing);
        out.push('\n');
    }
    if !instructions.text.is_empty() {
        out.push_str("\n# Project instructions\n\nThese come from the user's instruction files; follow them.\n\n");
        out.push_str(&instructions.text);
        out.push('\n');
    }
    out
}

/// Sorted names of the folder's entries (folders with a trailing `/`),
/// hidden ones left out, at most `cap` of them.
fn top_level_listing(cwd: &Path, cap: usize) -> String {
    let Ok(entries) = std::fs::read_dir(cwd) else {
        return String::new();
    };
    let mut names: Vec<String> = entries
        .filter_map(Result::ok)
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            if name.starts_with('.') {
                return None;
            }
            let dir = e.file_type().is_ok_and(|t| t.is_dir());
            Some(if dir { format!("{name}/") } else { name })
        })
        .collect();
    names.sort();
    let total = names.len();
    names.truncate(cap);
    let mut out = names.join(", ");
    if total > cap {
        out.push_str(&format!(", … ({} more)", total - cap));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn environment_and_instructions_are_in_the_prompt() {
        let d = tempfile::tempdir().unwrap();
        std::fs::create_dir(d.path().join("src")).unwrap();
        std::fs::write(d.path().join("README.md"), "x").unwrap();
        std::fs::write(d.path().join(".hidden"), "x").unwrap();
        let ins = Instructions {
            text: "# Instructions from AGENTS.md\n\nUse tabs.".into(),
            loaded: vec![],
        };
        let p = system_prompt(d.path(), "2026-01-02", &ins);
        assert!(p.contains("Top-level entries: README.md, src/\n"), "{p}");
        assert!(p.contains("Date: 2026-01-02"));
        assert!(p.contains("Use tabs."));
        assert!(p.contains("PROPOSAL"));
        assert_eq!(
            p,
            system_prompt(d.path(), "2026-01-02", &ins),
            "not deterministic"
        );
    }
}
