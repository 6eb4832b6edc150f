//! Commands that keep running (a dev server, a watcher): `shell` with
//! `run_in_background` starts one in the session's sandbox and returns an
//! id at once; `bash_output` reads what it printed since the last read,
//! `kill_shell` stops it with everything it started. Claude Code's Bash
//! `run_in_background`, BashOutput and KillShell.
//!
//! Offered only where nobody watches the terminal (background tasks): the
//! three specs join the session there and the fixed head stays as it was
//! elsewhere. Every process a session started is killed when its run
//! ends (`Processes::stop_all`, and on drop).

use super::{Acts, Permission, Tool, ToolContext, ToolOutput, Touch};
use crate::sync::Mutex;
use async_trait::async_trait;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::io::Read;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

/// Processes running at once per session.
const MAX_RUNNING: usize = 8;
/// Bytes of output kept per process (the newest).
const KEEP: usize = 1 << 20;

/// The background processes of one session.
#[derive(Default)]
pub struct Processes {
    next: AtomicU32,
    procs: Mutex<BTreeMap<String, Proc>>,
}

struct Proc {
    child: std::process::Child,
    log: Arc<Mutex<Log>>,
}

/// A process's output: the newest `KEEP` bytes, and how far it was read.
#[derive(Default)]
struct Log {
    bytes: Vec<u8>,
    /// Bytes dropped from the front (too old to keep).
    dropped: usize,
    /// Offset (counting dropped bytes) up to which output was read.
    read_to: usize,
    /// The pipe reached its end: everything the process printed is in.
    ended: bool,
}

impl Log {
    fn push(&mut self, chunk: &[u8]) {
        self.bytes.extend_from_slice(chunk);
        let over = self.bytes.len().saturating_sub(KEEP);
        if over > 0 {
            self.bytes.drain(..over);
            self.dropped += over;
        }
    }

    /// What came since the last read.
    fn take_new(&mut self) -> String {
        let mut out = String::new();
        if self.read_to < self.dropped {
            out.push_str(&format!(
                "[... {} bytes dropped ...]\n",
                self.dropped - self.read_to
            ));
            self.read_to = self.dropped;
        }
        let from = self.read_to - self.dropped;
        out.push_str(&String::from_utf8_lossy(&self.bytes[from..]));
        self.read_to = self.dropped + self.bytes.len();
        out
    }
}

impl Processes {
    /// Kill every process (and what it started), as a run ends.
    pub fn stop_all(&self) {
        let procs = std::mem::take(&mut *self.procs.lock());
        for (_, mut p) in procs {
            kill(&mut p.child);
        }
    }

    fn running(&self) -> usize {
        self.procs
            .lock()
            .values_mut()
            .map(|p| p.child.try_wait().ok().flatten().is_none())
            .filter(|running| *running)
            .count()
    }
}

impl Drop for Processes {
    fn drop(&mut self) {
        self.stop_all();
    }
}

fn kill(child: &mut std::process::Child) {
    // SAFETY: kill(2) on the process group the command was started in.
    unsafe { libc::kill(-(child.id() as i32), libc::SIGKILL) };
    let _ = child.wait();
}

fn status(child: &mut std::process::Child) -> String {
    match child.try_wait() {
        Ok(None) => "[still running]".to_string(),
        Ok(Some(s)) => match s.code() {
            Some(code) => format!("[exited with code {code}]"),
            None => "[killed by a signal]".to_string(),
        },
        Err(e) => format!("[status unknown: {e}]"),
    }
}

/// Start `command` (prepared by `shell`: its own process group, output to
/// the pipe `reader` reads) and keep it; returns its id to the model.
pub(super) fn start(
    ctx: &ToolContext,
    script: &str,
    mut command: std::process::Command,
    mut reader: std::io::PipeReader,
) -> ToolOutput {
    let Some(processes) = &ctx.background else {
        return ToolOutput::error(
            "background commands are offered only in background tasks; run it in the foreground",
        );
    };
    if processes.running() >= MAX_RUNNING {
        return ToolOutput::error(format!(
            "{MAX_RUNNING} background commands are running already; stop one with kill_shell"
        ));
    }
    let child = match command.spawn() {
        Ok(c) => c,
        Err(e) => return ToolOutput::error(format!("cannot start the command: {e}")),
    };
    // The parent's copies of the pipe's write end went with `command`.
    drop(command);
    let log = Arc::new(Mutex::new(Log::default()));
    let sink = log.clone();
    std::thread::spawn(move || {
        let mut buf = [0u8; 8192];
        while let Ok(n) = reader.read(&mut buf) {
            if n == 0 {
                break;
            }
            sink.lock().push(&buf[..n]);
        }
        sink.lock().ended = true;
    });
    let id = format!("bg{}", processes.next.fetch_add(1, Ordering::Relaxed) + 1);
    processes
        .procs
        .lock()
        .insert(id.clone(), Proc { child, log });
    let note = format!("[running in the background as {id}]");
    ctx.commands.lock().push(super::CommandRecord {
        command: script.to_string(),
        exit_code: None,
        output: note.clone(),
        timed_out: false,
    });
    ToolOutput::ok(format!(
        "{note}: read its output with bash_output, stop it with kill_shell"
    ))
}

/// `shell` as background tasks offer it: the same tool, with
/// `run_in_background` in its schema.
pub struct BackgroundShell;

const SHELL: super::shell::Shell = super::shell::Shell;

#[async_trait]
impl Tool for BackgroundShell {
    fn name(&self) -> &str {
        Tool::name(&SHELL)
    }

    fn description(&self) -> &str {
        Tool::description(&SHELL)
    }

    fn schema(&self) -> Value {
        let mut schema = Tool::schema(&SHELL);
        schema["properties"]["run_in_background"] = json!({
            "type": "boolean",
            "description": "Keep it running (a server, a watcher) and return its id at once",
        });
        schema
    }

    fn permission(&self) -> Permission {
        Tool::permission(&SHELL)
    }

    fn answers_to(&self) -> &'static [&'static str] {
        Tool::answers_to(&SHELL)
    }

    fn acts_on(&self) -> Acts {
        Tool::acts_on(&SHELL)
    }

    fn touches(&self, input: &Value) -> Vec<Touch> {
        Tool::touches(&SHELL, input)
    }

    fn command(&self, input: &Value) -> Option<String> {
        Tool::command(&SHELL, input)
    }

    async fn run(&self, input: Value, ctx: &ToolContext) -> ToolOutput {
        Tool::run(&SHELL, input, ctx).await
    }
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Id {
    // The id `shell` returned (no description: the name says it, and the
    // specs go out with every request).
    #[serde(alias = "bash_id", alias = "shell_id")]
    id: String,
}

fn unknown(id: &str, processes: &Processes) -> ToolOutput {
    let known: Vec<String> = processes.procs.lock().keys().cloned().collect();
    ToolOutput::error(format!(
        "no background command {id} (running: {})",
        if known.is_empty() {
            "none".to_string()
        } else {
            known.join(", ")
        }
    ))
}

pub struct BashOutput;

#[async_trait]
impl super::TypedTool for BashOutput {
    type Input = Id;

    fn name(&self) -> &str {
        "bash_output"
    }

    fn description(&self) -> &str {
        "New output of a background command since the last read, and whether it still runs."
    }

    fn permission(&self) -> Permission {
        Permission::ReadOnly
    }

    fn answers_to(&self) -> &'static [&'static str] {
        &["BashOutput"]
    }

    async fn run(&self, input: Id, ctx: &ToolContext) -> ToolOutput {
        let Some(processes) = &ctx.background else {
            return ToolOutput::error("no background commands here");
        };
        let mut procs = processes.procs.lock();
        let Some(p) = procs.get_mut(&input.id) else {
            drop(procs);
            return unknown(&input.id, processes);
        };
        let status = status(&mut p.child);
        if status != "[still running]" {
            // What it printed before it exited may still be in the pipe.
            let deadline = std::time::Instant::now() + std::time::Duration::from_secs(1);
            while !p.log.lock().ended && std::time::Instant::now() < deadline {
                std::thread::sleep(std::time::Duration::from_millis(10));
            }
        }
        let new = p.log.lock().take_new();
        let mut text = super::truncate::truncate_middle(&new, ctx.output_limit);
        if !text.is_empty() && !text.ends_with('\n') {
            text.push('\n');
        }
        text.push_str(&status);
        ToolOutput::ok(text)
    }
}

pub struct KillShell;

#[async_trait]
impl super::TypedTool for KillShell {
    type Input = Id;

    fn name(&self) -> &str {
        "kill_shell"
    }

    fn description(&self) -> &str {
        "Stop a background command and everything it started."
    }

    fn permission(&self) -> Permission {
        Permission::Execute
    }

    fn answers_to(&self) -> &'static [&'static str] {
        &["KillShell"]
    }

    async fn run(&self, input: Id, ctx: &ToolContext) -> ToolOutput {
        let Some(processes) = &ctx.background else {
            return ToolOutput::error("no background commands here");
        };
        let Some(mut p) = processes.procs.lock().remove(&input.id) else {
            return unknown(&input.id, processes);
        };
        let before = status(&mut p.child);
        kill(&mut p.child);
        let mut text = p.log.lock().take_new();
        text = super::truncate::truncate_middle(&text, ctx.output_limit);
        if !text.is_empty() && !text.ends_with('\n') {
            text.push('\n');
        }
        text.push_str(if before == "[still running]" {
            "[killed]"
        } else {
            &before
        });
        // What it wrote in its view becomes part of the proposal.
        if let Some(sandbox) = &ctx.sandbox
            && let Ok(changed) = sandbox.collect(&ctx.workspace)
            && !changed.is_empty()
        {
            text.push_str(&format!(
                "\n[proposal now includes changes to: {}]",
                changed.join(", ")
            ));
        }
        ToolOutput::ok(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_tasks_shell_shows_the_field_and_elsewhere_it_is_refused_clearly() {
        assert!(
            Tool::schema(&SHELL)["properties"]
                .get("run_in_background")
                .is_none()
        );
        assert_eq!(
            BackgroundShell.schema()["properties"]["run_in_background"]["type"],
            "boolean"
        );
        let r = crate::tools::walk::fixture::repo(&[("a.txt", "x")]);
        let out = futures::executor::block_on(Tool::run(
            &SHELL,
            json!({"command": "sleep 30", "run_in_background": true}),
            &r.ctx,
        ));
        assert!(
            out.is_error && out.content.contains("only in background tasks"),
            "{out:?}"
        );
    }

    /// What background tasks add to the fixed head: kept small (they are
    /// offered nowhere else, so other runs' heads do not change at all).
    #[test]
    fn what_tasks_add_to_the_fixed_head_stays_small() {
        let bytes = |tools: Vec<Arc<dyn Tool>>| {
            let mut r = crate::tools::Registry::new();
            for t in tools {
                r.add(t);
            }
            serde_json::to_string(&r.specs()).unwrap().len()
        };
        let plain = bytes(vec![Arc::new(SHELL)]);
        let task = bytes(vec![
            Arc::new(BackgroundShell),
            Arc::new(BashOutput),
            Arc::new(KillShell),
        ]);
        println!("background tools add {} bytes", task - plain);
        assert!(task - plain <= 600, "{} bytes", task - plain);
    }

    #[test]
    fn the_log_gives_each_byte_once_and_says_what_it_dropped() {
        let mut log = Log::default();
        log.push(b"one\n");
        assert_eq!(log.take_new(), "one\n");
        assert_eq!(log.take_new(), "");
        // The 4 bytes read and 10 unread ones fall off the front.
        log.push(&vec![b'x'; KEEP + 10]);
        let text = log.take_new();
        assert!(
            text.starts_with("[... 10 bytes dropped ...]\n"),
            "{}",
            &text[..40]
        );
        assert_eq!(text.len() - "[... 10 bytes dropped ...]\n".len(), KEEP);
    }
}
