//! The language server: the editor's face on the core. It keeps the open
//! documents, starts runs, and shows the proposal for review with code
//! lenses, code actions, diagnostics and `workspace/applyEdit`.

pub mod actions;
pub mod approval;
pub mod backend;
pub mod catch_panic;
pub mod commands;
pub mod config_check;
pub mod documents;
pub mod framing;
pub mod mcp_pool;
pub mod position;
pub mod problems;
pub mod prompts;
pub mod proposal;
pub mod runs;
pub mod server;
pub mod settings;
pub mod tasks;
pub mod trust;

pub use server::serve_stdio;
