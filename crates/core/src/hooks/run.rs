//! Running one hook command and reading its answer.
//!
//! The command runs under `sh -c` in its own process group, like Tandem's
//! shell tool, so a timeout (or the caller giving up) kills it together with
//! everything it started. Its output is read while it runs and capped, so a
//! noisy hook can neither block on a full pipe nor fill memory.

use super::{HookCommand, HookEvent, HookInput, HookOutcome, HookPermission};
use crate::sync::Mutex;
use serde::Deserialize;
use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};

/// Bytes kept of each of stdout and stderr.
const CAP: usize = 64 * 1024;

/// How long to wait for the pipes to close once the hook has exited: a
/// process it left in the background may hold them open, and we must not
/// wait for that (nor kill it: a hook may start one on purpose).
const GRACE: Duration = Duration::from_millis(500);

/// How a hook ended, with what it printed.
#[derive(Debug)]
pub(super) struct Finished {
    end: End,
    stdout: Captured,
    stderr: Captured,
}

#[derive(Debug)]
enum End {
    Exited(i32),
    Signalled(i32),
    TimedOut(Duration),
    Failed(String),
}

#[derive(Debug, Default)]
struct Captured {
    bytes: Vec<u8>,
    /// Some output was dropped past `CAP`.
    cut: bool,
}

impl Captured {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.bytes).trim().to_string()
    }
}

/// Kills the hook's process group when dropped while armed: when the caller
/// drops `execute` half-way, or the hook times out. Disarmed once the hook's
/// own process is reaped, since the group id may then be reused.
struct GroupGuard(Option<i32>);

impl GroupGuard {
    fn kill(&mut self) {
        if let Some(pgid) = self.0.take() {
            // SAFETY: kill(2) on the process group we created, whose leader
            // has not been reaped yet, so the id is still ours.
            unsafe { libc::kill(-pgid, libc::SIGKILL) };
        }
    }
}

impl Drop for GroupGuard {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A hook that never started.
pub(super) fn failed(e: String) -> Finished {
    Finished {
        end: End::Failed(e),
        stdout: Captured::default(),
        stderr: Captured::default(),
    }
}

/// Run `hook` with `stdin` as its input, with the project directory in its
/// environment: on the host in `input.cwd`, or as `launch` says (only that
/// environment, none of ours).
pub(super) async fn execute(
    hook: &HookCommand,
    stdin: &str,
    input: &HookInput,
    env: &[(String, String)],
    launch: Option<super::Launch>,
) -> Finished {
    let mut command;
    let project_dir = match &launch {
        None => {
            command = tokio::process::Command::new("sh");
            command.arg("-c").arg(&hook.command);
            if !input.cwd.as_os_str().is_empty() {
                command.current_dir(&input.cwd);
            }
            &input.project_dir
        }
        Some(l) => {
            command = tokio::process::Command::new(&l.program);
            command
                .args(&l.args)
                .current_dir(&l.cwd)
                .env_clear()
                .envs(l.env.iter().cloned());
            &l.project_dir
        }
    };
    command
        .envs(env.iter().cloned())
        .env("CLAUDE_PROJECT_DIR", project_dir)
        .env("TANDEM_PROJECT_DIR", project_dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .kill_on_drop(true);
    let mut child = match command.spawn() {
        Ok(c) => c,
        Err(e) => return failed(format!("could not start: {e}")),
    };
    let mut guard = GroupGuard(child.id().map(|p| p as i32));
    tracing::debug!(command = %hook.command, "running hook");

    // Write stdin from its own task: a hook that never reads it must not
    // stall us once the JSON outgrows the pipe.
    let writer = child.stdin.take().map(|mut pipe| {
        let data = stdin.as_bytes().to_vec();
        tokio::spawn(async move {
            // A hook that exits without reading gives EPIPE: not our problem.
            let _ = pipe.write_all(&data).await;
        })
    });
    let stdout = Arc::new(Mutex::new(Captured::default()));
    let stderr = Arc::new(Mutex::new(Captured::default()));
    let mut readers = [
        child
            .stdout
            .take()
            .map(|p| tokio::spawn(capture(p, stdout.clone()))),
        child
            .stderr
            .take()
            .map(|p| tokio::spawn(capture(p, stderr.clone()))),
    ];

    let end = tokio::select! {
        status = child.wait() => match status {
            Ok(s) => {
                use std::os::unix::process::ExitStatusExt;
                match (s.code(), s.signal()) {
                    (Some(code), _) => End::Exited(code),
                    (None, Some(sig)) => End::Signalled(sig),
                    (None, None) => End::Failed("ended without an exit code".into()),
                }
            }
            Err(e) => End::Failed(format!("could not be waited for: {e}")),
        },
        _ = tokio::time::sleep(hook.timeout) => {
            guard.kill();
            End::TimedOut(hook.timeout)
        }
    };
    // Reap the hook (at once after a kill), then forget its group id.
    let _ = child.wait().await;
    guard.0 = None;
    if let Some(w) = writer {
        w.abort();
    }
    let _ = tokio::time::timeout(GRACE, async {
        for r in readers.iter_mut().flatten() {
            let _ = r.await;
        }
    })
    .await;
    for r in readers.iter().flatten() {
        r.abort();
    }
    let take = |c: &Arc<Mutex<Captured>>| std::mem::take(&mut *c.lock());
    Finished {
        end,
        stdout: take(&stdout),
        stderr: take(&stderr),
    }
}

/// Read `pipe` to its end into `into`, keeping the first `CAP` bytes and
/// draining the rest so the hook never blocks writing.
async fn capture(mut pipe: impl AsyncRead + Unpin, into: Arc<Mutex<Captured>>) {
    let mut buf = [0u8; 8192];
    while let Ok(n) = pipe.read(&mut buf).await {
        if n == 0 {
            break;
        }
        let mut c = into.lock();
        let room = CAP - c.bytes.len();
        c.bytes.extend_from_slice(&buf[..n.min(room)]);
        c.cut |= n > room;
    }
}

/// What one hook's exit code and output mean for `event`, following Claude
/// Code: 0 = go on (stdout may hold JSON), 2 = block with stderr as the
/// reason, anything else = a problem to report that blocks nothing.
pub(super) fn interpret(event: HookEvent, command: &str, finished: Finished) -> HookOutcome {
    let name = format!("hook `{command}`");
    let mut out = HookOutcome::default();
    let stderr = finished.stderr.text();
    match finished.end {
        End::Failed(e) => out.errors.push(format!("{name} {e}")),
        End::TimedOut(t) => out
            .errors
            .push(format!("{name} timed out after {}s", t.as_secs_f64())),
        End::Signalled(sig) => out
            .errors
            .push(format!("{name} was killed by signal {sig}")),
        End::Exited(2) => {
            if event.can_block() {
                let reason = if stderr.is_empty() {
                    format!("{name} blocked this (exit code 2) without giving a reason.")
                } else {
                    stderr
                };
                block(&mut out, reason);
            } else {
                out.errors
                    .push(with_stderr(format!("{name} exited with code 2"), &stderr));
            }
        }
        End::Exited(0) => read_stdout(event, &name, &finished.stdout, &mut out),
        End::Exited(code) => out.errors.push(with_stderr(
            format!("{name} failed with exit code {code}"),
            &stderr,
        )),
    }
    out
}

fn with_stderr(message: String, stderr: &str) -> String {
    if stderr.is_empty() {
        message
    } else {
        format!("{message}: {stderr}")
    }
}

pub(super) fn block(out: &mut HookOutcome, reason: String) {
    add_line(&mut out.blocked, reason);
}

fn add_line(to: &mut Option<String>, line: String) {
    match to {
        Some(s) => {
            s.push('\n');
            s.push_str(&line);
        }
        None => *to = Some(line),
    }
}

/// Claude's JSON answer. `suppressOutput` (keep the hook's stdout out of
/// the transcript view) holds by construction: Tandem never shows a hook's
/// stdout to the user, so it is read and needs nothing more.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Answer {
    #[serde(rename = "continue")]
    keep_going: Option<bool>,
    stop_reason: Option<String>,
    decision: Option<String>,
    reason: Option<String>,
    system_message: Option<String>,
    #[allow(dead_code)]
    suppress_output: Option<bool>,
    hook_specific_output: Option<Specific>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Specific {
    hook_event_name: Option<String>,
    permission_decision: Option<String>,
    permission_decision_reason: Option<String>,
    additional_context: Option<String>,
    updated_input: Option<serde_json::Value>,
    /// PermissionRequest's answer to the approval.
    decision: Option<Approval>,
}

/// `{"behavior": "allow", "updatedInput": {...}}` or
/// `{"behavior": "deny", "message": "...", "interrupt": true}`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Approval {
    behavior: String,
    updated_input: Option<serde_json::Value>,
    message: Option<String>,
    #[serde(default)]
    interrupt: bool,
}

fn read_stdout(event: HookEvent, name: &str, stdout: &Captured, out: &mut HookOutcome) {
    let text = stdout.text();
    if text.is_empty() {
        return;
    }
    // Output that looks like JSON but is not is a broken hook, not context.
    if !text.starts_with('{') {
        if event.stdout_is_context() {
            out.context.push(text);
        }
        return;
    }
    let cut = if stdout.cut {
        " (its output was cut at 64 KiB)"
    } else {
        ""
    };
    let answer = match serde_json::from_str::<Answer>(&text) {
        Ok(a) => a,
        Err(e) => {
            out.errors
                .push(format!("{name} printed JSON that cannot be read{cut}: {e}"));
            return;
        }
    };
    if let Some(m) = answer.system_message.filter(|m| !m.trim().is_empty()) {
        out.messages.push(m);
    }
    if answer.keep_going == Some(false) {
        let reason = answer
            .stop_reason
            .unwrap_or_else(|| format!("{name} stopped the run."));
        block(out, reason.clone());
        add_line(&mut out.stop, reason);
    }
    match answer.decision.as_deref() {
        None => {}
        Some("block") => block(
            out,
            answer
                .reason
                .unwrap_or_else(|| format!("{name} blocked this without giving a reason.")),
        ),
        // The older spelling of permissionDecision "allow".
        Some("approve") if event == HookEvent::PreToolUse => {
            out.permission = Some(HookPermission::Allow)
        }
        Some("approve") => {}
        Some(other) => out
            .errors
            .push(format!("{name} gave an unknown decision `{other}`")),
    }
    let Some(specific) = answer.hook_specific_output else {
        return;
    };
    if let Some(n) = specific.hook_event_name.filter(|n| n != event.as_str()) {
        out.errors.push(format!(
            "{name} answered for event `{n}` while running for `{event}`; its hookSpecificOutput is ignored"
        ));
        return;
    }
    if event == HookEvent::PreToolUse {
        match specific.permission_decision.as_deref() {
            None => {}
            Some("allow") => out.permission = Some(HookPermission::Allow),
            Some("ask") => out.permission = Some(HookPermission::Ask),
            Some("deny") => {
                out.permission = Some(HookPermission::Deny);
                block(
                    out,
                    specific
                        .permission_decision_reason
                        .unwrap_or_else(|| format!("{name} denied this tool call.")),
                );
            }
            Some(other) => out.errors.push(format!(
                "{name} gave an unknown permissionDecision `{other}`"
            )),
        }
    }
    if event == HookEvent::PreToolUse {
        out.updated_input = specific.updated_input.filter(|v| v.is_object());
    }
    if event == HookEvent::PermissionRequest
        && let Some(d) = specific.decision
    {
        match d.behavior.as_str() {
            "allow" => {
                out.permission = Some(HookPermission::Allow);
                out.updated_input = d.updated_input.filter(|v| v.is_object());
            }
            "deny" => {
                out.permission = Some(HookPermission::Deny);
                let reason = d
                    .message
                    .unwrap_or_else(|| format!("{name} denied this tool call."));
                if d.interrupt {
                    add_line(&mut out.stop, reason.clone());
                }
                block(out, reason);
            }
            other => out.errors.push(format!(
                "{name} gave an unknown PermissionRequest behavior `{other}`"
            )),
        }
    }
    if let Some(c) = specific.additional_context.filter(|c| !c.trim().is_empty()) {
        out.context.push(c);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exited(code: i32, stdout: &str, stderr: &str) -> Finished {
        let cap = |s: &str| Captured {
            bytes: s.as_bytes().to_vec(),
            cut: false,
        };
        Finished {
            end: End::Exited(code),
            stdout: cap(stdout),
            stderr: cap(stderr),
        }
    }

    #[test]
    fn exit_2_blocks_only_where_there_is_something_to_block() {
        let o = interpret(HookEvent::Stop, "c", exited(2, "", " keep going \n"));
        assert_eq!(o.blocked.as_deref(), Some("keep going"));
        let o = interpret(HookEvent::SessionStart, "c", exited(2, "", "nope"));
        assert_eq!(o.blocked, None);
        assert_eq!(o.errors, ["hook `c` exited with code 2: nope"]);
    }

    #[test]
    fn exit_2_without_stderr_still_says_why() {
        let o = interpret(HookEvent::PreToolUse, "c", exited(2, "", ""));
        assert!(o.blocked.unwrap().contains("hook `c` blocked this"));
    }

    #[test]
    fn json_decisions() {
        let o = interpret(
            HookEvent::Stop,
            "c",
            exited(0, r#"{"decision":"block","reason":"tests fail"}"#, ""),
        );
        assert_eq!(o.blocked.as_deref(), Some("tests fail"));
        let o = interpret(
            HookEvent::PreToolUse,
            "c",
            exited(0, r#"{"decision":"approve"}"#, ""),
        );
        assert_eq!(
            (o.permission, o.blocked),
            (Some(HookPermission::Allow), None)
        );
        let o = interpret(
            HookEvent::PreToolUse,
            "c",
            exited(
                0,
                r#"{"hookSpecificOutput":{"hookEventName":"PreToolUse","permissionDecision":"ask"}}"#,
                "",
            ),
        );
        assert_eq!(o.permission, Some(HookPermission::Ask));
        let o = interpret(
            HookEvent::UserPromptSubmit,
            "c",
            exited(0, r#"{"continue":false,"stopReason":"enough"}"#, ""),
        );
        assert_eq!(o.stop.as_deref(), Some("enough"));
        assert_eq!(o.blocked.as_deref(), Some("enough"));
    }

    #[test]
    fn updated_input_system_message_and_permission_request_answers() {
        let o = interpret(
            HookEvent::PreToolUse,
            "c",
            exited(
                0,
                r#"{"systemMessage":"rewrote it","hookSpecificOutput":{"hookEventName":"PreToolUse","updatedInput":{"command":"ls"}}}"#,
                "",
            ),
        );
        assert_eq!(o.updated_input, Some(serde_json::json!({"command": "ls"})));
        assert_eq!(o.messages, ["rewrote it"]);
        let o = interpret(
            HookEvent::PermissionRequest,
            "c",
            exited(
                0,
                r#"{"hookSpecificOutput":{"hookEventName":"PermissionRequest","decision":{"behavior":"allow"}}}"#,
                "",
            ),
        );
        assert_eq!(o.permission, Some(HookPermission::Allow));
        let o = interpret(
            HookEvent::PermissionRequest,
            "c",
            exited(
                0,
                r#"{"hookSpecificOutput":{"hookEventName":"PermissionRequest","decision":{"behavior":"deny","message":"not on fridays","interrupt":true}}}"#,
                "",
            ),
        );
        assert_eq!(o.blocked.as_deref(), Some("not on fridays"));
        assert_eq!(o.stop.as_deref(), Some("not on fridays"));
    }

    #[test]
    fn broken_or_mismatched_json_is_reported() {
        let o = interpret(HookEvent::PreToolUse, "c", exited(0, "{\"decision\":", ""));
        assert!(o.errors[0].starts_with("hook `c` printed JSON that cannot be read"));
        let o = interpret(
            HookEvent::PreToolUse,
            "c",
            exited(0, r#"{"continue":"no"}"#, ""),
        );
        assert_eq!(o.errors.len(), 1);
        let o = interpret(
            HookEvent::PreToolUse,
            "c",
            exited(
                0,
                r#"{"hookSpecificOutput":{"hookEventName":"PostToolUse","permissionDecision":"deny"}}"#,
                "",
            ),
        );
        assert_eq!((o.blocked, o.errors.len()), (None, 1));
    }

    #[test]
    fn plain_stdout_is_context_only_for_prompts_and_session_start() {
        let o = interpret(
            HookEvent::SessionStart,
            "c",
            exited(0, "branch: main\n", ""),
        );
        assert_eq!(o.context, ["branch: main"]);
        let o = interpret(HookEvent::PostToolUse, "c", exited(0, "noise", ""));
        assert_eq!(o, HookOutcome::default());
    }

    #[test]
    fn other_exit_codes_are_errors_that_block_nothing() {
        let o = interpret(HookEvent::PreToolUse, "lint", exited(1, "", "bad\n"));
        assert_eq!(o.blocked, None);
        assert_eq!(o.errors, ["hook `lint` failed with exit code 1: bad"]);
    }
}
