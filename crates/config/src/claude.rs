//! The Claude Code settings files people already have: `permissions` and
//! `hooks` from the user's `~/.claude/settings.json`, the project's
//! `.claude/settings.json` and `.claude/settings.local.json`. "Always allow
//! in this project" is saved where Claude Code saves it: the local file.

use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use tandem_core::hooks::Hooks;
use tandem_core::policy::Rules;
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

/// Rules and hooks from every file that exists. An unreadable or invalid
/// file is an error naming it. The project's files give hooks only when
/// `project_hooks` (the folder is trusted: `crate::trust`); their rules
/// always apply.
pub fn load(
    root: &Path,
    home: Option<&Path>,
    project_hooks: bool,
) -> Result<(Rules, Hooks), String> {
    let mut rules = Rules::default();
    let mut hooks = Hooks::default();
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
        if let Some(p) = json.get("permissions") {
            let more = Rules::from_claude_permissions(p, &base)
                .map_err(|e| format!("{}: {e}", path.display()))?;
            rules.extend(more);
        }
        let more =
            Hooks::from_claude_settings(&json).map_err(|e| format!("{}: {e}", path.display()))?;
        // At home the project's files are the user's own too.
        if users || project_hooks || crate::trust::is_home(root, home) {
            hooks.extend(more);
        }
    }
    Ok((rules, hooks))
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
        let (rules, hooks) = load(dir.path(), None, true).unwrap();
        assert!(load(dir.path(), None, false).unwrap().1.is_empty());
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
