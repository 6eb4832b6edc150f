//! Folder trust: commands defined by files inside a repository (hooks in
//! `.claude/settings*.json` and `[hooks]` of `.tandem/config.toml`, MCP
//! servers in `.mcp.json` and `[mcp_servers]`) run only once the user
//! trusted that folder, as Claude Code and Codex do. A cloned repository is
//! someone else's code; the user's own files (`~/.claude/settings.json`,
//! `~/.config/tandem/config.toml`, editor settings, flags) need no trust.
//!
//! `inventory.rs` lists what a folder would run, `store.rs` keeps the
//! user's answers outside the repository. `Trust` is the one decision every
//! face (exec, the language server, tasks) gets from here and hands to
//! `setup`, which leaves the repository's commands out unless it is trusted.
//! Faces only ask the question; nothing here knows a terminal or LSP.

pub mod inventory;
mod store;

pub use inventory::{CLAUDE_PROJECT_FILES, Inventory, is_home};
pub use store::{Entry, Store};

use std::path::{Path, PathBuf};

/// Where one folder stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    /// The user trusted this folder with exactly these commands.
    Trusted,
    /// The user said no to these commands.
    Declined,
    /// Never answered, or answered for another set of commands.
    Unanswered { changed: bool },
}

/// The trust of one folder for one run.
#[derive(Debug, Clone)]
pub struct Trust {
    /// The folder, canonical (the store's key).
    pub folder: PathBuf,
    /// What the repository would run.
    pub inventory: Inventory,
    pub state: State,
}

impl Trust {
    /// The folder's commands and the stored answer for them.
    pub fn check(root: &Path) -> Trust {
        let folder = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
        let inventory = Inventory::of(&folder, dirs::home_dir().as_deref());
        let state = match Store::open().and_then(|s| s.get(&folder)) {
            Some(e) if e.commands == inventory.lines() => {
                if e.trusted {
                    State::Trusted
                } else {
                    State::Declined
                }
            }
            Some(_) => State::Unanswered { changed: true },
            None => State::Unanswered { changed: false },
        };
        Trust {
            folder,
            inventory,
            state,
        }
    }

    /// Trusted without asking anyone: for code that never reads the
    /// repository's commands, and tests.
    pub fn trusted(root: &Path) -> Trust {
        Trust {
            folder: root.to_path_buf(),
            inventory: Inventory::default(),
            state: State::Trusted,
        }
    }

    /// Whether the repository's hooks and MCP servers may run.
    pub fn allows_repo_commands(&self) -> bool {
        self.state == State::Trusted || self.inventory.is_empty()
    }

    /// Whether a face should ask the user (there is something to run and
    /// no answer for it).
    pub fn needs_answer(&self) -> bool {
        !self.inventory.is_empty() && matches!(self.state, State::Unanswered { .. })
    }

    /// Record the user's answer in the store and take it for this run.
    pub fn answer(&mut self, trusted: bool) -> std::io::Result<()> {
        let store = Store::open().ok_or_else(|| std::io::Error::other("no state folder"))?;
        store.set(&self.folder, trusted, self.inventory.lines())?;
        self.state = if trusted {
            State::Trusted
        } else {
            State::Declined
        };
        Ok(())
    }

    /// `--trust`: trusted for this run only, nothing stored.
    pub fn for_this_run(&mut self) {
        self.state = State::Trusted;
    }

    /// What to tell the user when the repository's commands are left out
    /// (`None` when nothing is skipped).
    pub fn skipped(&self) -> Option<Skipped> {
        if self.allows_repo_commands() {
            return None;
        }
        let why = match self.state {
            State::Declined => "you chose not to trust this folder",
            State::Unanswered { changed: true } => "its commands changed since you last answered",
            _ => "this folder is not trusted yet",
        };
        Some(Skipped {
            folder: self.folder.display().to_string(),
            reason: why.to_string(),
            commands: self.inventory.lines(),
        })
    }

    /// The question a face asks, listing what would run.
    pub fn question(&self) -> String {
        let lead = match self.state {
            State::Unanswered { changed: true } => {
                "The commands this folder defines changed since you last answered"
            }
            _ => "This folder defines commands that would run on your machine",
        };
        let mut text = format!("{lead} ({}):\n", self.folder.display());
        for line in self.inventory.lines() {
            text.push_str(&format!("  {line}\n"));
        }
        text.push_str("Trust this folder and run them?");
        text
    }
}

/// Repository commands left out of a run, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct Skipped {
    pub folder: String,
    pub reason: String,
    pub commands: Vec<String>,
}

impl Skipped {
    /// One line for a terminal or an editor message.
    pub fn line(&self) -> String {
        format!(
            "skipped {} command{} defined in this repository ({}): {}. \
             `tandem trust` (or `tandem exec --trust` for one run) allows them.",
            self.commands.len(),
            if self.commands.len() == 1 { "" } else { "s" },
            self.reason,
            self.commands.join("; ")
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_folder_without_commands_needs_no_answer() {
        let d = tempfile::tempdir().unwrap();
        let t = Trust {
            folder: d.path().into(),
            inventory: Inventory::default(),
            state: State::Unanswered { changed: false },
        };
        assert!(t.allows_repo_commands() && !t.needs_answer() && t.skipped().is_none());
    }

    #[test]
    fn untrusted_commands_are_skipped_and_named() {
        let d = tempfile::tempdir().unwrap();
        std::fs::write(
            d.path().join(".mcp.json"),
            r#"{"mcpServers": {"fs": {"command": "npx", "args": ["srv"]}}}"#,
        )
        .unwrap();
        let t = Trust {
            folder: d.path().into(),
            inventory: Inventory::of(d.path(), None),
            state: State::Unanswered { changed: true },
        };
        assert!(t.needs_answer() && !t.allows_repo_commands());
        let line = t.skipped().unwrap().line();
        assert!(
            line.contains("changed since you last answered") && line.contains("npx srv"),
            "{line}"
        );
    }
}
