//! Which keys of Claude Code's `settings.json` Tandem acts on, and what the
//! rest are: read, not used, and said so (`tandem config`, a warning at
//! start for the ones a user would miss), never silently dropped.

use serde_json::Value;
use tandem_core::policy::Mode;

/// Top-level keys Tandem acts on. (`enableAllProjectMcpServers` is not
/// among them: whether `.mcp.json` servers start is the folder's trust.)
pub const USED: [&str; 7] = [
    "permissions",
    "hooks",
    "env",
    "model",
    "disableAllHooks",
    "enabledMcpjsonServers",
    "disabledMcpjsonServers",
];

/// Keys under `permissions` Tandem acts on.
pub const USED_PERMISSIONS: [&str; 5] = [
    "allow",
    "ask",
    "deny",
    "defaultMode",
    "additionalDirectories",
];

/// Keys that say nothing about behaviour (a schema link).
const IGNORABLE: [&str; 1] = ["$schema"];

/// Every key of one settings file Tandem reads but does not act on, as a
/// dotted path (`statusLine`, `permissions.disableBypassPermissionsMode`).
pub fn not_used(json: &Value) -> Vec<String> {
    let Some(top) = json.as_object() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (key, value) in top {
        if IGNORABLE.contains(&key.as_str()) {
            continue;
        }
        if !USED.contains(&key.as_str()) {
            out.push(key.clone());
        } else if key == "permissions"
            && let Some(p) = value.as_object()
        {
            out.extend(
                p.keys()
                    .filter(|k| !USED_PERMISSIONS.contains(&k.as_str()))
                    .map(|k| format!("permissions.{k}")),
            );
        }
    }
    out
}

/// Claude Code's `permissions.defaultMode` as Tandem's mode. `Ok(None)`:
/// Tandem's default already is that mode (edits are proposals, so
/// `acceptEdits` is how Tandem always works). `Err`: a mode Tandem has no
/// equivalent for, to warn about.
pub fn mode(claude: &str) -> Result<Option<Mode>, String> {
    match claude {
        "default" | "acceptEdits" => Ok(None),
        "plan" => Ok(Some(Mode::Plan)),
        // Tandem's `auto` runs everything in its sandbox unless a rule asks.
        "bypassPermissions" | "auto" => Ok(Some(Mode::Auto)),
        other => Err(format!(
            "permissions.defaultMode `{other}` has no Tandem equivalent; the mode stays as set \
             (Claude Code's default, acceptEdits, plan, bypassPermissions and auto are understood)"
        )),
    }
}

/// Whether `mode` lets more run unasked than Tandem's default: a
/// repository may only narrow what runs unless its folder is trusted.
pub fn widens(mode: Mode) -> bool {
    matches!(mode, Mode::Auto | Mode::Local)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn keys_without_a_meaning_here_are_named_with_their_path() {
        let file = json!({
            "$schema": "https://json.schemastore.org/claude-code-settings.json",
            "permissions": {"allow": [], "defaultMode": "plan", "disableBypassPermissionsMode": "disable"},
            "hooks": {}, "env": {}, "statusLine": {"type": "command"}, "cleanupPeriodDays": 7
        });
        let mut got = not_used(&file);
        got.sort();
        assert_eq!(
            got,
            [
                "cleanupPeriodDays",
                "permissions.disableBypassPermissionsMode",
                "statusLine"
            ]
        );
    }

    #[test]
    fn modes_map_or_say_why_not() {
        assert_eq!(mode("plan"), Ok(Some(Mode::Plan)));
        assert_eq!(mode("bypassPermissions"), Ok(Some(Mode::Auto)));
        assert_eq!(mode("acceptEdits"), Ok(None));
        assert!(mode("dontAsk").unwrap_err().contains("`dontAsk`"));
    }
}
