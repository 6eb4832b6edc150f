//! Running one step of a task (its start, a follow-up, or a resume after an
//! interruption) in its own workspace view and sandbox, persisting as it
//! goes: the conversation and the result at every checkpoint, every event
//! to the transcript, the state in `meta.json`.

use super::meta::{TaskMeta, TaskState, now};
use super::store::{Store, TaskResult};
use super::transcript::{self, Line, Transcript};
use super::{owner, slots};
use crate::agent::subagents::Catalog;
use crate::agent::{Checkpoint, Event, Outcome, Session};
use crate::config::Layer;
use crate::model::{Message, Usage};
use crate::policy::Mode;
use crate::sandbox::BackendChoice;
use crate::setup;
use crate::tools::{ToolContext, builtin_tools};
use crate::workspace::Workspace;
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
}

pub struct NoWatch;
impl Watch for NoWatch {}

/// Run `step` of task `id` to its end. Errors of set-up end the task as
/// failed; only a store that cannot be written is an `Err`.
pub async fn run(
    store: &Store,
    id: &str,
    step: Step,
    cancel: CancellationToken,
    watch: Arc<dyn Watch>,
) -> std::io::Result<TaskMeta> {
    let meta = store.update(id, |m| {
        m.state = TaskState::Queued;
        m.owner = Some(owner::me());
        m.error = None;
        if let Step::FollowUp(text) = &step {
            m.follow_ups.push(text.clone());
        }
    })?;
    watch.state(&meta);
    let settings = match task_settings(&meta) {
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
                Outcome::ModelError => TaskState::Failed,
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

/// The task's settings: the layers of its workspace under the ones it was
/// started with. Tasks default to `auto` (nobody is there to approve;
/// the sandbox is the safety) and never run unsandboxed.
fn task_settings(meta: &TaskMeta) -> Result<setup::Loaded, String> {
    let table: toml::Table = toml::from_str(&meta.settings)
        .map_err(|e| format!("the task's saved settings are unreadable: {e}"))?;
    // Tasks never ask: the stored answer stands (untrusted commands are
    // skipped, and the task's transcript says so).
    let trust = crate::trust::Trust::check(&meta.root);
    let loaded = setup::load(&meta.root, vec![Layer::Table(table)], trust)?;
    let mut loaded = loaded;
    let settings = &mut loaded.settings;
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
    Ok(loaded)
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
    }
}

async fn execute(
    store: &Store,
    meta: &TaskMeta,
    loaded: &setup::Loaded,
    step: Step,
    cancel: CancellationToken,
    watch: Arc<dyn Watch>,
) -> Result<Ran, String> {
    let root = &meta.root;
    let settings = &loaded.settings;
    let chosen = setup::choose_provider(settings).await?;
    let config = setup::session_config(
        root,
        &chosen.model,
        chosen.max_tokens,
        chosen.thinking_budget,
        loaded,
    );

    let saved = store.result(&meta.id).map_err(|e| e.to_string())?;
    let workspace =
        Arc::new(Workspace::new(root).map_err(|e| format!("cannot open {}: {e}", root.display()))?);
    workspace.restore(saved.changes, saved.citations);
    // A fresh sandbox each step: the proposal is put back into it before
    // every command, so the task sees its own files again.
    let sandbox_dir = store.task_dir(&meta.id).join("sandbox");
    let _ = std::fs::remove_dir_all(&sandbox_dir);
    let ctx = setup::tool_context_in(workspace, cancel, settings, &config, &sandbox_dir)?;
    *ctx.commands.lock() = saved.commands;
    *ctx.sources.lock() = saved.sources;
    let ctx = Arc::new(ctx);
    let mut gate = setup::gate(root, loaded, &[], None)?;
    // The task's hooks (the user's own too) run where its commands do,
    // and may read the task's transcript there (`transcript_path`).
    if let Some(sandbox) = &ctx.sandbox {
        sandbox.reveal(&store.transcript_path(&meta.id));
        gate.hooks.run_in(Arc::new(setup::InSandbox {
            sandbox: sandbox.clone(),
            workspace: ctx.workspace.clone(),
        }));
    }
    // Hooks see the task's id as the session and its transcript.
    gate.session_id = meta.id.clone();
    gate.transcript_path = store.transcript_path(&meta.id).display().to_string();

    let path = store.transcript_path(&meta.id);
    let history = transcript::conversation(&transcript::read(&path).map_err(|e| e.to_string())?);
    let transcript = Arc::new(Transcript::open(&path, history.clone()).map_err(|e| e.to_string())?);
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

    let (agents, problems) = Catalog::load(root, dirs::home_dir().as_deref());
    for problem in problems {
        let _ = transcript.append(&Line::Event {
            at: now(),
            event: Event::Error {
                message: format!("sub-agent {problem}"),
            },
        });
    }
    let (tx, mut rx) = mpsc::unbounded_channel::<Event>();
    setup::report_untrusted(&loaded.trust, &tx);
    let table = loaded.table.clone();
    let model = chosen.model.clone();
    let fresh = history.is_empty();
    let saver = Arc::new(Saver {
        store: store.clone(),
        id: meta.id.clone(),
        transcript: transcript.clone(),
        ctx: ctx.clone(),
    });
    let extras = setup::Extras::load(root, settings, config.home.as_deref());
    let mut tools = builtin_tools();
    extras.add_tools(&mut tools);
    let mut session = extras
        .attach(Session::new(
            chosen.provider,
            chosen.provider_name,
            tools,
            ctx.clone(),
            config,
            tx,
            Arc::new(move |u: &Usage| table.cost(&model, u)),
        ))
        .with_subagents(agents, loaded.table.clone())
        .with_gate(Arc::new(gate))
        .with_history(history)
        .with_checkpoint(saver.clone());

    let forward = {
        let (transcript, id) = (transcript.clone(), meta.id.clone());
        tokio::spawn(async move {
            let (mut summary, mut error, mut turns) = (String::new(), None, 0);
            while let Some(event) = rx.recv().await {
                // Deltas are in the messages; the transcript keeps the rest.
                if !matches!(event, Event::TextDelta { .. } | Event::ThinkingDelta { .. }) {
                    let _ = transcript.append(&Line::Event {
                        at: now(),
                        event: event.clone(),
                    });
                }
                match &event {
                    Event::Message { text } => summary = text.clone(),
                    Event::Error { message } => error = Some(message.clone()),
                    Event::TurnStarted { .. } => turns += 1,
                    _ => {}
                }
                watch.event(&id, &event);
            }
            (summary, error, turns)
        })
    };
    let outcome = match step {
        Step::Start => session.run(&extras.expand_prompt(&meta.prompt, &ctx)).await,
        Step::FollowUp(text) => session.run(&extras.expand_prompt(&text, &ctx)).await,
        Step::Resume if fresh => session.run(&extras.expand_prompt(&meta.prompt, &ctx)).await,
        Step::Resume => session.resume().await,
    };
    session.end("task finished").await;
    // SessionEnd hooks ran after the last checkpoint; their writes count.
    saver.save_result();
    let usage = session.usage();
    let cost_usd = session.cost_usd();
    drop(session);
    let (summary, error, turns) = forward.await.unwrap_or_default();
    Ok(Ran {
        outcome,
        usage,
        cost_usd,
        summary,
        turns,
        error: if outcome == Outcome::ModelError {
            error
        } else {
            None
        },
    })
}
