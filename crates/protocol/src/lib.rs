//! The protocol: the only thing the faces (`tandem exec --json`, the
//! language server) and their readers (the VS Code and Neovim clients, saved
//! task transcripts, scripts) agree on. It depends on nothing else in the
//! crate, so it can stand alone as `tandem-protocol`: the event stream, its
//! usage counts, the version every line carries, and every command and
//! method name.

pub mod events;
pub mod names;
mod usage;
pub mod wire;

#[cfg(test)]
mod clients;
#[cfg(test)]
mod golden;

pub use events::{Event, Outcome};
pub use names::{EVENT_TYPES, commands, methods};
pub use usage::Usage;
pub use wire::{Unreadable, VERSION_FIELD, Versioned, read_line, to_line};

/// The version of what is written: `--json` lines, the result line,
/// `tandem/event` params, transcript lines. Raised when a reader of the
/// previous version would misread a line (a field changes meaning, a type
/// is renamed or removed), not for additions: new fields and new event
/// types are additive, and readers skip what they do not know.
pub const PROTOCOL_VERSION: u32 = 1;
