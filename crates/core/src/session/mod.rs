//! Putting a session together the same way for every face: the plain
//! values it is configured with (`Setup`), the provider (`Chosen`), the
//! one builder (`SessionBuilder`), its MCP servers, and the summary of a
//! run read off its events; the saved sessions to continue (`saved.rs`).

mod builder;
mod extras;
mod hook_sandbox;
pub mod mcp;
mod prompt_judge;
mod provider;
pub mod saved;
mod session_log;
mod setup;
mod summary;

pub use builder::{Built, MakeApprover, Record, SessionBuilder};
pub use extras::{Expanded, Extras};
pub use hook_sandbox::InSandbox;
pub use provider::{Chosen, LOCAL_MODEL_PORTS, choose_provider};
pub use session_log::SessionLog;
pub use setup::{Setup, Untrusted};
pub use summary::RunSummary;
