//! `shell`: run a command in the workspace. The command gets its own process
//! group so a timeout or a cancel kills it with everything it started, and
//! stdout and stderr share one pipe so their lines keep their order.

use super::{Acts, CommandRecord, Permission, ToolContext, ToolOutput};
use async_trait::async_trait;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::Value;
use std::collections::VecDeque;
use std::io::Read;
use std::os::unix::process::CommandExt;
use std::process::Stdio;
use std::time::Duration;

/// Bytes kept from each end of a command's output while it runs, so a
/// runaway command cannot fill memory.
const KEEP: usize = 1 << 20;

pub struct Shell;

/// The shell commands run in: bash where there is one.
pub fn program() -> &'static str {
    if std::path::Path::new("/bin/bash").exists() {
        "bash"
    } else {
        "sh"
    }
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Input {
    command: String,
    /// Kill after this many seconds (default and maximum: the session's limit)
    #[schemars(range(min = 1))]
    timeout_secs: Option<u64>,
    /// Folder to run in, relative to the workspace root
    workdir: Option<String>,
    /// Shown to the model only where background processes are offered
    /// (`background::BackgroundShell`).
    #[schemars(skip)]
    run_in_background: Option<bool>,
}

#[async_trait]
impl super::TypedTool for Shell {
    type Input = Input;

    fn name(&self) -> &str {
        "shell"
    }

    fn description(&self) -> &str {
        "Run a bash command in the workspace (or `workdir` inside it) and return its combined stdout and stderr with the exit code. In a sandbox (the default) commands see your proposed edits and their own writes become part of the proposal; in local mode they see the files on disk. No stdin; long output is cut in the middle; the command and everything it started are killed at the timeout."
    }

    fn permission(&self) -> Permission {
        Permission::Execute
    }

    fn answers_to(&self) -> &'static [&'static str] {
        &["Bash"]
    }

    fn acts_on(&self) -> Acts {
        Acts::Command
    }

    fn command(&self, input: &Value) -> Option<String> {
        let command = input.get("command").and_then(Value::as_str)?;
        Some(command.trim().to_string())
    }

    async fn run(&self, input: Input, ctx: &ToolContext) -> ToolOutput {
        let ws = &ctx.workspace;
        let dir = match ws.relative(input.workdir.as_deref().unwrap_or(".")) {
            Ok(r) => ws.absolute(&r),
            Err(e) => return ToolOutput::error(e.to_string()),
        };
        if !dir.is_dir() {
            return ToolOutput::error(format!("workdir {} is not a folder", dir.display()));
        }
        let limit = ctx.shell_timeout;
        let timeout = input
            .timeout_secs
            .map_or(limit, |s| Duration::from_secs(s).min(limit));

        let (reader, writer) = match std::io::pipe() {
            Ok(p) => p,
            Err(e) => return ToolOutput::error(format!("cannot create a pipe: {e}")),
        };
        let stderr = match writer.try_clone() {
            Ok(w) => w,
            Err(e) => return ToolOutput::error(format!("cannot create a pipe: {e}")),
        };
        let shell = program();
        let workdir = dir
            .strip_prefix(ws.root())
            .ok()
            .and_then(|p| p.to_str())
            .unwrap_or("")
            .to_string();
        let launch = match &ctx.sandbox {
            Some(sandbox) => match sandbox.prepare(ws, shell, &input.command, &workdir) {
                Ok(l) => Some(l),
                Err(e) => {
                    return ToolOutput::error(format!(
                        "the {} sandbox could not start: {e}",
                        sandbox.name()
                    ));
                }
            },
            None => None,
        };
        let mut command = match &launch {
            Some(l) => {
                let mut c = std::process::Command::new(&l.program);
                c.args(&l.args)
                    .current_dir(&l.cwd)
                    .env_clear()
                    .envs(l.env.iter().cloned());
                c
            }
            None => {
                let mut c = std::process::Command::new(shell);
                c.arg("-c").arg(&input.command).current_dir(&dir);
                c
            }
        };
        command
            .stdin(Stdio::null())
            .stdout(writer)
            .stderr(stderr)
            // Pagers and colour codes only get in the way of a model.
            .env("PAGER", "cat")
            .env("GIT_PAGER", "cat")
            .env("TERM", "dumb")
            .env("NO_COLOR", "1")
            .process_group(0);
        if input.run_in_background == Some(true) {
            return super::background::start(ctx, &input.command, command, reader);
        }
        let mut command = tokio::process::Command::from(command);
        command.kill_on_drop(true);
        let mut child = match command.spawn() {
            Ok(c) => c,
            Err(e) => return ToolOutput::error(format!("cannot start {shell}: {e}")),
        };
        // The parent's copies of the write end went with `command`.
        drop(command);
        let pgid = child.id().map(|p| p as i32);
        let collector = std::thread::spawn(move || collect(reader));

        enum End {
            Exited(Option<i32>),
            TimedOut,
            Cancelled,
        }
        let end = tokio::select! {
            status = child.wait() => End::Exited(status.ok().and_then(|s| s.code())),
            _ = tokio::time::sleep(timeout) => End::TimedOut,
            _ = ctx.cancel.cancelled() => End::Cancelled,
        };
        // Whatever happened, nothing the command started outlives it.
        if let Some(pgid) = pgid {
            // SAFETY: kill(2) on a process group we created.
            unsafe { libc::kill(-pgid, libc::SIGKILL) };
        }
        let _ = child.wait().await;
        let output = tokio::task::spawn_blocking(move || collector.join().unwrap_or_default())
            .await
            .unwrap_or_default();
        let mut output = super::truncate::truncate_middle(&output, ctx.output_limit);
        // What the command wrote in its view becomes part of the proposal.
        if let Some(sandbox) = &ctx.sandbox {
            match sandbox.collect(ws) {
                Ok(changed) if !changed.is_empty() => {
                    if !output.is_empty() && !output.ends_with('\n') {
                        output.push('\n');
                    }
                    output.push_str(&format!(
                        "[proposal now includes changes to: {}]",
                        changed.join(", ")
                    ));
                }
                Ok(_) => {}
                Err(e) => {
                    output.push_str(&format!("\n[could not read the command's changes: {e}]"))
                }
            }
        }

        let (exit_code, timed_out, status) = match end {
            End::Exited(Some(code)) => (Some(code), false, format!("[exit code {code}]")),
            End::Exited(None) => (None, false, "[killed by a signal]".to_string()),
            End::TimedOut => (
                None,
                true,
                format!("[killed: timed out after {} s]", timeout.as_secs()),
            ),
            End::Cancelled => (None, false, "[killed: the user cancelled]".to_string()),
        };
        ctx.commands.lock().push(CommandRecord {
            command: input.command,
            exit_code,
            output: output.clone(),
            timed_out,
        });
        let mut text = output;
        if !text.is_empty() && !text.ends_with('\n') {
            text.push('\n');
        }
        text.push_str(&status);
        match end {
            End::Exited(_) => ToolOutput::ok(text),
            _ => ToolOutput::error(text),
        }
    }
}

/// Read the pipe to its end, keeping the first and last `KEEP` bytes and
/// noting how much was dropped between them.
pub(super) fn collect(mut reader: std::io::PipeReader) -> String {
    let mut head = Vec::new();
    let mut tail: VecDeque<u8> = VecDeque::new();
    let mut dropped = 0usize;
    let mut buf = [0u8; 8192];
    while let Ok(n) = reader.read(&mut buf) {
        if n == 0 {
            break;
        }
        let mut chunk = &buf[..n];
        if head.len() < KEEP {
            let take = chunk.len().min(KEEP - head.len());
            head.extend_from_slice(&chunk[..take]);
            chunk = &chunk[take..];
        }
        tail.extend(chunk);
        while tail.len() > KEEP {
            tail.pop_front();
            dropped += 1;
        }
    }
    let mut out = String::from_utf8_lossy(&head).into_owned();
    if dropped > 0 {
        out.push_str(&format!("\n[... {dropped} bytes cut ...]\n"));
    }
    out.push_str(&String::from_utf8_lossy(&Vec::from(tail)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tools::Tool;
    use crate::tools::walk::fixture::repo;
    use serde_json::json;
    use std::time::Instant;

    #[tokio::test]
    async fn output_in_order_with_exit_code_and_record() {
        let r = repo(&[("sub/f.txt", "x")]);
        let out = Shell
            .run(json!({"command": "echo one; echo two >&2; echo three; ls; exit 3", "workdir": "sub"}), &r.ctx)
            .await;
        assert!(!out.is_error);
        assert_eq!(out.content, "one\ntwo\nthree\nf.txt\n[exit code 3]");
        let rec = r.ctx.commands.lock()[0].clone();
        assert_eq!(rec.exit_code, Some(3));
    }

    #[tokio::test]
    async fn timeout_kills_the_whole_group() {
        let r = repo(&[]);
        let pid_file = r.dir.path().join("pid");
        let cmd = format!("sleep 30 & echo $! > {}; wait", pid_file.display());
        let started = Instant::now();
        let out = Shell
            .run(json!({"command": cmd, "timeout_secs": 1}), &r.ctx)
            .await;
        assert!(started.elapsed() < Duration::from_secs(10));
        assert!(out.is_error && out.content.contains("timed out after 1 s"));
        let pid: i32 = std::fs::read_to_string(&pid_file)
            .unwrap()
            .trim()
            .parse()
            .unwrap();
        std::thread::sleep(Duration::from_millis(100));
        assert!(!running(pid), "the background sleep survived");
        assert!(r.ctx.commands.lock()[0].timed_out);
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
    async fn cancel_stops_the_command() {
        let r = repo(&[]);
        let cancel = r.ctx.cancel.clone();
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(200)).await;
            cancel.cancel();
        });
        let started = Instant::now();
        let out = Shell.run(json!({"command": "sleep 30"}), &r.ctx).await;
        assert!(started.elapsed() < Duration::from_secs(10));
        assert!(out.is_error && out.content.contains("cancelled"));
    }

    #[tokio::test]
    async fn long_output_is_cut_in_the_middle() {
        let mut r = repo(&[]);
        r.ctx.output_limit = 2000;
        let out = Shell.run(json!({"command": "seq 1 100000"}), &r.ctx).await;
        assert!(out.content.starts_with("1\n2\n"));
        assert!(out.content.contains("100000\n[exit code 0]"));
        assert!(out.content.contains("cut ...]"));
        assert!(out.content.len() < 2200);
    }

    #[tokio::test]
    async fn workdir_must_stay_inside() {
        let r = repo(&[]);
        let out = Shell
            .run(json!({"command": "ls", "workdir": "../.."}), &r.ctx)
            .await;
        assert!(out.is_error && out.content.contains("outside the workspace"));
    }
}
