//! Codex's `~/.codex/config.toml` (or `$CODEX_HOME/config.toml`): its
//! `[mcp_servers.NAME]` tables become Tandem MCP servers, under Tandem's
//! own of the same name. It is the user's own file, so no trust is asked.
//! Keys Tandem has no use for are named, never dropped silently.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use tandem_core::mcp::ServerConfig;

/// Where Codex keeps its settings.
pub fn config_path(home: Option<&Path>) -> Option<PathBuf> {
    match std::env::var_os("CODEX_HOME").filter(|v| !v.is_empty()) {
        Some(dir) => Some(PathBuf::from(dir).join("config.toml")),
        None => home.map(|h| h.join(".codex/config.toml")),
    }
}

/// Keys of one Codex server that Tandem reads.
const SERVER_KEYS: [&str; 12] = [
    "command",
    "args",
    "env",
    "cwd",
    "url",
    "http_headers",
    "bearer_token_env_var",
    "enabled",
    "enabled_tools",
    "disabled_tools",
    "startup_timeout_sec",
    "tool_timeout_sec",
];

/// What Codex's file gives: its servers, and what was read but not used.
#[derive(Debug, Default)]
pub struct CodexFile {
    pub servers: BTreeMap<String, ServerConfig>,
    pub not_used: Vec<String>,
}

/// Codex's file, if there is one. A file that does not parse is an error
/// naming it (the session does not start on half a configuration).
pub fn load(home: Option<&Path>) -> Result<CodexFile, String> {
    let Some(path) = config_path(home) else {
        return Ok(CodexFile::default());
    };
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(CodexFile::default()),
        Err(e) => return Err(format!("{}: {e}", path.display())),
    };
    parse(&text).map_err(|e| format!("{}: {e}", path.display()))
}

fn parse(text: &str) -> Result<CodexFile, String> {
    let table: toml::Table = toml::from_str(text).map_err(|e| e.to_string())?;
    let mut out = CodexFile::default();
    for key in table.keys().filter(|k| *k != "mcp_servers") {
        out.not_used.push(key.clone());
    }
    let Some(servers) = table.get("mcp_servers") else {
        return Ok(out);
    };
    let servers = servers
        .as_table()
        .ok_or("`mcp_servers` must be a table of servers")?;
    for (name, server) in servers {
        let at = format!("mcp_servers.{name}");
        let t = server.as_table().ok_or(format!("`{at}` must be a table"))?;
        for key in t.keys().filter(|k| !SERVER_KEYS.contains(&k.as_str())) {
            out.not_used.push(format!("{at}.{key}"));
        }
        out.servers.insert(name.clone(), server_config(t, &at)?);
    }
    Ok(out)
}

/// One Codex server in Tandem's shape: the same fields, but `_sec`
/// timeouts, `http_headers`, and a bearer token named by variable.
fn server_config(t: &toml::Table, at: &str) -> Result<ServerConfig, String> {
    let get = |key: &str| t.get(key).cloned();
    let mut ours = toml::Table::new();
    for key in [
        "command",
        "args",
        "env",
        "cwd",
        "url",
        "enabled",
        "enabled_tools",
        "disabled_tools",
    ] {
        if let Some(v) = get(key) {
            ours.insert(key.into(), v);
        }
    }
    for (codex, tandem) in [
        ("startup_timeout_sec", "startup_timeout_secs"),
        ("tool_timeout_sec", "tool_timeout_secs"),
    ] {
        if let Some(v) = get(codex) {
            // Codex allows fractions of a second; Tandem counts whole ones.
            let secs = v
                .as_float()
                .map(|f| f.ceil() as i64)
                .or_else(|| v.as_integer())
                .ok_or(format!("`{at}.{codex}` must be a number of seconds"))?;
            ours.insert(tandem.into(), toml::Value::Integer(secs));
        }
    }
    let mut headers = match get("http_headers") {
        Some(toml::Value::Table(h)) => h,
        Some(_) => return Err(format!("`{at}.http_headers` must be a table")),
        None => toml::Table::new(),
    };
    if let Some(var) = get("bearer_token_env_var") {
        let var = var.as_str().ok_or(format!(
            "`{at}.bearer_token_env_var` must be a variable name"
        ))?;
        // Expanded from the environment when the server starts.
        headers.insert(
            "Authorization".into(),
            toml::Value::String(format!("Bearer ${{{var}}}")),
        );
    }
    if !headers.is_empty() {
        ours.insert("headers".into(), toml::Value::Table(headers));
    }
    toml::Value::Table(ours)
        .try_into()
        .map_err(|e| format!("`{at}`: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codex_servers_become_tandem_servers_and_other_keys_are_named() {
        let file = parse(
            r#"
model = "gpt-5-codex"
approval_policy = "on-request"

[mcp_servers.docs]
command = "npx"
args = ["-y", "docs-server"]
env = { DOCS_TOKEN = "t" }
startup_timeout_sec = 12.5
tool_timeout_sec = 30
enabled_tools = ["search"]

[mcp_servers.remote]
url = "https://mcp.example.com/mcp"
bearer_token_env_var = "REMOTE_TOKEN"
env_http_headers = { "X-Team" = "TEAM" }
"#,
        )
        .unwrap();
        let docs = &file.servers["docs"];
        assert_eq!(docs.command.as_deref(), Some("npx"));
        assert_eq!(
            docs.args.as_deref(),
            Some(&["-y".into(), "docs-server".into()][..])
        );
        assert_eq!(docs.startup_timeout_secs, Some(13));
        assert_eq!(docs.tool_timeout_secs, Some(30));
        assert_eq!(docs.enabled_tools.as_deref(), Some(&["search".into()][..]));
        let remote = &file.servers["remote"];
        assert_eq!(
            remote.headers.as_ref().unwrap()["Authorization"],
            "Bearer ${REMOTE_TOKEN}"
        );
        let mut unused = file.not_used.clone();
        unused.sort();
        assert_eq!(
            unused,
            [
                "approval_policy",
                "mcp_servers.remote.env_http_headers",
                "model"
            ]
        );
        assert!(parse("[mcp_servers.x]\ncommand = 3\n").is_err());
    }
}
