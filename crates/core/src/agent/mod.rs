//! A session: the conversation, the turn loop, system prompt assembly,
//! steering, cancellation and compaction.

pub mod budget;
mod compaction;
mod dispatch;
pub mod gate;
mod hosted;
pub mod instructions;
mod loop_guard;
mod prompt;
mod session;
pub mod subagents;
mod text_calls;

/// `crate::agent::events::…` paths keep working: the events live in the protocol.
use crate::protocol::events;
pub use crate::protocol::events::{Event, Outcome};
pub use gate::{Gate, SaveRule};
pub use session::{Checkpoint, CostFn, Session, SessionConfig, SteerHandle};
