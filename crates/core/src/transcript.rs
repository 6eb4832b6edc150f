//! A saved conversation (a task's transcript, an interactive run's session
//! log): append-only JSON lines. `user` and `assistant` lines carry the
//! conversation one message each, in Claude Code's transcript shape
//! (`entry.rs`: hooks written for Claude Code read them unchanged), `event`
//! lines what the user saw, `request` lines each prompt and follow-up.
//! Older transcripts' `messages` lines (the conversation from index `from`
//! on, replacing what was there) still read. Every line carries the
//! protocol version (`"v": 1`; lines from before versions have none and read
//! as they always did). A line that cannot be read (torn by a crash
//! mid-write, an event type this version does not know, a newer version's
//! shape) is skipped with a warning: the rest of the transcript still reads.

mod entry;

use crate::agent::Event;
use crate::model::Message;
use crate::protocol::{Unreadable, read_line};
use crate::sync::Mutex;
pub use entry::Entry;
use entry::{Chain, new_uuid, timestamp};
use serde::{Deserialize, Serialize};
use std::fs::File;
use std::io::{self, Write};
use std::path::Path;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Line {
    Request {
        at: u64,
        kind: String,
        text: String,
    },
    /// Written before transcripts took Claude Code's shape; read only.
    Messages {
        from: usize,
        messages: Vec<Message>,
    },
    Event {
        at: u64,
        event: Event,
    },
    User(Entry),
    Assistant(Entry),
}

/// Who writes a transcript: the session and folder every message names.
#[derive(Debug, Clone, Default)]
pub struct Writer {
    pub session_id: String,
    pub cwd: String,
}

pub struct Transcript {
    file: Mutex<File>,
    /// The conversation as last written with each message's uuid, to
    /// write only what changed and link it to what it follows.
    written: Mutex<Vec<(String, Message)>>,
    writer: Writer,
}

impl Transcript {
    /// Open for appending; `lines` are the ones already in it (`read`).
    pub fn open(path: &Path, lines: &[Line], writer: Writer) -> io::Result<Transcript> {
        let chain = chain(lines);
        // Messages of the older format have no uuid to follow: the next
        // write starts the conversation over (`parentUuid: null`), whole.
        let written = match chain.uuids.into_iter().collect::<Option<Vec<_>>>() {
            Some(uuids) => uuids.into_iter().zip(chain.messages).collect(),
            None => Vec::new(),
        };
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
            writer,
        })
    }

    pub fn append(&self, line: &Line) -> io::Result<()> {
        let mut text = crate::protocol::to_line(line).map_err(io::Error::other)?;
        text.push('\n');
        // One write per line: O_APPEND keeps lines whole between writers.
        self.file.lock().write_all(text.as_bytes())
    }

    /// Write the part of `messages` that differs from what was written,
    /// one line per message, each linked to the one before it.
    pub fn messages(&self, messages: &[Message]) -> io::Result<()> {
        let mut written = self.written.lock();
        let from = written
            .iter()
            .zip(messages)
            .position(|((_, a), b)| a != b)
            .unwrap_or(written.len().min(messages.len()));
        if from == messages.len() && from == written.len() {
            return Ok(());
        }
        written.truncate(from);
        for message in &messages[from..] {
            let entry = Entry {
                uuid: new_uuid(),
                parent_uuid: written.last().map(|(u, _)| u.clone()),
                session_id: self.writer.session_id.clone(),
                cwd: self.writer.cwd.clone(),
                timestamp: timestamp(),
                message: message.clone(),
            };
            let uuid = entry.uuid.clone();
            self.append(&match message.role {
                crate::model::Role::Assistant => Line::Assistant(entry),
                _ => Line::User(entry),
            })?;
            written.push((uuid, message.clone()));
        }
        self.file.lock().sync_data()
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
    chain(lines).messages
}

fn chain(lines: &[Line]) -> Chain {
    let mut chain = Chain::default();
    for line in lines {
        match line {
            Line::Messages { from, messages } => chain.replace_from(*from, messages),
            Line::User(e) | Line::Assistant(e) => chain.add(e),
            Line::Request { .. } | Line::Event { .. } => {}
        }
    }
    chain
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
        let t = Transcript::open(&path, &[], Writer::default()).unwrap();
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
            .write_all(b"{\"type\":\"user\",\"uuid\":\"x\",\"mess")
            .unwrap();
        let lines = read(&path).unwrap();
        // One line per message written: 1, then 2, then the rewritten
        // third, then the compacted two.
        assert_eq!(lines.len(), 6, "{lines:?}");
        assert_eq!(conversation(&lines), compacted);
        // Reopened with what it holds, it appends only what is new.
        let t = Transcript::open(&path, &lines, Writer::default()).unwrap();
        let mut more = compacted.clone();
        more.push(msg(Role::Assistant, "done"));
        t.messages(&more).unwrap();
        let lines = read(&path).unwrap();
        assert_eq!(lines.len(), 7);
        let (Line::User(kept), Line::Assistant(done)) = (&lines[5], &lines[6]) else {
            panic!("{lines:?}")
        };
        assert_eq!(done.parent_uuid.as_ref(), Some(&kept.uuid));
        assert_eq!(conversation(&lines), more);
    }
}
