//! A saved conversation (a task's transcript, an interactive run's session
//! log): append-only JSON lines. `messages` lines carry the
//! conversation (from index `from` on, replacing what was there: compaction
//! and joined user text rewrite the tail), `event` lines what the user saw,
//! `request` lines each prompt and follow-up. Every line carries the
//! protocol version (`"v": 1`; lines from before versions have none and read
//! as they always did). A line that cannot be read (torn by a crash
//! mid-write, an event type this version does not know, a newer version's
//! shape) is skipped with a warning: the rest of the transcript still reads.

use crate::agent::Event;
use crate::model::Message;
use crate::protocol::{Unreadable, read_line};
use crate::sync::Mutex;
use serde::{Deserialize, Serialize};
use std::fs::File;
use std::io::{self, Write};
use std::path::Path;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Line {
    Request { at: u64, kind: String, text: String },
    Messages { from: usize, messages: Vec<Message> },
    Event { at: u64, event: Event },
}

pub struct Transcript {
    file: Mutex<File>,
    /// The conversation as last written, to write only what changed.
    written: Mutex<Vec<Message>>,
}

impl Transcript {
    /// Open for appending; `written` is the conversation already in it.
    pub fn open(path: &Path, written: Vec<Message>) -> io::Result<Transcript> {
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)?;
        // A line torn by a crash is ended, so the next one starts clean.
        let torn = last_byte(path)?.is_some_and(|b| b != b'\n');
        if torn {
            file.write_all(b"\n")?;
        }
        Ok(Transcript {
            file: Mutex::new(file),
            written: Mutex::new(written),
        })
    }

    pub fn append(&self, line: &Line) -> io::Result<()> {
        let mut text = crate::protocol::to_line(line).map_err(io::Error::other)?;
        text.push('\n');
        // One write per line: O_APPEND keeps lines whole between writers.
        self.file.lock().write_all(text.as_bytes())
    }

    /// Write the part of `messages` that differs from what was written.
    pub fn messages(&self, messages: &[Message]) -> io::Result<()> {
        let mut written = self.written.lock();
        let from = written
            .iter()
            .zip(messages)
            .position(|(a, b)| a != b)
            .unwrap_or(written.len().min(messages.len()));
        if from == messages.len() && from == written.len() {
            return Ok(());
        }
        self.append(&Line::Messages {
            from,
            messages: messages[from..].to_vec(),
        })?;
        self.file.lock().sync_data()?;
        written.truncate(from);
        written.extend_from_slice(&messages[from..]);
        Ok(())
    }
}

fn last_byte(path: &Path) -> io::Result<Option<u8>> {
    use std::io::{Read, Seek, SeekFrom};
    let mut f = File::open(path)?;
    if f.metadata()?.len() == 0 {
        return Ok(None);
    }
    f.seek(SeekFrom::End(-1))?;
    let mut b = [0u8];
    f.read_exact(&mut b)?;
    Ok(Some(b[0]))
}

/// Every readable line of a transcript; the others are logged and skipped.
pub fn read(path: &Path) -> io::Result<Vec<Line>> {
    let (lines, skipped) = read_all(path)?;
    for s in &skipped {
        tracing::warn!("{}:{}: line skipped: {}", path.display(), s.line, s.why);
    }
    Ok(lines)
}

/// A line `read` left out: its 1-based number and why.
#[derive(Debug, Clone, PartialEq)]
pub struct Skipped {
    pub line: usize,
    pub why: Unreadable,
}

/// The readable lines of a transcript, and the ones that were not.
pub fn read_all(path: &Path) -> io::Result<(Vec<Line>, Vec<Skipped>)> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Default::default()),
        Err(e) => return Err(e),
    };
    let mut lines = Vec::new();
    let mut skipped = Vec::new();
    for (i, l) in text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
    {
        match read_line(l) {
            Ok(line) => lines.push(line),
            Err(why) => skipped.push(Skipped { line: i + 1, why }),
        }
    }
    Ok((lines, skipped))
}

/// The conversation a transcript holds.
pub fn conversation(lines: &[Line]) -> Vec<Message> {
    let mut messages = Vec::new();
    for line in lines {
        if let Line::Messages { from, messages: m } = line {
            messages.truncate(*from);
            messages.extend(m.iter().cloned());
        }
    }
    messages
}

/// Seconds since the epoch: the time every line and task record carries.
pub fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

#[cfg(test)]
mod versions;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Block, Role};

    fn msg(role: Role, text: &str) -> Message {
        Message {
            role,
            content: vec![Block::Text { text: text.into() }],
        }
    }

    #[test]
    fn the_conversation_survives_rewrites_and_a_torn_line() {
        let d = tempfile::tempdir().unwrap();
        let path = d.path().join("t.jsonl");
        let t = Transcript::open(&path, Vec::new()).unwrap();
        let mut conv = vec![msg(Role::User, "fix it")];
        t.messages(&conv).unwrap();
        conv.push(msg(Role::Assistant, "looking"));
        conv.push(msg(Role::User, "results"));
        t.messages(&conv).unwrap();
        t.messages(&conv).unwrap(); // nothing new: nothing written
        // The last user message gains text (steering joins it).
        conv[2] = msg(Role::User, "results + steer");
        t.messages(&conv).unwrap();
        // Compaction replaces everything.
        let compacted = vec![msg(Role::User, "summary"), conv[2].clone()];
        t.messages(&compacted).unwrap();
        std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap()
            .write_all(b"{\"type\":\"messages\",\"from\":0,\"mess")
            .unwrap();
        let lines = read(&path).unwrap();
        assert_eq!(lines.len(), 4, "{lines:?}");
        assert_eq!(conversation(&lines), compacted);
        // Reopened with what it holds, it appends only what is new.
        let t = Transcript::open(&path, conversation(&lines)).unwrap();
        let mut more = compacted.clone();
        more.push(msg(Role::Assistant, "done"));
        t.messages(&more).unwrap();
        let lines = read(&path).unwrap();
        assert!(matches!(&lines[4], Line::Messages { from: 2, .. }));
        assert_eq!(conversation(&lines), more);
    }
}
