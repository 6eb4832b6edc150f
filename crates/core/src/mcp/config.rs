//! Which MCP servers a session starts: the project's `.mcp.json` (Claude
//! Code's `mcpServers` shape) joined with `[mcp_servers.NAME]` from Tandem's
//! config, variables expanded, into one `ServerSpec` per enabled server.

use super::expand::expand;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// `[mcp]`: defaults for every server.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct McpSettings {
    /// Seconds a server has to start and list its tools (default 30).
    pub startup_timeout_secs: Option<u64>,
    /// Seconds a run waits for servers still starting before its first
    /// model call (default 10; 0 starts at once). Later servers join when ready.
    pub startup_wait_secs: Option<u64>,
    /// Seconds one tool call may take (default 120).
    pub tool_timeout_secs: Option<u64>,
}

impl McpSettings {
    pub fn startup_wait(&self) -> Duration {
        Duration::from_secs(self.startup_wait_secs.unwrap_or(10))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Stdio,
    #[serde(alias = "streamable-http", alias = "streamableHttp")]
    Http,
    Sse,
}

/// One server, as `[mcp_servers.NAME]` or an `.mcp.json` entry says it. A
/// config entry with the name of an `.mcp.json` server overrides it field by
/// field (so `disabled_tools` alone can trim a project's server).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerConfig {
    /// stdio, http or sse; guessed from `command` / `url` when missing.
    #[serde(rename = "type")]
    pub kind: Option<Kind>,
    pub command: Option<String>,
    pub args: Option<Vec<String>>,
    pub env: Option<BTreeMap<String, String>>,
    /// Working folder of a stdio server, relative to the workspace root.
    pub cwd: Option<String>,
    pub url: Option<String>,
    pub headers: Option<BTreeMap<String, String>>,
    /// `false` skips the server.
    pub enabled: Option<bool>,
    /// Only these tools (by the server's names) are offered to the model.
    pub enabled_tools: Option<Vec<String>>,
    /// These tools are never offered.
    pub disabled_tools: Option<Vec<String>>,
    pub startup_timeout_secs: Option<u64>,
    pub tool_timeout_secs: Option<u64>,
}

impl ServerConfig {
    /// `self` with every field `over` sets replaced.
    fn overlay(self, over: &ServerConfig) -> ServerConfig {
        let o = over.clone();
        ServerConfig {
            kind: o.kind.or(self.kind),
            command: o.command.or(self.command),
            args: o.args.or(self.args),
            env: o.env.or(self.env),
            cwd: o.cwd.or(self.cwd),
            url: o.url.or(self.url),
            headers: o.headers.or(self.headers),
            enabled: o.enabled.or(self.enabled),
            enabled_tools: o.enabled_tools.or(self.enabled_tools),
            disabled_tools: o.disabled_tools.or(self.disabled_tools),
            startup_timeout_secs: o.startup_timeout_secs.or(self.startup_timeout_secs),
            tool_timeout_secs: o.tool_timeout_secs.or(self.tool_timeout_secs),
        }
    }
}

impl ServerConfig {
    /// What starting this entry runs or reaches, as written (variables
    /// unexpanded), for the user to trust; `None` for an entry that only
    /// adjusts another one (`disabled_tools`, timeouts).
    pub fn describe(&self) -> Option<String> {
        let pairs = |m: &Option<BTreeMap<String, String>>| {
            m.iter()
                .flatten()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join(" ")
        };
        let mut text = match (&self.command, &self.url) {
            (Some(c), _) => {
                let mut words = vec![c.clone()];
                words.extend(self.args.iter().flatten().cloned());
                words.join(" ")
            }
            (None, Some(url)) => url.clone(),
            (None, None) => return None,
        };
        let mut notes = Vec::new();
        if self.env.as_ref().is_some_and(|e| !e.is_empty()) {
            notes.push(format!("env {}", pairs(&self.env)));
        }
        if let Some(cwd) = &self.cwd {
            notes.push(format!("cwd {cwd}"));
        }
        if self.headers.as_ref().is_some_and(|h| !h.is_empty()) {
            notes.push(format!("headers {}", pairs(&self.headers)));
        }
        if !notes.is_empty() {
            text.push_str(&format!(" ({})", notes.join("; ")));
        }
        Some(text)
    }
}

/// An `.mcp.json` entry; fields Tandem does not use are ignored.
#[derive(Deserialize)]
struct JsonServer {
    #[serde(rename = "type")]
    kind: Option<Kind>,
    command: Option<String>,
    args: Option<Vec<String>>,
    env: Option<BTreeMap<String, String>>,
    url: Option<String>,
    headers: Option<BTreeMap<String, String>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct JsonFile {
    #[serde(default)]
    mcp_servers: BTreeMap<String, JsonServer>,
}

/// The servers of an `.mcp.json` text.
pub fn parse_mcp_json(text: &str) -> Result<BTreeMap<String, ServerConfig>, String> {
    let file: JsonFile = serde_json::from_str(text).map_err(|e| e.to_string())?;
    Ok(file
        .mcp_servers
        .into_iter()
        .map(|(name, s)| {
            let config = ServerConfig {
                kind: s.kind,
                command: s.command,
                args: s.args,
                env: s.env,
                url: s.url,
                headers: s.headers,
                ..ServerConfig::default()
            };
            (name, config)
        })
        .collect())
}

/// How to reach a server.
#[derive(Debug, Clone, PartialEq)]
pub enum Transport {
    Stdio {
        command: String,
        args: Vec<String>,
        env: BTreeMap<String, String>,
        cwd: PathBuf,
    },
    /// Streamable HTTP.
    Http {
        url: String,
        headers: BTreeMap<String, String>,
    },
}

/// A server ready to start.
#[derive(Debug, Clone, PartialEq)]
pub struct ServerSpec {
    /// As it appears in tool names (`mcp__NAME__tool`).
    pub name: String,
    pub transport: Transport,
    pub enabled_tools: Option<Vec<String>>,
    pub disabled_tools: Vec<String>,
    pub startup_timeout: Duration,
    pub tool_timeout: Duration,
}

impl ServerSpec {
    /// Whether the model may see the server's tool `tool`.
    pub fn offers(&self, tool: &str) -> bool {
        self.enabled_tools
            .as_ref()
            .is_none_or(|only| only.iter().any(|t| t == tool))
            && !self.disabled_tools.iter().any(|t| t == tool)
    }
}

/// A server that cannot be started, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub server: String,
    pub message: String,
}

/// The servers to start: `.mcp.json` (its text, if the file exists) joined
/// with the configured ones; problems are per server, so one bad entry
/// leaves the others running.
pub fn resolve(
    root: &Path,
    mcp_json: Option<&str>,
    configured: &BTreeMap<String, ServerConfig>,
    defaults: &McpSettings,
    env: &dyn Fn(&str) -> Option<String>,
) -> (Vec<ServerSpec>, Vec<Problem>) {
    let mut problems = Vec::new();
    let mut all = match mcp_json.map(parse_mcp_json) {
        Some(Ok(servers)) => servers,
        Some(Err(e)) => {
            problems.push(Problem {
                server: ".mcp.json".into(),
                message: format!("ignored: {e}"),
            });
            BTreeMap::new()
        }
        None => BTreeMap::new(),
    };
    for (name, config) in configured {
        let joined = all.remove(name).unwrap_or_default().overlay(config);
        all.insert(name.clone(), joined);
    }
    let mut specs: Vec<ServerSpec> = Vec::new();
    for (name, config) in all {
        if config.enabled == Some(false) {
            continue;
        }
        let clean = sanitize(&name);
        if specs.iter().any(|s| s.name == clean) {
            problems.push(Problem {
                server: name,
                message: format!("another server is already named `{clean}`"),
            });
            continue;
        }
        match spec(root, clean, config, defaults, env) {
            Ok(spec) => specs.push(spec),
            Err(message) => problems.push(Problem {
                server: name,
                message,
            }),
        }
    }
    (specs, problems)
}

fn spec(
    root: &Path,
    name: String,
    c: ServerConfig,
    defaults: &McpSettings,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<ServerSpec, String> {
    let x = |s: &str| expand(s, env);
    let map = |m: Option<BTreeMap<String, String>>| -> Result<BTreeMap<String, String>, String> {
        m.unwrap_or_default()
            .into_iter()
            .map(|(k, v)| Ok((k, x(&v)?)))
            .collect()
    };
    let kind = c.kind.or(if c.command.is_some() {
        Some(Kind::Stdio)
    } else if c.url.is_some() {
        Some(Kind::Http)
    } else {
        None
    });
    let transport = match kind {
        None => return Err("needs a `command` (stdio) or a `url` (http)".into()),
        Some(Kind::Sse) => {
            return Err(
                "the legacy `sse` transport is not supported (the rmcp client has none); \
                 use the server's streamable HTTP endpoint with type `http`"
                    .into(),
            );
        }
        Some(Kind::Stdio) => {
            let command = c.command.ok_or("a stdio server needs a `command`")?;
            let cwd = match &c.cwd {
                Some(dir) => root.join(x(dir)?),
                None => root.to_path_buf(),
            };
            Transport::Stdio {
                command: x(&command)?,
                args: c
                    .args
                    .unwrap_or_default()
                    .iter()
                    .map(|a| x(a))
                    .collect::<Result<_, _>>()?,
                env: map(c.env)?,
                cwd,
            }
        }
        Some(Kind::Http) => Transport::Http {
            url: x(c.url.as_deref().ok_or("an http server needs a `url`")?)?,
            headers: map(c.headers)?,
        },
    };
    let secs = |own: Option<u64>, default: Option<u64>, fallback: u64| {
        Duration::from_secs(own.or(default).unwrap_or(fallback))
    };
    Ok(ServerSpec {
        name,
        transport,
        enabled_tools: c.enabled_tools,
        disabled_tools: c.disabled_tools.unwrap_or_default(),
        startup_timeout: secs(c.startup_timeout_secs, defaults.startup_timeout_secs, 30),
        tool_timeout: secs(c.tool_timeout_secs, defaults.tool_timeout_secs, 120),
    })
}

/// A name fit for a tool name: letters, digits, `_` and `-`.
pub fn sanitize(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn env(name: &str) -> Option<String> {
        (name == "TOKEN").then(|| "s3cret".to_string())
    }

    fn run(
        mcp_json: Option<&str>,
        configured: &str,
        defaults: &McpSettings,
    ) -> (Vec<ServerSpec>, Vec<Problem>) {
        let configured: BTreeMap<String, ServerConfig> = toml::from_str(configured).unwrap();
        resolve(Path::new("/repo"), mcp_json, &configured, defaults, &env)
    }

    #[test]
    fn mcp_json_servers_with_variables() {
        let file = json!({"mcpServers": {
            "fs": {"command": "npx", "args": ["-y", "server-fs", "${ROOT:-/repo}"],
                   "env": {"KEY": "${TOKEN}"}},
            "api": {"type": "http", "url": "http://127.0.0.1:${PORT:-3001}/mcp",
                    "headers": {"Authorization": "Bearer ${TOKEN}"}, "oauth": {}},
        }})
        .to_string();
        let (specs, problems) = run(Some(&file), "", &McpSettings::default());
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(specs.len(), 2);
        assert_eq!(
            specs[0].transport,
            Transport::Http {
                url: "http://127.0.0.1:3001/mcp".into(),
                headers: [("Authorization".into(), "Bearer s3cret".into())].into(),
            }
        );
        assert_eq!(
            specs[1].transport,
            Transport::Stdio {
                command: "npx".into(),
                args: vec!["-y".into(), "server-fs".into(), "/repo".into()],
                env: [("KEY".into(), "s3cret".into())].into(),
                cwd: PathBuf::from("/repo"),
            }
        );
        assert_eq!(specs[1].startup_timeout, Duration::from_secs(30));
        assert_eq!(specs[1].tool_timeout, Duration::from_secs(120));
    }

    #[test]
    fn config_entries_add_servers_and_override_project_ones() {
        let file = json!({"mcpServers": {"fs": {"command": "npx"}}}).to_string();
        let config = r#"
            [fs]
            disabled_tools = ["write_file"]
            tool_timeout_secs = 5

            [local]
            command = "./server"
            cwd = "tools"
            enabled_tools = ["a", "b"]

            [off]
            command = "x"
            enabled = false
        "#;
        let defaults = McpSettings {
            startup_timeout_secs: Some(7),
            ..McpSettings::default()
        };
        let (specs, problems) = run(Some(&file), config, &defaults);
        assert!(problems.is_empty(), "{problems:?}");
        let names: Vec<_> = specs.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["fs", "local"]);
        let fs = &specs[0];
        assert!(matches!(&fs.transport, Transport::Stdio { command, .. } if command == "npx"));
        assert!(!fs.offers("write_file") && fs.offers("read_file"));
        assert_eq!(fs.tool_timeout, Duration::from_secs(5));
        assert_eq!(fs.startup_timeout, Duration::from_secs(7));
        let local = &specs[1];
        assert!(local.offers("a") && !local.offers("c"));
        assert!(
            matches!(&local.transport, Transport::Stdio { cwd, .. } if cwd == Path::new("/repo/tools"))
        );
    }

    #[test]
    fn problems_are_per_server() {
        let file = json!({"mcpServers": {
            "old": {"type": "sse", "url": "http://127.0.0.1:1/sse"},
            "nokey": {"command": "x", "env": {"K": "${MISSING}"}},
            "nothing": {},
            "ok": {"command": "x"},
        }})
        .to_string();
        let (specs, problems) = run(Some(&file), "", &McpSettings::default());
        assert_eq!(specs.len(), 1);
        let said = |server: &str| {
            problems
                .iter()
                .find(|p| p.server == server)
                .map(|p| p.message.clone())
                .unwrap_or_default()
        };
        assert!(said("old").contains("not supported"), "{problems:?}");
        assert!(
            said("nokey").contains("${MISSING} is not set"),
            "{problems:?}"
        );
        assert!(
            said("nothing").contains("needs a `command`"),
            "{problems:?}"
        );

        let (specs, problems) = run(Some("{not json"), "", &McpSettings::default());
        assert!(specs.is_empty());
        assert_eq!(problems[0].server, ".mcp.json");
    }

    #[test]
    fn names_are_made_fit_for_tool_names() {
        assert_eq!(sanitize("my server.v2"), "my_server_v2");
        assert_eq!(sanitize("git-hub_1"), "git-hub_1");
    }
}
