//! Tandem: an AI coding agent that lives in a language server.
//!
//! The core (`agent`, `model`, `tools`, `changes`, `workspace`) knows nothing
//! of LSP or terminals; it emits `agent::Event`s that the faces consume.

pub mod agent;
pub mod apply;
pub mod changes;
pub mod cli;
pub mod config;
pub mod frontmatter;
pub mod hooks;
pub mod lsp;
pub mod mcp;
pub mod memory;
pub mod model;
pub mod policy;
pub mod protocol;
pub mod sandbox;
pub mod setup;
pub mod skills;
pub mod state_files;
pub mod sync;
pub mod tasks;
pub mod tools;
pub mod trust;
pub mod workspace;
