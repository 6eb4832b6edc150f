//! Saved conversations of interactive runs (the session logs, one JSON-lines
//! file per session in the state folder, `session_log.rs`): listed newest
//! first, found by id or id prefix, read back as the conversation to
//! continue or fork, deleted. What `tandem exec --continue/--resume/--fork`,
//! `tandem sessions` and the editor's conversations read.

use crate::model::{Message, Role};
use crate::transcript::{self, Line};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

/// One saved session.
#[derive(Debug, Clone)]
pub struct Saved {
    pub id: String,
    pub path: PathBuf,
    pub modified: SystemTime,
}

/// A saved session read back.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub saved: Saved,
    pub lines: Vec<Line>,
    pub messages: Vec<Message>,
}

impl Loaded {
    /// The first prompt of the session, for listings.
    pub fn title(&self) -> String {
        let first = self.lines.iter().find_map(|l| match l {
            Line::Request { text, .. } if !text.trim().is_empty() => Some(text.clone()),
            _ => None,
        });
        first
            .or_else(|| {
                self.messages
                    .iter()
                    .find(|m| m.role == Role::User)
                    .map(Message::text)
            })
            .unwrap_or_default()
            .lines()
            .next()
            .unwrap_or("")
            .chars()
            .take(80)
            .collect()
    }
}

/// Where the sessions of the folder `root` are kept.
pub fn dir(root: &Path) -> Option<PathBuf> {
    Some(
        dirs::state_dir()?
            .join("tandem")
            .join("sessions")
            .join(crate::memory::project_key(root)),
    )
}

/// The folder's sessions, the most recently written first.
pub fn list(root: &Path) -> Vec<Saved> {
    let Some(dir) = dir(root) else {
        return Vec::new();
    };
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Vec::new();
    };
    let mut out: Vec<Saved> = entries
        .flatten()
        .filter_map(|e| {
            let path = e.path();
            if path.extension()? != "jsonl" {
                return None;
            }
            let id = path.file_stem()?.to_str()?.to_string();
            let modified = e.metadata().ok()?.modified().ok()?;
            Some(Saved { id, path, modified })
        })
        .collect();
    out.sort_by(|a, b| b.modified.cmp(&a.modified).then(b.id.cmp(&a.id)));
    out
}

/// The session whose id is or starts with `id`.
pub fn find(root: &Path, id: &str) -> Result<Saved, String> {
    let id = id.trim();
    if id.is_empty() {
        return Err("give a session id (`tandem sessions` lists them)".into());
    }
    let found: Vec<Saved> = list(root)
        .into_iter()
        .filter(|s| s.id.starts_with(id))
        .collect();
    match found.len() {
        1 => Ok(found.into_iter().next().unwrap()),
        0 => Err(format!(
            "no session `{id}` in {} (`tandem sessions` lists them)",
            root.display()
        )),
        n => Err(format!("`{id}` matches {n} sessions; give more of the id")),
    }
}

/// The folder's most recent session with a conversation (a run refused
/// before its first model call leaves a log with none).
pub fn latest(root: &Path) -> Option<Saved> {
    list(root)
        .into_iter()
        .find(|s| load(s).is_ok_and(|l| !l.messages.is_empty()))
}

/// Read a session back: its lines and its conversation.
pub fn load(saved: &Saved) -> Result<Loaded, String> {
    let lines = transcript::read(&saved.path)
        .map_err(|e| format!("cannot read session {}: {e}", saved.id))?;
    let messages = transcript::conversation(&lines);
    Ok(Loaded {
        saved: saved.clone(),
        lines,
        messages,
    })
}

/// Delete session `id` (or prefix); its id.
pub fn delete(root: &Path, id: &str) -> Result<String, String> {
    let saved = find(root, id)?;
    std::fs::remove_file(&saved.path)
        .map_err(|e| format!("cannot delete session {}: {e}", saved.id))?;
    Ok(saved.id)
}
