//! The shape of a config file. Every field is optional so any layer may set
//! any subset; unknown keys are errors so typos do not pass silently.

use crate::model::ModelSettings;
use serde::Deserialize;

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// Which provider and model to call, and how.
    #[serde(default)]
    pub model: ModelSettings,
    #[serde(default)]
    pub agent: AgentSettings,
    /// Extra or overriding entries for the model table (prices in USD per
    /// million tokens, context window), in the built-in table's shape.
    #[serde(default)]
    pub models: toml::Table,
    /// Where commands run and what they may reach.
    #[serde(default)]
    pub sandbox: crate::sandbox::SandboxSettings,
    /// Permission mode and allow / ask / deny rules (Claude Code's syntax).
    #[serde(default)]
    pub permissions: PermissionSettings,
    /// Hooks in Claude Code's shape (`[[hooks.PreToolUse]]` with `matcher`
    /// and `hooks = [{ type = "command", command = "…" }]`).
    #[serde(default)]
    pub hooks: toml::Table,
    /// MCP client defaults (`[mcp]`: startup and call timeouts).
    #[serde(default)]
    pub mcp: crate::mcp::McpSettings,
    /// MCP servers (`[mcp_servers.NAME]`), joined with the project's `.mcp.json`.
    #[serde(default)]
    pub mcp_servers: std::collections::BTreeMap<String, crate::mcp::ServerConfig>,
    /// Persistent memory: on or off, where the project's lives, its cap.
    #[serde(default)]
    pub memory: crate::memory::MemorySettings,
    /// Background tasks: how many run at once and their permission mode.
    #[serde(default)]
    pub tasks: TaskSettings,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TaskSettings {
    /// Tasks running at once per workspace (default 3); the rest queue.
    pub concurrency: Option<usize>,
    /// Permission mode of tasks (default `auto`: they run in a sandbox and
    /// nobody is there to approve). `permissions.mode` wins when set.
    pub mode: Option<crate::policy::Mode>,
    /// Author of commits made from tasks, `Name <email>` (default: git's).
    pub author: Option<String>,
    /// Cost cap of each task step in USD (default: `agent.max_cost`).
    pub max_cost: Option<f64>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PermissionSettings {
    /// read-only, ask (the default), auto or local.
    pub mode: Option<crate::policy::Mode>,
    #[serde(default)]
    pub allow: Vec<String>,
    #[serde(default)]
    pub ask: Vec<String>,
    #[serde(default)]
    pub deny: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgentSettings {
    pub max_turns: Option<u32>,
    /// Cost cap of a run in USD: it ends (outcome `budget`) after the call
    /// that brought its cost to the cap.
    pub max_cost: Option<f64>,
    /// Override the model's context window (tokens) used for compaction.
    pub context_window: Option<u64>,
    /// Bytes of one tool result the model sees before head/tail truncation.
    pub tool_output_limit: Option<usize>,
    pub shell_timeout_secs: Option<u64>,
    /// Byte cap on the instruction files put in the system prompt.
    pub instructions_cap: Option<usize>,
    /// Seconds an approval prompt waits before it counts as a denial.
    pub approval_timeout_secs: Option<u64>,
}
