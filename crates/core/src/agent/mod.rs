//! A session: the conversation, the turn loop, system prompt assembly,
//! steering, cancellation and compaction.

mod compaction;
mod dispatch;
mod events;
pub mod gate;
pub mod instructions;
mod prompt;
mod session;
pub mod subagents;

pub use events::{Event, Outcome};
pub use gate::{Gate, SaveRule};
pub use session::{Checkpoint, CostFn, Session, SessionConfig, SteerHandle};
