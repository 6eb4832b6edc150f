//! Running one step of a task (its start, a follow-up, or a resume after an
//! interruption) in its own workspace view and sandbox, persisting as it
//! goes: the conversation and the result at every checkpoint, every event
//! to the transcript, the state in `meta.json`.

use super::meta::{TaskMeta, TaskState, now};
use super::store::{Store, TaskResult};
use super::{environment, owner, slots};
use crate::agent::{Checkpoint, Event, Outcome};
use crate::model::{Message, Usage};
use crate::policy::Mode;
use crate::sandbox::BackendChoice;
use crate::session::{self, Expanded, Record, RunSummary, SessionBuilder, Setup};
use crate::tools::ToolContext;
use crate::transcript::{self, Line, Transcript};
use crate::workspace::Workspace;
use std::path::Path;
use std::sync::Arc;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

pub const DEFAULT_CONCURRENCY: usize = 3;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    Start,
    /// Feedback on a finished task: a new turn in the same conversation.
    FollowUp(String),
    /// Carry on after an interruption, from the transcript.
    Resume,
}

/// Who watches a task run (the editor: notifications and progress).
pub trait Watch: Send + Sync {
    fn state(&self, _meta: &TaskMeta) {}
    fn event(&self, _id: &str, _event: &Event) {}
    /// A checkpoint was just saved in the store (transcript and result);
    /// called before the model call it precedes, so a copy made here is
    /// never behind a tool call that completed (a fleet worker ships it).
    fn checkpoint(&self, _store: &Store, _id: &str) {}
}

pub struct NoWatch;
impl Watch for NoWatch {}

/// Reads a task's settings: the files of its workspace `root` (as the
/// folder's stored trust allows: a task never asks) under the layer it was
/// started with (`saved`, TOML). The faces pass `tandem-config`'s.
pub type LoadSetup = dyn Fn(&Path, &str) -> Result<Setup, String> + Send + Sync;

/// Run `step` of task `id` to its end. Errors of set-up end the task as
/// failed; only a store that cannot be written is an `Err`.
pub async fn run(
    store: &Store,
    id: &str,
    step: Step,
    cancel: CancellationToken,
    watch: Arc<dyn Watch>,
    load: &LoadSetup,
) -> std::io::Result<TaskMeta> {
    let meta = store.update(id, |m| {
        m.state = TaskState::Queued;
        m.owner = Some(owner::me());
        m.error = None;
        m.setup = None;
        if let Step::FollowUp(text) = &step {
            m.follow_ups.push(text.clone());
        }
    })?;
    watch.state(&meta);
    let settings = match task_settings(&meta, load) {
        Ok(s) => s,
        Err(e) => return finish(store, id, TaskState::Failed, Some(e), None, &*watch),
    };
    let slots = settings
        .settings
        .tasks
        .concurrency
        .unwrap_or(DEFAULT_CONCURRENCY);
    let Some(_slot) = slots::acquire(&store.slots_dir(), slots, &cancel).await? else {
        return finish(store, id, TaskState::Cancelled, None, None, &*watch);
    };
    let meta = store.update(id, |m| m.state = TaskState::Running)?;
    watch.state(&meta);
    match execute(store, &meta, &settings, step, cancel, watch.clone()).await {
        Ok(mut ran) => {
            let state = match ran.outcome {
                Outcome::Done => TaskState::Done,
                Outcome::TurnLimit => TaskState::TurnLimit,
                Outcome::Cancelled => TaskState::Cancelled,
                // Ended by Tandem, not the model: failed, the reason as
                // the error; the proposal so far stays for review.
                Outcome::ModelError | Outcome::Stuck | Outcome::Budget => TaskState::Failed,
            };
            finish(store, id, state, ran.error.take(), Some(ran), &*watch)
        }
        Err(e) => finish(store, id, TaskState::Failed, Some(e), None, &*watch),
    }
}

fn finish(
    store: &Store,
    id: &str,
    state: TaskState,
    error: Option<String>,
    ran: Option<Ran>,
    watch: &dyn Watch,
) -> std::io::Result<TaskMeta> {
    let files: Option<Vec<String>> = store
        .result(id)
        .ok()
        .map(|r| r.changes.files().map(|(p, _)| p.clone()).collect());
    let meta = store.update(id, |m| {
        m.state = state;
        m.error = error;
        if let Some(files) = files {
            m.files = files;
        }
        if let Some(ran) = ran {
            m.usage.add(&ran.usage);
            m.turns += ran.turns;
            m.cost_usd = match (m.cost_usd, ran.cost_usd) {
                (Some(a), Some(b)) => Some(a + b),
                (a, b) => a.or(b),
            };
            if !ran.summary.is_empty() {
                m.summary = ran.summary;
            }
        }
    })?;
    watch.state(&meta);
    Ok(meta)
}

/// The task's settings. Tasks default to `auto` (nobody is there to
/// approve; the sandbox is the safety) and never run unsandboxed.
fn task_settings(meta: &TaskMeta, load: &LoadSetup) -> Result<Setup, String> {
    let mut setup = load(&meta.root, &meta.settings)?;
    let settings = &mut setup.settings;
    let mode = settings
        .permissions
        .mode
        .or(settings.tasks.mode)
        .unwrap_or(Mode::Auto);
    if mode == Mode::Local || settings.sandbox.backend == BackendChoice::Local {
        return Err(
            "background tasks always run in a sandbox; `local` is for interactive runs".into(),
        );
    }
    let helper =
        std::env::current_exe().map_err(|e| format!("cannot find the tandem binary: {e}"))?;
    crate::sandbox::refuse_unattended(&settings.sandbox, &helper)?;
    settings.permissions.mode = Some(mode);
    // A task's own cost cap wins over the interactive one.
    if let Some(cap) = settings.tasks.max_cost {
        settings.agent.max_cost = Some(cap);
    }
    Ok(setup)
}

struct Ran {
    outcome: Outcome,
    usage: Usage,
    cost_usd: Option<f64>,
    summary: String,
    error: Option<String>,
    turns: u32,
}

/// Saves the conversation and the result at every checkpoint.
struct Saver {
    store: Store,
    id: String,
    transcript: Arc<Transcript>,
    ctx: Arc<ToolContext>,
    watch: Arc<dyn Watch>,
}

impl Saver {
    fn save_result(&self) {
        let result = TaskResult {
            changes: self.ctx.workspace.changes(),
            citations: self.ctx.workspace.citations(),
            commands: self.ctx.commands.lock().clone(),
            sources: self.ctx.sources.lock().clone(),
        };
        if let Err(e) = self.store.save_result(&self.id, &result) {
            tracing::error!("task {}: cannot save its result: {e}", self.id);
        }
    }
}

impl Checkpoint for Saver {
    fn checkpoint(&self, messages: &[Message]) {
        // The result first: a crash between the two leaves a proposal that
        // is at least as new as the conversation that led to it.
        self.save_result();
        if let Err(e) = self.transcript.messages(messages) {
            tracing::error!("task {}: cannot write its transcript: {e}", self.id);
        }
        self.watch.checkpoint(&self.store, &self.id);
    }
}

async fn execute(
    store: &Store,
    meta: &TaskMeta,
    setup: &Setup,
    step: Step,
    cancel: CancellationToken,
    watch: Arc<dyn Watch>,
) -> Result<Ran, String> {
    let root = &meta.root;
    let chosen = session::choose_provider(&setup.settings).await?;

    let saved = store.result(&meta.id).map_err(|e| e.to_string())?;
    let workspace =
        Arc::new(Workspace::new(root).map_err(|e| format!("cannot open {}: {e}", root.display()))?);
    workspace.restore(saved.changes, saved.citations);

    let path = store.transcript_path(&meta.id);
    let lines = transcript::read(&path).map_err(|e| e.to_string())?;
    let history = transcript::conversation(&lines);
    let writer = transcript::Writer {
        session_id: meta.id.clone(),
        cwd: root.display().to_string(),
    };
    let transcript = Arc::new(Transcript::open(&path, &lines, writer).map_err(|e| e.to_string())?);
    let (kind, text) = match &step {
        Step::Start => ("start", meta.prompt.clone()),
        Step::FollowUp(t) => ("follow_up", t.clone()),
        Step::Resume => ("resume", String::new()),
    };
    let _ = transcript.append(&Line::Request {
        at: now(),
        kind: kind.into(),
        text,
    });

    let (tx, mut rx) = mpsc::unbounded_channel::<Event>();
    let fresh = history.is_empty();
    // A fresh sandbox each step: the proposal is put back into it before
    // every command, so the task sees its own files again.
    let sandbox_dir = store.task_dir(&meta.id).join("sandbox");
    let _ = std::fs::remove_dir_all(&sandbox_dir);
    let built = SessionBuilder::new(setup, workspace, chosen, cancel.clone(), tx)
        .sandbox_dir(sandbox_dir)
        .history(history)
        .record(Record::Task {
            id: meta.id.clone(),
            transcript: path.clone(),
        })
        .build()?;
    environment(store, meta, setup, &built.ctx, &cancel).await?;
    if cancel.is_cancelled() {
        // Cancelled during the set-up: the agent never starts.
        return Ok(Ran {
            outcome: Outcome::Cancelled,
            usage: Usage::default(),
            cost_usd: None,
            summary: String::new(),
            error: None,
            turns: 0,
        });
    }
    *built.ctx.commands.lock() = saved.commands;
    *built.ctx.sources.lock() = saved.sources;
    // The request of this step, as the model gets it (`/name` expanded).
    // An unknown `/command` fails the task before any model call.
    let expand = |text: &str| match built.prompt(text)? {
        Expanded::Prompt(p) => Ok::<_, String>(p),
        _ => Err(
            "`/help`, `/clear` and `/compact` are not tasks: give the task what to do".to_string(),
        ),
    };
    let request = match &step {
        Step::Start => Some(expand(&meta.prompt)?),
        Step::FollowUp(text) => Some(expand(text)?),
        Step::Resume if fresh => Some(expand(&meta.prompt)?),
        Step::Resume => None,
    };
    let saver = Arc::new(Saver {
        store: store.clone(),
        id: meta.id.clone(),
        transcript: transcript.clone(),
        ctx: built.ctx.clone(),
        watch: watch.clone(),
    });
    let mut session = built.session.with_checkpoint(saver.clone());

    let forward = {
        let (transcript, id) = (transcript.clone(), meta.id.clone());
        tokio::spawn(async move {
            let mut summary = RunSummary::default();
            while let Some(event) = rx.recv().await {
                // Deltas are in the messages; the transcript keeps the rest.
                if !matches!(event, Event::TextDelta { .. } | Event::ThinkingDelta { .. }) {
                    let _ = transcript.append(&Line::Event {
                        at: now(),
                        event: event.clone(),
                    });
                }
                summary.observe(&event);
                watch.event(&id, &event);
            }
            summary
        })
    };
    let outcome = match &request {
        Some(text) => session.run(text).await,
        None => session.resume().await,
    };
    session.end("task finished").await;
    // Nothing the task left running outlives its step.
    if let Some(processes) = &saver.ctx.background {
        processes.stop_all();
    }
    // SessionEnd hooks ran after the last checkpoint; their writes count.
    saver.save_result();
    let usage = session.usage();
    let cost_usd = session.cost_usd();
    drop(session);
    let summary = forward.await.unwrap_or_default();
    Ok(Ran {
        outcome,
        usage,
        cost_usd,
        summary: summary.message,
        turns: summary.turns,
        error: if matches!(
            outcome,
            Outcome::ModelError | Outcome::Stuck | Outcome::Budget
        ) {
            summary.error
        } else {
            None
        },
    })
}

/// Run (or reuse) the environment's set-up in the task's sandbox before
/// the agent starts, recording what happened in the task's meta; a failed
/// set-up fails the task.
async fn environment(
    store: &Store,
    meta: &TaskMeta,
    setup: &Setup,
    ctx: &ToolContext,
    cancel: &CancellationToken,
) -> Result<(), String> {
    let Some(command) = environment::command(&setup.settings) else {
        return Ok(());
    };
    let sandbox = ctx
        .sandbox
        .as_ref()
        .ok_or("the environment set-up needs the task's sandbox")?;
    let layers = crate::sandbox::layers::Layers::new(store.layers_dir());
    let record = environment::prepare(&**sandbox, &layers, &meta.root, &command, cancel).await?;
    // A cancel kills the set-up; that is the user's doing, not a failure.
    let failure = record.failure().filter(|_| !cancel.is_cancelled());
    store
        .update(&meta.id, |m| m.setup = Some(record))
        .map_err(|e| e.to_string())?;
    failure.map_or(Ok(()), Err)
}
