//! The language server: the editor's face on the core. It keeps the open
//! documents, starts runs, and shows the proposal for review with code
//! lenses, code actions, diagnostics and `workspace/applyEdit`.

pub mod actions;
pub mod answers;
pub mod approval;
pub mod arguments;
pub mod backend;
pub mod catch_panic;
pub mod commands;
pub mod config_check;
pub mod conversation;
pub mod documents;
pub mod framing;
pub mod groups;
pub mod mcp_pool;
pub mod pick;
pub mod position;
pub mod problems;
pub mod prompts;
pub mod proposal;
pub mod proposed_text;
pub mod questions;
pub mod review_list;
pub mod review_marks;
pub mod run_registry;
pub mod runs;
pub mod server;
pub mod settings;
pub mod settings_state;
pub mod state;
pub mod tasks;
pub mod trust;

pub use server::serve_stdio;
