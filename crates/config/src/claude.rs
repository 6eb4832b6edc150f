//! The Claude Code settings files people already have: `permissions`,
//! `hooks` and the other keys with a meaning in Tandem (`claude_keys`) from
//! the user's `~/.claude/settings.json`, the project's
//! `.claude/settings.json` and `.claude/settings.local.json`. "Always allow
//! in this project" is saved where Claude Code saves it: the local file.

use crate::claude_keys;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use tandem_core::hooks::Hooks;
use tandem_core::policy::{Mode, Rules};
use tandem_core::state_files::lock::lock_dir;
use tandem_core::state_files::write_atomic;

/// The files, lowest priority first, with the folder their rules resolve
/// against.
pub fn settings_files(root: &Path, home: Option<&Path>) -> Vec<(PathBuf, PathBuf)> {
    let mut out = Vec::new();
    if let Some(home) = home {
        out.push((home.join(".claude/settings.json"), home.to_path_buf()));
    }
    out.push((root.join(".claude/settings.json"), root.to_path_buf()));
    out.push((root.join(".claude/settings.local.json"), root.to_path_buf()));
    out
}

/// What Claude Code's settings files say that Tandem acts on, merged over
/// the files (later ones win for single values, lists add up).
#[derive(Debug, Default)]
pub struct ClaudeFiles {
    pub rules: Rules,
    pub hooks: Hooks,
    /// `permissions.defaultMode`, as Tandem's mode.
    pub mode: Option<Mode>,
    /// `permissions.additionalDirectories`, absolute: folders the read
    /// tools may read beside the workspace.
    pub additional_dirs: Vec<PathBuf>,
    /// `env`: variables every hook command gets.
    pub env: BTreeMap<String, String>,
    /// `model`, when it is a full model id (not an alias like `sonnet`).
    pub model: Option<String>,
    /// `disableAllHooks: true` in any file.
    pub disable_all_hooks: bool,
    /// `.mcp.json` servers: `enabledMcpjsonServers`, `disabledMcpjsonServers`.
    pub mcpjson_enabled: Option<Vec<String>>,
    pub mcpjson_disabled: Vec<String>,
    /// For the user at start: what was read and will not be acted on.
    pub warnings: Vec<String>,
}

/// Everything Tandem acts on from every file that exists. An unreadable or
/// invalid file is an error naming it. The project's files give hooks,
/// and settings that let more run unasked or reach more files
/// (`bypassPermissions`, `additionalDirectories`), only when
/// `project_hooks` (the folder is trusted: `crate::trust`); their rules and
/// narrowing settings always apply.
pub fn load(root: &Path, home: Option<&Path>, project_hooks: bool) -> Result<ClaudeFiles, String> {
    let mut out = ClaudeFiles::default();
    for (i, (path, base)) in settings_files(root, home).into_iter().enumerate() {
        // The first file is the user's own when there is a home.
        let users = i == 0 && home.is_some();
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => return Err(format!("{}: {e}", path.display())),
        };
        let json: Value = serde_json::from_str(&text)
            .map_err(|e| format!("{}:{}:{}: {e}", path.display(), e.line(), e.column()))?;
        let named = |e: String| format!("{}: {e}", path.display());
        if let Some(p) = json.get("permissions") {
            let more =
                Rules::from_claude_permissions(p, &base).map_err(|e| named(e.to_string()))?;
            out.rules.extend(more);
        }
        let mut more = Hooks::from_claude_settings(&json).map_err(|e| named(e.to_string()))?;
        let warnings: Vec<String> = more.take_warnings().into_iter().map(named).collect();
        // At home the project's files are the user's own too.
        let trusted = users || project_hooks || crate::trust::is_home(root, home);
        if trusted {
            out.hooks.extend(more);
            out.warnings.extend(warnings);
        }
        read_settings(&json, &base, trusted, &mut out).map_err(named)?;
    }
    if out.disable_all_hooks {
        out.hooks = Hooks::default();
    }
    Ok(out)
}

/// The keys besides rules and hooks, from one file into `out`.
fn read_settings(
    json: &Value,
    base: &Path,
    trusted: bool,
    out: &mut ClaudeFiles,
) -> Result<(), String> {
    let permissions = json.get("permissions");
    if let Some(m) = permissions.and_then(|p| p.get("defaultMode")) {
        let m = m
            .as_str()
            .ok_or("`permissions.defaultMode` must be a string")?;
        match claude_keys::mode(m) {
            Ok(Some(mode)) if claude_keys::widens(mode) && !trusted => out.warnings.push(format!(
                "permissions.defaultMode `{m}` of an untrusted repository is not used"
            )),
            Ok(mode) => out.mode = mode.or(out.mode),
            Err(e) => out.warnings.push(e),
        }
    }
    if let Some(dirs) = permissions.and_then(|p| p.get("additionalDirectories")) {
        let dirs = string_list(dirs)
            .ok_or("`permissions.additionalDirectories` must be a list of paths")?;
        if trusted {
            out.additional_dirs
                .extend(dirs.iter().map(|d| resolve(base, d)));
        } else if !dirs.is_empty() {
            out.warnings.push(
                "permissions.additionalDirectories of an untrusted repository are not used".into(),
            );
        }
    }
    if let Some(env) = json.get("env") {
        let env = env
            .as_object()
            .ok_or("`env` must be an object of strings")?;
        for (k, v) in env {
            let v = match v {
                Value::String(s) => s.clone(),
                Value::Number(n) => n.to_string(),
                Value::Bool(b) => b.to_string(),
                _ => return Err(format!("`env.{k}` must be a string")),
            };
            out.env.insert(k.clone(), v);
        }
    }
    if let Some(model) = json.get("model").and_then(Value::as_str) {
        // Claude Code's aliases name whatever it ships with; an id is exact.
        if model.contains('-') {
            out.model = Some(model.to_string());
        } else {
            out.warnings.push(format!(
                "model `{model}` is a Claude Code alias; set model.model to a model id to use it"
            ));
        }
    }
    if json.get("disableAllHooks") == Some(&Value::Bool(true)) {
        out.disable_all_hooks = true;
    }
    if let Some(list) = json.get("enabledMcpjsonServers") {
        let list = string_list(list).ok_or("`enabledMcpjsonServers` must be a list of names")?;
        out.mcpjson_enabled.get_or_insert_default().extend(list);
    }
    if let Some(list) = json.get("disabledMcpjsonServers") {
        let list = string_list(list).ok_or("`disabledMcpjsonServers` must be a list of names")?;
        out.mcpjson_disabled.extend(list);
    }
    Ok(())
}

fn string_list(v: &Value) -> Option<Vec<String>> {
    v.as_array()?
        .iter()
        .map(|s| s.as_str().map(str::to_string))
        .collect()
}

/// `~/x` against the home, a relative path against the file's folder;
/// `.` and `..` resolved on the words, since the read tools compare
/// normalised paths with it.
fn resolve(base: &Path, dir: &str) -> PathBuf {
    use std::path::Component;
    let joined = match dir.strip_prefix("~/") {
        Some(rest) => dirs::home_dir().unwrap_or_default().join(rest),
        None => base.join(dir),
    };
    let mut out = PathBuf::new();
    for c in joined.components() {
        match c {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

/// `.mcp.json`'s text with the servers `disabledMcpjsonServers` names
/// taken out, and, when `enabledMcpjsonServers` is given, only the ones it
/// names kept. Text that does not parse is returned as is (its error is
/// reported where it is read).
pub fn filter_mcp_json(text: &str, files: &ClaudeFiles) -> String {
    let Ok(mut json) = serde_json::from_str::<Value>(text) else {
        return text.to_string();
    };
    let Some(servers) = json.get_mut("mcpServers").and_then(Value::as_object_mut) else {
        return text.to_string();
    };
    servers.retain(|name, _| {
        !files.mcpjson_disabled.contains(name)
            && files
                .mcpjson_enabled
                .as_ref()
                .is_none_or(|only| only.contains(name))
    });
    json.to_string()
}

/// Each Claude settings file that exists, with the keys in it Tandem reads
/// but does not act on (`tandem config`).
pub fn not_used(root: &Path, home: Option<&Path>) -> Vec<(PathBuf, Vec<String>)> {
    settings_files(root, home)
        .into_iter()
        .filter_map(|(path, _)| {
            let text = std::fs::read_to_string(&path).ok()?;
            let json: Value = serde_json::from_str(&text).ok()?;
            Some((path, claude_keys::not_used(&json)))
        })
        .collect()
}

/// Check one Claude settings file's text: JSON syntax (with line and
/// column), rules and hooks. `base` is the folder its rules resolve against.
pub fn check_text(text: &str, base: &Path) -> Result<(), (usize, usize, String)> {
    let json: Value =
        serde_json::from_str(text).map_err(|e| (e.line(), e.column(), e.to_string()))?;
    if let Some(p) = json.get("permissions") {
        Rules::from_claude_permissions(p, base).map_err(|e| (1, 1, e.to_string()))?;
    }
    Hooks::from_claude_settings(&json).map_err(|e| (1, 1, e.to_string()))?;
    Ok(())
}

/// Add `rule` to `permissions.allow` of `.claude/settings.local.json`.
pub fn save_allow_rule(root: &Path, rule: &str) -> std::io::Result<()> {
    let dir = root.join(".claude");
    let path = dir.join("settings.local.json");
    std::fs::create_dir_all(&dir)?;
    // Another session may be saving a rule too: one read-modify-write at a time.
    let _lock = lock_dir(&dir)?;
    let mut json: Value = match std::fs::read_to_string(&path) {
        Ok(text) => serde_json::from_str(&text).map_err(|e| {
            // Never replace a file we cannot read with one rule.
            std::io::Error::other(format!("{} is not valid JSON: {e}", path.display()))
        })?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => json!({}),
        Err(e) => return Err(e),
    };
    let allow = json
        .as_object_mut()
        .ok_or_else(|| std::io::Error::other("settings.local.json is not an object"))?
        .entry("permissions")
        .or_insert_with(|| json!({}))
        .as_object_mut()
        .ok_or_else(|| std::io::Error::other("permissions is not an object"))?
        .entry("allow")
        .or_insert_with(|| json!([]));
    if let Some(list) = allow.as_array_mut()
        && !list.iter().any(|r| r == rule)
    {
        list.push(json!(rule));
    }
    write_atomic(&path, &json)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn project_rules_and_hooks_are_read_and_saved_rules_come_back() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join(".claude")).unwrap();
        std::fs::write(
            dir.path().join(".claude/settings.json"),
            r#"{"permissions": {"deny": ["Bash(rm:*)"]},
                "hooks": {"PreToolUse": [{"matcher": "Bash", "hooks": [{"type": "command", "command": "true"}]}]}}"#,
        )
        .unwrap();
        save_allow_rule(dir.path(), "Bash(make test)").unwrap();
        let ClaudeFiles { rules, hooks, .. } = load(dir.path(), None, true).unwrap();
        assert!(load(dir.path(), None, false).unwrap().hooks.is_empty());
        assert!(!hooks.is_empty());
        let root = dir.path();
        let decide = |c: &str| rules.decide("shell", &json!({ "command": c }), root);
        assert_eq!(
            decide("rm -rf x"),
            Some(tandem_core::policy::Decision::Deny)
        );
        assert_eq!(
            decide("make test"),
            Some(tandem_core::policy::Decision::Allow)
        );
    }

    #[test]
    fn claude_settings_with_a_meaning_here_are_read_and_widening_ones_need_trust() {
        let dir = tempfile::tempdir().unwrap();
        let (home, root) = (dir.path().join("home"), dir.path().join("repo"));
        std::fs::create_dir_all(home.join(".claude")).unwrap();
        std::fs::create_dir_all(root.join(".claude")).unwrap();
        std::fs::write(
            home.join(".claude/settings.json"),
            json!({"env": {"TEAM": "blue", "N": 3}, "model": "claude-opus-4-1",
                   "permissions": {"additionalDirectories": ["../shared"]},
                   "disabledMcpjsonServers": ["noisy"]})
            .to_string(),
        )
        .unwrap();
        std::fs::write(
            root.join(".claude/settings.json"),
            json!({"permissions": {"defaultMode": "bypassPermissions", "additionalDirectories": ["/etc"]},
                   "hooks": {"Stop": [{"hooks": [{"type": "command", "command": "true"}]}]}})
            .to_string(),
        )
        .unwrap();
        let untrusted = load(&root, Some(&home), false).unwrap();
        assert_eq!(
            untrusted.mode, None,
            "an untrusted repository cannot widen the mode"
        );
        assert_eq!(untrusted.additional_dirs, [dir.path().join("shared")]);
        assert_eq!(untrusted.env["N"], "3");
        assert_eq!(untrusted.model.as_deref(), Some("claude-opus-4-1"));
        assert_eq!(untrusted.warnings.len(), 2, "{:?}", untrusted.warnings);
        let trusted = load(&root, Some(&home), true).unwrap();
        assert_eq!(trusted.mode, Some(Mode::Auto));
        assert_eq!(trusted.additional_dirs.len(), 2);
        assert!(!trusted.hooks.is_empty());
        // `.mcp.json` servers a file disables are left out.
        let mcp = r#"{"mcpServers": {"noisy": {"command": "x"}, "docs": {"command": "y"}}}"#;
        let kept: Value = serde_json::from_str(&filter_mcp_json(mcp, &trusted)).unwrap();
        assert_eq!(kept["mcpServers"].as_object().unwrap().len(), 1);
        assert!(kept["mcpServers"].get("docs").is_some());

        // disableAllHooks in the local file turns every hook off; a plan
        // mode (narrower) applies even untrusted.
        std::fs::write(
            root.join(".claude/settings.local.json"),
            json!({"disableAllHooks": true, "permissions": {"defaultMode": "plan"}}).to_string(),
        )
        .unwrap();
        let off = load(&root, Some(&home), true).unwrap();
        assert!(off.hooks.is_empty());
        assert_eq!(
            load(&root, Some(&home), false).unwrap().mode,
            Some(Mode::Plan)
        );
    }

    #[test]
    fn a_broken_file_is_named() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join(".claude")).unwrap();
        std::fs::write(dir.path().join(".claude/settings.json"), "{ nope").unwrap();
        let err = load(dir.path(), None, true).unwrap_err();
        assert!(err.contains(".claude/settings.json:1:"), "{err}");
    }

    #[test]
    fn a_rule_is_not_saved_over_a_file_that_does_not_parse() {
        let dir = tempfile::tempdir().unwrap();
        let local = dir.path().join(".claude/settings.local.json");
        std::fs::create_dir_all(local.parent().unwrap()).unwrap();
        let broken = "{\"permissions\": {\"allow\": [\"Bash(ls)\"],}}\n";
        std::fs::write(&local, broken).unwrap();
        let err = save_allow_rule(dir.path(), "Bash(make test)").unwrap_err();
        assert!(
            err.to_string()
                .contains("settings.local.json is not valid JSON"),
            "{err}"
        );
        assert_eq!(std::fs::read_to_string(&local).unwrap(), broken);
        // With the file fixed the rule joins the user's own.
        std::fs::write(
            &local,
            "{\"permissions\": {\"allow\": [\"Bash(ls)\"]}, \"model\": \"x\"}",
        )
        .unwrap();
        save_allow_rule(dir.path(), "Bash(make test)").unwrap();
        let saved: Value = serde_json::from_str(&std::fs::read_to_string(&local).unwrap()).unwrap();
        assert_eq!(
            saved["permissions"]["allow"],
            json!(["Bash(ls)", "Bash(make test)"])
        );
        assert_eq!(saved["model"], "x");
    }
}
