//! Hooks written for Claude Code, from its public hooks reference (event
//! names, input fields, output fields), through the real `tandem exec`:
//! a user settings file naming every event Claude Code has loads (the
//! events Tandem lacks are warnings); hooks get absolute paths,
//! `tool_use_id`, `tool_response`, the failure of a tool, sub-agents' start;
//! `updatedInput` changes what runs; `continue: false` ends the run with its
//! reason; a PermissionRequest hook answers for the user; a Stop hook reads
//! the transcript with `jq`.

use serde_json::{Value, json};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Output;
use tandem_tests::scripted::{Script, ScriptedServer, Turn};
use tandem_tests::tandem::{describe, fixture, tandem_command};
use tandem_tests::wire::tool_results;

/// Claude Code's hook events as its hooks reference lists them (2026).
const CLAUDE_EVENTS: [&str; 27] = [
    "SessionStart",
    "Setup",
    "InstructionsLoaded",
    "UserPromptSubmit",
    "PreToolUse",
    "PermissionRequest",
    "PermissionDenied",
    "PostToolUse",
    "PostToolUseFailure",
    "Notification",
    "SubagentStart",
    "SubagentStop",
    "TaskCreated",
    "TaskCompleted",
    "Stop",
    "StopFailure",
    "TeammateIdle",
    "PreCompact",
    "PostCompact",
    "ConfigChange",
    "CwdChanged",
    "FileChanged",
    "WorktreeCreate",
    "WorktreeRemove",
    "Elicitation",
    "ElicitationResult",
    "SessionEnd",
];

fn script(path: &Path, body: &str) {
    std::fs::write(path, format!("#!/bin/sh\n{body}\n")).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

/// `{"EVENT": [{"matcher": M, "hooks": [{"type": "command", "command": C}]}]}`.
fn hook(matcher: &str, command: &str) -> Value {
    json!([{"matcher": matcher, "hooks": [{"type": "command", "command": command}]}])
}

/// The user's own `~/.claude/settings.json` (its hooks need no trust).
fn user_settings(home: &Path, settings: Value) {
    std::fs::create_dir_all(home.join(".claude")).unwrap();
    std::fs::write(home.join(".claude/settings.json"), settings.to_string()).unwrap();
}

fn exec(model: &ScriptedServer, root: &Path, home: &Path, prompt: &str, extra: &[&str]) -> Output {
    tandem_command(home)
        .args(["exec", prompt, "--provider", "anthropic", "--model", "m"])
        .args(["--base-url", &model.url(), "-c", "model.api_key=\"k\""])
        .args(extra)
        .arg("-C")
        .arg(root)
        .output()
        .unwrap()
}

/// The JSON lines a logging hook appended, one per event it saw.
fn logged(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{l}: {e}")))
        .collect()
}

fn of<'a>(log: &'a [Value], event: &str) -> Vec<&'a Value> {
    log.iter()
        .filter(|v| v["hook_event_name"] == event)
        .collect()
}

#[test]
fn a_settings_file_with_every_claude_event_starts_and_hooks_get_claudes_fields() {
    let repo = fixture("greeter");
    let root = repo.path().canonicalize().unwrap();
    let home = tempfile::tempdir().unwrap();
    let log = home.path().join("events.jsonl");
    let logger = home.path().join("log.sh");
    script(
        &logger,
        &format!("cat >> {}\necho >> {}", log.display(), log.display()),
    );
    let every: serde_json::Map<String, Value> = CLAUDE_EVENTS
        .iter()
        .map(|e| (e.to_string(), hook("", &logger.display().to_string())))
        .collect();
    user_settings(home.path(), json!({ "hooks": every }));

    let model = ScriptedServer::start(
        Script::new()
            .conversation(
                "PARENT-PROMPT",
                vec![
                    Turn::new().tool_use("read", json!({"path": "src/greet.py"})),
                    Turn::new().tool_use("read", json!({"path": "src/no_such_file.py"})),
                    Turn::new().tool_use(
                        "task",
                        json!({"description": "look", "prompt": "CHILD-PROMPT: look around",
                               "subagent_type": "explore"}),
                    ),
                    Turn::say("all done"),
                ],
            )
            .conversation("CHILD-PROMPT", vec![Turn::say("child found it")]),
    );
    let out = exec(
        &model,
        &root,
        home.path(),
        "PARENT-PROMPT: look",
        &["--mode", "auto"],
    );
    assert!(out.status.success(), "{}", describe(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    // Events Tandem has no moment for are named, not fatal.
    for name in ["TeammateIdle", "WorktreeCreate", "Elicitation"] {
        assert!(stderr.contains(&format!("`{name}`")), "{name}: {stderr}");
    }

    let log = logged(&log);
    let start = of(&log, "SessionStart");
    assert_eq!(start.len(), 1, "{log:#?}");
    assert_eq!(start[0]["source"], "startup");
    assert_eq!(
        of(&log, "UserPromptSubmit")[0]["prompt"],
        "PARENT-PROMPT: look"
    );

    let pre = of(&log, "PreToolUse");
    assert_eq!(pre[0]["tool_name"], "Read");
    // Absolute, as Claude Code sends it; Tandem's own relative `path` too.
    assert_eq!(
        pre[0]["tool_input"]["file_path"],
        root.join("src/greet.py").display().to_string()
    );
    let id = pre[0]["tool_use_id"].as_str().unwrap().to_string();
    assert!(!id.is_empty());
    let request = model.requests()[1].json.to_string();
    assert!(request.contains(&id), "the id is the model's call id");

    let post = of(&log, "PostToolUse");
    assert_eq!(post[0]["tool_use_id"], id.as_str());
    assert!(
        post[0]["tool_response"].as_str().unwrap().contains("def "),
        "{}",
        post[0]
    );
    let failed = of(&log, "PostToolUseFailure");
    assert_eq!(failed.len(), 1, "{log:#?}");
    assert_eq!(failed[0]["tool_name"], "Read");
    assert!(failed[0]["error"].as_str().is_some_and(|e| !e.is_empty()));

    let sub = of(&log, "SubagentStart");
    assert_eq!(sub.len(), 1, "{log:#?}");
    assert_eq!(sub[0]["agent_type"], "explore");
    let sub_stop = of(&log, "SubagentStop");
    assert_eq!(sub_stop[0]["agent_id"], sub[0]["agent_id"]);
    assert_eq!(sub_stop[0]["last_assistant_message"], "child found it");

    let stop = of(&log, "Stop");
    assert_eq!(stop[0]["last_assistant_message"], "all done");
    assert_eq!(of(&log, "SessionEnd").len(), 1);
    for v in &log {
        assert_eq!(v["cwd"], root.display().to_string(), "{v}");
        assert_eq!(v["session_id"], log[0]["session_id"], "{v}");
    }
}

#[test]
fn updated_input_is_what_runs() {
    let repo = fixture("greeter");
    let home = tempfile::tempdir().unwrap();
    let rewrite = home.path().join("rewrite.sh");
    script(
        &rewrite,
        r#"echo '{"hookSpecificOutput":{"hookEventName":"PreToolUse","permissionDecision":"allow","updatedInput":{"command":"echo REWRITTEN"}}}'"#,
    );
    user_settings(
        home.path(),
        json!({"hooks": {"PreToolUse": hook("Bash", &rewrite.display().to_string())}}),
    );
    let model = ScriptedServer::start(
        Script::new()
            .turn(Turn::new().tool_use("shell", json!({"command": "echo ORIGINAL"})))
            .turn(Turn::say("ok")),
    );
    let out = exec(
        &model,
        repo.path(),
        home.path(),
        "run it",
        &["--mode", "auto"],
    );
    assert!(out.status.success(), "{}", describe(&out));
    let results = tool_results(&model.requests()[1]);
    assert!(results[0].contains("REWRITTEN"), "{}", results[0]);
    assert!(!results[0].contains("ORIGINAL"), "{}", results[0]);
}

#[test]
fn continue_false_ends_the_run_and_shows_the_reason() {
    let repo = fixture("greeter");
    let home = tempfile::tempdir().unwrap();
    let halt = home.path().join("halt.sh");
    script(
        &halt,
        r#"echo '{"continue": false, "stopReason": "the budget for today is spent"}'"#,
    );
    user_settings(
        home.path(),
        json!({"hooks": {"PostToolUse": hook("Read", &halt.display().to_string())}}),
    );
    let model = ScriptedServer::start(
        Script::new()
            .turn(Turn::new().tool_use("read", json!({"path": "src/greet.py"})))
            .turn(Turn::new().tool_use("read", json!({"path": "src/names.py"})))
            .turn(Turn::say("should not get here")),
    );
    let out = exec(&model, repo.path(), home.path(), "read", &[]);
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(all.contains("the budget for today is spent"), "{all}");
    assert_eq!(
        model.requests().len(),
        1,
        "no model call after the hook said stop"
    );
}

#[test]
fn a_permission_request_hook_answers_where_the_user_would_be_asked() {
    let repo = fixture("greeter");
    let home = tempfile::tempdir().unwrap();
    let answer = home.path().join("answer.sh");
    // Allow commands that say "safe", deny the rest with a message.
    script(
        &answer,
        r#"case "$(cat)" in
  *safe*) echo '{"hookSpecificOutput":{"hookEventName":"PermissionRequest","decision":{"behavior":"allow"}}}';;
  *) echo '{"hookSpecificOutput":{"hookEventName":"PermissionRequest","decision":{"behavior":"deny","message":"only safe commands today"}}}';;
esac"#,
    );
    let turns = || {
        Script::new()
            .turn(
                Turn::new()
                    .tool_use("shell", json!({"command": "echo safe-and-sound"}))
                    .tool_use("shell", json!({"command": "echo risky"})),
            )
            .turn(Turn::say("ok"))
    };
    // Control: in the default mode with nobody to ask, neither runs.
    let model = ScriptedServer::start(turns());
    let out = exec(&model, repo.path(), home.path(), "go", &[]);
    assert!(out.status.success(), "{}", describe(&out));
    let results = tool_results(&model.requests()[1]);
    assert!(
        results[0].contains("needs the user's approval"),
        "{results:?}"
    );

    user_settings(
        home.path(),
        json!({"hooks": {"PermissionRequest": hook("Bash", &answer.display().to_string())}}),
    );
    let model = ScriptedServer::start(turns());
    let out = exec(&model, repo.path(), home.path(), "go", &[]);
    assert!(out.status.success(), "{}", describe(&out));
    let results = tool_results(&model.requests()[1]);
    assert!(results[0].contains("safe-and-sound"), "{results:?}");
    assert!(
        results[1].contains("only safe commands today") && !results[1].contains("\nrisky"),
        "{results:?}"
    );
}

/// A Stop hook as people write them for Claude Code: it reads the
/// transcript at `transcript_path` with `jq` and sends the agent back to
/// work until its last message says it ran the tests.
#[test]
fn a_stop_hook_reads_the_transcript_with_jq() {
    assert!(
        std::process::Command::new("jq")
            .arg("--version")
            .output()
            .is_ok(),
        "this test needs jq"
    );
    let repo = fixture("greeter");
    let home = tempfile::tempdir().unwrap();
    let seen = home.path().join("last.txt");
    let check = home.path().join("check.sh");
    script(
        &check,
        &format!(
            r#"input=$(cat)
transcript=$(echo "$input" | jq -r '.transcript_path')
last=$(jq -r 'select(.type == "assistant") | .message.content[] | select(.type == "text") | .text' "$transcript" | tail -n 1)
echo "$last" >> {seen}
case "$last" in
  *"tests pass"*) exit 0;;
  *) echo "run the tests and say they pass" >&2; exit 2;;
esac"#,
            seen = seen.display()
        ),
    );
    user_settings(
        home.path(),
        json!({"hooks": {"Stop": [{"hooks": [{"type": "command", "command": check.display().to_string()}]}]}}),
    );
    let model = ScriptedServer::start(
        Script::new()
            .turn(Turn::say("I changed the greeting."))
            .turn(Turn::say("Ran them: the tests pass.")),
    );
    let out = exec(&model, repo.path(), home.path(), "change the greeting", &[]);
    assert!(out.status.success(), "{}", describe(&out));
    let seen = std::fs::read_to_string(&seen).unwrap();
    assert_eq!(
        seen.lines().collect::<Vec<_>>(),
        ["I changed the greeting.", "Ran them: the tests pass."]
    );
    let requests = model.requests();
    assert_eq!(requests.len(), 2);
    assert!(
        requests[1]
            .json
            .to_string()
            .contains("run the tests and say they pass")
    );

    // The transcript: one Claude-shaped line per message, linked.
    let sessions = home.path().join(".local/state/tandem/sessions");
    let file = std::fs::read_dir(&sessions)
        .unwrap()
        .flatten()
        .flat_map(|d| std::fs::read_dir(d.path()).unwrap().flatten())
        .next()
        .unwrap()
        .path();
    let text = std::fs::read_to_string(file).unwrap();
    let messages: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter(|v| v["type"] == "user" || v["type"] == "assistant")
        .collect();
    assert!(messages.len() >= 4, "{text}");
    assert!(messages[0]["parentUuid"].is_null());
    for pair in messages.windows(2) {
        assert_eq!(pair[1]["parentUuid"], pair[0]["uuid"], "{text}");
    }
    for m in &messages {
        for field in ["uuid", "sessionId", "cwd", "timestamp"] {
            assert!(m[field].is_string(), "{field} in {m}");
        }
        assert_eq!(m["message"]["role"], m["type"]);
    }
}

/// A `type: "prompt"` hook: the model (here a named small one) judges the
/// call; its `{"ok": false}` blocks it with the reason, `{"ok": true}`
/// lets it run (the control).
#[test]
fn a_prompt_hook_asks_a_model_and_its_no_blocks() {
    let repo = fixture("greeter");
    let home = tempfile::tempdir().unwrap();
    user_settings(
        home.path(),
        json!({"hooks": {"PreToolUse": [{"matcher": "Bash", "hooks": [{
            "type": "prompt", "model": "small-judge",
            "prompt": "PROMPT-HOOK: is this command safe? $ARGUMENTS"
        }]}]}}),
    );
    let run = |verdict: &str| {
        let model = ScriptedServer::start(
            Script::new()
                .conversation("PROMPT-HOOK", vec![Turn::say(verdict)])
                .conversation(
                    "MAIN-PROMPT",
                    vec![
                        Turn::new().tool_use("shell", json!({"command": "echo PRUNED-IT"})),
                        Turn::say("ok"),
                    ],
                ),
        );
        let out = exec(
            &model,
            repo.path(),
            home.path(),
            "MAIN-PROMPT: prune",
            &["--mode", "auto"],
        );
        assert!(out.status.success(), "{}", describe(&out));
        let requests = model.requests();
        let judge = requests
            .iter()
            .find(|r| r.json.to_string().contains("PROMPT-HOOK"))
            .expect("the hook asked the model");
        assert_eq!(judge.json["model"], "small-judge");
        assert!(
            judge.json.to_string().contains("echo PRUNED-IT"),
            "the input"
        );
        let main = requests
            .iter()
            .rfind(|r| r.json.to_string().contains("MAIN-PROMPT"))
            .unwrap();
        tool_results(main).join("\n")
    };
    let blocked = run(r#"{"ok": false, "reason": "pruning is not safe today"}"#);
    assert!(
        blocked.contains("pruning is not safe today") && !blocked.contains("PRUNED-IT\n"),
        "{blocked}"
    );
    let allowed = run(r#"{"ok": true}"#);
    assert!(
        allowed.contains("PRUNED-IT") && !allowed.contains("not safe"),
        "{allowed}"
    );
}

/// SessionStart's `source`: `startup` for a new task, `resume` for its
/// follow-up (which continues the saved conversation). The hook's plain
/// stdout is context, so the model's requests show what it was told.
#[test]
fn session_start_says_startup_then_resume_for_a_follow_up() {
    let repo = fixture("greeter");
    let home = tempfile::tempdir().unwrap();
    let hook = r#"sed -n 's/.*"source":"\([a-z]*\)".*/SOURCE-IS-\1/p'"#;
    user_settings(
        home.path(),
        json!({"hooks": {"SessionStart": [{"hooks": [{"type": "command", "command": hook}]}]}}),
    );
    let model = ScriptedServer::start(
        Script::new()
            .conversation("FOLLOW-UP-TEXT", vec![Turn::say("followed up")])
            .conversation("FIRST-TEXT", vec![Turn::say("first done")]),
    );
    let task = |args: &[&str]| {
        let out = tandem_command(home.path())
            .arg("task")
            .arg("-C")
            .arg(repo.path())
            .args(args)
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", describe(&out));
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    };
    let flags = [
        "--provider",
        "anthropic",
        "-m",
        "m",
        "--base-url",
        &model.url(),
        "-c",
        "model.api_key=\"k\"",
    ];
    let mut start = vec!["start", "FIRST-TEXT"];
    start.extend(flags);
    let id = task(&start);
    task(&["wait", &id]);
    task(&["follow-up", &id, "FOLLOW-UP-TEXT", "--wait"]);
    let requests = model.requests();
    let first = requests.iter().find(|r| r.conversation == Some(1)).unwrap();
    assert!(first.body.contains("SOURCE-IS-startup"), "{}", first.body);
    let follow = requests.iter().find(|r| r.conversation == Some(0)).unwrap();
    assert!(follow.body.contains("SOURCE-IS-resume"), "{}", follow.body);
}
