//! The MCP client: tools of Model Context Protocol servers offered to the
//! model as `mcp__server__tool`. Servers come from the project's
//! `.mcp.json` and `[mcp_servers.NAME]` in config (`config.rs`), start in
//! the background over stdio or streamable HTTP (`connection.rs`), and join
//! the session's tools when ready (`manager.rs`, a `ToolSource`); each tool
//! is a `Tool` (`tool.rs`) that the gate's permission rules see by name.

mod config;
mod connection;
mod expand;
mod manager;
mod tool;

pub use config::{
    Kind, McpSettings, Problem, ServerConfig, ServerSpec, Transport, parse_mcp_json, resolve,
};
pub use manager::{Report, Servers, Status};

use std::collections::BTreeMap;
use std::path::Path;

/// The project's MCP servers file (Claude Code's), at the workspace root.
pub const PROJECT_FILE: &str = ".mcp.json";

/// The servers of `root/.mcp.json` (when `project_file`: the caller decides
/// whether the repository is trusted) and `configured`, ready to start,
/// and the entries that cannot be.
pub fn specs(
    root: &Path,
    project_file: bool,
    configured: &BTreeMap<String, ServerConfig>,
    defaults: &McpSettings,
) -> (Vec<ServerSpec>, Vec<Problem>) {
    let text = project_file
        .then(|| std::fs::read_to_string(root.join(PROJECT_FILE)).ok())
        .flatten();
    let env = |name: &str| std::env::var(name).ok();
    resolve(root, text.as_deref(), configured, defaults, &env)
}

/// A problem with an entry, as the status a face shows.
pub fn problem_status(p: Problem) -> Status {
    Status {
        server: p.server,
        tools: 0,
        error: Some(p.message),
    }
}
