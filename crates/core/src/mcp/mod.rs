//! The MCP client: tools of Model Context Protocol servers offered to the
//! model as `mcp__server__tool`. Servers come from the project's
//! `.mcp.json` and `[mcp_servers.NAME]` in config (`config.rs`), start in
//! the background over stdio or streamable HTTP (`connection.rs`), and join
//! the session's tools when ready (`manager.rs`, a `ToolSource`); each tool
//! is a `Tool` (`tool.rs`) that the gate's permission rules see by name.

mod config;
mod connection;
mod elicit;
mod expand;
mod live;
mod manager;
mod resources;
mod tool;

pub use config::{
    Kind, McpSettings, Problem, ServerConfig, ServerSpec, Transport, parse_mcp_json, resolve,
};
pub use manager::{Report, Servers, Status};

/// The project's MCP servers file (Claude Code's), at the workspace root;
/// `tandem-config` reads it, the core resolves its text (`resolve`).
pub const PROJECT_FILE: &str = ".mcp.json";

/// A problem with an entry, as the status a face shows.
pub fn problem_status(p: Problem) -> Status {
    Status {
        server: p.server,
        tools: 0,
        error: Some(p.message),
    }
}
