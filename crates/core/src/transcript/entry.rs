//! One message of a saved conversation in Claude Code's transcript shape:
//! `{"type": "user"|"assistant", "message": {"role", "content"}, "uuid",
//! "parentUuid", "sessionId", "cwd", "timestamp"}`, one line each, so hooks
//! written for Claude Code (`jq '.message.content'`) read Tandem's
//! transcripts unchanged.
//!
//! A conversation is the chain of `parentUuid` links ending at the last
//! line, as in Claude Code: rewriting the tail (joined user text,
//! compaction) writes new messages whose parent is the last one kept, and
//! `parentUuid: null` starts the conversation over.

use crate::model::Message;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Entry {
    pub uuid: String,
    /// The message before this one; `None` (written as `null`) for the first.
    pub parent_uuid: Option<String>,
    pub session_id: String,
    pub cwd: String,
    /// ISO 8601 in UTC, as Claude Code writes it.
    pub timestamp: String,
    pub message: Message,
}

/// The conversation so far while reading lines in order, each message with
/// its uuid (`None` for messages of the older `messages` lines).
#[derive(Debug, Default)]
pub(super) struct Chain {
    pub messages: Vec<Message>,
    pub uuids: Vec<Option<String>>,
}

impl Chain {
    /// An older `messages` line: the tail from `from` replaced.
    pub fn replace_from(&mut self, from: usize, messages: &[Message]) {
        self.messages.truncate(from);
        self.uuids.truncate(from);
        for m in messages {
            self.messages.push(m.clone());
            self.uuids.push(None);
        }
    }

    /// One entry: it follows its parent (what came after the parent is
    /// dropped). A parent never seen (a line lost to a crash) is taken to
    /// be the last message, so nothing read is thrown away.
    pub fn add(&mut self, entry: &Entry) {
        let keep = match &entry.parent_uuid {
            None => 0,
            Some(p) => self
                .uuids
                .iter()
                .rposition(|u| u.as_deref() == Some(p))
                .map_or(self.messages.len(), |i| i + 1),
        };
        self.messages.truncate(keep);
        self.uuids.truncate(keep);
        self.messages.push(entry.message.clone());
        self.uuids.push(Some(entry.uuid.clone()));
    }
}

/// A random (version 4) UUID, in its usual text form.
pub fn new_uuid() -> String {
    use rand::Rng;
    let mut n: u128 = rand::rng().random();
    n = (n & !(0xf << 76)) | (0x4 << 76); // version 4
    n = (n & !(0x3 << 62)) | (0x2 << 62); // RFC 4122 variant
    let h = format!("{n:032x}");
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

#[cfg(test)]
use crate::clock::iso8601;
pub use crate::clock::timestamp;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_and_uuids_have_their_usual_form() {
        assert_eq!(iso8601(0, 0), "1970-01-01T00:00:00.000Z");
        assert_eq!(iso8601(1_772_420_645, 7), "2026-03-02T03:04:05.007Z");
        let u = new_uuid();
        let parts: Vec<usize> = u.split('-').map(str::len).collect();
        assert_eq!(parts, [8, 4, 4, 4, 12], "{u}");
        assert_eq!(&u[14..15], "4", "{u}");
        assert_ne!(u, new_uuid());
    }
}
