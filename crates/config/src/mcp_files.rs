//! The files Claude Code keeps its MCP servers in, read and written as it
//! does, so `tandem mcp add` and `claude mcp add` manage the same servers:
//! - project scope: `.mcp.json` at the repository root (shared, committed;
//!   its servers start only once the folder is trusted);
//! - user scope: `mcpServers` of `~/.claude.json` (yours, every project);
//! - local scope: `projects["<root>"].mcpServers` of `~/.claude.json`
//!   (yours, this project only).
//!
//! Only the `mcpServers` object changes; the rest of each file is kept
//! (its keys come back in sorted order: JSON gives order no meaning).

use serde_json::{Map, Value, json};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use tandem_core::mcp::{ServerConfig, parse_mcp_json};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Project,
    User,
    Local,
}

impl Scope {
    pub fn name(self) -> &'static str {
        match self {
            Scope::Project => "project",
            Scope::User => "user",
            Scope::Local => "local",
        }
    }

    pub const ALL: [Scope; 3] = [Scope::Local, Scope::Project, Scope::User];
}

/// Where a scope's servers are, for a repository at `root`.
pub struct Places {
    pub root: PathBuf,
    pub home: Option<PathBuf>,
}

impl Places {
    pub fn file(&self, scope: Scope) -> Option<PathBuf> {
        match scope {
            Scope::Project => Some(self.root.join(tandem_core::mcp::PROJECT_FILE)),
            Scope::User | Scope::Local => self.home.as_ref().map(|h| h.join(".claude.json")),
        }
    }

    /// The JSON pointer of the scope's `mcpServers` in its file.
    fn pointer(&self, scope: Scope) -> Vec<String> {
        match scope {
            Scope::Project | Scope::User => vec!["mcpServers".into()],
            Scope::Local => vec![
                "projects".into(),
                self.root.display().to_string(),
                "mcpServers".into(),
            ],
        }
    }

    /// The scope's servers as written (an absent file has none).
    pub fn servers(&self, scope: Scope) -> Result<Map<String, Value>, String> {
        let Some(file) = self.file(scope) else {
            return Ok(Map::new());
        };
        let doc = read(&file)?;
        let mut at = &doc;
        for key in self.pointer(scope) {
            at = &at[key.as_str()];
        }
        Ok(at.as_object().cloned().unwrap_or_default())
    }

    /// The scope's servers as Tandem configures them (user and local: the
    /// `ServerConfig`s `.mcp.json` entries become).
    pub fn configs(&self, scope: Scope) -> Result<BTreeMap<String, ServerConfig>, String> {
        let servers = self.servers(scope)?;
        parse_mcp_json(&json!({ "mcpServers": servers }).to_string())
    }

    /// Add `server` as `name`; an existing name is an error (remove it
    /// first), as Claude Code has it.
    pub fn add(&self, scope: Scope, name: &str, server: Value) -> Result<PathBuf, String> {
        let file = self
            .file(scope)
            .ok_or("no home folder for the user's files")?;
        let mut doc = read(&file)?;
        let servers = self.servers_mut(scope, &mut doc)?;
        if servers.contains_key(name) {
            return Err(format!(
                "an MCP server `{name}` already exists in {} ({} scope): remove it first",
                file.display(),
                scope.name()
            ));
        }
        servers.insert(name.to_string(), server);
        write(&file, &doc)?;
        Ok(file)
    }

    /// Remove `name`; `Ok(None)` when the scope has no such server.
    pub fn remove(&self, scope: Scope, name: &str) -> Result<Option<PathBuf>, String> {
        let Some(file) = self.file(scope) else {
            return Ok(None);
        };
        if !file.exists() {
            return Ok(None);
        }
        let mut doc = read(&file)?;
        let servers = self.servers_mut(scope, &mut doc)?;
        if servers.remove(name).is_none() {
            return Ok(None);
        }
        write(&file, &doc)?;
        Ok(Some(file))
    }

    fn servers_mut<'a>(
        &self,
        scope: Scope,
        doc: &'a mut Value,
    ) -> Result<&'a mut Map<String, Value>, String> {
        let mut at = doc;
        for key in self.pointer(scope) {
            let object = at
                .as_object_mut()
                .ok_or_else(|| format!("`{key}`'s parent is not a JSON object"))?;
            at = object.entry(key).or_insert_with(|| json!({}));
        }
        at.as_object_mut()
            .ok_or_else(|| "`mcpServers` is not a JSON object".to_string())
    }
}

/// A file's JSON (`{}` when it does not exist); a broken file is an error
/// that names it, never overwritten.
fn read(file: &Path) -> Result<Value, String> {
    match std::fs::read_to_string(file) {
        Ok(text) if text.trim().is_empty() => Ok(json!({})),
        Ok(text) => serde_json::from_str(&text).map_err(|e| {
            format!(
                "{} is not valid JSON ({e}); nothing was changed",
                file.display()
            )
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(json!({})),
        Err(e) => Err(format!("cannot read {}: {e}", file.display())),
    }
}

fn write(file: &Path, doc: &Value) -> Result<(), String> {
    let mut text = serde_json::to_string_pretty(doc).map_err(|e| e.to_string())?;
    text.push('\n');
    tandem_core::state_files::replace_file(file, text.as_bytes())
        .map_err(|e| format!("cannot write {}: {e}", file.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn places() -> (tempfile::TempDir, tempfile::TempDir, Places) {
        let root = tempfile::tempdir().unwrap();
        let home = tempfile::tempdir().unwrap();
        let places = Places {
            root: root.path().to_path_buf(),
            home: Some(home.path().to_path_buf()),
        };
        (root, home, places)
    }

    #[test]
    fn each_scope_writes_its_place_and_keeps_the_rest_of_the_file() {
        let (root, home, p) = places();
        std::fs::write(
            home.path().join(".claude.json"),
            r#"{"numStartups": 7, "projects": {"/elsewhere": {"mcpServers": {"x": {"command": "x"}}}}}"#,
        )
        .unwrap();
        p.add(Scope::User, "fs", json!({"command": "npx", "args": ["fs"]}))
            .unwrap();
        p.add(Scope::Local, "db", json!({"command": "db"})).unwrap();
        p.add(
            Scope::Project,
            "web",
            json!({"type": "http", "url": "http://127.0.0.1:1/mcp"}),
        )
        .unwrap();
        let user: Value = serde_json::from_str(
            &std::fs::read_to_string(home.path().join(".claude.json")).unwrap(),
        )
        .unwrap();
        assert_eq!(user["numStartups"], 7);
        assert_eq!(user["mcpServers"]["fs"]["args"][0], "fs");
        let root_key = root.path().display().to_string();
        assert_eq!(
            user["projects"][root_key.as_str()]["mcpServers"]["db"]["command"],
            "db"
        );
        assert_eq!(
            user["projects"]["/elsewhere"]["mcpServers"]["x"]["command"],
            "x"
        );
        let project = std::fs::read_to_string(root.path().join(".mcp.json")).unwrap();
        assert!(
            project.contains("\"url\": \"http://127.0.0.1:1/mcp\""),
            "{project}"
        );
        assert!(p.configs(Scope::User).unwrap().contains_key("fs"));

        // A name already there is refused; removing takes it out of its scope only.
        assert!(
            p.add(Scope::User, "fs", json!({"command": "y"}))
                .unwrap_err()
                .contains("already exists")
        );
        assert!(p.remove(Scope::Project, "fs").unwrap().is_none());
        assert!(p.remove(Scope::User, "fs").unwrap().is_some());
        assert!(p.servers(Scope::User).unwrap().is_empty());
        assert!(p.servers(Scope::Local).unwrap().contains_key("db"));
    }

    #[test]
    fn a_broken_file_is_named_and_left_as_it_was() {
        let (root, _home, p) = places();
        std::fs::write(root.path().join(".mcp.json"), "{ not json").unwrap();
        let e = p
            .add(Scope::Project, "fs", json!({"command": "x"}))
            .unwrap_err();
        assert!(
            e.contains(".mcp.json is not valid JSON") && e.contains("nothing was changed"),
            "{e}"
        );
        assert_eq!(
            std::fs::read_to_string(root.path().join(".mcp.json")).unwrap(),
            "{ not json"
        );
    }
}
