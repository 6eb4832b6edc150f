//! The one list of paths Tandem treats specially, asked by every face.
//!
//! `.git` is never written: its config (`core.fsmonitor`, `core.pager`, …)
//! and hooks are commands git runs on the user's machine, so a proposal
//! could plant code that the next `git status` runs. Other files also make
//! code run on the user's machine when they change (hooks and MCP servers
//! of Claude Code and Tandem, editor tasks, direnv, git attributes and
//! config, husky hooks): those may be proposed, but each review marks them
//! and no "accept everything" takes them unless the user names them.

use super::{ChangeSet, FileChange};
use serde_json::Value;
use std::collections::BTreeSet;

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

/// Settings files whose hooks or servers can name scripts of the repository.
pub const NAMING_SCRIPTS: [&str; 3] = [
    ".claude/settings.json",
    ".claude/settings.local.json",
    ".mcp.json",
];

/// Which files run code, for one proposal: the fixed list above, plus the
/// scripts that its settings files (as on disk and as proposed) run as
/// hooks or MCP servers, wherever they live.
#[derive(Debug, Clone, Default)]
pub struct RunsCode {
    named: BTreeSet<String>,
}

impl RunsCode {
    /// From the texts of the `NAMING_SCRIPTS` files (any that exist, before
    /// and after the proposal).
    pub fn from_texts(texts: impl IntoIterator<Item = String>) -> RunsCode {
        let named = texts.into_iter().flat_map(|t| scripts_named(&t)).collect();
        RunsCode { named }
    }

    /// For `changes`, with `disk` giving a file's text outside the proposal.
    pub fn of(changes: &ChangeSet, disk: impl Fn(&str) -> Option<String>) -> RunsCode {
        let proposed = NAMING_SCRIPTS
            .iter()
            .filter_map(|f| changes.get(f)?.proposed.clone());
        let on_disk: Vec<String> = NAMING_SCRIPTS.iter().filter_map(|f| disk(f)).collect();
        RunsCode::from_texts(proposed.chain(on_disk))
    }

    pub fn path(&self, path: &str) -> bool {
        runs_code(path) || self.named.contains(path)
    }

    /// A change runs code when its path does, or the path it moves from.
    pub fn change(&self, path: &str, change: &FileChange) -> bool {
        self.path(path) || change.moved_from.as_deref().is_some_and(|p| self.path(p))
    }
}

/// Repository paths that hook commands and MCP server commands of one
/// settings file name (`$CLAUDE_PROJECT_DIR/.claude/hooks/x.sh`,
/// `bash scripts/check.sh`, `node tools/server.js`). Any relative-looking
/// word counts: marking a file too many is safe, one too few is not.
fn scripts_named(settings: &str) -> Vec<String> {
    fn commands(v: &Value, out: &mut Vec<String>) {
        match v {
            Value::Object(map) => {
                for (k, v) in map {
                    match (k.as_str(), v) {
                        ("command", Value::String(s)) => out.push(s.clone()),
                        ("args", Value::Array(a)) => {
                            out.extend(a.iter().filter_map(|s| s.as_str().map(String::from)))
                        }
                        _ => commands(v, out),
                    }
                }
            }
            Value::Array(a) => a.iter().for_each(|v| commands(v, out)),
            _ => {}
        }
    }
    let Ok(v) = serde_json::from_str::<Value>(settings) else {
        return Vec::new();
    };
    let mut found = Vec::new();
    commands(&v, &mut found);
    // Quotes go first: `"$CLAUDE_PROJECT_DIR"/x.sh` is one word.
    let unquoted: Vec<String> = found.iter().map(|c| c.replace(['"', '\''], "")).collect();
    unquoted
        .iter()
        .flat_map(|c| c.split(|ch: char| ch.is_whitespace() || matches!(ch, ';' | '&' | '|')))
        .filter_map(|word| {
            let word = [
                "$CLAUDE_PROJECT_DIR/",
                "${CLAUDE_PROJECT_DIR}/",
                "$TANDEM_PROJECT_DIR/",
                "${TANDEM_PROJECT_DIR}/",
                "./",
            ]
            .iter()
            .fold(word, |w, prefix| w.strip_prefix(prefix).unwrap_or(w));
            let relative = !word.starts_with(['/', '-', '$', '~'])
                && !word.contains("..")
                && !word.contains("://")
                && word.contains(['/', '.'])
                && word != ".";
            relative.then(|| word.to_string())
        })
        .collect()
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
    fn scripts_that_settings_run_are_marked_too() {
        let settings = r#"{"hooks": {"PostToolUse": [{"matcher": "Edit", "hooks": [
            {"type": "command", "command": "\"$CLAUDE_PROJECT_DIR\"/scripts/lint.sh --fix"},
            {"type": "command", "command": "python3 tools/check.py && echo ok"}]}]},
            "permissions": {"allow": ["Edit(src/main.rs)"]}}"#;
        let mcp = r#"{"mcpServers": {"local": {"command": "node", "args": ["./srv/index.js", "--port", "1"]}}}"#;
        let mut changes = ChangeSet::new();
        changes.propose(".mcp.json", None, Some(mcp.into()));
        let rc = RunsCode::of(&changes, |p| {
            (p == ".claude/settings.json").then(|| settings.into())
        });
        for p in [
            "scripts/lint.sh",
            "tools/check.py",
            "srv/index.js",
            ".mcp.json",
        ] {
            assert!(rc.path(p), "{p}");
        }
        for p in ["src/main.rs", "node", "python3", "scripts/other.sh"] {
            assert!(!rc.path(p), "{p}");
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
