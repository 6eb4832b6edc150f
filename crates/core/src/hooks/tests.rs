//! End to end: real shell hooks run through `Hooks::run`.

use super::*;
use serde_json::json;
use std::path::Path;
use std::time::Instant;

fn hooks(settings: Value) -> Hooks {
    Hooks::from_claude_settings(&settings).unwrap()
}

/// One group for `event` with `matcher`, running `commands`.
fn group(event: &str, matcher: Option<&str>, commands: &[(&str, Option<u64>)]) -> Hooks {
    let hooks_list: Vec<Value> = commands
        .iter()
        .map(|(c, t)| match t {
            Some(t) => json!({"type": "command", "command": c, "timeout": t}),
            None => json!({"type": "command", "command": c}),
        })
        .collect();
    let mut g = json!({"hooks": hooks_list});
    if let Some(m) = matcher {
        g["matcher"] = json!(m);
    }
    hooks(json!({"hooks": {event: [g]}}))
}

fn input(dir: &Path) -> HookInput {
    let mut extra = Map::new();
    extra.insert("tool_name".into(), json!("Bash"));
    extra.insert("tool_input".into(), json!({"command": "rm -rf build"}));
    HookInput {
        session_id: "s-1".into(),
        transcript_path: dir.join("t.jsonl").display().to_string(),
        cwd: dir.to_path_buf(),
        project_dir: dir.to_path_buf(),
        hook_event_name: None,
        extra,
    }
}

/// Write an executable script into `dir`.
fn script(dir: &Path, name: &str, body: &str) -> std::path::PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let path = dir.join(name);
    std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path
}

/// A command printing `context` as additionalContext for `event`.
fn says(event: &str, context: &str) -> String {
    let json =
        json!({"hookSpecificOutput": {"hookEventName": event, "additionalContext": context}});
    format!("echo '{json}'")
}

#[tokio::test]
async fn exit_2_blocks_with_stderr_as_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    script(
        dir.path(),
        "check.sh",
        "echo 'ignored stdout'\necho 'rm -rf is not allowed here' >&2\nexit 2",
    );
    // Relative to the hook's cwd, as users write it in settings.json.
    let h = group("PreToolUse", Some("Bash"), &[("./check.sh", None)]);
    let o = h
        .run(HookEvent::PreToolUse, Some("Bash"), &input(dir.path()))
        .await;
    assert_eq!(o.blocked.as_deref(), Some("rm -rf is not allowed here"));
    assert!(o.errors.is_empty(), "{:?}", o.errors);
}

#[tokio::test]
async fn json_permission_deny_blocks() {
    let dir = tempfile::tempdir().unwrap();
    let out = r#"{"hookSpecificOutput":{"hookEventName":"PreToolUse","permissionDecision":"deny","permissionDecisionReason":"no"}}"#;
    let h = group("PreToolUse", None, &[(&format!("echo '{out}'"), None)]);
    let o = h
        .run(HookEvent::PreToolUse, Some("Edit"), &input(dir.path()))
        .await;
    assert_eq!(o.blocked.as_deref(), Some("no"));
    assert_eq!(o.permission, Some(HookPermission::Deny));
}

#[tokio::test]
async fn json_allow_is_a_permission_not_a_block() {
    let dir = tempfile::tempdir().unwrap();
    let out =
        r#"{"hookSpecificOutput":{"hookEventName":"PreToolUse","permissionDecision":"allow"}}"#;
    let h = group("PreToolUse", None, &[(&format!("echo '{out}'"), None)]);
    let o = h
        .run(HookEvent::PreToolUse, Some("Edit"), &input(dir.path()))
        .await;
    assert_eq!(
        (o.blocked, o.permission),
        (None, Some(HookPermission::Allow))
    );
}

#[tokio::test]
async fn post_tool_use_additional_context_arrives() {
    let dir = tempfile::tempdir().unwrap();
    let h = group(
        "PostToolUse",
        Some("Edit|Write"),
        &[(&says("PostToolUse", "formatted 1 file"), None)],
    );
    let o = h
        .run(HookEvent::PostToolUse, Some("Write"), &input(dir.path()))
        .await;
    assert_eq!(o.context, ["formatted 1 file"]);
    assert_eq!(o.blocked, None);
}

#[tokio::test]
async fn a_hook_past_its_timeout_is_killed_and_reported_without_blocking() {
    let dir = tempfile::tempdir().unwrap();
    let pid_file = dir.path().join("pid");
    let cmd = format!("sleep 30 & echo $! > '{}'; wait", pid_file.display());
    let h = group("PreToolUse", None, &[(&cmd, Some(1))]);
    let started = Instant::now();
    let o = h
        .run(HookEvent::PreToolUse, Some("Bash"), &input(dir.path()))
        .await;
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(o.blocked, None);
    assert_eq!(o.errors, [format!("hook `{cmd}` timed out after 1s")]);
    // The background sleep went with its group.
    let pid: i32 = std::fs::read_to_string(&pid_file)
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    std::thread::sleep(Duration::from_millis(100));
    assert!(!running(pid), "the hook's child survived");
}

/// Whether `pid` is a live process (a killed one may linger as a zombie
/// until init reaps it; that does not count).
fn running(pid: i32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|s| {
        s.rsplit(')')
            .next()
            .is_some_and(|rest| !rest.trim_start().starts_with('Z'))
    })
}

#[tokio::test]
async fn the_hook_reads_the_event_json_on_stdin() {
    let dir = tempfile::tempdir().unwrap();
    let got = dir.path().join("stdin.json");
    let s = script(dir.path(), "log.sh", &format!("cat > '{}'", got.display()));
    let h = group(
        "PreToolUse",
        Some("Bash"),
        &[(&s.display().to_string(), None)],
    );
    let o = h
        .run(HookEvent::PreToolUse, Some("Bash"), &input(dir.path()))
        .await;
    assert_eq!(o, HookOutcome::default());
    let sent: Value = serde_json::from_str(&std::fs::read_to_string(&got).unwrap()).unwrap();
    assert_eq!(sent["tool_name"], "Bash");
    assert_eq!(sent["tool_input"]["command"], "rm -rf build");
    assert_eq!(sent["hook_event_name"], "PreToolUse");
    assert_eq!(sent["cwd"], dir.path().display().to_string());
    assert_eq!(sent["session_id"], "s-1");
}

#[tokio::test]
async fn project_dir_and_cwd_are_set() {
    let dir = tempfile::tempdir().unwrap();
    let work = dir.path().join("sub");
    std::fs::create_dir(&work).unwrap();
    let mut i = input(dir.path());
    i.cwd = work.clone();
    let h = group(
        "UserPromptSubmit",
        None,
        &[(
            r#"echo "$CLAUDE_PROJECT_DIR|$TANDEM_PROJECT_DIR|$(pwd)""#,
            None,
        )],
    );
    let o = h.run(HookEvent::UserPromptSubmit, None, &i).await;
    let p = dir.path().display();
    // pwd may resolve symlinks in the temp path; compare canonical forms.
    let parts: Vec<&str> = o.context[0].split('|').collect();
    assert_eq!(parts[..2], [p.to_string(), p.to_string()]);
    assert_eq!(
        Path::new(parts[2]).canonicalize().unwrap(),
        work.canonicalize().unwrap()
    );
}

#[tokio::test]
async fn matchers_regex_exact_and_star() {
    let dir = tempfile::tempdir().unwrap();
    let g = |m: Option<&str>, c: &str| {
        let mut g = json!({"hooks": [{"type": "command", "command": says("PreToolUse", c)}]});
        if let Some(m) = m {
            g["matcher"] = json!(m);
        }
        g
    };
    let h = hooks(json!({"hooks": {"PreToolUse": [
        g(Some("Edit|Write"), "edit-or-write"),
        g(Some("Bash"), "bash"),
        g(Some("*"), "star"),
        g(None, "none"),
        g(Some(""), "empty"),
        g(Some("mcp__memory__.*"), "mcp"),
    ]}}));
    let i = input(dir.path());
    for (tool, want) in [
        ("Edit", vec!["edit-or-write", "star", "none", "empty"]),
        ("Bash", vec!["bash", "star", "none", "empty"]),
        ("BashOutput", vec!["star", "none", "empty"]),
        ("MultiEdit", vec!["star", "none", "empty"]),
        (
            "mcp__memory__create_entities",
            vec!["star", "none", "empty", "mcp"],
        ),
    ] {
        let o = h.run(HookEvent::PreToolUse, Some(tool), &i).await;
        assert_eq!(o.context, want, "{tool}");
    }
}

#[tokio::test]
async fn matchers_follow_the_event() {
    let dir = tempfile::tempdir().unwrap();
    let i = input(dir.path());
    // Prompts have nothing to match: a matcher there is ignored.
    let h = group("UserPromptSubmit", Some("Bash"), &[("echo hi", None)]);
    let o = h
        .run(HookEvent::UserPromptSubmit, Some("anything"), &i)
        .await;
    assert_eq!(o.context, ["hi"]);
    // SessionStart matches its source.
    let h = group(
        "SessionStart",
        Some("startup|resume"),
        &[("echo started", None)],
    );
    assert_eq!(
        h.run(HookEvent::SessionStart, Some("resume"), &i)
            .await
            .context,
        ["started"]
    );
    assert!(
        h.run(HookEvent::SessionStart, Some("clear"), &i)
            .await
            .context
            .is_empty()
    );
    // Hooks of other events do not run.
    assert_eq!(
        h.run(HookEvent::Stop, None, &i).await,
        HookOutcome::default()
    );
}

#[tokio::test]
async fn hooks_run_in_parallel_and_keep_their_order() {
    let dir = tempfile::tempdir().unwrap();
    let a = format!("sleep 1; {}", says("PostToolUse", "a"));
    let b = format!("sleep 1; {}", says("PostToolUse", "b"));
    let h = group("PostToolUse", None, &[(&a, None), (&b, None)]);
    let started = Instant::now();
    let o = h
        .run(HookEvent::PostToolUse, Some("Edit"), &input(dir.path()))
        .await;
    let took = started.elapsed();
    assert_eq!(o.context, ["a", "b"]);
    assert!(
        took < Duration::from_millis(1900),
        "ran one after the other: {took:?}"
    );
}

#[tokio::test]
async fn identical_commands_run_once() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("log");
    let cmd = format!("echo ran >> '{}'", log.display());
    let c = json!({"type": "command", "command": cmd});
    let h = hooks(json!({"hooks": {"PreToolUse": [
        {"matcher": "Bash", "hooks": [c]},
        {"matcher": "*", "hooks": [c]},
    ]}}));
    h.run(HookEvent::PreToolUse, Some("Bash"), &input(dir.path()))
        .await;
    assert_eq!(std::fs::read_to_string(&log).unwrap(), "ran\n");
}

#[tokio::test]
async fn several_hooks_combine() {
    let dir = tempfile::tempdir().unwrap();
    let ask = r#"echo '{"hookSpecificOutput":{"hookEventName":"PreToolUse","permissionDecision":"ask"}}'"#;
    let allow = r#"echo '{"decision":"approve"}'"#;
    let h = group(
        "PreToolUse",
        None,
        &[
            (allow, None),
            (ask, None),
            ("echo broken >&2; exit 3", None),
            ("echo first >&2; exit 2", None),
            ("echo second >&2; exit 2", None),
        ],
    );
    let o = h
        .run(HookEvent::PreToolUse, Some("Bash"), &input(dir.path()))
        .await;
    assert_eq!(o.permission, Some(HookPermission::Ask));
    assert_eq!(o.blocked.as_deref(), Some("first\nsecond"));
    assert_eq!(
        o.errors,
        ["hook `echo broken >&2; exit 3` failed with exit code 3: broken"]
    );
}

#[tokio::test]
async fn continue_false_stops_the_run() {
    let dir = tempfile::tempdir().unwrap();
    let h = group(
        "Stop",
        None,
        &[(
            r#"echo '{"continue": false, "stopReason": "budget spent"}'"#,
            None,
        )],
    );
    let o = h.run(HookEvent::Stop, None, &input(dir.path())).await;
    assert_eq!(o.stop.as_deref(), Some("budget spent"));
}

#[tokio::test]
async fn noisy_hooks_are_capped() {
    let dir = tempfile::tempdir().unwrap();
    // 1 MiB of output on each stream: the hook must still finish.
    let cmd = "head -c 1048576 /dev/zero | tr '\\0' a; head -c 1048576 /dev/zero >&2";
    let h = group("UserPromptSubmit", None, &[(cmd, None)]);
    let o = h
        .run(HookEvent::UserPromptSubmit, None, &input(dir.path()))
        .await;
    assert_eq!(o.context.len(), 1);
    assert_eq!(o.context[0].len(), 64 * 1024);
    assert!(o.errors.is_empty());
}

#[tokio::test]
async fn a_hook_ignoring_a_large_stdin_still_finishes() {
    let dir = tempfile::tempdir().unwrap();
    let mut i = input(dir.path());
    i.extra
        .insert("tool_response".into(), json!("x".repeat(1 << 20)));
    let h = group("PostToolUse", None, &[(&says("PostToolUse", "done"), None)]);
    let started = Instant::now();
    let o = h.run(HookEvent::PostToolUse, Some("Read"), &i).await;
    assert_eq!(o.context, ["done"]);
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[tokio::test]
async fn a_missing_working_directory_is_a_reported_error() {
    let dir = tempfile::tempdir().unwrap();
    let mut i = input(dir.path());
    i.cwd = dir.path().join("gone");
    let h = group("PreToolUse", None, &[("exit 2", None)]);
    let o = h.run(HookEvent::PreToolUse, Some("Bash"), &i).await;
    assert_eq!(o.blocked, None);
    assert!(
        o.errors[0].starts_with("hook `exit 2` could not start"),
        "{:?}",
        o.errors
    );
}

#[test]
fn an_unknown_event_is_a_parse_error() {
    let e = Hooks::from_claude_settings(&json!({"hooks": {"PreToolUse": [], "OnSave": []}}))
        .unwrap_err();
    assert!(e.to_string().contains("`OnSave`"), "{e}");
}

/// Starts every hook with only the environment it was given, and counts
/// how often it was asked to take in the hook's writes.
struct Fenced {
    dir: std::path::PathBuf,
    finished: std::sync::atomic::AtomicUsize,
}

impl Launcher for Fenced {
    fn prepare(&self, command: &str) -> std::io::Result<Launch> {
        Ok(Launch {
            program: "/bin/sh".into(),
            args: vec!["-c".into(), command.into()],
            cwd: self.dir.clone(),
            env: vec![("ONLY".into(), "given".into())],
            project_dir: self.dir.join("view"),
        })
    }

    fn finish(&self) {
        self.finished
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    }
}

#[tokio::test]
async fn a_launcher_decides_where_and_with_what_hooks_run() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = group(
        "Stop",
        None,
        &[
            (
                "echo \"$ONLY:$HOME:$CLAUDE_PROJECT_DIR\" > a; cat > stdin",
                None,
            ),
            ("cat a > b", None),
        ],
    );
    let fenced = Arc::new(Fenced {
        dir: dir.path().to_path_buf(),
        finished: Default::default(),
    });
    h.run_in(fenced.clone());
    let out = h.run(HookEvent::Stop, None, &input(dir.path())).await;
    assert!(out.errors.is_empty(), "{:?}", out.errors);
    let seen = std::fs::read_to_string(dir.path().join("a")).unwrap();
    // Only the launch's environment (no HOME), the view as the project.
    assert_eq!(
        seen.trim(),
        format!("given::{}", dir.path().join("view").display())
    );
    assert!(
        std::fs::read_to_string(dir.path().join("stdin"))
            .unwrap()
            .contains("\"Stop\"")
    );
    // One at a time, each read back before the next: the second saw the first's file.
    assert_eq!(std::fs::read_to_string(dir.path().join("b")).unwrap(), seen);
    assert_eq!(fenced.finished.load(std::sync::atomic::Ordering::SeqCst), 2);
}
