//! Persistent memory: Markdown notes the agent keeps across sessions, one
//! file for the project and one for the user. The project's lives in the
//! platform's state folder, keyed by the workspace path (`state`, the
//! default), or in `.tandem/MEMORY.md` in the repository (`repo`); the
//! user's beside the user's config file. Both go into the system prompt at
//! session start within a size cap; the `memory` tool edits them. They are
//! Tandem's own files: written directly, never a proposal, and the user may
//! read and edit them at any time.

pub mod edit;

use serde::Deserialize;
use std::path::{Path, PathBuf};

/// Bytes of memory in the system prompt, both files together.
pub const DEFAULT_CAP: usize = 16 * 1024;

/// `[memory]` in the settings.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MemorySettings {
    /// Load and offer memory (default true).
    pub enabled: Option<bool>,
    /// Where the project memory lives: `state` (default) or `repo`.
    pub project: Option<ProjectPlace>,
    /// Bytes of memory put in the system prompt.
    pub cap_bytes: Option<usize>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ProjectPlace {
    /// The platform's state folder, outside the work tree.
    #[default]
    State,
    /// `.tandem/MEMORY.md` in the repository (shared if committed).
    Repo,
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize, schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Scope {
    Project,
    User,
}

impl Scope {
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Project => "project",
            Scope::User => "user",
        }
    }

    /// As a heading starts: "Project", "User".
    pub fn title(self) -> &'static str {
        match self {
            Scope::Project => "Project",
            Scope::User => "User",
        }
    }
}

/// Where a session's memory files are, and how much of them it loads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Memory {
    pub project: PathBuf,
    pub user: Option<PathBuf>,
    pub cap: usize,
}

impl Memory {
    /// The memory of the workspace at `root`. `state_dir` and `config_dir`
    /// are the platform's folders (`dirs::state_dir()`, `dirs::config_dir()`).
    /// `None` when memory is off, or no place for it can be found.
    pub fn locate(
        root: &Path,
        settings: &MemorySettings,
        state_dir: Option<PathBuf>,
        config_dir: Option<PathBuf>,
    ) -> Option<Memory> {
        if settings.enabled == Some(false) {
            return None;
        }
        let project = match settings.project.unwrap_or_default() {
            ProjectPlace::Repo => root.join(".tandem").join("MEMORY.md"),
            ProjectPlace::State => state_dir?
                .join("tandem")
                .join("memory")
                .join(project_key(root))
                .join("MEMORY.md"),
        };
        Some(Memory {
            project,
            user: config_dir.map(|d| d.join("tandem").join("MEMORY.md")),
            cap: settings.cap_bytes.unwrap_or(DEFAULT_CAP),
        })
    }

    pub fn path(&self, scope: Scope) -> Option<&Path> {
        match scope {
            Scope::Project => Some(&self.project),
            Scope::User => self.user.as_deref(),
        }
    }

    /// The system prompt section, and problems reading the files. Project
    /// memory first; over the cap each file is cut at a line end and the
    /// model is told to `view` the rest.
    pub fn prompt_section(&self) -> (String, Vec<String>) {
        let mut problems = Vec::new();
        let mut out = String::from(
            "# Memory\n\nNotes kept across sessions with the `memory` tool: what earlier \
             sessions learned about this project and about the user. They may be out of date: \
             what you read in the code wins. When you learn something durable that a future \
             session would need (a convention, a command that works, a pitfall), record it \
             with the `memory` tool; keep notes short and never store secrets.\n",
        );
        let mut budget = self.cap;
        for scope in [Scope::Project, Scope::User] {
            let Some(path) = self.path(scope) else {
                continue;
            };
            let text = match std::fs::read_to_string(path) {
                Ok(t) => t,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
                Err(e) => {
                    problems.push(format!("cannot read memory file {}: {e}", path.display()));
                    String::new()
                }
            };
            let text = text.trim();
            out.push_str(&format!(
                "\n## {} memory ({})\n\n",
                scope.title(),
                path.display()
            ));
            if text.is_empty() {
                out.push_str("(empty)\n");
                continue;
            }
            let (kept, cut) = cut_at_line(text, budget);
            budget -= kept.len();
            out.push_str(kept);
            out.push('\n');
            if cut {
                out.push_str(&format!(
                    "[... cut at the memory size cap; `memory` with action `view` and scope \
                     `{}` shows all of it ...]\n",
                    scope.as_str()
                ));
            }
        }
        (out, problems)
    }
}

/// At most `cap` bytes of `text`, ending at a line end where one is near.
fn cut_at_line(text: &str, cap: usize) -> (&str, bool) {
    if text.len() <= cap {
        return (text, false);
    }
    let mut end = cap;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let end = text[..end].rfind('\n').unwrap_or(end);
    (&text[..end], true)
}

/// A readable, stable folder name for a workspace: its last part and a
/// hash of its full path (FNV-1a, stable across builds and platforms).
pub fn project_key(root: &Path) -> String {
    let path = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for b in path.to_string_lossy().as_bytes() {
        hash ^= u64::from(*b);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    let name: String = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '-'
            }
        })
        .take(40)
        .collect();
    format!("{name}-{hash:016x}")
}

#[cfg(test)]
mod tests;
