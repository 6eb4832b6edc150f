//! Claude Code hooks, unchanged, through `tandem exec` with real scripts in
//! the project's `.claude/settings.json`: a PreToolUse hook that exits 2
//! blocks the command and the model sees why; one that answers JSON
//! `permissionDecision: "deny"` blocks an edit; a PostToolUse hook adds
//! context; a hook that times out is reported and the call goes on; hooks
//! get the event JSON on stdin and CLAUDE_PROJECT_DIR.

use serde_json::json;
use std::os::unix::fs::PermissionsExt;
use tandem_tests::scripted::{Script, ScriptedServer, Turn};
use tandem_tests::tandem::{describe, fixture, tandem_command};
use tandem_tests::wire::tool_results;

fn script(path: &std::path::Path, body: &str) {
    std::fs::write(path, format!("#!/bin/sh\n{body}\n")).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

#[test]
fn hooks_block_deny_add_context_and_time_out() {
    let repo = fixture("greeter");
    let root = repo.path();
    let hooks = root.join("hooks");
    std::fs::create_dir_all(&hooks).unwrap();
    let log = tempfile::tempdir().unwrap();
    let seen = log.path().join("seen.json");
    script(
        &hooks.join("guard.sh"),
        &format!(
            "input=$(cat)\nprintf '%s' \"$input\" > {seen}\necho \"$CLAUDE_PROJECT_DIR\" > {seen}.dir\n\
             case \"$input\" in *rm\\ -rf*) echo 'no rm -rf in this project' >&2; exit 2;; esac\nexit 0",
            seen = seen.display()
        ),
    );
    script(
        &hooks.join("freeze.sh"),
        r#"echo '{"hookSpecificOutput":{"hookEventName":"PreToolUse","permissionDecision":"deny","permissionDecisionReason":"edits are frozen today"}}'"#,
    );
    script(
        &hooks.join("context.sh"),
        r#"echo '{"hookSpecificOutput":{"hookEventName":"PostToolUse","additionalContext":"remember the style guide"}}'"#,
    );
    std::fs::create_dir_all(root.join(".claude")).unwrap();
    let settings = json!({
        "hooks": {
            "PreToolUse": [
                {"matcher": "Bash", "hooks": [{"type": "command", "command": "$CLAUDE_PROJECT_DIR/hooks/guard.sh"}]},
                {"matcher": "Edit|Write", "hooks": [{"type": "command", "command": "./hooks/freeze.sh"}]},
                {"matcher": "Glob", "hooks": [{"type": "command", "command": "sleep 30", "timeout": 1}]}
            ],
            "PostToolUse": [
                {"matcher": "Read", "hooks": [{"type": "command", "command": "./hooks/context.sh"}]}
            ]
        }
    });
    std::fs::write(root.join(".claude/settings.json"), settings.to_string()).unwrap();

    let model = ScriptedServer::start(
        Script::new()
            .turn(Turn::new().tool_use("shell", json!({"command": "rm -rf src"})))
            .turn(Turn::new().tool_use(
                "edit",
                json!({"path": "src/greet.py", "old_string": "Bye", "new_string": "Ciao"}),
            ))
            .turn(Turn::new().tool_use("read", json!({"path": "src/names.py"})))
            .turn(Turn::new().tool_use("glob", json!({"pattern": "**/*.py"})))
            .turn(Turn::say("done")),
    );
    let home = tempfile::tempdir().unwrap();
    tandem_tests::tandem::tandem_bin(); // build first: not part of the time below
    let started = std::time::Instant::now();
    let out = tandem_command(home.path())
        .args([
            "exec",
            "tidy",
            "--provider",
            "anthropic",
            "--model",
            "m",
            "--mode",
            "auto",
            // The hooks are the repository's own: they run once trusted.
            "--trust",
        ])
        .args(["--base-url", &model.url(), "-c", "model.api_key=\"k\""])
        .arg("-C")
        .arg(root)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", describe(&out));
    let results = tool_results(&model.requests()[4]);

    assert!(
        results[0].contains("no rm -rf in this project"),
        "{}",
        results[0]
    );
    assert!(root.join("src/greet.py").exists());
    assert!(
        results[1].contains("edits are frozen today"),
        "{}",
        results[1]
    );
    assert!(!String::from_utf8_lossy(&out.stdout).contains("Ciao"));
    assert!(
        results[2].contains("NAMES") && results[2].contains("remember the style guide"),
        "{}",
        results[2]
    );
    assert!(
        results[3].contains("greet.py"),
        "the timed-out hook did not block: {}",
        results[3]
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("timed out"), "{stderr}");
    assert!(
        started.elapsed().as_secs() < 25,
        "the hook was killed at its timeout"
    );

    // The hook got the event on stdin, and the project folder.
    let input: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&seen).unwrap()).unwrap();
    assert_eq!(input["hook_event_name"], "PreToolUse");
    assert_eq!(input["tool_name"], "Bash");
    assert_eq!(input["tool_input"]["command"], "rm -rf src");
    let dir = std::fs::read_to_string(format!("{}.dir", seen.display())).unwrap();
    assert_eq!(
        std::path::Path::new(dir.trim()).canonicalize().unwrap(),
        root.canonicalize().unwrap()
    );
}

/// Hooks get the session's transcript as Claude Code's do: a file of JSON
/// lines holding the conversation so far, there while the hook runs.
#[test]
fn hooks_of_an_exec_run_read_its_transcript() {
    let repo = fixture("greeter");
    let root = repo.path();
    let log = tempfile::tempdir().unwrap();
    let copy = log.path().join("transcript-at-hook-time.jsonl");
    std::fs::create_dir_all(root.join(".claude")).unwrap();
    let hook = format!(
        "python3 -c 'import json, shutil, sys; shutil.copy(json.load(sys.stdin)[\"transcript_path\"], \"{}\")'",
        copy.display()
    );
    let settings = json!({"hooks": {"PreToolUse": [
        {"matcher": "Read", "hooks": [{"type": "command", "command": hook}]}
    ]}});
    std::fs::write(root.join(".claude/settings.json"), settings.to_string()).unwrap();
    let model = ScriptedServer::start(
        Script::new()
            .turn(Turn::new().tool_use("read", json!({"path": "src/greet.py"})))
            .turn(Turn::say("Read it, all good.")),
    );
    let home = tempfile::tempdir().unwrap();
    let out = tandem_command(home.path())
        .args([
            "exec",
            "check the greeting",
            "--trust",
            "--provider",
            "anthropic",
        ])
        .args([
            "--model",
            "m",
            "--base-url",
            &model.url(),
            "-c",
            "model.api_key=\"k\"",
        ])
        .arg("-C")
        .arg(root)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", describe(&out));

    // At hook time: the prompt and the model's call, in the state folder.
    let at_hook = std::fs::read_to_string(&copy).expect("the hook copied the transcript");
    assert!(at_hook.contains("check the greeting"), "{at_hook}");
    assert!(at_hook.contains("\"tool_use\""), "{at_hook}");
    let sessions = home.path().join(".local/state/tandem/sessions");
    let files: Vec<_> = walk(&sessions);
    assert_eq!(files.len(), 1, "{files:?}");
    // At the end: the whole conversation.
    let last = std::fs::read_to_string(&files[0]).unwrap();
    assert!(last.contains("Read it, all good."), "{last}");
    for line in last.lines() {
        serde_json::from_str::<serde_json::Value>(line).expect("one JSON value per line");
    }
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}
