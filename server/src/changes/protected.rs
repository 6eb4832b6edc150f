//! The one list of paths Tandem treats specially, asked by every face.
//!
//! `.git` is never written: its config (`core.fsmonitor`, `core.pager`, …)
//! and hooks are commands git runs on the user's machine, so a proposal
//! could plant code that the next `git status` runs. Other files also make
//! code run on the user's machine when they change (hooks and MCP servers
//! of Claude Code and Tandem, editor tasks, direnv, git attributes and
//! config, husky hooks): those may be proposed, but each review marks them
//! and no "accept everything" takes them unless the user names them.

/// What a face says beside a file that runs code on the user's machine.
pub const RUNS_CODE: &str = "runs code on your machine";

/// Whether `path` (workspace-relative, `/`-separated) is inside `.git`, or
/// is a `.git` file itself (worktrees and submodules have one): at any
/// depth, so a nested repository's `.git` is covered too.
pub fn is_git_internal(path: &str) -> bool {
    path.split('/').any(|c| c.eq_ignore_ascii_case(".git"))
}

/// Whether a change to `path` can make code run on the user's machine
/// without them running it: settings that define hooks or servers, editor
/// tasks, git config, hook scripts in their usual places.
pub fn runs_code(path: &str) -> bool {
    let parts: Vec<&str> = path.split('/').collect();
    let Some(name) = parts.last() else {
        return false;
    };
    let parent = parts.len().checked_sub(2).map(|i| parts[i]);
    let under = |dir: &str| parts[..parts.len() - 1].contains(&dir);
    // Git reads these at any depth (attributes name filters and diff
    // drivers; `.gitmodules` URLs and update commands).
    if matches!(*name, ".gitattributes" | ".gitmodules" | ".gitconfig") {
        return true;
    }
    if matches!(*name, ".envrc" | ".mcp.json") {
        return true;
    }
    if parent == Some(".claude") && matches!(*name, "settings.json" | "settings.local.json") {
        return true;
    }
    if parent == Some(".tandem") && *name == "config.toml" {
        return true;
    }
    if parent == Some(".vscode") && matches!(*name, "tasks.json" | "settings.json") {
        return true;
    }
    // Hook scripts where the tools that run them keep them.
    let dirs = &parts[..parts.len() - 1];
    under(".husky") || under(".githooks") || dirs.windows(2).any(|w| w == [".claude", "hooks"])
}

/// The refusal a tool returns for a path inside `.git`.
pub fn git_refusal(path: &str) -> String {
    format!(
        "`{path}` is inside .git, which Tandem never changes: git runs the commands its config and hooks name. Leave .git alone (git itself changes it when the user runs git)."
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn git_internals_at_any_depth_and_git_files() {
        for p in [
            ".git/config",
            ".git/hooks/pre-commit",
            ".git",
            "vendor/lib/.git/config",
            "sub/.git",
            ".GIT/config",
        ] {
            assert!(is_git_internal(p), "{p}");
        }
        for p in [
            ".gitignore",
            ".github/workflows/ci.yml",
            "src/git.rs",
            "a.git/x",
        ] {
            assert!(!is_git_internal(p), "{p}");
        }
    }

    #[test]
    fn files_that_run_code() {
        for p in [
            ".claude/settings.json",
            ".claude/settings.local.json",
            ".mcp.json",
            ".tandem/config.toml",
            ".gitattributes",
            "src/.gitattributes",
            ".gitmodules",
            ".vscode/tasks.json",
            ".vscode/settings.json",
            ".envrc",
            "web/.envrc",
            ".husky/pre-commit",
            ".husky/_/husky.sh",
            ".githooks/pre-push",
            ".claude/hooks/check.sh",
            "pkg/.claude/hooks/lint/run.sh",
        ] {
            assert!(runs_code(p), "{p}");
        }
        for p in [
            "src/main.rs",
            ".claude/agents/reviewer.md",
            ".claude/skills/x/SKILL.md",
            "docs/.claude/settings.json.md",
            ".gitignore",
            "settings.json",
            "src/hooks/use_state.ts",
        ] {
            assert!(!runs_code(p), "{p}");
        }
    }
}
