//! Claude Code's `settings.json` keys that mean something in Tandem, through
//! the real binary: `permissions.defaultMode`, `additionalDirectories`
//! (the read tool), `env` (hooks), `disableAllHooks`; the keys without a
//! meaning here are listed by `tandem config` as read, not used.

use serde_json::{Value, json};
use std::path::Path;
use std::process::Output;
use tandem_tests::scripted::{Script, ScriptedServer, Turn};
use tandem_tests::tandem::{describe, fixture, tandem_command};
use tandem_tests::wire::tool_results;

fn user_settings(home: &Path, settings: Value) {
    std::fs::create_dir_all(home.join(".claude")).unwrap();
    std::fs::write(home.join(".claude/settings.json"), settings.to_string()).unwrap();
}

fn exec(model: &ScriptedServer, root: &Path, home: &Path) -> Output {
    tandem_command(home)
        .args(["exec", "go", "--provider", "anthropic", "--model", "m"])
        .args(["--base-url", &model.url(), "-c", "model.api_key=\"k\""])
        .arg("-C")
        .arg(root)
        .output()
        .unwrap()
}

/// The first tool result the model got, after one scripted call.
fn one_call(root: &Path, home: &Path, tool: &str, input: Value) -> (Output, String) {
    let model = ScriptedServer::start(
        Script::new()
            .turn(Turn::new().tool_use(tool, input))
            .turn(Turn::say("ok")),
    );
    let out = exec(&model, root, home);
    let result = model
        .requests()
        .get(1)
        .map(|r| tool_results(r).join("\n"))
        .unwrap_or_default();
    (out, result)
}

#[test]
fn default_mode_plan_refuses_edits_until_a_plan_is_approved() {
    let repo = fixture("greeter");
    let home = tempfile::tempdir().unwrap();
    let edit = json!({"path": "src/greet.py", "old_string": "Bye", "new_string": "Ciao"});
    // Control: Tandem's default lets the edit be proposed.
    let (out, result) = one_call(repo.path(), home.path(), "edit", edit.clone());
    assert!(out.status.success(), "{}", describe(&out));
    assert!(!result.contains("not allowed"), "{result}");

    user_settings(home.path(), json!({"permissions": {"defaultMode": "plan"}}));
    let (out, result) = one_call(repo.path(), home.path(), "edit", edit);
    assert!(out.status.success(), "{}", describe(&out));
    assert!(
        result.contains("not allowed in plan mode") && result.contains("exit_plan_mode"),
        "{result}"
    );
}

#[test]
fn additional_directories_are_readable() {
    let repo = fixture("greeter");
    let home = tempfile::tempdir().unwrap();
    let shared = tempfile::tempdir().unwrap();
    std::fs::write(shared.path().join("notes.md"), "SHARED-NOTES\n").unwrap();
    let read = json!({"path": shared.path().join("notes.md").display().to_string()});
    // Control: outside the workspace, not readable.
    let (_, result) = one_call(repo.path(), home.path(), "read", read.clone());
    assert!(!result.contains("SHARED-NOTES"), "{result}");

    user_settings(
        home.path(),
        json!({"permissions": {"additionalDirectories": [shared.path().display().to_string()]}}),
    );
    let (out, result) = one_call(repo.path(), home.path(), "read", read);
    assert!(out.status.success(), "{}", describe(&out));
    assert!(result.contains("SHARED-NOTES"), "{result}");
}

#[test]
fn env_reaches_hooks_and_disable_all_hooks_turns_them_off() {
    let repo = fixture("greeter");
    let home = tempfile::tempdir().unwrap();
    let hook = json!({"PreToolUse": [{"matcher": "Read", "hooks": [
        {"type": "command", "command": "echo \"blocked for team $TEAM\" >&2; exit 2"}
    ]}]});
    user_settings(home.path(), json!({"env": {"TEAM": "blue"}, "hooks": hook}));
    let read = json!({"path": "src/greet.py"});
    let (out, result) = one_call(repo.path(), home.path(), "read", read.clone());
    assert!(out.status.success(), "{}", describe(&out));
    assert!(result.contains("blocked for team blue"), "{result}");

    user_settings(
        home.path(),
        json!({"env": {"TEAM": "blue"}, "hooks": hook, "disableAllHooks": true}),
    );
    let (out, result) = one_call(repo.path(), home.path(), "read", read);
    assert!(out.status.success(), "{}", describe(&out));
    assert!(
        !result.contains("blocked") && result.contains("def "),
        "{result}"
    );
}

#[test]
fn tandem_config_lists_claude_keys_read_but_not_used() {
    let repo = fixture("greeter");
    let home = tempfile::tempdir().unwrap();
    user_settings(
        home.path(),
        json!({"permissions": {"allow": ["Bash(ls)"], "disableBypassPermissionsMode": "disable"},
               "statusLine": {"type": "command", "command": "echo hi"},
               "cleanupPeriodDays": 10, "env": {}}),
    );
    let out = tandem_command(home.path())
        .arg("config")
        .arg("-C")
        .arg(repo.path())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", describe(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text
        .lines()
        .find(|l| l.contains("~/.claude/settings.json"))
        .unwrap_or_else(|| panic!("{text}"));
    assert!(line.contains("read, not used"), "{line}");
    for key in [
        "statusLine",
        "cleanupPeriodDays",
        "permissions.disableBypassPermissionsMode",
    ] {
        assert!(line.contains(key), "{key}: {line}");
    }
    assert!(
        !line.contains("env") && !line.contains("permissions.allow"),
        "{line}"
    );
}

/// Codex's `~/.codex/config.toml`: its `[mcp_servers]` are started (this
/// one cannot start, so its failure names it), and `tandem config` names
/// the keys it does not use.
#[test]
fn codex_mcp_servers_join_and_other_codex_keys_are_listed() {
    let repo = fixture("greeter");
    let home = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(home.path().join(".codex")).unwrap();
    std::fs::write(
        home.path().join(".codex/config.toml"),
        "model = \"gpt-5-codex\"\n\n[mcp_servers.codex-docs]\n\
         command = \"/nonexistent/codex-docs-server\"\nstartup_timeout_sec = 5\n",
    )
    .unwrap();
    let model = ScriptedServer::start(Script::new().turn(Turn::say("ok")));
    let out = tandem_command(home.path())
        .args([
            "exec",
            "go",
            "--json",
            "--provider",
            "anthropic",
            "--model",
            "m",
        ])
        .args(["--base-url", &model.url(), "-c", "model.api_key=\"k\""])
        .arg("-C")
        .arg(repo.path())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", describe(&out));
    let events: Vec<Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    assert!(
        events
            .iter()
            .any(|e| e["type"] == "mcp_server" && e["server"] == "codex-docs"),
        "{events:#?}"
    );

    let out = tandem_command(home.path())
        .arg("config")
        .arg("-C")
        .arg(repo.path())
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("~/.codex/config.toml (mcp_servers: codex-docs)"),
        "{text}"
    );
    assert!(text.contains("read, not used: model"), "{text}");
}
