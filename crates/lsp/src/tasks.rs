//! Background tasks from the editor: `tandem.task.*` commands and the
//! `tandem/tasks` request. Tasks run in this process (each in its own
//! workspace view and sandbox, persisted by `tandem_core::tasks`), with a
//! `tandem/taskChanged` notification on every state change and work-done
//! progress while one runs. A result is reviewed by opening it as its own
//! proposal (`groups.rs`), beside the foreground run's: the same per-hunk
//! review, and accepting one never takes the other's hunks.

use super::answers::accept;
use super::arguments::args;
use super::backend::Backend;
use super::groups::GroupId;
use super::pick::Pick;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::sync::Arc;
use tandem_core::agent::Event;
use tandem_core::tasks::runner::{self, Step, Watch};
use tandem_core::tasks::{Store, TaskMeta, TaskState};
use tandem_protocol::{commands, methods};
use tokio::sync::mpsc;
use tower_lsp_server::jsonrpc::{Error, Result};
use tower_lsp_server::ls_types::notification::Notification;
use tower_lsp_server::ls_types::{MessageType, NumberOrString};

/// The commands handled here, as the server advertises them.
pub const COMMANDS: &[&str] = commands::TASKS;

/// A task as the editor lists it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TaskInfo {
    /// The protocol version (`PROTOCOL_VERSION`); 0 from a server before versions.
    #[serde(default)]
    pub v: u32,
    pub id: String,
    pub prompt: String,
    pub state: TaskState,
    pub files: Vec<String>,
    pub cost_usd: Option<f64>,
    pub summary: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attempt: Option<u32>,
}

impl From<&TaskMeta> for TaskInfo {
    fn from(m: &TaskMeta) -> Self {
        TaskInfo {
            v: tandem_protocol::PROTOCOL_VERSION,
            id: m.id.clone(),
            prompt: m.prompt.clone(),
            state: m.state,
            files: m.files.clone(),
            cost_usd: m.cost_usd,
            summary: m.summary.clone(),
            error: m.error.clone(),
            group: m.group.clone(),
            attempt: m.attempt,
        }
    }
}

/// `tandem/taskChanged`: a task's new state.
pub enum TaskChanged {}

impl Notification for TaskChanged {
    type Params = TaskInfo;
    const METHOD: &'static str = methods::TASK_CHANGED;
}

#[derive(Deserialize)]
struct StartArgs {
    prompt: String,
    #[serde(default)]
    attempts: Option<u32>,
}

#[derive(Deserialize)]
struct TaskRef {
    id: String,
    #[serde(default)]
    message: Option<String>,
}

fn store(backend: &Backend) -> Result<Store> {
    Store::open(&backend.root())
        .map_err(|e| Error::invalid_params(format!("cannot open the task store: {e}")))
}

fn find(store: &Store, id: &str) -> Result<TaskMeta> {
    store.find(id).map_err(Error::invalid_params)
}

/// The `tandem/tasks` request.
pub fn list(backend: &Backend) -> Result<Value> {
    let tasks: Vec<TaskInfo> = store(backend)?.list().iter().map(TaskInfo::from).collect();
    Ok(json!({ "tasks": tasks }))
}

pub async fn execute(backend: &Backend, command: &str, arg: Value) -> Result<Value> {
    if command == commands::TASK_LIST {
        return list(backend);
    }
    if command == commands::TASK_START {
        let a: StartArgs = args(command, arg)?;
        if a.prompt.trim().is_empty() {
            return Err(Error::invalid_params("tandem.task.start needs a `prompt`"));
        }
        let store = store(backend)?;
        // Tasks never ask once running: ask now, in the editor, if needed.
        super::trust::decide(backend, store.root(), std::time::Duration::from_secs(120)).await;
        let settings = backend.settings().editor_toml();
        let metas = store
            .create_attempts(&a.prompt, &settings, a.attempts.unwrap_or(1))
            .map_err(|e| Error::invalid_params(e.to_string()))?;
        let ids: Vec<String> = metas.iter().map(|m| m.id.clone()).collect();
        for id in &ids {
            spawn(backend, store.clone(), id.clone(), Step::Start);
        }
        return Ok(json!({ "task": ids[0], "tasks": ids }));
    }
    let r: TaskRef = args(command, arg)?;
    let store = store(backend)?;
    let meta = find(&store, &r.id)?;
    match command {
        commands::TASK_SHOW => show(backend, &store, &meta).await,
        commands::TASK_APPLY => apply(backend, &store, &meta).await,
        commands::TASK_BRANCH => branch(backend, &store, &meta).await,
        commands::TASK_DISCARD => {
            if meta.state.is_live() {
                return Err(Error::invalid_params(
                    "the task is still running; cancel it first",
                ));
            }
            backend.task_groups().close(&meta.id);
            backend.publish_review().await;
            let meta = store
                .update(&meta.id, |m| m.state = TaskState::Discarded)
                .map_err(|e| Error::invalid_params(e.to_string()))?;
            notify(backend, &meta).await;
            Ok(json!({ "discarded": true }))
        }
        commands::TASK_FOLLOW_UP | commands::TASK_RESUME => {
            if meta.state.is_live() {
                return Err(Error::invalid_params("the task is still running"));
            }
            let step = if command == commands::TASK_RESUME {
                Step::Resume
            } else {
                let message = r.message.filter(|m| !m.trim().is_empty()).ok_or_else(|| {
                    Error::invalid_params("tandem.task.followUp needs a `message`")
                })?;
                Step::FollowUp(message)
            };
            spawn(backend, store, meta.id.clone(), step);
            Ok(json!({ "task": meta.id }))
        }
        commands::TASK_CANCEL => Ok(json!({ "cancelled": backend.task_tokens().cancel(&meta.id) })),
        commands::TASK_ATTEMPTS => {
            let group = meta
                .group
                .clone()
                .ok_or_else(|| Error::invalid_params("this task is not one of several attempts"))?;
            let attempts: Vec<Value> = store
                .list()
                .iter()
                .filter(|t| t.group.as_ref() == Some(&group))
                .map(|t| {
                    let diff = store
                        .result(&t.id)
                        .map(|r| r.changes.unified_diff())
                        .unwrap_or_default();
                    json!({ "task": TaskInfo::from(t), "diff": diff })
                })
                .collect();
            Ok(json!({ "attempts": attempts }))
        }
        other => Err(Error::invalid_params(format!("unknown command {other}"))),
    }
}

/// Open the task's result for review as its own proposal (its hunks get
/// lenses and diagnostics of their own). Opening it again keeps what the
/// user already answered.
async fn show(backend: &Backend, store: &Store, meta: &TaskMeta) -> Result<Value> {
    let result = store
        .result(&meta.id)
        .map_err(|e| Error::invalid_params(e.to_string()))?;
    let base = backend
        .workspace()
        .ok_or_else(|| Error::invalid_params("the server has no workspace yet"))?;
    let opened = backend.task_groups().open(&meta.id, &meta.prompt, || {
        let ws = base.view();
        ws.restore(result.changes.clone(), result.citations.clone());
        Arc::new(ws)
    });
    backend.publish_review().await;
    Ok(json!({
        "task": TaskInfo::from(meta),
        "group": GroupId::Task(meta.id.clone()),
        "opened": opened,
        "diff": result.changes.unified_diff(),
        "citations": result.citations.iter().collect::<Vec<_>>(),
        "commands": result.commands,
    }))
}

/// Apply = open for review, then accept every hunk of the task's proposal
/// through the editor (so open buffers change with the files). Like
/// "Accept all", files that run code on the user's machine stay in the
/// review, to be accepted one by one. The foreground's proposal is left as
/// it is.
async fn apply(backend: &Backend, store: &Store, meta: &TaskMeta) -> Result<Value> {
    show(backend, store, meta).await?;
    let group = GroupId::Task(meta.id.clone());
    let answer = accept(backend, &group, Pick::All).await?;
    let applied = answer["applied"].as_bool().unwrap_or(false);
    let left_out = answer["leftOut"].clone();
    let fully = applied && left_out.as_array().is_none_or(Vec::is_empty);
    // Accepting the last hunks closed the group and marked the task
    // applied already (`close_if_reviewed`); only what that left is done
    // here, so the "applied" notification goes out once.
    if fully && backend.task_groups().close(&meta.id).is_some() {
        let meta = store
            .update(&meta.id, |m| m.state = TaskState::Applied)
            .map_err(|e| Error::invalid_params(e.to_string()))?;
        notify(backend, &meta).await;
        backend.publish_review().await;
    }
    Ok(json!({ "applied": fully, "leftOut": left_out, "created": answer["created"] }))
}

/// A git branch with the task's result as one commit on top of HEAD (the
/// user's files and index untouched), like `tandem task branch`.
async fn branch(backend: &Backend, store: &Store, meta: &TaskMeta) -> Result<Value> {
    let made = tandem_core::tasks::branch::branch(store, meta, None, None)
        .map_err(Error::invalid_params)?;
    let (name, commit) = (made.name, made.commit);
    notify(backend, &made.meta).await;
    backend
        .tell(
            MessageType::INFO,
            format!(
                "Tandem: branch {name} at {}",
                &commit[..commit.len().min(12)]
            ),
        )
        .await;
    Ok(json!({ "branch": name, "commit": commit }))
}

/// Once every hunk of a task's proposal is answered, it leaves the review;
/// if the user accepted any, the task is marked applied.
pub async fn close_if_reviewed(backend: &Backend, group: &GroupId) {
    let GroupId::Task(id) = group else { return };
    let Some(ws) = backend.task_groups().get(id) else {
        return;
    };
    if !ws.review().is_empty() {
        return;
    }
    let accepted = backend.task_groups().close(id).unwrap_or(0);
    if accepted > 0
        && let Ok(store) = Store::open(&backend.root())
        && let Ok(meta) = store.update(id, |m| m.state = TaskState::Applied)
    {
        notify(backend, &meta).await;
    }
}

async fn notify(backend: &Backend, meta: &TaskMeta) {
    backend
        .client
        .send_notification::<TaskChanged>(TaskInfo::from(meta))
        .await;
}

enum Update {
    State(Box<TaskMeta>),
    Step(String),
}

/// Hands the runner's callbacks to an async forwarder, in order.
struct EditorWatch(mpsc::UnboundedSender<Update>);

impl Watch for EditorWatch {
    fn state(&self, meta: &TaskMeta) {
        let _ = self.0.send(Update::State(Box::new(meta.clone())));
    }

    fn event(&self, _id: &str, event: &Event) {
        let step = match event {
            Event::TurnStarted { turn } => format!("thinking (turn {turn})"),
            Event::ToolCallStarted { name, .. } => name.clone(),
            _ => return,
        };
        let _ = self.0.send(Update::Step(step));
    }
}

/// Run a step of task `id` in this process.
fn spawn(backend: &Backend, store: Store, id: String, step: Step) {
    let cancel = backend.task_tokens().start(&id);
    let (tx, rx) = mpsc::unbounded_channel();
    tokio::spawn(forward(backend.clone(), id.clone(), rx));
    let backend = backend.clone();
    tokio::spawn(async move {
        let ran = runner::run(
            &store,
            &id,
            step,
            cancel,
            Arc::new(EditorWatch(tx)),
            &tandem_config::setup::load_task,
        )
        .await;
        backend.task_tokens().finish(&id);
        if let Err(e) = ran {
            backend
                .tell(MessageType::ERROR, format!("Tandem: task {id}: {e}"))
                .await;
        }
    });
}

type Ongoing =
    tower_lsp_server::OngoingProgress<tower_lsp_server::Unbounded, tower_lsp_server::Cancellable>;

/// Notifications and progress for one task, in the order they happened.
async fn forward(backend: Backend, id: String, mut rx: mpsc::UnboundedReceiver<Update>) {
    let use_progress = backend.caps().work_done_progress;
    let mut progress: Option<Ongoing> = None;
    while let Some(update) = rx.recv().await {
        match update {
            Update::State(meta) => {
                notify(&backend, &meta).await;
                if meta.state == TaskState::Running && use_progress && progress.is_none() {
                    let token = NumberOrString::String(format!("tandem-task-{id}"));
                    if backend
                        .client
                        .create_work_done_progress(token.clone())
                        .await
                        .is_ok()
                    {
                        let title: String = meta
                            .prompt
                            .lines()
                            .next()
                            .unwrap_or("")
                            .chars()
                            .take(60)
                            .collect();
                        progress = Some(
                            backend
                                .client
                                .progress(token, format!("Tandem task: {title}"))
                                .with_cancel_button()
                                .begin()
                                .await,
                        );
                    }
                }
                if !meta.state.is_live()
                    && let Some(p) = progress.take()
                {
                    p.finish_with_message(meta.state.as_str().to_string()).await;
                }
            }
            Update::Step(step) => {
                if let Some(p) = &progress {
                    p.report_with_message(step, None).await;
                }
            }
        }
    }
}
