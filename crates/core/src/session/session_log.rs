//! The conversation of an interactive run (`tandem exec`, an editor run),
//! kept as JSON lines in the state folder in a task transcript's format:
//! hooks get a `transcript_path` to read, as Claude Code's hooks do (a Stop
//! hook that checks what the agent said, say), and the user can look back.
//! Logs older than `KEEP_DAYS` are removed when a new one starts.

use super::saved::Loaded;
use crate::agent::Checkpoint;
use crate::agent::Gate;
use crate::model::Message;
use crate::transcript::now;
use crate::transcript::{Line, Transcript};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

/// How long session logs are kept (Claude Code's default cleanup period).
const KEEP_DAYS: u64 = 30;

pub struct SessionLog {
    path: PathBuf,
    transcript: Transcript,
}

impl SessionLog {
    /// Start the log of `gate`'s session at `root`, with its first prompt,
    /// and give the gate its path. `None` (and no path) when there is no
    /// state folder or it cannot be written: the run goes on without it.
    pub fn start(gate: &mut Gate, root: &Path, prompt: &str) -> Option<Arc<SessionLog>> {
        let dir = super::saved::dir(root)?;
        let opened = std::fs::create_dir_all(&dir).and_then(|()| {
            remove_old(&dir);
            let path = dir.join(format!("{}.jsonl", gate.session_id));
            Self::open(gate, root, path, &[], "prompt", prompt)
        });
        Self::opened(gate, &dir, opened)
    }

    /// Go on with a saved session: the same file and session id (`fork`:
    /// a new session that starts with a copy of its conversation, written
    /// whole at the first checkpoint).
    pub fn resume(
        gate: &mut Gate,
        root: &Path,
        from: &Loaded,
        prompt: &str,
        fork: bool,
    ) -> Option<Arc<SessionLog>> {
        let dir = super::saved::dir(root)?;
        let opened = if fork {
            let path = dir.join(format!("{}.jsonl", gate.session_id));
            Self::open(gate, root, path, &[], "fork", prompt)
        } else {
            gate.session_id = from.saved.id.clone();
            Self::open(
                gate,
                root,
                from.saved.path.clone(),
                &from.lines,
                "follow_up",
                prompt,
            )
        };
        Self::opened(gate, &dir, opened)
    }

    fn open(
        gate: &Gate,
        root: &Path,
        path: PathBuf,
        lines: &[Line],
        kind: &str,
        prompt: &str,
    ) -> std::io::Result<SessionLog> {
        let writer = crate::transcript::Writer {
            session_id: gate.session_id.clone(),
            cwd: root.display().to_string(),
        };
        let transcript = Transcript::open(&path, lines, writer)?;
        transcript.append(&Line::Request {
            at: now(),
            kind: kind.into(),
            text: prompt.to_string(),
        })?;
        Ok(SessionLog { path, transcript })
    }

    fn opened(
        gate: &mut Gate,
        dir: &Path,
        opened: std::io::Result<SessionLog>,
    ) -> Option<Arc<SessionLog>> {
        match opened {
            Ok(log) => {
                gate.transcript_path = log.path.display().to_string();
                Some(Arc::new(log))
            }
            Err(e) => {
                tracing::warn!("no session log in {}: {e}", dir.display());
                None
            }
        }
    }
}

impl Checkpoint for SessionLog {
    fn checkpoint(&self, messages: &[Message]) {
        if let Err(e) = self.transcript.messages(messages) {
            tracing::warn!("cannot write {}: {e}", self.path.display());
        }
    }
}

fn remove_old(dir: &Path) {
    let Some(cutoff) = SystemTime::now().checked_sub(Duration::from_secs(KEEP_DAYS * 24 * 60 * 60))
    else {
        return;
    };
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let old = entry
            .metadata()
            .and_then(|m| m.modified())
            .is_ok_and(|t| t < cutoff);
        if old && entry.path().extension().is_some_and(|e| e == "jsonl") {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}
