//! `tandem task …`: background tasks from the terminal. `start` hands each
//! task to a detached worker process (`tandem task worker`) and returns at
//! once; the other commands read and act on the task store.

use super::human::render_report;
use super::overrides::RunFlags;
use super::report::{RunReport, summarize_files};
use clap::{Args, Subcommand};
use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tandem_core::agent::Outcome;
use tandem_core::changes::protected::RunsCode;
use tandem_core::tasks::git::{self, CommitRequest};
use tandem_core::tasks::{NoWatch, Step, Store, TaskMeta, TaskState, owner, runner};
use tokio_util::sync::CancellationToken;

#[derive(Args, Debug)]
pub struct TaskArgs {
    /// The repository (default: the current folder).
    #[arg(short = 'C', long = "cd", value_name = "DIR", global = true)]
    pub cd: Option<PathBuf>,
    #[command(subcommand)]
    pub command: TaskCommand,
}

#[derive(Subcommand, Debug)]
pub enum TaskCommand {
    /// Start a task in the background and print its id.
    Start {
        prompt: String,
        /// Best-of-N: run the prompt as N attempts in parallel sandboxes.
        #[arg(long, default_value_t = 1)]
        attempts: u32,
        /// Wait for the task(s) to end, then show the result.
        #[arg(long)]
        wait: bool,
        /// Run it on the fleet's workers (NATS JetStream, `[tasks.nats]`),
        /// as `[tasks] executor = "nats"` does for every task.
        #[arg(long)]
        remote: bool,
        #[command(flatten)]
        flags: RunFlags,
    },
    /// List the tasks of this repository.
    List {
        #[arg(long)]
        json: bool,
    },
    /// A task's result: its diff, the files it read, the commands it ran.
    Show {
        id: String,
        #[arg(long)]
        json: bool,
    },
    /// The attempts of a best-of-N task, side by side.
    Attempts { id: String },
    /// Write a task's result to your files: each file as the task left it,
    /// merged with your edits since, or refused where they overlap.
    Apply {
        id: String,
        #[command(flatten)]
        flags: super::apply::ApplyFlags,
    },
    /// Drop a task's result.
    Discard { id: String },
    /// Send a finished task back with feedback: a new turn in its conversation.
    FollowUp {
        id: String,
        message: String,
        #[arg(long)]
        wait: bool,
    },
    /// Carry on with an interrupted task from its transcript.
    Resume {
        id: String,
        #[arg(long)]
        wait: bool,
    },
    /// Stop a running task.
    Cancel { id: String },
    /// Wait until the tasks end.
    Wait { ids: Vec<String> },
    /// Commit the result to a new branch (your checkout stays as it is).
    Branch {
        id: String,
        /// Branch name (default: tandem/<id>).
        #[arg(long)]
        name: Option<String>,
        /// Commit author, `Name <email>` (default: [tasks] author, then git's).
        #[arg(long)]
        author: Option<String>,
    },
    /// Print the result as a patch (`git format-patch` style).
    Patch {
        id: String,
        #[arg(long)]
        author: Option<String>,
    },
    /// Push the task's branch and open a pull request with `gh`.
    Pr { id: String },
    /// Run a task in this process (what `start` launches).
    #[command(hide = true)]
    Worker {
        id: String,
        #[arg(long, default_value = "start")]
        step: String,
        #[arg(long)]
        message: Option<String>,
    },
}

pub async fn run_task(args: TaskArgs) -> i32 {
    match dispatch(args).await {
        Ok(code) => code,
        Err(message) => {
            eprintln!("error: {message}");
            2
        }
    }
}

async fn dispatch(args: TaskArgs) -> Result<i32, String> {
    let root = super::workdir(&args.cd)?;
    let store = Store::open(&root)
        .map_err(|e| format!("cannot open the task store of {}: {e}", root.display()))?;
    // Tasks of the fleet: submitted there, or not found here.
    if let Some(code) = super::remote::dispatch(&store, &args.command).await {
        return code;
    }
    match args.command {
        TaskCommand::Start {
            prompt,
            attempts,
            wait,
            flags,
            remote: _,
        } => {
            let ids = start(&store, &prompt, &flags.table()?, attempts)?;
            for id in &ids {
                outln!("{id}");
            }
            if wait {
                return wait_and_show(&store, &ids).await;
            }
            Ok(0)
        }
        TaskCommand::List { json } => {
            let mut tasks = store.list();
            // The fleet out of reach hides none of this machine's tasks.
            match super::remote::list(&store).await {
                Ok(remote) => tasks.extend(remote),
                Err(e) => eprintln!("warning: remote tasks not listed: {e}"),
            }
            if json {
                outln!(
                    "{}",
                    serde_json::to_string_pretty(&tasks).unwrap_or_default()
                );
            } else if tasks.is_empty() {
                outln!("No tasks in {}", store.root().display());
            } else {
                for t in &tasks {
                    outln!("{}", list_line(t));
                }
            }
            Ok(0)
        }
        TaskCommand::Show { id, json } => {
            let meta = store.find(&id)?;
            out!("{}", show(&store, &meta, json)?);
            Ok(0)
        }
        TaskCommand::Attempts { id } => {
            let meta = store.find(&id)?;
            let group = meta
                .group
                .clone()
                .ok_or("this task is not one of several attempts")?;
            for t in store
                .list()
                .into_iter()
                .filter(|t| t.group.as_ref() == Some(&group))
            {
                outln!("── attempt {} ({})", t.attempt.unwrap_or(0), list_line(&t));
                out!(
                    "{}",
                    store
                        .result(&t.id)
                        .map_err(|e| e.to_string())?
                        .changes
                        .unified_diff()
                );
            }
            Ok(0)
        }
        TaskCommand::Apply { id, flags } => {
            let meta = store.find(&id)?;
            let result = store.result(&meta.id).map_err(|e| e.to_string())?;
            let ws =
                tandem_core::workspace::Workspace::new(store.root()).map_err(|e| e.to_string())?;
            let applied =
                tandem_core::apply::apply(store.root(), &result.changes, &flags.include(&ws)?)
                    .map_err(|e| e.to_string())?;
            if applied.complete() {
                store
                    .update(&meta.id, |m| m.state = TaskState::Applied)
                    .map_err(|e| e.to_string())?;
            }
            let again = format!("tandem task apply {}", meta.id);
            out!("{}", super::apply::render(&applied, Some(&again)));
            if applied.written.is_empty() && !applied.refused.is_empty() {
                eprintln!("nothing written: open the task in your editor to merge it hunk by hunk");
            }
            outln!("{}", super::apply::ending(&applied));
            Ok(super::apply::exit_code(&applied))
        }
        TaskCommand::Discard { id } => {
            let meta = store.find(&id)?;
            if meta.state.is_live() {
                return Err("the task is still running; cancel it first".into());
            }
            store
                .update(&meta.id, |m| m.state = TaskState::Discarded)
                .map_err(|e| e.to_string())?;
            outln!("Discarded {}", meta.id);
            Ok(0)
        }
        TaskCommand::FollowUp { id, message, wait } => {
            let meta = store.find(&id)?;
            if meta.state.is_live() {
                return Err("the task is still running; steer it or wait for it".into());
            }
            spawn_worker(&store, &meta.id, "follow-up", Some(&message))?;
            outln!("{}", meta.id);
            if wait {
                return wait_and_show(&store, &[meta.id]).await;
            }
            Ok(0)
        }
        TaskCommand::Resume { id, wait } => {
            let meta = store.find(&id)?;
            if meta.state.is_live() {
                return Err("the task is still running".into());
            }
            spawn_worker(&store, &meta.id, "resume", None)?;
            outln!("{}", meta.id);
            if wait {
                return wait_and_show(&store, &[meta.id]).await;
            }
            Ok(0)
        }
        TaskCommand::Cancel { id } => {
            let meta = store.find(&id)?;
            match (meta.state.is_live(), meta.owner) {
                (true, Some(o)) if owner::is_alive(&o) => {
                    // SAFETY: a signal to a pid we just checked is the owner.
                    unsafe { libc::kill(o.pid as i32, libc::SIGTERM) };
                    outln!("Cancelling {}", meta.id);
                    Ok(0)
                }
                _ => Err(format!(
                    "task {} is not running ({})",
                    meta.id,
                    meta.state.as_str()
                )),
            }
        }
        TaskCommand::Wait { ids } => {
            let ids: Result<Vec<String>, String> =
                ids.iter().map(|i| store.find(i).map(|m| m.id)).collect();
            wait_and_show(&store, &ids?).await
        }
        TaskCommand::Branch { id, name, author } => {
            let meta = store.find(&id)?;
            let author = author.or(configured_author(&store));
            let made = tandem_core::tasks::branch::branch(&store, &meta, name, author.as_deref())?;
            outln!(
                "Branch {} at {}",
                made.name,
                &made.commit[..made.commit.len().min(12)]
            );
            Ok(0)
        }
        TaskCommand::Patch { id, author } => {
            let meta = store.find(&id)?;
            let author = author.or(configured_author(&store));
            let result = store.result(&meta.id).map_err(|e| e.to_string())?;
            let message = git::message(&meta.summary, &meta.prompt);
            out!(
                "{}",
                git::patch(&CommitRequest {
                    root: store.root(),
                    changes: &result.changes,
                    message: &message,
                    author: author.as_deref(),
                })?
            );
            outln!();
            Ok(0)
        }
        TaskCommand::Pr { id } => {
            let meta = store.find(&id)?;
            let branch = meta
                .branch
                .clone()
                .ok_or("make a branch first: `tandem task branch ID`")?;
            let message = git::message(&meta.summary, &meta.prompt);
            let (title, body) = message.split_once("\n\n").unwrap_or((&message, ""));
            outln!("{}", git::pull_request(store.root(), &branch, title, body)?);
            Ok(0)
        }
        TaskCommand::Worker { id, step, message } => worker(&store, &id, &step, message).await,
    }
}

/// Create the task(s) and hand each to a worker. Returns their ids.
pub fn start(
    store: &Store,
    prompt: &str,
    flags: &toml::Table,
    attempts: u32,
) -> Result<Vec<String>, String> {
    if prompt.trim().is_empty() {
        return Err("the prompt is empty".into());
    }
    let settings = toml::to_string(flags).map_err(|e| e.to_string())?;
    // The worker never asks; say now what it will leave out.
    if let Some(skipped) = tandem_config::trust::Trust::check(store.root()).skipped() {
        eprintln!("warning: {}", skipped.line());
    }
    let mut ids = Vec::new();
    for meta in store
        .create_attempts(prompt, &settings, attempts)
        .map_err(|e| e.to_string())?
    {
        spawn_worker(store, &meta.id, "start", None)?;
        ids.push(meta.id);
    }
    Ok(ids)
}

/// A detached worker process for task `id`; the task's owner is set to it
/// before returning, so the task never reads as abandoned in between.
fn spawn_worker(store: &Store, id: &str, step: &str, message: Option<&str>) -> Result<(), String> {
    use std::os::unix::process::CommandExt;
    let exe = std::env::current_exe().map_err(|e| format!("cannot find the tandem binary: {e}"))?;
    let log =
        std::fs::File::create(store.task_dir(id).join("worker.log")).map_err(|e| e.to_string())?;
    let mut cmd = std::process::Command::new(exe);
    cmd.arg("task")
        .arg("-C")
        .arg(store.root())
        .args(["worker", id, "--step", step]);
    if let Some(m) = message {
        cmd.args(["--message", m]);
    }
    cmd.stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(log)
        // Its own session: closing the terminal does not stop it.
        .process_group(0);
    let child = cmd
        .spawn()
        .map_err(|e| format!("cannot start the task: {e}"))?;
    let pid = child.id();
    let start = owner::start_time(pid).unwrap_or(0);
    store
        .update(id, |m| {
            m.state = TaskState::Queued;
            m.owner = Some(tandem_core::tasks::meta::Owner { pid, start });
        })
        .map_err(|e| e.to_string())?;
    Ok(())
}

async fn worker(
    store: &Store,
    id: &str,
    step: &str,
    message: Option<String>,
) -> Result<i32, String> {
    let step = match (step, message) {
        ("start", _) => Step::Start,
        ("resume", _) => Step::Resume,
        ("follow-up", Some(m)) => Step::FollowUp(m),
        (other, _) => return Err(format!("unknown step `{other}`")),
    };
    let cancel = CancellationToken::new();
    {
        let cancel = cancel.clone();
        tokio::spawn(async move {
            if let Ok(mut term) =
                tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            {
                term.recv().await;
                cancel.cancel();
            }
        });
    }
    let meta = runner::run(
        store,
        id,
        step,
        cancel,
        Arc::new(NoWatch),
        &tandem_config::setup::load_task,
    )
    .await
    .map_err(|e| e.to_string())?;
    Ok(i32::from(meta.state != TaskState::Done))
}

async fn wait_and_show(store: &Store, ids: &[String]) -> Result<i32, String> {
    loop {
        let metas: Vec<TaskMeta> = ids
            .iter()
            .map(|id| store.load(id).map_err(|e| e.to_string()))
            .collect::<Result<_, _>>()?;
        if metas.iter().all(|m| !m.state.is_live()) {
            for m in &metas {
                out!("{}", show(store, m, false)?);
            }
            let all_done = metas.iter().all(|m| m.state == TaskState::Done);
            return Ok(if all_done { 0 } else { 1 });
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn configured_author(store: &Store) -> Option<String> {
    let trust = tandem_config::trust::Trust::check(store.root());
    tandem_config::setup::load(store.root(), Vec::new(), trust)
        .ok()
        .and_then(|l| l.settings().tasks.author.clone())
}

fn next_step(meta: &TaskMeta) -> Option<String> {
    let id = short(&meta.id);
    Some(match meta.state {
        TaskState::Queued | TaskState::Running => format!("Still {}.", meta.state.as_str()),
        TaskState::Interrupted => format!("Interrupted: `tandem task resume {id}` carries on."),
        TaskState::Applied => "Applied to your files.".into(),
        TaskState::Discarded => "Discarded.".into(),
        _ if meta.files.is_empty() => return None,
        _ => format!(
            "Not applied. Next: `tandem task apply {id}`, `tandem task follow-up {id} \"…\"`, `tandem task branch {id}` or `tandem task discard {id}`."
        ),
    })
}

fn short(id: &str) -> &str {
    tandem_core::tasks::branch::short_id(id)
}

fn list_line(t: &TaskMeta) -> String {
    let cost = t
        .cost_usd
        .map(|c| format!("${c:.4}"))
        .unwrap_or_else(|| "-".into());
    let prompt: String = t
        .prompt
        .lines()
        .next()
        .unwrap_or("")
        .chars()
        .take(60)
        .collect();
    format!(
        "{}  {:<11}  {:>2} file(s)  {:>8}  {prompt}",
        t.id,
        t.state.as_str(),
        t.files.len(),
        cost
    )
}

/// The task as the user reviews it (or as JSON: the metadata and result).
/// Which files of a task's result run code, with the settings as the
/// repository has them now.
fn runs_code(store: &Store, changes: &tandem_core::changes::ChangeSet) -> RunsCode {
    RunsCode::of(changes, |p| {
        std::fs::read_to_string(store.root().join(p)).ok()
    })
}

/// Lines of a set-up's output `task show` prints (`--json` has it all).
const SETUP_LINES: usize = 12;

fn show(store: &Store, meta: &TaskMeta, json: bool) -> Result<String, String> {
    let result = store.result(&meta.id).map_err(|e| e.to_string())?;
    Ok(render_show(store, meta, &result, json))
}

/// A task and its result as `tandem task show` prints them (local or
/// remote: the result is given).
pub(crate) fn render_show(
    store: &Store,
    meta: &TaskMeta,
    result: &tandem_core::tasks::TaskResult,
    json: bool,
) -> String {
    if json {
        let value = serde_json::json!({
            "task": meta,
            "result": result,
            "diff": result.changes.unified_diff(),
            // Per file, with `runs_code` for those `task apply` leaves out.
            "files": summarize_files(&result.changes, &runs_code(store, &result.changes)),
        });
        return format!(
            "{}\n",
            serde_json::to_string_pretty(&value).unwrap_or_default()
        );
    }
    let mut out = format!(
        "── Task {} ({})\n{}\n",
        meta.id,
        meta.state.as_str(),
        meta.prompt.trim()
    );
    for f in &meta.follow_ups {
        out.push_str(&format!("  follow-up: {}\n", f.trim()));
    }
    if let Some(e) = &meta.error {
        out.push_str(&format!("error: {e}\n"));
    }
    if let Some(setup) = &meta.setup {
        out.push_str(&format!("{}\n", setup.line()));
        // The end of its output: where an install says what it did or why not.
        let lines: Vec<&str> = setup.output.lines().collect();
        for line in &lines[lines.len().saturating_sub(SETUP_LINES)..] {
            out.push_str(&format!("  │ {line}\n"));
        }
    }
    let report = RunReport {
        outcome: match meta.state {
            TaskState::TurnLimit => Outcome::TurnLimit,
            TaskState::Cancelled | TaskState::Interrupted => Outcome::Cancelled,
            TaskState::Failed => Outcome::ModelError,
            _ => Outcome::Done,
        },
        message: meta.summary.clone(),
        diff: result.changes.unified_diff(),
        files: summarize_files(&result.changes, &runs_code(store, &result.changes)),
        citations: result.citations.iter().collect(),
        commands: result.commands.clone(),
        sources: result.sources.clone(),
        turns: meta.turns,
        usage: meta.usage,
        cost_usd: meta.cost_usd,
        applied: meta.state == TaskState::Applied,
        apply: None,
        error: meta.error.clone(),
        next: next_step(meta),
    };
    let color = std::io::stdout().is_terminal();
    out.push_str(&render_report(&report, color, true));
    out
}
