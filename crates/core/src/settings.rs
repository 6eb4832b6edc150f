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
    /// A shell command run in the task's sandbox, with the network, before
    /// the agent starts (install the dependencies); its result is kept as
    /// a layer the next task starts from (`tasks::environment`). Wins over
    /// the repository's `.tandem/setup.sh`; `""` runs nothing.
    pub setup: Option<String>,
    /// Where `tandem task start` runs tasks: here (`local`, the default)
    /// or on the workers of a NATS JetStream cluster (`nats`).
    pub executor: Option<Executor>,
    /// The cluster of the `nats` executor (and of `tandem worker`).
    #[serde(default)]
    pub nats: NatsSettings,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Executor {
    #[default]
    Local,
    Nats,
}

/// `[tasks.nats]`: how to reach the cluster. These values are this
/// machine's and never travel with a task.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NatsSettings {
    /// Server URLs, e.g. `["tls://nats1:4222", "tls://nats2:4222"]`.
    #[serde(default)]
    pub servers: Vec<String>,
    /// A token (`token`), or a NATS credentials file (`credentials`: user
    /// JWT and nkey seed, the per-user way); not both.
    pub token: Option<String>,
    pub credentials: Option<std::path::PathBuf>,
    /// TLS: required, the CA to trust, and a client certificate and key.
    #[serde(default)]
    pub tls: NatsTls,
    /// Names of the work-queue stream, the state bucket and the object
    /// store (defaults `TANDEM_TASKS`, `tandem_tasks`, `tandem_objects`).
    pub stream: Option<String>,
    pub kv_bucket: Option<String>,
    pub object_store: Option<String>,
    /// Replicas of the stream, bucket and store (default 1; 3 on a cluster).
    pub replicas: Option<usize>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NatsTls {
    #[serde(default)]
    pub required: bool,
    pub ca: Option<std::path::PathBuf>,
    pub cert: Option<std::path::PathBuf>,
    pub key: Option<std::path::PathBuf>,
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
    /// Offer the provider's own web search (Anthropic `web_search`, OpenAI
    /// Responses `web_search`); default off. Chat Completions has none.
    pub web_search: Option<bool>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_nats_executor_and_its_cluster_are_read() {
        let s: Settings = toml::from_str(
            "[tasks]\nexecutor = \"nats\"\n[tasks.nats]\nservers = [\"nats://127.0.0.1:4222\"]\n\
             credentials = \"/etc/tandem/me.creds\"\nreplicas = 3\n[tasks.nats.tls]\nrequired = true\n",
        )
        .unwrap();
        assert_eq!(s.tasks.executor, Some(Executor::Nats));
        assert_eq!(s.tasks.nats.servers, ["nats://127.0.0.1:4222"]);
        assert_eq!(s.tasks.nats.replicas, Some(3));
        assert!(s.tasks.nats.tls.required);
        // Control: without the section, tasks stay local.
        let s: Settings = toml::from_str("[tasks]\nconcurrency = 2\n").unwrap();
        assert_eq!(s.tasks.executor, None);
    }

    #[test]
    fn unknown_keys_and_executors_of_the_tasks_section_are_refused() {
        let e = toml::from_str::<Settings>("[tasks.nats]\nserver = \"x\"\n").unwrap_err();
        assert!(e.to_string().contains("unknown field `server`"), "{e}");
        let e = toml::from_str::<Settings>("[tasks]\nexecutor = \"k8s\"\n").unwrap_err();
        assert!(e.to_string().contains("unknown variant `k8s`"), "{e}");
    }
}
