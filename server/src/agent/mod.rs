//! A session: the conversation, the turn loop, system prompt assembly,
//! steering, cancellation and compaction.

mod events;

pub use events::{Event, Outcome};
